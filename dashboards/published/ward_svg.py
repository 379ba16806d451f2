"""The ward map of the published pages as inline SVG, drawn on the server from the project's boundary file: no
script, no tiles, so it shows without JavaScript, prints, and each ward is a link a keyboard reaches. The figures
it colours by are in a table beside it on the page (the map is a picture of that table, aria-hidden apart from its
links, which carry each ward's name and figure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from dashboards.components.ward_map import ward_shapes
from reports.published_store import is_figure

WIDTH = 640
MARGIN = 4
# five steps of one blue (ColorBrewer Blues), light to dark: ordered by lightness, so they read in grey print too;
# a hidden or missing figure is white with grey hatching, apart from every step
STEPS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NOT_SHOWN = "url(#published-map-hatch)"
HIGHLIGHT = "#d55e00"   # the ward of a ward page's locator map (Okabe-Ito vermilion)


@dataclass(frozen=True)
class MapWard:
    code: str
    name: str
    path: str        # SVG path data
    href: str
    label: str       # what a screen reader says of the link: "Belsize: 21 repairs raised"
    fill: str


@dataclass(frozen=True)
class Legend:
    fill: str
    text: str


@dataclass(frozen=True)
class _Projection:
    """Equirectangular at the borough's latitude (at this scale indistinguishable from the British National Grid),
    fitted to `width`."""

    shrink: float
    left: float
    top: float
    scale: float
    height: int

    def point(self, lon: float, lat: float) -> str:
        x, y = (lon * self.shrink - self.left) * self.scale, (self.top - lat) * self.scale
        return f"{x + MARGIN:.1f},{y + MARGIN:.1f}"


@lru_cache(maxsize=2)
def _projection(width: int = WIDTH) -> _Projection:
    points = [point for ward in ward_shapes() for ring in ward.rings for point in ring]
    shrink = math.cos(math.radians(sum(lat for _, lat in points) / len(points)))
    xs = [lon * shrink for lon, _ in points]
    ys = [lat for _, lat in points]
    scale = (width - 2 * MARGIN) / (max(xs) - min(xs))
    return _Projection(shrink, min(xs), max(ys), scale, math.ceil((max(ys) - min(ys)) * scale + 2 * MARGIN))


@lru_cache(maxsize=2)
def _paths(width: int = WIDTH) -> tuple[tuple[str, str, str], ...]:
    """(code, name, path data) of each ward, projected and fitted to `width`."""
    projection = _projection(width)
    return tuple((ward.code, ward.name,
                  "".join(f"M{' '.join(projection.point(lon, lat) for lon, lat in ring)}Z" for ring in ward.rings))
                 for ward in ward_shapes())


def height(width: int = WIDTH) -> int:
    return _projection(width).height


def steps(values: list[float]) -> list[float]:
    """Upper bounds of the colour steps: equal-count classes of the distinct values shown, as many as there are
    colours but never fewer than two distinct values a step (one step when there are under four), so a step is
    never one value wide and equal values always share a colour, however often a value repeats."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    classes = max(1, min(len(STEPS), len(distinct) // 2))
    return [distinct[math.ceil(len(distinct) * k / classes) - 1] for k in range(1, classes + 1)]


def colours(classes: int) -> tuple[str, ...]:
    """The colours of `classes` steps, spread over the whole scale (two steps are the lightest and the darkest)."""
    if classes <= 1:
        return STEPS[len(STEPS) // 2:][:classes]
    return tuple(STEPS[round(k * (len(STEPS) - 1) / (classes - 1))] for k in range(classes))


def fill_for(value, bounds: list[float]) -> str:
    if not is_figure(value):
        return NOT_SHOWN
    for colour, bound in zip(colours(len(bounds)), bounds, strict=True):
        if value <= bound:
            return colour
    return STEPS[-1]


def choropleth(values: dict[str, object], describe, href) -> tuple[list[MapWard], list[Legend]]:
    """The wards coloured by `values` ({ward name: number or marker}); describe(name, value) is each link's text,
    href(name) its address."""
    shown = [v for v in values.values() if is_figure(v)]
    bounds = steps(shown)
    wards = [MapWard(code, name, path, href(name), describe(name, values.get(name)),
                     fill_for(values.get(name), bounds)) for code, name, path in _paths()]
    legend, low = [], None
    for colour, bound in zip(colours(len(bounds)), bounds, strict=True):
        legend.append(Legend(colour, f"{_number(bound)} or less" if low is None else
                             f"over {_number(low)}, up to {_number(bound)}"))
        low = bound
    if len(shown) < len(values):
        legend.append(Legend(NOT_SHOWN, "not shown"))
    return wards, legend


def locator(name: str, href) -> list[MapWard]:
    """Every ward in pale grey, `name` highlighted: where the ward of a ward page is."""
    return [MapWard(code, ward, path, href(ward), ward, HIGHLIGHT if ward == name else "#e6e6e6")
            for code, ward, path in _paths()]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

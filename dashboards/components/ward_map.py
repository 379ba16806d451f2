"""The ward map: a choropleth of the borough's wards on the project's own boundary file, with no basemap.

The boundaries are configuration: `data_models/seeds/wards.yaml` names the file (`boundaries:`, relative to
`data_models/`) and the feature property holding the ward code (`boundary_key:`); those codes are the keys of
dim_ward (`ward_code`). Another council swaps in its own wards.yaml and boundary file.

The figure is a plotly geo choropleth with every base layer hidden and the view fitted to the wards, so no tiles and
no world map are drawn. Hidden or not, plotly.js still downloads a world topojson (from cdn.plot.ly) for any geo
subplot whose traces have a `locationmode`, which a GeoJSON choropleth always has: pass `config=GRAPH_CONFIG` to the
dcc.Graph, which points plotly.js at an empty topology in a data: URL, so nothing is fetched from the internet.

Wards are named as in dim_ward (`ward_name`, from wards.yaml): that is what the values are keyed by, what the
selection holds, and what a click gives back (`customdata` carries the name).
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import yaml

from dashboards.components.selection import point_data
from data_models.names import normalise_name

DATA_MODELS = Path(__file__).resolve().parents[2] / "data_models"
WARDS_YAML = DATA_MODELS / "seeds" / "wards.yaml"

ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
               "Contains OS data © Crown copyright and database right 2022.")

# plotly.js config for the dcc.Graph showing the map. topojsonURL: plotly.js loads `<topojsonURL>world_110m.json`
# for a geo subplot even with every base layer hidden; an empty topology in a data: URL (the '#' makes the appended
# file name a fragment) satisfies it without any request leaving the browser. No "Share chart" button (it uploads
# the chart to Plotly Cloud), no box/lasso selection (a click selects a ward), and the wheel scrolls the page.
EMPTY_TOPOLOGY = '{"type":"Topology","objects":{},"arcs":[]}'
GRAPH_CONFIG: dict[str, Any] = {
    "topojsonURL": f"data:application/json,{EMPTY_TOPOLOGY}#",
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "scrollZoom": False,
    "displaylogo": False,
}

COLORSCALE = "Viridis"  # perceptually uniform and colour-blind safe; has no grey, so "no data" grey stands apart
NO_DATA_COLOR = "#d4d4d4"
NO_DATA_LABEL = "no data"
BORDER_COLOR = "#ffffff"
OUTLINE_HALO = ("#ffffff", 7)  # selected wards: a dark line on a white halo, visible on any fill
OUTLINE_LINE = ("#111111", 3.5)


class BoundariesError(ValueError):
    """The boundary file or its configuration is not usable (the message says why and where)."""


@dataclass(frozen=True)
class _Ward:
    code: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # every ring of every polygon, (lon, lat)


# ------------------------------------------------------------------------------------------------ configuration

def _config() -> dict:
    """wards.yaml, parsed once and again only when the file changes."""
    try:
        stat = WARDS_YAML.stat()
    except FileNotFoundError:
        raise BoundariesError(f"ward configuration {WARDS_YAML} is missing") from None
    return _read_config(WARDS_YAML, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read_config(path: Path, _mtime_ns: int, _size: int) -> dict:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(config, dict) or not config.get("wards"):
        raise BoundariesError(f"{path} lists no wards")
    return config


def _default_path() -> Path:
    boundaries = _config().get("boundaries")
    if not boundaries:
        raise BoundariesError(f"{WARDS_YAML} does not name the boundary file (boundaries: geo/<file>.geojson)")
    return DATA_MODELS / boundaries


def _boundary_key() -> str:
    key = _config().get("boundary_key")
    if not key:
        raise BoundariesError(f"{WARDS_YAML} does not name the ward code property (boundary_key:)")
    return str(key)


def _ward_names() -> tuple[tuple[str, str], ...]:
    """(code, name) of each ward as dim_ward has them (runs of white space collapsed), in the seed's order."""
    return tuple((str(w["code"]), re.sub(r"\s+", " ", str(w["name"])).strip()) for w in _config()["wards"])


# --------------------------------------------------------------------------------------------------- boundaries

def load_boundaries(path: Path | None = None) -> dict:
    """The ward boundaries as a GeoJSON FeatureCollection (read on first use, then cached until the file changes).

    `path` defaults to the file wards.yaml names. Raises FileNotFoundError if the file is missing and
    BoundariesError (a ValueError) if it is not a FeatureCollection whose every feature has the ward code property
    (wards.yaml `boundary_key`). The dict is shared: do not change it.
    """
    return _read_boundaries(*_stamp(Path(path) if path is not None else _default_path()), _boundary_key())


def _stamp(path: Path) -> tuple[Path, int, int]:
    """The file and its version (mtime, size): caches follow a swapped file without a restart."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"ward boundary file {path} is missing (wards.yaml `boundaries:` names it, "
                                f"relative to {DATA_MODELS})") from None
    return path.resolve(), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=4)
def _read_boundaries(path: Path, _mtime_ns: int, _size: int, key: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundariesError(f"ward boundary file {path} is not valid GeoJSON: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise BoundariesError(f"ward boundary file {path} is not a GeoJSON FeatureCollection")
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get(key) if isinstance(properties, dict) else None
        if code in (None, ""):
            raise BoundariesError(f"ward boundary file {path}: feature {number} has no {key!r} property "
                                  f"(the ward code named by boundary_key in wards.yaml)")
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise BoundariesError(f"ward boundary file {path}: feature {number} ({key} {code}) is not a Polygon "
                                  f"or MultiPolygon")
        if str(code) in seen:
            raise BoundariesError(f"ward boundary file {path}: {key} {code} appears more than once")
        seen.add(str(code))
    return data


def _rings(geometry: dict) -> tuple[tuple[tuple[float, float], ...], ...]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for polygon in polygons for ring in polygon)


def _wards() -> tuple[dict[str, dict], tuple[_Ward, ...]]:
    """The configured wards' GeoJSON features by code, and the wards in seed order."""
    return _prepare(*_stamp(_default_path()), _boundary_key(), _ward_names())


@lru_cache(maxsize=4)
def _prepare(path: Path, mtime_ns: int, size: int, key: str,
             names: tuple[tuple[str, str], ...]) -> tuple[dict[str, dict], tuple[_Ward, ...]]:
    by_code = {str(f["properties"][key]): f for f in _read_boundaries(path, mtime_ns, size, key)["features"]}
    missing = [code for code, _ in names if code not in by_code]
    if missing:
        raise BoundariesError(f"ward boundary file {path} has no feature with {key} = {', '.join(missing)} "
                              f"(wards.yaml lists them)")
    features = {code: {"type": "Feature", "properties": {key: code}, "geometry": by_code[code]["geometry"]}
                for code, _ in names}
    wards = tuple(_Ward(code, name, _rings(by_code[code]["geometry"])) for code, name in names)
    return features, wards


def ward_shapes() -> tuple[_Ward, ...]:
    """The configured wards (code, name, every ring as (lon, lat)) in the seed's order: for maps drawn without
    plotly (the published pages' SVG)."""
    return _wards()[1]


def _collection(features: dict[str, dict], wards: list[_Ward]) -> dict:
    """A FeatureCollection of just these wards (each trace carries only the shapes it draws)."""
    return {"type": "FeatureCollection", "features": [features[w.code] for w in wards]}


# ------------------------------------------------------------------------------------------------------- figure

def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _lookup(values: dict[str, Any], wards: tuple[_Ward, ...]) -> dict[str, float | None]:
    """Ward name -> value; a key naming no ward exactly is tried as dim_ward.match_name ("Kings Cross")."""
    by_match = {normalise_name(str(k)): v for k, v in values.items()}
    return {w.name: _number(values[w.name] if w.name in values else by_match.get(normalise_name(w.name)))
            for w in wards}


def _outline(wards: list[_Ward], color: str, width: float) -> go.Scattergeo:
    lon: list[float | None] = []
    lat: list[float | None] = []
    for ward in wards:
        for ring in ward.rings:
            lon.extend(x for x, _ in ring)
            lat.extend(y for _, y in ring)
            lon.append(None)
            lat.append(None)
    return go.Scattergeo(lon=lon, lat=lat, mode="lines", line={"color": color, "width": width},
                         hoverinfo="skip", showlegend=False, name="Selected")


def ward_figure(values_by_ward_name: dict[str, float], selected: list[str], title: str, value_label: str = "",
                value_format: str = ",.0f", dimension: str = "ward") -> go.Figure:
    """A choropleth of `values_by_ward_name` (keys as dim_ward.ward_name) over the borough's wards.

    Wards without a value (missing, None or NaN) are grey, "no data". Wards named in `selected` are outlined
    thick. Hover shows the ward and the value formatted with `value_format` (d3-format, e.g. ",.0f", ".1%");
    every ward's `customdata` is [its name, {dimension: its name}]: a click selects the ward
    (selection.point_data). Show it with `dcc.Graph(config=GRAPH_CONFIG)`.
    Keys naming no ward (e.g. "Unknown", "Outside the borough") have no area and are left out.
    """
    features, wards = _wards()
    values = _lookup(values_by_ward_name or {}, wards)
    key = "properties." + _boundary_key()
    label = html.escape(value_label, quote=False)
    with_value = [w for w in wards if values[w.name] is not None]
    without = [w for w in wards if values[w.name] is None]
    value_text = f"%{{z:{value_format}}}"
    traces: list[go.BaseTraceType] = []
    if with_value:
        traces.append(go.Choropleth(
            geojson=_collection(features, with_value), featureidkey=key, locations=[w.code for w in with_value],
            z=[values[w.name] for w in with_value],
            customdata=[point_data(w.name, {dimension: w.name}) for w in with_value],
            colorscale=COLORSCALE, marker={"line": {"color": BORDER_COLOR, "width": 1}},
            colorbar={"title": {"text": label, "side": "right"}, "tickformat": value_format, "thickness": 14,
                      "len": 0.75, "outlinewidth": 0},
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{label + ': ' if label else ''}{value_text}<extra></extra>",
            name=label or "Value", showlegend=False))
    if without:
        traces.append(go.Choropleth(
            geojson=_collection(features, without), featureidkey=key, locations=[w.code for w in without],
            z=[0] * len(without),
            customdata=[point_data(w.name, {dimension: w.name}) for w in without],
            colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
            showscale=False, marker={"line": {"color": BORDER_COLOR, "width": 1}},
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{NO_DATA_LABEL}<extra></extra>",
            name=NO_DATA_LABEL.capitalize(), showlegend=True))
    chosen = set(selected or [])
    chosen_match = {normalise_name(str(s)) for s in chosen}
    outlined = [w for w in wards if w.name in chosen or normalise_name(w.name) in chosen_match]
    if outlined:
        traces += [_outline(outlined, *OUTLINE_HALO), _outline(outlined, *OUTLINE_LINE)]

    figure = go.Figure(traces)
    figure.update_geos(visible=False, fitbounds="locations", projection_type="mercator",
                       bgcolor="rgba(0,0,0,0)", showframe=False)
    figure.update_layout(
        title={"text": html.escape(title, quote=False), "x": 0, "xanchor": "left"},
        margin={"l": 0, "r": 0, "t": 48 if title else 8, "b": 0},
        paper_bgcolor="rgba(0,0,0,0)", dragmode=False,
        legend={"x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)"})
    return figure

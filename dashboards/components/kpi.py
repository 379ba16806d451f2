"""KPI tiles: value, target, direction, red/amber/green (by the measure's direction), a 12-month sparkline.

A tile is drawn once (tile()); each selection sends its view, plain data (render()), which the browser lays out in
the tile's body (assets/page_view.js): no Dash component per value, so a selection costs the renderer little."""

from __future__ import annotations

from urllib.parse import quote

from dash import html

from dashboards import ui
from dashboards.components import data
from dashboards.components.spec import Kpi, PageSpec, pinned_state
from data_models.rag import measure_rag
from query import selections as sel

KPI = "bi-kpi"
RAG_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target", None: "No target"}
DIRECTION_WORDS = {"higher": "Higher is better", "lower": "Lower is better", "neutral": "Neither higher nor lower"}
SPARK_MONTHS = 12
NO_DATA = "No data for this selection"  # a tile whose measure's base counts no rows: never 0 and a RAG


def status_words(colour: str | None, value, target) -> str:
    """'On target', 'Near target', 'Off target'; 'No value' when there is a target but nothing to compare."""
    if colour is None and target is not None and value is None:
        return "No value"
    return RAG_WORDS[colour]


def tile_id(spec: PageSpec, kpi: Kpi) -> str:
    return f"{spec.name}-kpi-{kpi.measure}"


def body_id(spec: PageSpec, kpi: Kpi) -> str:
    return f"{tile_id(spec, kpi)}-body"


def tile(spec: PageSpec, kpi: Kpi):
    measure = data.layer().measure(kpi.measure)
    return html.Div(html.Div(id=body_id(spec, kpi), className="kpi-body"), className="kpi-tile",
                    id=tile_id(spec, kpi), title=measure.description)


def render(spec: PageSpec, kpi: Kpi, state) -> dict:
    """The tile's view: its texts, status and sparkline as the page shows them (page_view.js lays them out)."""
    measure = data.layer().measure(kpi.measure)
    if kpi.pinned:
        state = sel.normalise({**sel.normalise(state), **pinned_state(kpi.pinned)})
    # the base in the same query: whether the selection has rows at all, and the n a share is "based on"
    result = data.measures([kpi.measure, *([measure.base] if measure.base else [])], [], state)
    row = result.rows[0] if result.rows else {}
    value, n = row.get(kpi.measure), row.get(measure.base) if measure.base else None
    empty = bool(measure.base) and not n
    colour = None if empty else measure_rag(value, measure)
    points = _spark_points(kpi.measure, state)
    return {
        "id": tile_id(spec, kpi),
        "label": kpi.label or measure.label,
        "value": NO_DATA if empty else data.fmt(value, measure.format),
        "no_data": empty,
        "based_on": None if empty else based_on(kpi.measure, n),
        "rag": colour or "none",
        "status": "" if empty else status_words(colour, value, measure.target),
        "target": f" Target {data.fmt(measure.target, measure.format)}" if measure.target is not None else "",
        "direction": DIRECTION_WORDS[measure.direction],
        "spark": _sparkline(points, kpi.measure, measure.format)
        if any(p[kpi.measure] is not None for p in points) else None,
        "not_applicable": not_applicable_text(result.not_applicable),
    }


def based_on(name: str, n) -> dict | None:
    """{"text": "Based on 8 emergency repairs completed (RP02)", "few": n under the layer's small_base} for a share
    or an average with a base; None for a count (its base says only whether there is data)."""
    layer = data.layer()
    if not layer.shows_base(name) or n is None:
        return None
    label = ui.in_sentence(layer.measure(layer.measure(name).base).label)
    few = n < layer.settings.small_base
    text = f"Based on {data.fmt(n, 'count')} {label}" + (": few, read with care" if few else "")
    return {"text": text, "n": n, "few": few}


def _spark_points(name: str, state) -> list[dict]:
    """The last 12 months of the measure; none for a snapshot measure (people supported now), which has no month."""
    measure = data.layer().measure(name)
    if data.layer().date_role(measure.fact, [name]) is None:
        return []
    spark = data.measures([name], ["month"], state)
    return [r for r in spark.rows if r["month"] not in (None, "Unknown")][-SPARK_MONTHS:]


def sparkline_svg(values: list, width: int = 160, height: int = 32) -> str:
    """A small line as an SVG document: cheap to draw (an <img>, not a plotly graph), no data leaves the page."""
    points = [v for v in values if v is not None]
    if not points:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1
    step = width / max(len(values) - 1, 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                      for i, v in enumerate(values) if v is not None)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="#0072B2" stroke-width="2" '
            f'points="{coords}"/></svg>')


def _sparkline(points: list[dict], name: str, format_: str) -> dict:
    """A sparkline image's source and its words (alt and title): the first and last values."""
    values = [p[name] for p in points]
    labels = [data.month_label(p["month"]) for p in points]
    summary = (f"Last {len(points)} months: {data.fmt(values[0], format_)} in {labels[0]}, "
               f"{data.fmt(values[-1], format_)} in {labels[-1]}.")
    return {"src": "data:image/svg+xml;utf8," + quote(sparkline_svg(values)), "alt": summary}


def not_applicable_text(dimensions) -> str | None:
    """'Not applicable here: Ward, Trade' for selections this tile or chart cannot use; None when all apply."""
    if not dimensions:
        return None
    return "Not applicable here: " + ", ".join(data.layer().dimensions[d].label for d in dimensions)

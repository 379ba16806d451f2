"""The global selection: a dcc.Store mirrored from the URL's query string, and the selection bar.

The URL is the single source of truth: a click computes the next state and writes `?ward=...` to the shell's
dcc.Location (refresh=False: history.pushState, no reload); the store follows the URL, and every card follows the
store. So a link reproduces the view and the browser's back/forward (and the bar's buttons, which call them) step
through selections. The functions here are pure; callbacks.py wires them.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards.components import data
from dashboards.components.spec import PageSpec
from query import selections as sel

LOCATION, STORE, BAR = "bi-url", "bi-selection", "selection-bar"
CHIPS, CLEAR, BACK, FORWARD = "selection-chips", "selection-clear", "selection-back", "selection-forward"
PICK, GRAPH, CHIP_REMOVE = "bi-pick", "bi-graph", "bi-chip-remove"
# Filter values and table rows are plain buttons with data-pick-dimension and data-pick-value: one delegated
# listener (assets/selection.js) writes {dimension, value, at} to the PICK store. Hundreds of pattern-matching ids
# would make the Dash renderer re-index its callback graph on every change, which is slow in the browser.


def pick_attributes(dimension: str, value: str) -> dict:
    """The attributes that make any button toggle `value` of `dimension` when pressed."""
    return {"data-pick-dimension": dimension, "data-pick-value": str(value)}


def shell_parts() -> list:
    """What app.py puts around the page container: the location, the store and the bar."""
    return [dcc.Location(id=LOCATION, refresh=False), dcc.Store(id=STORE, storage_type="memory"),
            dcc.Store(id=PICK, storage_type="memory"), selection_bar()]


def selection_bar():
    return html.Section([
        html.H2("Current selections", className="visually-hidden", id="selection-bar-heading"),
        html.Div(html.Span("No selections: every chart shows all the data.", className="selection-none"),
                 id=CHIPS, className="selection-chips", **{"aria-live": "polite"}),
        html.Div([
            dbc.Button("← Back", id=BACK, color="link", size="sm", title="The previous selection (browser back)"),
            dbc.Button("Forward →", id=FORWARD, color="link", size="sm",
                       title="The next selection (browser forward)"),
            dbc.Button("Clear all", id=CLEAR, color="dark", outline=True, size="sm"),
        ], className="selection-actions"),
    ], id=BAR, className="selection-bar", **{"aria-labelledby": "selection-bar-heading"})


def state_from_search(search: str | None) -> sel.State:
    return sel.from_query_string(search or "", data.layer().dimensions)


def search_from_state(state) -> str:
    text = sel.to_query_string(state)
    return f"?{text}" if text else ""


def next_state(state, trigger: Any, value: Any, chart_dimension=None) -> sel.State | None:
    """The selection after one event, or None when the event changes nothing.

    trigger: the triggered id: bi-pick (a filter-list value or table row; `value` is {dimension, value, at}),
    selection-clear, or a pattern-matching id: bi-graph (a chart click; `value` is its clickData,
    `chart_dimension(id, value)` gives the (dimension, value) pairs it names: one, or two for a heat-map cell),
    bi-chip-remove {dim}."""
    if not value:  # a new component (n_clicks None, clickData None) is no click
        return None
    if trigger == CLEAR:
        return sel.clear()
    if trigger == PICK:
        if not isinstance(value, dict) or not value.get("dimension") or value.get("value") is None:
            return None
        return sel.toggle(state, value["dimension"], value["value"])
    if not isinstance(trigger, dict):
        return None
    kind = trigger.get("type")
    if kind == CHIP_REMOVE:
        return sel.remove(state, trigger["dim"])
    if kind == GRAPH and chart_dimension is not None:
        pairs = [(dimension, picked) for dimension, picked in chart_dimension(trigger, value)
                 if dimension is not None and picked is not None]
        if not pairs:
            return None
        return sel.toggle(state, *pairs[0]) if len(pairs) == 1 else sel.toggle_together(state, pairs)
    return None


def clicked_value(click_data: dict | None) -> str | None:
    """The natural value a chart click names: the point's customdata (every chart puts the value there)."""
    points = (click_data or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    value = point.get("customdata")
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        value = point.get("label") if "label" in point else None
    return None if value is None else str(value)


def not_applicable_here(state, spec: PageSpec | None) -> list[str]:
    """Selected dimensions that no fact of the page can filter ("not applicable here")."""
    if spec is None:
        return []
    usable = set()
    for fact in spec.facts:
        usable |= set(data.layer().applicable_dimensions(fact))
    return [dimension for dimension in sel.normalise(state) if dimension not in usable]


def chips(state, spec: PageSpec | None = None) -> list:
    """One removable chip per selected dimension: its label and values; marked when it does not apply here."""
    state = sel.normalise(state)
    if not state:
        return [html.Span("No selections: every chart shows all the data.", className="selection-none")]
    elsewhere = set(not_applicable_here(state, spec))
    items = []
    for dimension, values in state.items():
        label = data.layer().dimensions[dimension].label
        names = data.labels(dimension, values, data.fact_with(spec.facts if spec else (), dimension))
        shown = ", ".join(names.get(v) or data.value_label(dimension, v) for v in values)
        parts = [html.Span(f"{label}: ", className="chip-dimension"), html.Span(shown, className="chip-values")]
        if dimension in elsewhere:
            parts.append(html.Span(" (not applicable here)", className="chip-na"))
        parts.append(html.Button("×", id={"type": CHIP_REMOVE, "dim": dimension}, className="chip-remove",
                                 title=f"Remove the {label} selection",
                                 **{"aria-label": f"Remove {label}: {shown}"}))
        items.append(html.Span(parts, className="chip" + (" chip-not-applicable" if dimension in elsewhere else ""),
                               **{"data-dimension": dimension,
                                  "data-applicable": "false" if dimension in elsewhere else "true"}))
    path = drill_path(state, spec)
    return items + ([html.Span(["Drill path: ", " › ".join(path)], id="selection-path", className="selection-path")]
                    if path else [])


def drill_path(state, spec: PageSpec | None) -> list[str]:
    """The page's drill-down as far as the selection goes: one selected value per level, in level order
    (['Adults and Health', 'Adult social care access and assessment'])."""
    drill = next((chart.drill for chart in (spec.charts if spec else ()) if chart.drill), ())
    path = []
    for dimension in drill:
        values = state.get(dimension) or []
        if len(values) != 1:
            break
        path.append(data.labels(dimension, values).get(values[0]) or values[0])
    return path

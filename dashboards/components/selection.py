"""The global selection: a dcc.Store mirrored from the URL's query string, and the selection bar.

The URL is the single source of truth: a click computes the next state in the browser (assets/selection_state.js,
no server hop) and writes `?ward=...` to the shell's dcc.Location (refresh=False: history.pushState, no reload);
the store follows the URL, and the page follows the store in one request. So a link reproduces the view and the
browser's back/forward (and the bar's buttons, which call them) step through selections. callbacks.py wires them.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboards.components import data, defaults, value_search
from dashboards.components.spec import PageSpec
from query import selections as sel

LOCATION, STORE, BAR, CONFIG = "bi-url", "bi-selection", "selection-bar", "bi-selection-config"
CHIPS, CLEAR, BACK, FORWARD = "selection-chips", "selection-clear", "selection-back", "selection-forward"
CLEARED = "selection-cleared"
PICK, GRAPH = "bi-pick", "bi-graph"
DOWNLOAD_STATUS = "download-status"
SAVE_NAME, SAVE, SAVE_STATUS = "bookmark-name", "bookmark-save", "bookmark-status"
NO_SELECTIONS = "No selections: every chart shows all the data."
# Filter values and table rows are plain buttons with data-pick-dimension and data-pick-value: one delegated
# listener (assets/selection.js) writes {dimension, value, at} to the PICK store (a chip's x adds remove: true).
# Hundreds of pattern-matching ids would make the Dash renderer re-index its callback graph on every change, which
# is slow in the browser.


def pick_attributes(dimension: str, value: str) -> dict:
    """The attributes that make any button toggle `value` of `dimension` when pressed."""
    return {"data-pick-dimension": dimension, "data-pick-value": str(value)}


def shell_parts() -> list:
    """What app.py puts around the page container: the location, the stores and the bar. The config store tells
    the browser which URL keys are dimensions (any other is ignored, as the server ignores it) and the selection
    each page opens on (worked out now, within the user's scope: the shell is drawn per request)."""
    config = {"dimensions": sorted(data.layer().dimensions), "defaults": defaults.every_page()}
    return [dcc.Location(id=LOCATION, refresh=False), dcc.Store(id=STORE, storage_type="memory"),
            dcc.Store(id=PICK, storage_type="memory"), dcc.Store(id=CONFIG, data=config), selection_bar(),
            # what a server download is doing (assets/report_download.js); polite: it never interrupts
            html.P(id=DOWNLOAD_STATUS, className="download-status", role="status", **{"aria-live": "polite"})]


def selection_bar():
    return html.Section([
        html.H2("Current selections", className="visually-hidden", id="selection-bar-heading"),
        html.Div(id=CHIPS, className="selection-chips", **{"aria-live": "polite"}),  # page_view.js fills it
        # what a click on an excluded value cleared (docs/selection-rules.md); page_view.js writes it with the chips
        html.P(id=CLEARED, className="selection-cleared", role="status", **{"aria-live": "polite"}),
        value_search.box(),  # one search across the page's fields (value_search.py)
        html.Div([
            dbc.Button("← Back", id=BACK, color="link", size="sm", title="The previous selection (browser back)"),
            dbc.Button("Forward →", id=FORWARD, color="link", size="sm",
                       title="The next selection (browser forward)"),
            dbc.Button("Clear all", id=CLEAR, color="dark", outline=True, size="sm"),
            save_view_control(),
        ], className="selection-actions"),
        # what saving the view did (components/bookmark_views.py); polite: it never interrupts
        html.P(id=SAVE_STATUS, className="bookmark-status", role="status", **{"aria-live": "polite"}),
    ], id=BAR, className="selection-bar", **{"aria-labelledby": "selection-bar-heading"})


def save_view_control():
    """"Save view": opens to ask a name (a <details>, so no callback to show it), then saves the page and its
    selection as the user's bookmark (components/bookmark_views.py; Home lists them)."""
    return html.Details([
        html.Summary("Save view", className="btn btn-outline-dark btn-sm", id="bookmark-open-form"),
        html.Div([dbc.Label("Name this view", html_for=SAVE_NAME, className="small mb-0"),
                  dbc.Input(id=SAVE_NAME, type="text", maxLength=80, size="sm", autoComplete="off",
                            placeholder="e.g. Emergency repairs last month"),
                  dbc.Button("Save", id=SAVE, color="dark", size="sm")], className="bookmark-form"),
    ], className="bookmark-save")


def known(state) -> sel.State:
    """The store's state as the server trusts it: it comes from the browser, so anything that is not a mapping of
    dimensions to values is dropped, as a URL's unknown keys are."""
    return sel.from_query_string(state if isinstance(state, dict) else {}, data.layer().dimensions)


def point_data(value, picks: dict[str, str]) -> list:
    """A chart point's customdata: [its value (hover templates show it), {dimension: value} it selects]. The
    browser's select callback (assets/selection_state.js) reads the object at the end, so what a click selects is
    decided here, where the figure is built: a drill chart's current level, both values of a heat-map cell."""
    return [value, {dimension: str(picked) for dimension, picked in picks.items()}]


def not_applicable_here(state, spec: PageSpec | None) -> list[str]:
    """Selected dimensions that no fact of the page can filter ("not applicable here")."""
    if spec is None:
        return []
    usable = set()
    for fact in spec.facts:
        usable |= set(data.layer().applicable_dimensions(fact))
    return [dimension for dimension in sel.normalise(state) if dimension not in usable]


def chips(state, spec: PageSpec | None = None) -> dict:
    """The selection bar's view (assets/page_view.js draws it): one removable chip per selected dimension, its
    label and values by name, marked when it does not apply here or when it is the page's default; the page's
    drill path; and, when the page shows exactly its default selection, a line that says so."""
    state = sel.normalise(state)
    elsewhere = set(not_applicable_here(state, spec))
    opened_on = defaults.resolve(spec) if spec is not None else {}
    items = []
    for dimension, values in state.items():
        names = data.labels(dimension, values, data.fact_with(spec.facts if spec else (), dimension))
        items.append({"dimension": dimension, "label": data.layer().dimensions[dimension].label,
                      "values": ", ".join(names.get(v) or data.value_label(dimension, v) for v in values),
                      "applicable": dimension not in elsewhere, "default": opened_on.get(dimension) == values})
    at_default = bool(opened_on) and state == opened_on
    return {"chips": items, "path": " › ".join(drill_path(state, spec)), "none": NO_SELECTIONS,
            "default_note": default_note(spec) if at_default else ""}


def default_note(spec: PageSpec) -> str:
    """What the bar says when a page shows its default selection (on opening, and after "Clear all")."""
    return (f"This page opens on {spec.defaults_text or 'a default selection'}. Remove a chip to see more; "
            "Clear all comes back here.")


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

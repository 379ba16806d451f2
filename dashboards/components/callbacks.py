"""The generic callbacks, registered per app with app.callback (never the global dash.callback, which hands its
callbacks to the first app only), so several create_app() calls in one process each get a working set.

Pattern-matching ids serve every page: a page only declares its spec (spec.py)."""

from __future__ import annotations

import logging

from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboards.components import cards, data, filters, kpi, selection
from dashboards.components.selection import CLEAR, CONFIG, GRAPH, LOCATION, PICK, STORE
from dashboards.components.spec import SPECS, spec_for_path
from dashboards.warehouse import WarehouseUnavailable

log = logging.getLogger(__name__)
NAV, BRAND = "bi-nav", "site-brand"
FAILED = "This could not be drawn because of an unexpected error. It has been logged; try again or tell support."


def safely(render, *args, what: str = "card"):
    """A card's content, or a readable message: never a traceback on the page."""
    try:
        return render(*args)
    except WarehouseUnavailable as exc:
        return [html.P(str(exc), className="error-message", role="alert")]
    except Exception:  # noqa: BLE001 - the page must show a message, the log the detail
        log.exception("cannot render %s", what)
        return [html.P(FAILED, className="error-message", role="alert")]


def trusted(state) -> dict:
    """The store's state for a server callback: nothing to draw before the store is first written, and only known
    dimensions of what the browser sent."""
    if state is None:
        raise PreventUpdate
    return selection.known(state)


def _tile(id_: dict):
    return next(k for k in SPECS[id_["page"]].kpis if k.measure == id_["kpi"])


def register(app) -> None:
    data.init_cache(app.server)

    # The click becomes a selection in the browser (assets/selection_state.js): no server hop before the one
    # request that answers the page.
    app.clientside_callback(
        ClientsideFunction("selection", "select"), Output(LOCATION, "search"),
        Input(PICK, "data"), Input({"type": GRAPH, "page": ALL, "card": ALL}, "clickData"), Input(CLEAR, "n_clicks"),
        State(LOCATION, "search"), State(CONFIG, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("selection", "store"), Output(STORE, "data"),
                            Input(LOCATION, "search"), State(CONFIG, "data"))
    app.clientside_callback(
        ClientsideFunction("selection", "nav"), Output({"type": NAV, "path": ALL}, "href"),
        Output({"type": NAV, "path": ALL}, "active"), Output(BRAND, "href"),
        Input(LOCATION, "pathname"), Input(LOCATION, "search"), State({"type": NAV, "path": ALL}, "id"))

    @app.callback(Output(selection.CHIPS, "children"), Input(STORE, "data"), Input(LOCATION, "pathname"))
    def selection_chips(state, pathname):
        return safely(selection.chips, selection.known(state), spec_for_path(pathname), what="selection bar")

    # All tiles in one response and all filter lists in another (ALL, not MATCH): each response makes the
    # browser re-index the whole page, so twenty small responses cost far more than two larger ones.
    @app.callback(Output({"type": kpi.KPI, "page": ALL, "kpi": ALL}, "children"), Input(STORE, "data"),
                  State({"type": kpi.KPI, "page": ALL, "kpi": ALL}, "id"))
    def kpi_tiles(state, ids):
        state = trusted(state)
        return [safely(kpi.render, SPECS[i["page"]], _tile(i), state, what=f"KPI {i}") for i in ids]

    @app.callback(Output({"type": filters.FILTER, "page": ALL, "dim": ALL}, "children"), Input(STORE, "data"),
                  State({"type": filters.FILTER, "page": ALL, "dim": ALL}, "id"))
    def filter_lists(state, ids):
        state = trusted(state)
        return [safely(filters.render_values, SPECS[i["page"]], i["dim"], state, what=f"filter {i}") for i in ids]

    # Every chart card of the page in one response, as the tiles and the filter lists are; a sort button redraws
    # only its own table (the others are left as they are).
    @app.callback(
        Output({"type": cards.BODY, "page": ALL, "card": ALL}, "children"),
        Output({"type": cards.SORT_STATE, "page": ALL, "card": ALL}, "data"),
        Input(STORE, "data"),
        Input({"type": cards.SORT, "page": ALL, "card": ALL, "col": ALL}, "n_clicks"),
        State({"type": cards.SORT_STATE, "page": ALL, "card": ALL}, "data"),
        State({"type": cards.BODY, "page": ALL, "card": ALL}, "id"),
    )
    def chart_cards(state, _sorts, sorts, ids):
        state = trusted(state)
        trigger = ctx.triggered_id
        sorted_card = None
        if isinstance(trigger, dict) and trigger.get("type") == cards.SORT:
            if not ctx.triggered[0]["value"]:
                raise PreventUpdate
            sorted_card = (trigger["page"], trigger["card"])
        bodies, states = [], []
        for id_, sort in zip(ids, sorts, strict=True):
            if sorted_card is not None and (id_["page"], id_["card"]) != sorted_card:
                bodies.append(no_update)
                states.append(no_update)
                continue
            if sorted_card is not None:
                sort = cards.next_sort(sort, trigger["col"])
            spec = SPECS[id_["page"]]
            bodies.append(safely(cards.render, spec, spec.chart(id_["card"]), state, sort, what=f"chart {id_}"))
            states.append(sort if sort else no_update)
        return bodies, states

    @app.callback(Output({"type": cards.TABLE, "page": MATCH, "card": MATCH}, "children"),
                  Input({"type": cards.DETAILS, "page": MATCH, "card": MATCH}, "n_clicks"),
                  State(STORE, "data"), State({"type": cards.DETAILS, "page": MATCH, "card": MATCH}, "id"),
                  prevent_initial_call=True)
    def chart_table(clicks, state, id_):
        if not clicks or clicks % 2 == 0:
            return []  # closed (the card redraws it closed after every selection): nothing to lay out
        spec = SPECS[id_["page"]]
        return safely(cards.table_view, spec, spec.chart(id_["card"]), selection.known(state), what=f"table {id_}")

    app.clientside_callback(
        "function(n) { if (n) { window.history.back(); } return window.dash_clientside.no_update; }",
        Output(selection.BACK, "className"), Input(selection.BACK, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(
        "function(n) { if (n) { window.history.forward(); } return window.dash_clientside.no_update; }",
        Output(selection.FORWARD, "className"), Input(selection.FORWARD, "n_clicks"), prevent_initial_call=True)

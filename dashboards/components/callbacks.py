"""The generic callbacks, registered per app with app.callback (never the global dash.callback, which hands its
callbacks to the first app only), so several create_app() calls in one process each get a working set.

Pattern-matching ids serve every page: a page only declares its spec (spec.py)."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from dashboards import page_access
from dashboards.components import cards, data, filters, page_view, selection, value_search
from dashboards.components.page_view import VIEW
from dashboards.components.selection import CLEAR, CONFIG, GRAPH, LOCATION, PICK, STORE
from dashboards.components.spec import SPECS

NAV, BRAND = "bi-nav", "site-brand"


def safely(render, *args, what: str = "card"):
    """A part drawn as Dash components (home and service pages), or a readable message in its place."""
    return page_view.safely(render, *args, what=what, shown_as=error_paragraph)


def error_paragraph(message: str) -> list:
    return [html.P(message, className="error-message", role="alert")]


def drawn_lists(ids: list[dict], page: str) -> tuple[str, ...]:
    """The dimensions of the filter lists this page has drawn (their marker stores' ids)."""
    return tuple(i["dim"] for i in ids if i.get("page") == page)


def chosen(ids: list[dict], shows: list, page: str) -> dict:
    """{card: measure} of this page's "Show" choice stores (page_view.shown_measures keeps what the cards offer)."""
    pairs = zip(ids or [], shows or [], strict=False)
    return {i["card"]: m for i, m in pairs
            if isinstance(i, dict) and i.get("page") == page and isinstance(i.get("card"), str) and m}


def trusted(state) -> dict:
    """The store's state for a server callback: nothing to draw before the store is first written, and only known
    dimensions of what the browser sent."""
    if state is None:
        raise PreventUpdate
    return selection.known(state)


def register(app) -> None:
    data.init_cache(app.server)
    value_search.register(app)  # the selection bar's search across the page's fields

    # The click becomes a selection in the browser (assets/selection_state.js): no server hop before the one
    # request that answers the page.
    app.clientside_callback(
        ClientsideFunction("selection", "select"), Output(LOCATION, "search"),
        Input(PICK, "data"), Input({"type": GRAPH, "page": ALL, "card": ALL}, "clickData"), Input(CLEAR, "n_clicks"),
        State(LOCATION, "search"), State(LOCATION, "pathname"), State(CONFIG, "data"), prevent_initial_call=True)
    # the store and the nav links follow the URL in one callback: on each callback run the renderer goes over
    # every component of the page
    app.clientside_callback(
        ClientsideFunction("selection", "follow"), Output(STORE, "data"),
        Output({"type": NAV, "path": ALL}, "href"), Output({"type": NAV, "path": ALL}, "active"),
        Output(BRAND, "href"), Input(LOCATION, "pathname"), Input(LOCATION, "search"),
        State({"type": NAV, "path": ALL}, "id"), State(CONFIG, "data"), State(STORE, "data"))

    # One response answers the page: every tile, filter list and chart card as plain data in the page's view
    # store; the browser lays it out and draws each card's figure with plotly.js (assets/page_view.js).
    @app.callback(Output({"type": VIEW, "page": ALL}, "data"), Input(STORE, "data"),
                  Input({"type": cards.SHOW, "page": ALL, "card": ALL}, "data"),
                  State({"type": VIEW, "page": ALL}, "id"),
                  State({"type": filters.FILTER, "page": ALL, "dim": ALL}, "id"), State(LOCATION, "pathname"),
                  State({"type": cards.SHOW, "page": ALL, "card": ALL}, "id"))
    def page_views(state, shows, ids, lists, pathname, show_ids):
        state = trusted(state)
        # the ids come from the browser too: a page no spec declares, or one outside the user's access, gets
        # nothing (never a 500, never a view)
        return [page_view.page_view(SPECS[i["page"]], state, drawn_lists(lists, i["page"]),
                                    chosen(show_ids, shows, i["page"]))
                if i.get("page") in SPECS and page_access.may_view(SPECS[i["page"]], pathname) else no_update
                for i in ids]

    # a card's "Show" choice follows the URL's show-<card> (page_view.js): its store changes only when it does
    app.clientside_callback(
        ClientsideFunction("pageView", "shows"), Output({"type": cards.SHOW, "page": ALL, "card": ALL}, "data"),
        Input(LOCATION, "search"), State({"type": cards.SHOW, "page": ALL, "card": ALL}, "id"),
        State({"type": cards.SHOW, "page": ALL, "card": ALL}, "data"))

    # (its output, the selection bar's class, is never changed: it is there because Dash runs no callback without
    # an output, and it is on every page)
    app.clientside_callback(
        ClientsideFunction("pageView", "render"), Output(selection.CHIPS, "className"),
        Input({"type": VIEW, "page": ALL}, "data"))

    app.clientside_callback(
        "function(n) { if (n) { window.history.back(); } return window.dash_clientside.no_update; }",
        Output(selection.BACK, "className"), Input(selection.BACK, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(
        "function(n) { if (n) { window.history.forward(); } return window.dash_clientside.no_update; }",
        Output(selection.FORWARD, "className"), Input(selection.FORWARD, "n_clicks"), prevent_initial_call=True)

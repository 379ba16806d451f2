"""A page's layout from its spec: title, "data as of" line, filter lists, KPI tiles and chart cards, drawn once.
Each selection fills them from the page's view store (page_view.py, then assets/page_view.js)."""

from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import page_access, ui
from dashboards.components import cards, data, download_links, filters, kpi
from dashboards.components.page_view import store
from dashboards.components.spec import PageSpec
from dashboards.warehouse import WarehouseUnavailable

PAGES_SEARCH = "_pages_location.search"


def only_the_selection_changed() -> bool:
    """True inside Dash's page router when only the query string changed (back/forward between selections on
    the same page): the page keeps its components and the cards follow the store instead of being rebuilt."""
    try:
        triggered = dash.callback_context.triggered_prop_ids
    except Exception:  # noqa: BLE001 - outside a callback (a test calling layout()): build the page
        return False
    return bool(triggered) and set(triggered) == {PAGES_SEARCH}


def data_as_of_line(name: str):
    """'Data as of 31 Oct 2026 (loaded 1 Nov 2026 06:12)', or a plain notice."""
    run = data.data_as_of()
    if run is None or run.get("data_as_of") is None:
        return html.P("No successful load is recorded: the data's date is not known.", id=f"{name}-data-as-of",
                      className="data-as-of")
    as_of = dt.date.fromisoformat(run["data_as_of"][:10])
    loaded = dt.datetime.fromisoformat(run["finished"]) if run.get("finished") else None
    text = f"Data as of {ui.when(as_of)}" + (f" (loaded {ui.when(loaded)})" if loaded else "")
    return html.P(text, id=f"{name}-data-as-of", className="data-as-of")


def layout_function(spec: PageSpec):
    """The layout(**query) a page hands to Dash's page registry."""
    def layout(**_query):
        if only_the_selection_changed():
            return dash.no_update
        return render(spec)
    return layout


def render(spec: PageSpec):
    if not page_access.may_open_spec(spec):
        return ui.no_access(spec.title, spec.name)
    heading = html.H1(spec.title, id=f"{spec.name}-title", className="mb-1")
    try:
        as_of = data_as_of_line(spec.name)
    except WarehouseUnavailable as exc:
        return html.Div([heading, store(spec), ui.unavailable(str(exc), f"{spec.name}-unavailable")])
    intro = html.P(spec.intro, className="page-intro") if spec.intro else None
    reports = budget_pack_links(spec) if spec.offers_budget_pack else None
    side = html.Aside([html.H2("Filters", className="h5"),
                       *[filters.filter_list(spec, d) for d in spec.filters]],
                      className="filters-panel", **{"aria-label": "Filters"})
    tiles = html.Section([html.H2("Key figures", className="visually-hidden", id=f"{spec.name}-kpis-heading"),
                          html.Div([kpi.tile(spec, k) for k in spec.kpis], className="kpi-row")],
                         id=f"{spec.name}-kpis", **{"aria-labelledby": f"{spec.name}-kpis-heading"})
    charts = dbc.Row([dbc.Col(cards.card(spec, c), xl=c.width, lg=12, className="mb-3") for c in spec.charts])
    return html.Div([
        heading, as_of, intro, reports, store(spec),
        dbc.Row([dbc.Col(side, xl=3, lg=12, className="mb-3"), dbc.Col([tiles, charts], xl=9, lg=12)]),
    ], id=f"{spec.name}-page")


def budget_pack_links(spec: PageSpec):
    """The pack's links; their addresses follow the selection (page_view.links, set by page_view.js)."""
    link = "report-download btn btn-outline-dark btn-sm me-2"
    return html.Section([
        html.H2("Budget monitoring pack", className="h6 mb-1", id=f"{spec.name}-pack-heading"),
        html.P("For the month and selections shown (the latest complete month when no month is selected): a cover "
               "listing them, a summary by directorate and a part per directorate, by service and cost centre.",
               className="small mb-2"),
        html.A("Download the pack (Excel)", id=download_links.pack_link_id(spec.name, "xlsx"), className=link,
               href="#", **{"data-report": "the budget monitoring pack (Excel)"}),
        html.A("Download the pack (PDF)", id=download_links.pack_link_id(spec.name, "pdf"), className=link,
               href="#", **{"data-report": "the budget monitoring pack (PDF)"}),
    ], className="report-links mb-3", id=f"{spec.name}-pack", **{"aria-labelledby": f"{spec.name}-pack-heading"})

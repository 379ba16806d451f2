"""Home, drawn for the signed-in user's scope, reading only what it may read (every warehouse read through the query
layer with the user's scope):
- service managers and the admin: the service catalogue grouped by directorate, each service linked to its page
  (/services/<slug>) with its headline KPI's status in the latest month of the selection; the admin (the data team,
  whose scope reads the load records) also the latest load of the warehouse;
- finance: the budget position of every service in its access for the current financial year, as the budget page
  opens on it, with a link to that page;
- councillors (and anyone whose scope reads no fact): the latest published borough headlines, as published, and
  their own ward's published page; never a warehouse figure."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html
from dash.exceptions import PreventUpdate

from access import current_scope, signed_in_user
from dashboards import open_data, ui
from dashboards.components import PageSpec, bookmark_views, data, declare, defaults, kpi
from dashboards.components.callbacks import safely
from dashboards.components.load_records import latest_run, rejected_files
from dashboards.components.page import data_as_of_line, only_the_selection_changed
from dashboards.components.page_view import store
from dashboards.components.selection import STORE, known
from dashboards.components.service_kpis import FACT, computed_kpis, headlines, service_href, source
from dashboards.components.spec import Kpi, spec
from dashboards.published import content
from dashboards.warehouse import WarehouseUnavailable, current
from data_models.rag import rag
from query import selections as sel
from query.catalogue import service_catalogue_sql
from query.periods import month_name

# No charts: the spec makes the shell's chips mark selections the service returns cannot use "(not applicable
# here)"; the headline statuses apply month, financial year and ward.
SPEC = declare(PageSpec(name="home", path="/", title="Home", fact=FACT))

dash.register_page(__name__, path=SPEC.path, name="Home", title=ui.page_title(), order=0, everyone=True,
                   description="What each role reads first: services, the budget, or the published figures.")

REJECTED_FILES_SHOWN = 10
BUDGET_PAGE = "budget"   # finance's Home shows the budget page's own position, as that page opens
PUBLISHED = "/published/"


def layout(**_query):
    if only_the_selection_changed():
        return dash.no_update  # the catalogue's statuses follow the store (the callback below)
    scope = current_scope()
    if scope.reads(FACT):
        parts = _service_home(scope.load_records)
    elif scope.reads(spec(BUDGET_PAGE).fact):
        parts = [html.Section(safely(render_budget, what="home budget"), id="home-budget", className="mb-5",
                              **{"aria-labelledby": "home-budget-heading"})]
    else:
        parts = [html.Div(safely(render_published, what="home published figures"), id="home-published")]
    return html.Div([_heading(), store(SPEC), bookmark_views.home_section(), *parts])


def _heading():
    return html.H1(ui.app_title(), id="home-title", className="mb-4")


def _service_home(load_records: bool) -> list:
    """The catalogue (filled by the callback below) and, for the data team, the latest load first."""
    catalogue = html.Section(html.P("Loading the service catalogue…", className="small"), id="home-catalogue",
                             **{"aria-labelledby": "home-catalogue-heading"})
    if not load_records:
        return [catalogue]
    try:
        run = latest_run()
        rejected = rejected_files(run["run_id"]) if run else []
    except WarehouseUnavailable as exc:
        return [ui.unavailable(str(exc), "home-unavailable")]
    return [_latest_load(run, rejected), catalogue]


# ---------------------------------------------------------------------------------------------------- latest load

def _latest_load(run: dict | None, rejected: list[dict]):
    section = [html.H2("Latest load", id="home-latest-load-heading")]
    if run is None:
        section.append(html.P("No load is recorded in this warehouse.", id="home-no-load"))
        return html.Section(section, id="home-latest-load", className="mb-5",
                            **{"aria-labelledby": "home-latest-load-heading"})
    succeeded = run["status"] == "succeeded"
    figures = [
        ("run-finished", "Finished", ui.when(run["finished"])),
        ("run-status", "Status", dbc.Badge(run["status"], color="success" if succeeded else "danger")),
        ("data-as-of", "Data as of", ui.when(run["data_as_of"])),
        ("files", "Files", ui.count(run["files"])),
        ("rows-read", "Rows read", ui.count(run["rows_read"])),
        ("rows-loaded", "Rows loaded", ui.count(run["rows_loaded"])),
        ("rows-rejected", "Rows rejected", ui.count(run["rows_rejected"])),
        ("rows-blank", "Rows blank", ui.count(run["rows_blank"])),
    ]
    section.append(html.Dl(
        [html.Div([html.Dt(label), html.Dd(value, id=f"home-{key}")], className="figure")
         for key, label, value in figures],
        className="figures", id="home-load-figures"))
    if not succeeded:
        section.append(dbc.Alert(f"This load failed: {run['message']}. The dashboards show the last successful load.",
                                 color="danger", id="home-load-failed"))
    section.append(_rejected_files(rejected))
    return html.Section(section, id="home-latest-load", className="mb-5",
                        **{"aria-labelledby": "home-latest-load-heading"})


def _rejected_files(rejected: list[dict]):
    if not rejected:
        return html.P("No file of this load had rejected rows.", id="home-rejected-files")
    header = html.Thead(html.Tr([html.Th("File", scope="col"), html.Th("Loaded into", scope="col"),
                                 html.Th("Rows read", scope="col", className="text-end"),
                                 html.Th("Rows rejected", scope="col", className="text-end")]))
    body = html.Tbody([
        html.Tr([html.Td(row["source_file"]), html.Td(row["target"] or "–"),
                 html.Td(ui.count(row["rows_read"]), className="text-end"),
                 html.Td(ui.count(row["rows_rejected"]), className="text-end")])
        for row in rejected[:REJECTED_FILES_SHOWN]])
    more = rejected[REJECTED_FILES_SHOWN:]
    caption = f"Files with rejected rows in this load ({ui.plural(len(rejected), 'file')})"
    if more:
        caption += f", the {REJECTED_FILES_SHOWN} with most"
    note = ["Each rejected row and its reason: ", html.Code("python -m etl rejects --warehouse PATH")]
    if more:
        rows = sum(row["rows_rejected"] for row in more)
        note = [f"{ui.plural(len(more), 'more file')} with {ui.plural(rows, 'rejected row')} not shown. ", *note]
    return html.Div([
        ui.scroll_region(dbc.Table([html.Caption(caption), header, body],
                                    id="home-rejected-files", size="sm", className="caption-top"), caption),
        html.P(note, className="small text-body-secondary", id="home-rejected-more"),
    ])


# ---------------------------------------------------------------------------------------------- service catalogue

def _columns():
    """The same column widths in every directorate's table, so the tables line up down the page."""
    return html.Colgroup([html.Col(style={"width": w}) for w in ("31%", "6%", "29%", "12%", "9%", "13%")])


def render_catalogue(state) -> list:
    query = service_catalogue_sql(current_scope(), FACT)
    services = current().rows(query.sql, query.params)
    if not services:
        return [html.H2("Service catalogue", id="home-catalogue-heading"),
                html.P("No service's figures are in your access.", id="home-catalogue-none")]
    month, values = headlines(state, services)
    return _catalogue(services, month, values, state)


def _catalogue(services: list[dict], month: str | None, values: dict, state) -> list:
    directorates = [(key, list(rows)) for key, rows in
                    groupby(services, key=lambda r: (r["directorate_code"], r["directorate_name"]))]
    summary = f"{ui.plural(len(services), 'service')} in {ui.plural(len(directorates), 'directorate')}."
    wards = sel.normalise(state).get("ward", [])
    where = f"in {', '.join(wards)}" if wards else "for the borough"
    when = (f"Each service's headline KPI (its first in the catalogue) in {data.month_label(month)}, the latest month "
            f"of the current selections, {where}, against its target: computed from the service's records where "
            f"it has them (as its dashboard shows them), else as returned by the service. Select a service to see "
            f"all its KPIs."
            if month else "No KPI value matches the current selections.")
    return [
        html.H2("Service catalogue", id="home-catalogue-heading"),
        html.P(summary, id="home-services-count"),
        html.P(when, id="home-headline-month", className="small text-body-secondary",
               **{"data-month": month or ""}),
        *[_directorate(code, name, rows, values, wards) for (code, name), rows in directorates],
    ]


def _directorate(code: str | None, name: str, rows: list[dict], values: dict, wards: list[str]):
    slug = (code or "unknown").lower()
    header = html.Thead(html.Tr([html.Th("Service", scope="col"), html.Th("KPIs", scope="col", className="text-end"),
                                 html.Th("Headline KPI", scope="col"),
                                 html.Th("Value", scope="col", className="text-end"),
                                 html.Th("Target", scope="col", className="text-end"),
                                 html.Th("Status", scope="col")]))
    body = html.Tbody([_service_row(row, values, wards) for row in rows])
    caption = f"Services of {name}"
    return html.Section([
        html.H3(name, id=f"home-directorate-{slug}", className="h4"),
        html.P(ui.plural(len(rows), "service"), className="small text-body-secondary mb-1",
               id=f"home-directorate-{slug}-count"),
        ui.scroll_region(dbc.Table([html.Caption(caption, className="visually-hidden"), _columns(), header, body],
                                    size="sm", className="mb-4", style={"tableLayout": "fixed", "minWidth": "720px"},
                                    id=f"home-directorate-{slug}-services"), caption),
    ], **{"aria-labelledby": f"home-directorate-{slug}"})


def _service_row(row: dict, values: dict, wards: list[str]):
    value = values.get(row["headline_kpi"])
    kpi_format = row["headline_format"]
    colour = rag(value, row["headline_target"], row["headline_direction"], kpi_format == "percent")
    key = (row["service_code"] or "").lower()
    target = row["headline_target"]
    computed = computed_kpis([row["headline_kpi"]])
    status = (html.Span(kpi.RAG_WORDS[colour], className=f"rag rag-{colour or 'none'}",
                        **{"data-rag": colour or "none"}) if value is not None else
              "Not returned by ward" if wards else "No return")
    return html.Tr([
        html.Th([html.A(row["service_name"], href=service_href(row["slug"], row["service_name"]),
                        id=f"home-service-{key}"),
                 " ", html.Code(row["service_code"], className="small")], scope="row"),
        html.Td(ui.count(row["kpis"]), className="text-end"),
        html.Td(row["headline_label"] or "–"),
        html.Td(data.fmt(value, kpi_format), className="text-end", id=f"home-service-{key}-value",
                title=source(row["headline_kpi"], computed), **{"data-source": "computed" if computed else "returned"}),
        html.Td(data.fmt(target, kpi_format) if target is not None else "–", className="text-end"),
        html.Td(status, id=f"home-service-{key}-status"),
    ])


# ------------------------------------------------------------------------------------------------ finance: budget

def render_budget() -> list:
    """The budget position (the budget page's own tiles over budget monitoring) at the selection the budget page
    opens on: the current financial year at the latest complete month, over every service in the user's scope."""
    budget = spec(BUDGET_PAGE)
    heading = html.H2("Budget position", id="home-budget-heading")
    link = html.P(html.A(f"Open {budget.title.lower()}: by directorate, service and cost centre, and spend over £500",
                         href=budget.path, id="home-budget-link"))
    as_of = data_as_of_line(SPEC.name)   # a warehouse that cannot be read says so here (resolve only gives up)
    state = defaults.resolve(budget)
    if not state:
        return [heading, as_of, html.P("No budget monitoring is in your access for the current financial year.",
                                id="home-budget-none"), link]
    year, month = state["financial_year"][0], state["month"][0]
    measures = [k.measure for k in budget.kpis if data.layer().measure(k.measure).fact == budget.fact]
    tiles = [_tile(kpi.render(SPEC, Kpi(name), state)) for name in measures]
    return [heading, as_of,
            html.P(f"Every service in your access, financial year {year} at the end of {data.month_label(month)}, "
                   "the latest complete month.", id="home-budget-period", className="text-body-secondary",
                   **{"data-financial-year": year, "data-month": month}),
            html.Div(tiles, className="kpi-row", id="home-budget-tiles"), link]


def _tile(view: dict):
    """A KPI tile's view (kpi.render) drawn on the server, as assets/page_view.js draws it on the other pages."""
    parts = [html.H3(view["label"], className="kpi-label"),
             html.P(view["value"], className="kpi-value", id=f"{view['id']}-value"),
             html.P([html.Span(view["status"], className=f"rag rag-{view['rag']}", **{"data-rag": view["rag"]}),
                     html.Span(view["target"], className="kpi-target")], className="kpi-status"),
             html.P(view["direction"], className="kpi-direction")]
    return html.Div(parts, className="kpi-tile", id=view["id"])


# ------------------------------------------------------------------------------------- councillors: published

def render_published() -> list:
    """The current snapshot's borough headlines exactly as published (their figures, status and sentences) and
    the reader's own ward's published page: read from the published store, never the warehouse."""
    store_ = open_data.store()
    snapshot = store_.current()
    if snapshot is None:
        return [html.H2("Published figures", id="home-published-heading"),
                html.P("Nothing is published yet: the borough's figures appear here when the data team publishes "
                       "a month.", id="home-published-none")]
    contents = content.contents(store_, snapshot)
    period = month_name(snapshot.period)
    return [
        *_own_ward(contents),
        html.Section([
            html.H2(f"Borough headlines, {period}", id="home-published-heading"),
            html.P(["As published on ", ui.when(dt.date.fromisoformat(snapshot.published_at[:10])), ". ",
                    html.A("The borough summary, every ward's page and the open data", href=PUBLISHED,
                           id="home-published-link")], id="home-published-meta"),
            html.Ul([_headline(row) for row in contents.headlines], className="list-unstyled kpi-row",
                    id="home-headlines"),
        ], **{"aria-labelledby": "home-published-heading"}),
    ]


def _own_ward(contents: content.Contents) -> list:
    ward = getattr(signed_in_user(), "ward", None)
    if not ward:
        return []
    heading = html.H2("Your ward", id="home-ward-heading")
    if ward not in contents.wards:
        body = html.P(f"{ward} is not in the published figures.", id="home-ward")
    else:
        body = html.P(html.A(f"{ward}: its published figures beside the borough average",
                             href=f"{PUBLISHED}wards/{content.ward_slug(ward)}", id="home-ward"))
    return [html.Section([heading, body], className="mb-4", **{"aria-labelledby": "home-ward-heading"})]


def _headline(row: dict):
    """One published headline: its figure as the published pages write it, its published status and sentence."""
    kind = row.get("format") or "number"
    status = row.get("status") or ""   # as on the published pages: a status only where one was published
    target = f" Target {content.shown(row['target'], kind)}" if row.get("target") is not None else ""
    rating = [html.Span(status, className=f"rag rag-{status.lower()}")] if status else []
    return html.Li([
        html.H3(row["headline"], className="kpi-label"),
        html.P(content.shown(row.get("value"), kind), className="kpi-value", id=f"home-headline-{row['measure']}"),
        html.P([*rating, html.Span(target, className="kpi-target")], className="kpi-status"),
        html.P(row["sentence"], className="small mb-0"),
    ], className="kpi-tile")


# ------------------------------------------------------------------------------------------------------ callbacks

callbacks = ui.PageCallbacks()  # registered on each app by create_app


@callbacks(Output("home-catalogue", "children"), Input(STORE, "data"))
def catalogue(state):
    if state is None:
        raise PreventUpdate
    return safely(render_catalogue, data.resolved(known(state)), what="home catalogue")  # @names as real values

"""Home: the latest load of the warehouse and the service catalogue grouped by directorate, each service linked to
its page (/services/<slug>) with its headline KPI's status in the latest month of the selection."""

from __future__ import annotations

from itertools import groupby

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, html
from dash.exceptions import PreventUpdate

from access import Capability, user_can
from dashboards import page_access, ui
from dashboards.components import PageSpec, data, declare, kpi
from dashboards.components.callbacks import safely
from dashboards.components.page import only_the_selection_changed
from dashboards.components.page_view import store
from dashboards.components.selection import STORE, known
from dashboards.components.service_kpis import FACT, headlines, service_href
from dashboards.warehouse import WarehouseUnavailable, current
from data_models.rag import rag
from query import selections as sel

# No charts: the spec makes the shell's chips mark selections the service returns cannot use "(not applicable
# here)"; the headline statuses apply month, financial year and ward.
SPEC = declare(PageSpec(name="home", path="/", title="Home", fact=FACT))

dash.register_page(__name__, path=SPEC.path, name="Home", title=ui.page_title(), order=0, everyone=True,
                   description="The service catalogue and the latest load of the warehouse.")

REJECTED_FILES_SHOWN = 10
LATEST_RUN_SQL = """
select run_id, started, finished, status, message, data_as_of, files,
       rows_read, rows_loaded, rows_rejected, rows_blank
from etl_runs
order by finished desc nulls last, started desc
limit 1
"""
REJECTED_FILES_SQL = """
select source_file, target, rows_read, rows_rejected
from etl_files
where run_id = $run_id and rows_rejected > 0
order by rows_rejected desc, source_file
"""
# Each service with its headline KPI: its first KPI in the catalogue (dim_service_kpi is keyed in service code, KPI
# code order, the catalogue's order of a service's KPIs)
CATALOGUE_SQL = """
with headline as (
    select * from dim_service_kpi
    where kpi_key > 0
    qualify row_number() over (partition by service_key order by kpi_key) = 1
)
select d.directorate_code, d.directorate_name, s.service_code, s.slug, s.service_name,
       (select count(*) from dim_service_kpi k where k.service_key = s.service_key) as kpis,
       h.service_code || ':' || h.kpi_code as headline_kpi, h.label as headline_label,
       h.format as headline_format, h.direction as headline_direction, h.target as headline_target
from dim_directorate d
join dim_service s on s.directorate_key = d.directorate_key
left join headline h on h.service_key = s.service_key
where s.service_key <> -1
order by d.directorate_key = -1, d.directorate_name, s.service_name
"""


def layout(**_query):
    if only_the_selection_changed():
        return dash.no_update  # the catalogue's statuses follow the store (the callback below)
    warehouse = current()
    try:
        run = next(iter(warehouse.rows(LATEST_RUN_SQL)), None)
        rejected = warehouse.rows(REJECTED_FILES_SQL, {"run_id": run["run_id"]}) if run else []
    except WarehouseUnavailable as exc:
        return html.Div([_heading(), store(SPEC), ui.unavailable(str(exc), "home-unavailable")])
    return html.Div([_heading(), store(SPEC), _latest_load(run, rejected),
                     html.Section(html.P("Loading the service catalogue…", className="small"), id="home-catalogue",
                                  **{"aria-labelledby": "home-catalogue-heading"})])


def _heading():
    return html.H1(ui.app_title(), id="home-title", className="mb-4")


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
    if user_can(Capability.DATA_QUALITY):   # file names and rejections are the data team's
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
    services = [s for s in current().rows(CATALOGUE_SQL) if page_access.may_open_service(s["service_code"])]
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
            f"of the current selections, {where}, against its target. Select a service to see all its KPIs."
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
    status = (html.Span(kpi.RAG_WORDS[colour], className=f"rag rag-{colour or 'none'}",
                        **{"data-rag": colour or "none"}) if value is not None else
              "Not returned by ward" if wards else "No return")
    return html.Tr([
        html.Th([html.A(row["service_name"], href=service_href(row["slug"], row["service_name"]),
                        id=f"home-service-{key}"),
                 " ", html.Code(row["service_code"], className="small")], scope="row"),
        html.Td(ui.count(row["kpis"]), className="text-end"),
        html.Td(row["headline_label"] or "–"),
        html.Td(data.fmt(value, kpi_format), className="text-end", id=f"home-service-{key}-value"),
        html.Td(data.fmt(target, kpi_format) if target is not None else "–", className="text-end"),
        html.Td(status, id=f"home-service-{key}-status"),
    ])


# ------------------------------------------------------------------------------------------------------ callbacks

callbacks = ui.PageCallbacks()  # registered on each app by create_app


@callbacks(Output("home-catalogue", "children"), Input(STORE, "data"))
def catalogue(state):
    if state is None:
        raise PreventUpdate
    return safely(render_catalogue, known(state), what="home catalogue")

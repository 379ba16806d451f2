"""Home: the latest load of the warehouse and the service catalogue grouped by directorate."""

from __future__ import annotations

from itertools import groupby

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboards import _ui
from dashboards.warehouse import WarehouseUnavailable, current

dash.register_page(__name__, path="/", name="Home", title=_ui.page_title(), order=0,
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
CATALOGUE_SQL = """
select d.directorate_code, d.directorate_name, s.service_code, s.service_name,
       (select count(*) from dim_service_kpi k where k.service_key = s.service_key) as kpis
from dim_directorate d
join dim_service s on s.directorate_key = d.directorate_key
where s.service_key <> -1
order by d.directorate_key = -1, d.directorate_name, s.service_name
"""


def layout(**_query):
    warehouse = current()
    try:
        run = next(iter(warehouse.rows(LATEST_RUN_SQL)), None)
        rejected = warehouse.rows(REJECTED_FILES_SQL, {"run_id": run["run_id"]}) if run else []
        services = warehouse.rows(CATALOGUE_SQL)
    except WarehouseUnavailable as exc:
        return html.Div([_heading(), _ui.unavailable(str(exc), "home-unavailable")])
    return html.Div([_heading(), _latest_load(run, rejected), _catalogue(services)])


def _heading():
    return html.H1(_ui.app_title(), id="home-title", className="mb-4")


# ---------------------------------------------------------------------------------------------------- latest load

def _latest_load(run: dict | None, rejected: list[dict]):
    section = [html.H2("Latest load", id="home-latest-load-heading")]
    if run is None:
        section.append(html.P("No load is recorded in this warehouse.", id="home-no-load"))
        return html.Section(section, id="home-latest-load", className="mb-5",
                            **{"aria-labelledby": "home-latest-load-heading"})
    succeeded = run["status"] == "succeeded"
    figures = [
        ("run-finished", "Finished", _ui.when(run["finished"])),
        ("run-status", "Status", dbc.Badge(run["status"], color="success" if succeeded else "danger")),
        ("data-as-of", "Data as of", _ui.when(run["data_as_of"])),
        ("files", "Files", _ui.count(run["files"])),
        ("rows-read", "Rows read", _ui.count(run["rows_read"])),
        ("rows-loaded", "Rows loaded", _ui.count(run["rows_loaded"])),
        ("rows-rejected", "Rows rejected", _ui.count(run["rows_rejected"])),
        ("rows-blank", "Rows blank", _ui.count(run["rows_blank"])),
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
                 html.Td(_ui.count(row["rows_read"]), className="text-end"),
                 html.Td(_ui.count(row["rows_rejected"]), className="text-end")])
        for row in rejected[:REJECTED_FILES_SHOWN]])
    more = rejected[REJECTED_FILES_SHOWN:]
    caption = f"Files with rejected rows in this load ({_ui.plural(len(rejected), 'file')})"
    if more:
        caption += f", the {REJECTED_FILES_SHOWN} with most"
    note = ["Each rejected row and its reason: ", html.Code("python -m etl rejects --warehouse PATH")]
    if more:
        rows = sum(row["rows_rejected"] for row in more)
        note = [f"{_ui.plural(len(more), 'more file')} with {_ui.plural(rows, 'rejected row')} not shown. ", *note]
    return html.Div([
        _ui.scroll_region(dbc.Table([html.Caption(caption), header, body],
                                    id="home-rejected-files", size="sm", className="caption-top"), caption),
        html.P(note, className="small text-body-secondary", id="home-rejected-more"),
    ])


# ---------------------------------------------------------------------------------------------- service catalogue

def _catalogue(services: list[dict]):
    directorates = [(key, list(rows)) for key, rows in
                    groupby(services, key=lambda r: (r["directorate_code"], r["directorate_name"]))]
    summary = f"{_ui.plural(len(services), 'service')} in {_ui.plural(len(directorates), 'directorate')}."
    return html.Section([
        html.H2("Service catalogue", id="home-catalogue-heading"),
        html.P(summary, id="home-services-count"),
        dbc.Row([dbc.Col(_directorate(code, name, rows), lg=6) for (code, name), rows in directorates]),
    ], id="home-catalogue", **{"aria-labelledby": "home-catalogue-heading"})


def _directorate(code: str | None, name: str, rows: list[dict]):
    slug = (code or "unknown").lower()
    header = html.Thead(html.Tr([html.Th("Service", scope="col"), html.Th("Code", scope="col"),
                                 html.Th("KPIs", scope="col", className="text-end")]))
    body = html.Tbody([html.Tr([html.Td(row["service_name"]), html.Td(html.Code(row["service_code"])),
                                html.Td(_ui.count(row["kpis"]), className="text-end")]) for row in rows])
    return html.Section([
        html.H3(name, id=f"home-directorate-{slug}", className="h4"),
        html.P(_ui.plural(len(rows), "service"), className="small text-body-secondary mb-1",
               id=f"home-directorate-{slug}-count"),
        dbc.Table([header, body], size="sm", className="mb-4", id=f"home-directorate-{slug}-services"),
    ], **{"aria-labelledby": f"home-directorate-{slug}"})

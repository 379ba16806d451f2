"""Data quality, for the data team: the load runs, each file of the latest successful run reconciled
(read = loaded + rejected + blank), its rejected records with their reasons (searchable, 100 at a time), and how
recent each source's facts are.

Every table has a CSV download of the rows it shows: the same columns, filter and order (all matching rows, not
only the page on screen); numbers without thousands separators and dates as ISO so a spreadsheet reads them.
"""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import ALL, Input, Output, State, ctx, dcc, html

from access import Capability, audit, user_can
from dashboards import ui
from dashboards.components import PageSpec, data, declare, record_table
from dashboards.components.load_records import (
    CHECK_BAD,
    CHECK_OK,
    file_rows,
    file_totals,
    freshness_rows,
    latest_run,
    reject_categories,
    reject_rows,
    rejects_count,
    run_and_files_totals,
    runs,
)
from dashboards.components.page_view import store
from dashboards.components.record_table import Column, to_csv
from dashboards.components.service_kpis import returned_against_computed
from dashboards.warehouse import WarehouseUnavailable
from data_models.model_specs import FRESH_DAYS
from query.load_records import DEFAULT_FILE_SORT
from query.scope import OutOfScope

dash.register_page(__name__, path="/data-quality", name="Data quality", title=ui.page_title("Data quality"),
                   capability=Capability.DATA_QUALITY.value,
                   order=90, description="Load runs, file reconciliation, rejected records and freshness per source.")

# the page reads the load's own tables, no fact: every selection shows as "not applicable here" in the bar
SPEC = declare(PageSpec(name="data-quality", path="/data-quality", title="Data quality", fact=""))

def allowed() -> bool:
    return user_can(Capability.DATA_QUALITY)   # rejected rows may hold personal data: the data team only


callbacks = ui.PageCallbacks(allowed)  # registered on each app by create_app
log = logging.getLogger(__name__)
PAGE_SIZE = 25  # rows on screen at a time (Dash renders a callback's 1,000 cells in seconds)
ERROR_MESSAGE = ("This part of the page could not be read from the warehouse. Reload the page; if it persists, "
                 "rebuild the warehouse: python -m etl build --sources FOLDER --warehouse PATH")



RUN_COLUMNS = [
    Column("started", "Started", "datetime"), Column("finished", "Finished", "datetime"),
    Column("status", "Status"), Column("data_as_of", "Data as of", "date"), Column("files", "Files", "count"),
    Column("rows_read", "Read", "count"), Column("rows_loaded", "Loaded", "count"),
    Column("rows_rejected", "Rejected", "count"), Column("rows_blank", "Blank", "count"),
    Column("message", "Message (failed runs)"),
]
FILE_COLUMNS = [
    Column("source_file", "File"), Column("layout", "Layout"), Column("target", "Target"),
    Column("encoding", "Encoding"), Column("rows_read", "Read", "count"), Column("rows_loaded", "Loaded", "count"),
    Column("rows_rejected", "Rejected", "count"), Column("rows_blank", "Blank", "count"),
    Column("check", "Read = loaded + rejected + blank"),
]
FILE_CSV_COLUMNS = [*FILE_COLUMNS, Column("message", "Message")]
REJECT_COLUMNS = [Column("source_file", "File"), Column("source_row", "Record", "count"),
                  Column("reason", "Reason"), Column("raw", "Raw record", "code")]
CATEGORY_COLUMNS = [Column("category", "Reason category"), Column("records", "Records", "count"),
                    Column("files", "Files", "count"), Column("example", "Example reason")]
FRESHNESS_COLUMNS = [
    Column("target", "Source (target)"), Column("files", "Files", "count"), Column("measured_by", "Date from"),
    Column("latest", "Latest date covered", "date"), Column("days_behind", "Days before data as of", "count"),
    Column("status", "Status"),
]

# ----------------------------------------------------------------------------------------------------------- page


def layout(search: str = "", **_query):
    if not allowed():
        return ui.no_access("Data quality", "data-quality")
    heading = [html.H1("Data quality", id="data-quality-title", className="mb-2"), store(SPEC),
               html.P("For the data team: what each load read, loaded and rejected, and how recent each source is.",
                      className="lead mb-4")]
    try:
        every_run = runs()
        latest = latest_run(succeeded=True)
    except WarehouseUnavailable as exc:
        return html.Div([*heading, ui.unavailable(str(exc), "data-quality-unavailable")])
    except duckdb.Error:
        log.exception("data quality: the load runs could not be read")
        return html.Div([*heading, ui.unavailable(ERROR_MESSAGE, "data-quality-unavailable")])
    run_id = latest["run_id"] if latest else None
    return html.Div([
        *heading,
        dcc.Store(id="data-quality-run-id", data=run_id),
        _runs_section(every_run),
        _files_section(latest),
        _rejects_section(latest, search if isinstance(search, str) else ""),
        _freshness_section(latest),
        _returns_section(),
    ])


def _section(key: str, title: str, children: list, intro: str | None = None):
    heading_id = f"data-quality-{key}-heading"
    body = [html.H2(title, id=heading_id, className="mt-4")]
    if intro:
        body.append(html.P(intro, className="text-body-secondary"))
    return html.Section([*body, *children], id=f"data-quality-{key}", className="mb-5",
                        **{"aria-labelledby": heading_id})


def _download(key: str, what: str):
    return html.Div([
        dbc.Button(f"Download {what} (CSV)", id=f"data-quality-{key}-download-button", color="secondary",
                   outline=True, size="sm", className="me-2"),
        dbc.Button(f"Download {what} (Excel)", id=f"data-quality-{key}-download-xlsx-button", color="secondary",
                   outline=True, size="sm"),
        dcc.Download(id=f"data-quality-{key}-download"),
    ], className="mb-2")


def _no_success():
    return html.P("No successful load is recorded in this warehouse yet.", className="data-quality-empty")


def _error(id_: str):
    return ui.unavailable(ERROR_MESSAGE, id_)


# ----------------------------------------------------------------------------------------------------------- runs

def _runs_section(runs: list[dict]):
    if not runs:
        body = [html.P("No load is recorded in this warehouse.", id="data-quality-runs-table")]
    else:
        body = [_download("runs", "runs"),
                record_table.table(f"Load runs, latest first ({ui.plural(len(runs), 'run')})", RUN_COLUMNS, runs,
                       "data-quality-runs-table", cell=_run_cell, row_class=_run_row_class)]
    return _section("runs", "Load runs", body)


def _run_cell(column: Column, row: dict):
    if column.key == "status":
        return _status_badge(row["status"])
    return record_table.display(column, row[column.key])


def _run_row_class(row: dict) -> str | None:
    return None if row["status"] == "succeeded" else "table-danger"


def _status_badge(status: str | None):
    colour = {"succeeded": "success", "failed": "danger"}.get(status or "", "secondary")
    return dbc.Badge(status or "unknown", color=colour, className="fs-6 fw-semibold")


# ---------------------------------------------------------------------------------------------- reconciliation

def _files_section(latest: dict | None):
    if latest is None:
        return _section("files", "Files of the latest successful load", [_no_success()])
    intro = (f"Run {latest['run_id']}, finished {ui.when(latest['finished'])}. Each file's records are read, then "
             "loaded, rejected (with a reason, below) or blank; the check column says whether they add up.")
    controls = dbc.Row([
        dbc.Col([dbc.Label("Filter files (file, layout, target or message)", html_for="data-quality-files-search"),
                 dbc.Input(id="data-quality-files-search", type="search", value="", debounce=0.3,
                           placeholder="e.g. spend or unrecognised", autoComplete="off")], md=6),
        dbc.Col([dbc.Label("Show", html_for="data-quality-files-show"),
                 dbc.Select(id="data-quality-files-show", value="all",
                            options=[{"label": "All files", "value": "all"},
                                     {"label": "Only files with a problem", "value": "problems"}])], md=3),
    ], className="mb-3 g-3")
    try:
        view, run_check = files_view(latest["run_id"]), _run_check(latest["run_id"])
    except WarehouseUnavailable as exc:
        return _section("files", "Files of the latest successful load",
                        [ui.unavailable(str(exc), "data-quality-files-error")], intro)
    except duckdb.Error:
        log.exception("data quality: the files could not be read")
        return _section("files", "Files of the latest successful load", [_error("data-quality-files-error")], intro)
    aria = _aria_sort(DEFAULT_FILE_SORT)
    header = html.Thead(html.Tr([
        html.Th(html.Button(label, id={"type": "data-quality-files-sort", "column": column.key},
                            className="btn btn-link p-0 fw-bold text-reset text-decoration-underline text-start",
                            title=f"Sort by {column.label}"),
                id={"type": "data-quality-files-th", "column": column.key}, scope="col",
                className="text-end" if column.numeric else None, **{"aria-sort": sort_state})
        for column, label, sort_state in zip(FILE_COLUMNS, view["headers"], aria, strict=True)]))
    table = dbc.Table([
        html.Caption(view["caption"], id="data-quality-files-caption"), header,
        html.Tbody(view["body"], id="data-quality-files-body"),
        html.Tfoot(view["totals"], id="data-quality-files-totals"),
    ], id="data-quality-files-table", size="sm", hover=True, className="caption-top")
    return _section("files", "Files of the latest successful load", [
        controls,
        dcc.Store(id="data-quality-files-sort", data=DEFAULT_FILE_SORT),
        dcc.Store(id="data-quality-files-page", data=0),
        _download("files", "these files"),
        html.Div(view["message"], id="data-quality-files-message"),
        dcc.Loading(ui.scroll_region(table, "Files of the latest successful load"), delay_show=400),
        _pager("files", view),
        html.P(run_check, id="data-quality-files-run-check", className="small"),
    ], intro)


def _aria_sort(sort: dict) -> list[str]:
    return [("descending" if sort.get("descending") else "ascending") if c.key == sort["column"] else "none"
            for c in FILE_COLUMNS]


def _pager(key: str, view: dict):
    return html.Div([
        dbc.Button(f"Previous {PAGE_SIZE}", id=f"data-quality-{key}-prev", color="secondary", outline=True,
                   size="sm", disabled=view["prev_disabled"]),
        html.Span(view["range"], id=f"data-quality-{key}-range", className="mx-3", **{"aria-live": "polite"}),
        dbc.Button(f"Next {PAGE_SIZE}", id=f"data-quality-{key}-next", color="secondary", outline=True, size="sm",
                   disabled=view["next_disabled"]),
    ], className="d-flex align-items-center mb-3", id=f"data-quality-{key}-pager")


def files_view(run_id: str | None, search: str = "", problems_only: bool = False, sort: dict | None = None,
               page: int = 0) -> dict:
    """Everything the files table shows for this filter, sort and page (a plain function: tests call it)."""
    sort = sort or DEFAULT_FILE_SORT
    totals = file_totals(run_id, search, problems_only)
    matching = totals["files"]
    page = max(0, min(page, (max(matching, 1) - 1) // PAGE_SIZE))
    rows = file_rows(run_id, search, problems_only, sort, PAGE_SIZE, page * PAGE_SIZE)
    filtered = bool((search or "").strip()) or problems_only
    caption = (f"Files of run {run_id}: {ui.plural(matching, 'file')}"
               + (" matching the filter" if filtered else "")
               + f", sorted by {_label(sort['column'])} {'descending' if sort.get('descending') else 'ascending'}")
    if rows:
        body = [_file_row(row) for row in rows]
        message = None
    else:
        body = []
        message = html.P("No file matches this filter." if filtered else "This load read no files.",
                         id="data-quality-files-empty", className="data-quality-empty")
    foot = html.Tr([
        html.Th(f"Total ({ui.plural(matching, 'file')})", scope="row", colSpan=4),
        *[html.Td(ui.count(totals[key] or 0), className="text-end fw-bold")
          for key in ("rows_read", "rows_loaded", "rows_rejected", "rows_blank")],
        html.Td(CHECK_OK if totals["unbalanced"] == 0 else f"{CHECK_BAD} ({ui.plural(totals['unbalanced'], 'file')})",
                className="fw-bold"),
    ]) if matching else None
    return {"caption": caption, "body": body, "totals": foot, "message": message, "page": page,
            "range": _range(page, len(rows), matching), "prev_disabled": page == 0,
            "next_disabled": (page + 1) * PAGE_SIZE >= matching, "headers": _sort_labels(sort)}


def _label(key: str) -> str:
    return next((c.label for c in FILE_COLUMNS if c.key == key), key)


def _sort_labels(sort: dict) -> list:
    labels = []
    for column in FILE_COLUMNS:
        if column.key == sort["column"]:
            arrow = "▼" if sort.get("descending") else "▲"
            state = "sorted descending" if sort.get("descending") else "sorted ascending"
            labels.append([column.label, html.Span(f" {arrow}", **{"aria-hidden": "true"}),
                           html.Span(f" ({state})", className="visually-hidden")])
        else:
            labels.append(column.label)
    return labels


def _file_row(row: dict):
    cells = []
    for column in FILE_COLUMNS:
        if column.key == "source_file":
            content = [html.Span(row["source_file"], className="text-break")]
            if row["message"]:
                content.append(html.Div(row["message"], className="small fw-semibold data-quality-file-message"))
            elif row["layout"] is None:
                content.append(html.Div("not recognised", className="small fw-semibold data-quality-file-message"))
            cells.append(html.Td(content))
        else:
            cells.append(html.Td(record_table.display(column, row[column.key]),
                                 className="text-end" if column.numeric else None))
    failed = bool(row["message"]) or row["layout"] is None or not row["balanced"]
    return html.Tr(cells, className="table-danger" if failed else ("table-warning" if row["problem"] else None))


def _range(page: int, shown: int, total: int) -> str:
    if not shown:
        return f"No rows of {total:,}" if total else "No rows"
    start = page * PAGE_SIZE + 1
    return f"Rows {start:,}–{start + shown - 1:,} of {total:,}"


def _next_page(trigger, page: int | None, prev_id: str, next_id: str) -> int:
    page = page or 0
    if trigger == prev_id:
        return max(0, page - 1)
    if trigger == next_id:
        return page + 1
    return 0


@callbacks(
    Output("data-quality-files-body", "children"),
    Output("data-quality-files-totals", "children"),
    Output("data-quality-files-caption", "children"),
    Output("data-quality-files-message", "children"),
    Output("data-quality-files-range", "children"),
    Output("data-quality-files-prev", "disabled"),
    Output("data-quality-files-next", "disabled"),
    Output("data-quality-files-page", "data"),
    Output("data-quality-files-sort", "data"),
    Output({"type": "data-quality-files-sort", "column": ALL}, "children"),
    Output({"type": "data-quality-files-th", "column": ALL}, "aria-sort"),
    Output("data-quality-files-run-check", "children"),
    Input("data-quality-files-search", "value"),
    Input("data-quality-files-show", "value"),
    Input({"type": "data-quality-files-sort", "column": ALL}, "n_clicks"),
    Input("data-quality-files-prev", "n_clicks"),
    Input("data-quality-files-next", "n_clicks"),
    State("data-quality-run-id", "data"),
    State("data-quality-files-sort", "data"),
    State("data-quality-files-page", "data"),
    prevent_initial_call=True,
)
def update_files(search, show, _sort_clicks, _prev, _next, run_id, sort, page):
    trigger = ctx.triggered_id
    sort = dict(sort or DEFAULT_FILE_SORT)
    if isinstance(trigger, dict) and trigger.get("type") == "data-quality-files-sort":
        column = trigger["column"]
        sort = {"column": column, "descending": (not sort.get("descending")) if sort["column"] == column else False}
    page = _next_page(trigger, page, "data-quality-files-prev", "data-quality-files-next")
    aria = _aria_sort(sort)
    try:
        view = files_view(run_id, search or "", show == "problems", sort, page)
        run_check = _run_check(run_id)
    except (WarehouseUnavailable, duckdb.Error) as exc:
        if not isinstance(exc, WarehouseUnavailable):
            log.exception("data quality: the files could not be read")
        message = ui.unavailable(str(exc) if isinstance(exc, WarehouseUnavailable) else ERROR_MESSAGE,
                                  "data-quality-files-error")
        return ([], None, "Files", message, "", True, True, 0, sort, _sort_labels(sort), aria, None)
    return (view["body"], view["totals"], view["caption"], view["message"], view["range"], view["prev_disabled"],
            view["next_disabled"], view["page"], sort, view["headers"], aria, run_check)


def _run_check(run_id: str | None):
    """The run's own totals against the sum of its files."""
    if run_id is None:
        return None
    run, files = run_and_files_totals(run_id)
    if run is None:
        return None
    differ = [key for key in run if (run[key] or 0) != (files[key] or 0)]
    if not differ:
        return f"{CHECK_OK}: the run's totals (files, read, loaded, rejected, blank) equal the sum of its files."
    return f"{CHECK_BAD}: the run's totals differ from the sum of its files in: {', '.join(differ)}."


@callbacks(
    Output("data-quality-files-download", "data"),
    Input("data-quality-files-download-button", "n_clicks"),
    Input("data-quality-files-download-xlsx-button", "n_clicks"),
    State("data-quality-run-id", "data"),
    State("data-quality-files-search", "value"),
    State("data-quality-files-show", "value"),
    State("data-quality-files-sort", "data"),
    prevent_initial_call=True,
)
def download_files(_csv, _xlsx, run_id, search, show, sort):
    if not run_id:
        return dash.no_update
    shown = "problems only" if show == "problems" else "all files"
    return _send(FILE_CSV_COLUMNS, lambda: file_rows(run_id, search or "", show == "problems",
                                                     sort or DEFAULT_FILE_SORT), f"files-{run_id}", "Files",
                 f"load run {run_id}; search '{search or ''}'; {shown}")


# -------------------------------------------------------------------------------------------------------- rejects

def _rejects_section(latest: dict | None, search: str):
    if latest is None:
        return _section("rejects", "Rejected records", [_no_success()])
    try:
        categories = reject_categories(latest["run_id"])
    except WarehouseUnavailable as exc:
        categories, summary = None, ui.unavailable(str(exc), "data-quality-categories-error")
    except duckdb.Error:
        log.exception("data quality: the reject summary could not be read")
        categories, summary = None, _error("data-quality-categories-error")
    if categories is not None and not categories:
        summary = html.P("No record of this load was rejected.", id="data-quality-categories-table",
                         className="data-quality-empty")
    elif categories:
        caption = f"Rejected records by kind of reason ({ui.plural(sum(r['records'] for r in categories), 'record')})"
        summary = html.Div([_download("categories", "reason summary"),
                            record_table.table(caption, CATEGORY_COLUMNS, categories, "data-quality-categories-table")])
    search_box = dbc.Row(dbc.Col([
        dbc.Label("Search rejected records by file or reason", html_for="data-quality-rejects-search"),
        dbc.Input(id="data-quality-rejects-search", type="search", value=search, debounce=0.3,
                  placeholder="e.g. spend/ or is not a date", autoComplete="off"),
        dbc.FormText("Matches any part of the file name or the reason, ignoring case."),
    ], md=8), className="mb-3")
    try:
        view = rejects_view(latest["run_id"], search)
        results = view["content"]
    except WarehouseUnavailable as exc:
        view, results = None, ui.unavailable(str(exc), "data-quality-rejects-error")
    except duckdb.Error:
        log.exception("data quality: the rejected records could not be read")
        view, results = None, _error("data-quality-rejects-error")
    view = view or {"range": "", "prev_disabled": True, "next_disabled": True}
    return _section("rejects", "Rejected records", [
        html.H3("Summary by reason", className="h5", id="data-quality-categories-heading"),
        summary,
        html.H3("Each rejected record", className="h5 mt-4", id="data-quality-rejects-list-heading"),
        search_box,
        dcc.Store(id="data-quality-rejects-page", data=0),
        _download("rejects", "these rejected records"),
        dcc.Loading(html.Div(results, id="data-quality-rejects-results"), delay_show=400),
        _pager("rejects", view),
    ], f"The records of run {latest['run_id']} that were not loaded, with the reason and the record as it came "
       "(personal fields pseudonymised or withheld).")


def rejects_view(run_id: str | None, search: str = "", page: int = 0) -> dict:
    """The rejected records matching `search` (file or reason), at most PAGE_SIZE from page `page`."""
    search = (search or "").strip()
    total = rejects_count(run_id, search)
    page = max(0, min(page, (max(total, 1) - 1) // PAGE_SIZE))
    rows = reject_rows(run_id, search, PAGE_SIZE, page * PAGE_SIZE)
    if rows:
        caption = (f"Rejected records of run {run_id}" + (f" matching “{search}”" if search else "")
                   + f" ({ui.plural(total, 'record')}), by file and record number")
        content = record_table.table(caption, REJECT_COLUMNS, rows, "data-quality-rejects-table", cell=_reject_cell)
    else:
        text = f"No rejected record matches “{search}”." if search else "No record of this load was rejected."
        content = html.P(text, id="data-quality-rejects-empty", className="data-quality-empty")
    return {"content": content, "page": page, "range": _range(page, len(rows), total), "total": total,
            "rows": rows, "prev_disabled": page == 0, "next_disabled": (page + 1) * PAGE_SIZE >= total}


def _reject_cell(column: Column, row: dict):
    if column.key == "raw":
        return html.Code(row["raw"] or "", className="d-block text-break small",
                         style={"whiteSpace": "pre-wrap", "maxWidth": "38rem"})
    return record_table.display(column, row[column.key])


@callbacks(
    Output("data-quality-rejects-results", "children"),
    Output("data-quality-rejects-range", "children"),
    Output("data-quality-rejects-prev", "disabled"),
    Output("data-quality-rejects-next", "disabled"),
    Output("data-quality-rejects-page", "data"),
    Input("data-quality-rejects-search", "value"),
    Input("data-quality-rejects-prev", "n_clicks"),
    Input("data-quality-rejects-next", "n_clicks"),
    State("data-quality-run-id", "data"),
    State("data-quality-rejects-page", "data"),
    prevent_initial_call=True,
)
def update_rejects(search, _prev, _next, run_id, page):
    page = _next_page(ctx.triggered_id, page, "data-quality-rejects-prev", "data-quality-rejects-next")
    try:
        view = rejects_view(run_id, search or "", page)
    except WarehouseUnavailable as exc:
        return ui.unavailable(str(exc), "data-quality-rejects-error"), "", True, True, 0
    except duckdb.Error:
        log.exception("data quality: the rejected records could not be read")
        return _error("data-quality-rejects-error"), "", True, True, 0
    return view["content"], view["range"], view["prev_disabled"], view["next_disabled"], view["page"]


@callbacks(
    Output("data-quality-rejects-download", "data"),
    Input("data-quality-rejects-download-button", "n_clicks"),
    Input("data-quality-rejects-download-xlsx-button", "n_clicks"),
    State("data-quality-run-id", "data"),
    State("data-quality-rejects-search", "value"),
    prevent_initial_call=True,
)
def download_rejects(_csv, _xlsx, run_id, search):
    if not run_id:
        return dash.no_update
    return _send(REJECT_COLUMNS, lambda: reject_rows(run_id, search or ""), f"rejects-{run_id}", "Rejected records",
                 f"load run {run_id}; search '{search or ''}'")


@callbacks(
    Output("data-quality-categories-download", "data"),
    Input("data-quality-categories-download-button", "n_clicks"),
    Input("data-quality-categories-download-xlsx-button", "n_clicks"),
    State("data-quality-run-id", "data"),
    prevent_initial_call=True,
)
def download_categories(_csv, _xlsx, run_id):
    if not run_id:
        return dash.no_update
    return _send(CATEGORY_COLUMNS, lambda: reject_categories(run_id),
                 f"reject-reasons-{run_id}", "Reasons for rejection", f"load run {run_id}")


@callbacks(
    Output("data-quality-runs-download", "data"),
    Input("data-quality-runs-download-button", "n_clicks"),
    Input("data-quality-runs-download-xlsx-button", "n_clicks"),
    prevent_initial_call=True,
)
def download_runs(_csv, _xlsx):
    return _send(RUN_COLUMNS, runs, "load-runs", "Load runs", "every load run")


# ------------------------------------------------------------------------------------------------------ freshness

def _freshness_section(latest: dict | None):
    title = "Freshness per source"
    if latest is None:
        return _section("freshness", title, [_no_success()])
    intro = (f"The latest date each source's facts cover, against the data as of {ui.when(latest['data_as_of'])}: "
             f"fresh when within {FRESH_DAYS} days of it (a yearly return: until the next is due), else stale. "
             f"Monthly facts cover to the end of their month, yearly returns to 31 March.")
    try:
        rows = freshness_rows(latest)
    except WarehouseUnavailable as exc:
        return _section("freshness", title, [ui.unavailable(str(exc), "data-quality-freshness-error")], intro)
    except duckdb.Error:
        log.exception("data quality: freshness could not be read")
        return _section("freshness", title, [_error("data-quality-freshness-error")], intro)
    if not rows:
        return _section("freshness", title, [html.P("No source is loaded.", id="data-quality-freshness-table")], intro)
    return _section("freshness", title, [
        _download("freshness", "freshness"),
        record_table.table(f"Freshness per source ({ui.plural(len(rows), 'source')})", FRESHNESS_COLUMNS, rows,
               "data-quality-freshness-table", cell=_freshness_cell, row_class=_freshness_row_class),
    ], intro)


def _freshness_cell(column: Column, row: dict):
    if column.key == "status":
        colour = {"fresh": "success", "stale": "warning"}.get(row["status"], "secondary")
        return dbc.Badge(row["status"], color=colour, text_color="dark" if colour == "warning" else None,
                         className="fs-6 fw-semibold")
    if column.key == "measured_by":
        if row["measured_by"] == "reference data":
            return "reference data (no dates)"
        return [html.Div(html.Code(name)) for name in row["measured_by"].split(", ")]
    return record_table.display(column, row[column.key])


def _freshness_row_class(row: dict) -> str | None:
    return "table-warning" if row["status"] in ("stale", "no data") else None


@callbacks(
    Output("data-quality-freshness-download", "data"),
    Input("data-quality-freshness-download-button", "n_clicks"),
    Input("data-quality-freshness-download-xlsx-button", "n_clicks"),
    State("data-quality-run-id", "data"),
    prevent_initial_call=True,
)
def download_freshness(_csv, _xlsx, run_id):
    try:
        latest = latest_run(succeeded=True)
    except (WarehouseUnavailable, duckdb.Error):
        return dash.no_update
    if latest is None:
        return dash.no_update
    return _send(FRESHNESS_COLUMNS, lambda: freshness_rows(latest), f"freshness-{latest['run_id']}",
                 "Freshness per source", f"the latest successful load, run {latest['run_id']}")


# ------------------------------------------------------------------------------------ returns against records

RETURN_COLUMNS = [Column("label", "KPI"), Column("month", "Month"), Column("returned", "Returned", "count"),
                  Column("computed", "Computed", "count"), Column("difference", "Difference", "count")]


def _returns_section():
    """Each KPI both returned by its service and computed from its records, month by month: the figure every page
    shows is the computed one, so a difference here is the return to question."""
    title = "Returned against computed KPIs"
    intro = ("KPIs a service returns monthly that are also computed from its own records (the catalogue's "
             "measure): the returned figure, the computed one every page shows, and the difference (computed less "
             "returned), over the latest 12 months returned.")
    try:
        rows = returned_against_computed()
    except WarehouseUnavailable as exc:
        return _section("returns", title, [ui.unavailable(str(exc), "data-quality-returns-error")], intro)
    except OutOfScope:
        rows = []
    except duckdb.Error:
        log.exception("data quality: returns against computed KPIs could not be read")
        return _section("returns", title, [_error("data-quality-returns-error")], intro)
    if not rows:
        return _section("returns", title, [html.P("No KPI in your access is both returned and computed.",
                                                  id="data-quality-returns-table")], intro)
    return _section("returns", title, [
        record_table.table(f"Returned against computed ({ui.plural(len(rows), 'KPI month')})", RETURN_COLUMNS,
                           rows, "data-quality-returns-table", cell=_returns_cell, row_class=_returns_row_class),
    ], intro)


def _returns_cell(column: Column, row: dict):
    if column.key == "month":
        return data.month_label(row["month"])
    if column.key == "difference":
        return difference_text(row["difference"], row["format"])
    if column.key in ("returned", "computed"):
        return data.fmt(row[column.key], row["format"])
    return row[column.key]


def difference_text(value: float | None, kpi_format: str) -> str:
    """Computed less returned, signed: percentage points for a percent KPI, else in the KPI's unit."""
    if value is None:
        return "–"
    def shown_as(number: float) -> str:
        return f"{number:.1f}" if kpi_format == "percent" else data.fmt(number, kpi_format)

    shown = shown_as(abs(value))
    if shown == shown_as(0):
        return "None"   # within the figures' rounding
    sign = "+" if value > 0 else "−"
    return f"{sign}{shown} points" if kpi_format == "percent" else sign + shown


def _returns_row_class(row: dict) -> str | None:
    # a difference beyond the return's rounding (a tenth of a percent, a penny) is worth a look
    return "table-warning" if row["difference"] is None or abs(row["difference"]) >= 0.05 else None


# ---------------------------------------------------------------------------------------------- tables and CSV

def _send(columns: list[Column], make_rows, stem: str, title: str, chosen_by: str = "none"):
    """The table as CSV or as Excel (by the button pressed), or nothing when the warehouse cannot answer (the page
    already says why; no traceback)."""
    as_excel = record_table.excel_pressed()
    try:
        rows = make_rows()
        if as_excel:
            filename = f"{stem}.xlsx"
            sent = dcc.send_bytes(record_table.to_xlsx(title, columns, rows, chosen_by), filename)
        else:
            filename = f"{stem}.csv"
            sent = dcc.send_string(to_csv(columns, rows), filename)
        audit("download", "/data-quality", detail=filename)
        return sent
    except WarehouseUnavailable:
        return dash.no_update
    except duckdb.Error:
        log.exception("data quality: a download could not be made")
        return dash.no_update



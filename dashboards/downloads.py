"""Downloads made on the server: the budget monitoring pack (Excel or PDF) with the page's selections, and any chart
card's rows as Excel beside its CSV. Each is asked for by a link whose query string is the selection the page
shows (page_view.py writes it), answered within the signed-in user's scope, and written to the audit log.

Building a pack takes the request's thread for a second or a few (a PDF's charts start Chromium), never the other
users': at most REPORTS_AT_ONCE are built at a time per process, and a further one is told at once to try again
(503) rather than holding a request thread while it waits. The browser shows that a download is under way
(assets/report_download.js)."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import duckdb
import flask

from access import audit, current_scope
from access.login import signed_in_user
from dashboards import page_access
from dashboards.components import cards, data, selection
from dashboards.components.spec import SPECS
from dashboards.warehouse import WarehouseUnavailable, current
from query import selections as sel
from query.compiler import QueryError
from query.scope import OutOfScope
from reports.budget_data import read_pack
from reports.budget_pack import FORMATS, MEDIA_TYPES, file_name, pack_bytes
from reports.charts import ChartsUnavailable
from reports.errors import ReportError
from reports.table_xlsx import Column, table_xlsx

log = logging.getLogger(__name__)
PACK_PATH = "/download/budget-pack.<file_format>"
TABLE_PATH = "/download/<page>/<card>.xlsx"
XLSX = MEDIA_TYPES["xlsx"]
REPORTS_AT_ONCE = 2
BUDGET_PAGE = "budget"
_building = threading.BoundedSemaphore(REPORTS_AT_ONCE)


def message(text: str, status: int) -> flask.Response:
    return flask.Response(text, status, {"Content-Type": "text/plain; charset=utf-8"})


def attachment(content: bytes, filename: str, media_type: str) -> flask.Response:
    return flask.Response(content, 200, {"Content-Type": media_type, "Cache-Control": "no-store",
                                         "Content-Disposition": f'attachment; filename="{filename}"'})


def asked_state() -> dict[str, list[str]]:
    """The selection in the link's query string: known dimensions only, as any URL is read; named values
    (@last-complete-month) resolved as the page resolves them."""
    args = flask.request.args
    return data.resolved(sel.from_query_string({key: args.getlist(key) for key in args}, data.layer().dimensions))


def budget_pack(file_format: str):
    spec = SPECS.get(BUDGET_PAGE)
    if file_format not in FORMATS:
        return message(f"No such pack format: ask for {' or '.join(FORMATS)}.", 404)
    if spec is None or not page_access.may_open_spec(spec):
        audit("denied", flask.request.path, detail="budget pack outside access")
        return message("The budget pack is outside your access. Ask the data team if you need it.", 403)
    state = asked_state()
    if not _building.acquire(blocking=False):   # never a request thread held waiting: other users need them
        return message(f"{REPORTS_AT_ONCE} packs are being prepared on this server just now: try again in a "
                       "minute.", 503)
    try:
        with current().reading() as con:
            pack = read_pack(con, data.layer(), scope=current_scope(), selections=state, run_by=signed_in_name())
        content = pack_bytes(pack, file_format)
    except (ReportError, OutOfScope) as error:
        return message(str(error), 404 if isinstance(error, ReportError) else 403)
    except (WarehouseUnavailable, FileNotFoundError):
        return message("The warehouse is not available just now: try again shortly.", 503)
    except (duckdb.CatalogException, duckdb.BinderException) as error:
        log.error("budget pack: the warehouse lacks what it reads: %s", error)
        return message("The warehouse was built by another version and lacks what the pack reads: ask the data "
                       "team to rebuild it.", 503)
    except ChartsUnavailable as error:
        log.error("budget pack PDF: %s", error)
        return message("The PDF's charts cannot be drawn just now: download the Excel pack, or try the PDF again "
                       "in a minute (tell the data team if this goes on).", 503)
    finally:
        _building.release()
    filename = file_name(pack.month, file_format)
    audit("download", flask.request.path, sel.to_query_string(state) or None, detail=filename)
    return attachment(content, filename, MEDIA_TYPES[file_format])


def chart_table(page: str, card: str):
    spec = SPECS.get(page)
    chart = next((c for c in spec.charts if c.name == card), None) if spec else None
    if chart is None:
        return message("No such table.", 404)
    if not page_access.may_open_spec(spec):
        audit("denied", flask.request.path, detail="table outside access")
        return message("This table is outside your access.", 403)
    state = asked_state()
    try:
        rows, _, truncated = cards.chart_rows(chart, state)
        as_of = data.data_as_of()
    except (OutOfScope, QueryError) as error:
        return message(str(error), 403 if isinstance(error, OutOfScope) else 400)
    except WarehouseUnavailable as error:
        return message(str(error), 503)
    layer, drawn = data.layer(), cards.resolved(chart, state)   # a drill's rows are of its current level
    columns = [Column(key, heading, layer.measure(key).format if key in layer.measures else None)
               for key, heading in cards.columns(drawn)]
    columns.insert(0, Column("value", layer.dimensions[drawn.dimension].label + " (code)"))
    day = dt.date.fromisoformat(as_of["data_as_of"][:10]) if as_of and as_of.get("data_as_of") else None
    chips = selection.chips(state, spec)["chips"]
    words = "Selections: " + ("; ".join(f"{chip['label']}: {chip['values']}" for chip in chips) or "none")
    if truncated:
        words += f". Only the first {len(rows):,} rows, as the chart shows."
    content = table_xlsx(f"{spec.title}: {chart.title}", columns, rows, words, day, sheet_name=chart.title)
    filename = f"{spec.name}-{chart.name}.xlsx"
    audit("download", flask.request.path, sel.to_query_string(state) or None, detail=filename)
    return attachment(content, filename, XLSX)


def signed_in_name() -> str:
    user = signed_in_user()
    return user.username if user is not None else "unknown"


def install(server: flask.Flask) -> None:
    server.add_url_rule(PACK_PATH, "budget_pack", budget_pack)
    server.add_url_rule(TABLE_PATH, "chart_table", chart_table)

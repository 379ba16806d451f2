"""Audit log, for the admin: who did what and when (sign-ins, failed sign-ins, page views with their selections,
downloads, refused requests), filtered by user, event and dates, a page at a time, and downloadable as CSV. Read
from the application database (app_db), never the warehouse."""

from __future__ import annotations

import dataclasses
import datetime as dt

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html
from dash.exceptions import MissingCallbackContextException

from access import Capability, app_db, audit, user_can
from app_db.database import EVENTS
from dashboards import ui
from dashboards.components import PageSpec, declare, record_table
from dashboards.components.page_view import store
from dashboards.components.record_table import Column

NAME = "audit-log"
PAGE_SIZE = 50
DOWNLOAD_LIMIT = 100_000   # rows in one CSV: a year of a council's use, far more than one sitting reads
COLUMNS = [Column("at", "When (UTC)", "datetime"), Column("username", "User"), Column("event", "Event"),
           Column("path", "Page or route"), Column("selections", "Selections"), Column("detail", "Detail"),
           Column("address", "Address")]

dash.register_page(__name__, path="/audit-log", name="Audit log", title=ui.page_title("Audit log"), order=95,
                   capability=Capability.AUDIT_LOG.value,
                   description="Who signed in, what they opened and downloaded, and what was refused.")


# the page reads no fact: every selection shows as "not applicable here" in the bar
SPEC = declare(PageSpec(name=NAME, path="/audit-log", title="Audit log", fact=""))


def allowed() -> bool:
    return user_can(Capability.AUDIT_LOG)


callbacks = ui.PageCallbacks(allowed)


def layout(**_query):
    if not allowed():
        return ui.no_access("Audit log", NAME)
    field = {"className": "mb-2"}
    filters = dbc.Row([
        dbc.Col([dbc.Label("User", html_for=f"{NAME}-user"),
                 dbc.Input(id=f"{NAME}-user", type="search", debounce=0.3, autocomplete="off")], md=3, **field),
        dbc.Col([dbc.Label("Event", html_for=f"{NAME}-event"),
                 dbc.Select(id=f"{NAME}-event", options=[{"label": "Every event", "value": "every"}] +
                            [{"label": e, "value": e} for e in EVENTS], value="every")], md=3, **field),
        dbc.Col([dbc.Label("From (date)", html_for=f"{NAME}-from"),
                 dbc.Input(id=f"{NAME}-from", type="date")], md=2, **field),
        dbc.Col([dbc.Label("To (date, inclusive)", html_for=f"{NAME}-to"),
                 dbc.Input(id=f"{NAME}-to", type="date")], md=2, **field),
    ], className="align-items-end")
    pager = html.Div([
        dbc.Button("Newer", id=f"{NAME}-prev", color="secondary", outline=True, size="sm", className="me-2"),
        dbc.Button("Older", id=f"{NAME}-next", color="secondary", outline=True, size="sm", className="me-3"),
        html.Span(id=f"{NAME}-range", className="small", **{"aria-live": "polite"}),
        dbc.Button("Download these events (CSV)", id=f"{NAME}-download-button", color="link", size="sm",
                   className="ms-3"),
        dbc.Button("Download these events (Excel)", id=f"{NAME}-download-xlsx-button", color="link", size="sm"),
    ], className="d-flex align-items-center my-2")
    return html.Div([
        html.H1("Audit log", id=f"{NAME}-title", className="mb-2"), store(SPEC),
        html.P("Who signed in, what they opened (with its selections) and downloaded, and what was refused. "
               "Times are UTC.", className="lead"),
        filters, pager, dcc.Store(id=f"{NAME}-page", data=0), dcc.Download(id=f"{NAME}-download"),
        html.Div(id=f"{NAME}-results"),
    ])


def _trigger():
    try:
        return ctx.triggered_id
    except MissingCallbackContextException:   # called directly (tests): a filter changed
        return None


def _day(text) -> dt.datetime | None:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC) if text else None
    except (TypeError, ValueError):
        return None   # a half-typed date filters nothing


def _filters(user, event, start, end) -> dict:
    until = _day(end)
    return {"username": (user or "").strip().lower() or None, "event": event if event in EVENTS else None,
            "since": _day(start), "until": until + dt.timedelta(days=1) if until else None}


@callbacks(Output(f"{NAME}-results", "children"), Output(f"{NAME}-range", "children"),
           Output(f"{NAME}-page", "data"), Output(f"{NAME}-prev", "disabled"), Output(f"{NAME}-next", "disabled"),
           Input(f"{NAME}-user", "value"), Input(f"{NAME}-event", "value"), Input(f"{NAME}-from", "value"),
           Input(f"{NAME}-to", "value"), Input(f"{NAME}-prev", "n_clicks"), Input(f"{NAME}-next", "n_clicks"),
           State(f"{NAME}-page", "data"))
def show(user, event, start, end, _prev, _next, page):
    page = page if isinstance(page, int) and page >= 0 else 0
    page = {f"{NAME}-prev": max(page - 1, 0), f"{NAME}-next": page + 1}.get(_trigger(), 0)
    events, total = app_db().events(**_filters(user, event, start, end), limit=PAGE_SIZE, offset=page * PAGE_SIZE)
    if page and not events and total:   # past the end (the log was filtered meanwhile): the last page
        page = (total - 1) // PAGE_SIZE
        events, total = app_db().events(**_filters(user, event, start, end), limit=PAGE_SIZE,
                                        offset=page * PAGE_SIZE)
    rows = [dataclasses.asdict(e) for e in events]
    first = page * PAGE_SIZE + 1 if rows else 0
    shown = f"Events {first:,}-{first + len(rows) - 1:,} of {total:,}, newest first" if rows else "No event matches."
    table = record_table.table(f"Audit events ({total:,})", COLUMNS, rows, f"{NAME}-table") if rows else None
    return table, shown, page, page == 0, first + len(rows) - 1 >= total


@callbacks(Output(f"{NAME}-download", "data"), Input(f"{NAME}-download-button", "n_clicks"),
           Input(f"{NAME}-download-xlsx-button", "n_clicks"), State(f"{NAME}-user", "value"),
           State(f"{NAME}-event", "value"), State(f"{NAME}-from", "value"),
           State(f"{NAME}-to", "value"), prevent_initial_call=True)
def download(_csv, _xlsx, user, event, start, end):
    events, _total = app_db().events(**_filters(user, event, start, end), limit=DOWNLOAD_LIMIT)
    rows = [dataclasses.asdict(e) for e in events]
    if record_table.excel_pressed():
        filename = "audit-log.xlsx"
        chosen = f"user {user or 'any'}; event {event or 'every'}; from {start or 'the start'} to {end or 'today'}"
        sent = dcc.send_bytes(record_table.to_xlsx("Audit events (UTC)", COLUMNS, rows, chosen), filename)
    else:
        filename = "audit-log.csv"
        sent = dcc.send_string(record_table.to_csv(COLUMNS, rows), filename)
    audit("download", "/audit-log", detail=filename)
    return sent

"""Publishing, for the data team: the published snapshots (newest first) with their open data and pages, publishing
a month's figures (reports.publishing: disclosure control, then a new draft snapshot in the store beside the
warehouse), previewing a draft at its own address and making it public (after a confirmation naming the month), and
withdrawing a snapshot with a reason. What `python -m reports publish | make-public | withdraw | snapshots` does,
with the same audit rows (reports.publish_audit), the signed-in user as who did it."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import ALL, Input, Output, State, ctx, dcc, html

from access import Capability, audit, signed_in_user, user_can
from dashboards import open_data, ui
from dashboards.components import PageSpec, declare
from dashboards.components.page_view import store
from dashboards.warehouse import WarehouseUnavailable, current
from query.periods import is_month, month_name
from query.reading import WarehouseMissing, data_as_of
from reports import publish_audit
from reports.errors import ReportError
from reports.headlines import previous_month
from reports.published_store import Snapshot, current_of, draft_address, public_address
from reports.publishing import default_month, publish

NAME = "publishing"
PATH = "/publishing"
MONTHS_OFFERED = 12   # the latest complete month and the 11 before it
REASON_LIMIT = 500
OK, PROBLEM = "mt-2 mb-0 fw-semibold text-success", "mt-2 mb-0 fw-semibold text-danger"
COLUMNS = ["Snapshot", "Period", "Name", "Published (UTC)", "By", "Data as of", "Tables", "Status", "Links"]
MAKE_PUBLIC = f"{NAME}-make-public"   # each draft row's button: {"type": MAKE_PUBLIC, "snapshot": its id}

dash.register_page(__name__, path=PATH, name="Publishing", title=ui.page_title("Publishing"), order=92,
                   capability=Capability.DATA_QUALITY.value,
                   description="Publish a month's figures as a draft, make it public as open data, and withdraw a "
                               "snapshot.")

# the page reads no fact: every selection shows as "not applicable here" in the bar
SPEC = declare(PageSpec(name=NAME, path=PATH, title="Publishing", fact=""))


def allowed() -> bool:
    return user_can(Capability.DATA_QUALITY)   # the data team publishes (the command line is theirs too)


callbacks = ui.PageCallbacks(allowed)
log = logging.getLogger(__name__)
PUBLISHING = threading.Lock()   # one publish at a time in this process (the store itself is safe across processes)


# ----------------------------------------------------------------------------------------------------------- page

def layout(**_query):
    if not allowed():
        return ui.no_access("Publishing", NAME)
    rows, caption, options, chosen = listing()
    return html.Div([
        html.H1("Publishing", id=f"{NAME}-title", className="mb-2"), store(SPEC),
        html.P("For the data team: the published snapshots of the figures councillors and the public read, "
               "publishing a month's figures (through disclosure control) as a draft, previewing it and making it "
               "public, and withdrawing a snapshot.", className="lead mb-4"),
        _section("publish", "Publish a month", _publish_form()),
        _section("snapshots", "Published snapshots", [ui.scroll_region(dbc.Table([
            html.Caption(caption, id=f"{NAME}-snapshots-caption"),
            html.Thead(html.Tr([html.Th(label, scope="col") for label in COLUMNS])),
            html.Tbody(rows, id=f"{NAME}-snapshots-body"),
        ], id=f"{NAME}-snapshots-table", size="sm", className="caption-top"), "Published snapshots"),
            html.P(id=f"{NAME}-make-public-status", role="status"),
            dcc.ConfirmDialog(id=f"{NAME}-confirm"), dcc.Store(id=f"{NAME}-chosen")]),
        _section("withdraw", "Withdraw a snapshot", [
            html.P("A withdrawn snapshot stays, marked withdrawn with the reason; its pages and open data say so, "
                   "and the newest public snapshot not withdrawn becomes the current one. A draft withdrawn is "
                   "discarded: it can no longer be made public.", className="text-body-secondary"),
            dbc.Row([
                dbc.Col([dbc.Label("Snapshot", html_for=f"{NAME}-withdraw-id"),
                         dbc.Select(id=f"{NAME}-withdraw-id", options=options, value=chosen,
                                    placeholder="None to withdraw")], md=3),
                dbc.Col([dbc.Label("Reason (shown with it)", html_for=f"{NAME}-reason"),
                         dbc.Input(id=f"{NAME}-reason", type="text", value="", maxLength=REASON_LIMIT,
                                   required=True, autoComplete="off", placeholder="e.g. a ward was misnamed")], md=6),
                dbc.Col(dbc.Button("Withdraw", id=f"{NAME}-withdraw-button", color="danger", outline=True), md=3),
            ], className="g-3 align-items-end"),
            html.P(id=f"{NAME}-withdraw-status", role="status"),
        ]),
    ])


def _section(key: str, title: str, children: list):
    heading_id = f"{NAME}-{key}-heading"
    return html.Section([html.H2(title, id=heading_id, className="mt-4"), *children], id=f"{NAME}-{key}",
                        className="mb-5", **{"aria-labelledby": heading_id})


def _publish_form() -> list:
    try:
        with current().reading() as cursor:
            as_of = data_as_of(cursor)
        latest = default_month(as_of)
    except WarehouseUnavailable as exc:
        return [ui.unavailable(str(exc), f"{NAME}-unavailable")]
    except ReportError:
        return [ui.unavailable("The warehouse records no successful load, so no month can be published yet.",
                               f"{NAME}-unavailable")]
    except duckdb.Error:
        log.exception("publishing: the data's as-of date could not be read")
        return [ui.unavailable("The warehouse cannot be read. Rebuild it, then publish.", f"{NAME}-unavailable")]
    months = [latest]
    while len(months) < MONTHS_OFFERED:
        months.append(previous_month(months[-1]))
    return [
        html.P(f"The data are as of {ui.when(as_of)}. Publishing writes a draft snapshot of the published tables "
               "for the month: only the data team can open it (its Preview link below) until it is made public. "
               "Publishing a month again, even while a draft of it waits, makes a new version; earlier snapshots "
               "stay as they were.", className="text-body-secondary"),
        dbc.Row([
            dbc.Col([dbc.Label("Month", html_for=f"{NAME}-month"),
                     dbc.Select(id=f"{NAME}-month", value=latest,
                                options=[{"label": month_name(m), "value": m} for m in months])], md=3),
            dbc.Col(dbc.Button(button_label(latest), id=f"{NAME}-publish-button", color="primary"), md=4),
        ], className="g-3 align-items-end"),
        html.P(id=f"{NAME}-publish-status", role="status"),
    ]


def button_label(month) -> str:
    return f"Publish {month_name(month)}" if isinstance(month, str) and is_month(month) else "Publish"


# ------------------------------------------------------------------------------------------------------ snapshots

def listing() -> tuple[list, str, list[dict], str | None]:
    """The snapshots' rows, the table's caption, and the withdraw form's choices (those not withdrawn, drafts
    included: withdrawing a draft discards it) with the first chosen."""
    snapshots = open_data.store().snapshots()
    current = current_of(snapshots)
    current_id = current.id if current else None
    if snapshots:
        rows = [_row(s, current_id) for s in snapshots]
    else:
        rows = [html.Tr(html.Td("Nothing has been published yet.", colSpan=len(COLUMNS)))]
    options = [{"label": f"{s.id} ({month_name(s.period)}{'' if s.released else ', draft'})", "value": s.id}
               for s in snapshots if not s.withdrawn]
    caption = f"Published snapshots, newest first ({ui.plural(len(snapshots), 'snapshot')})"
    return rows, caption, options, options[0]["value"] if options else None


def status(snapshot: Snapshot, current_id: str | None) -> str:
    if snapshot.withdrawn:
        return f"Withdrawn on {ui.when(dt.date.fromisoformat(snapshot.withdrawn.at[:10]))}: {snapshot.withdrawn.reason}"
    if not snapshot.released:
        return "Draft: not public"
    return "Current" if snapshot.id == current_id else "Earlier"


def _row(snapshot: Snapshot, current_id: str | None):
    published = dt.datetime.fromisoformat(snapshot.published_at).astimezone(dt.UTC)
    as_of = dt.date.fromisoformat(snapshot.data_as_of[:10]) if snapshot.data_as_of else None
    hidden = html.Span(f" of {snapshot.id}", className="visually-hidden")
    if snapshot.released:
        links = [html.A(["Open data", hidden], href=f"/published/api/{snapshot.id}", className="me-3"),
                 html.A(["Pages", hidden], href=public_address(snapshot.id))]
    else:
        links = [html.A(["Preview", hidden], href=draft_address(snapshot.id), className="me-3")]
        if not snapshot.withdrawn:
            links.append(dbc.Button(["Make public", hidden], id={"type": MAKE_PUBLIC, "snapshot": snapshot.id},
                                    color="success", size="sm"))
    cells = [snapshot.id, month_name(snapshot.period), snapshot.name, ui.when(published.replace(tzinfo=None)),
             snapshot.published_by, ui.when(as_of), ui.count(len(snapshot.tables)), status(snapshot, current_id)]
    return html.Tr([*(html.Td(cell) for cell in cells), html.Td(links, className="text-nowrap")],
                   className="table-secondary" if snapshot.withdrawn else None)


def _listed() -> list[Output]:
    """listing()'s outputs: every form redraws the list (drawn first by the layout)."""
    return [Output(f"{NAME}-snapshots-body", "children", allow_duplicate=True),
            Output(f"{NAME}-snapshots-caption", "children", allow_duplicate=True),
            Output(f"{NAME}-withdraw-id", "options", allow_duplicate=True),
            Output(f"{NAME}-withdraw-id", "value", allow_duplicate=True)]


# ----------------------------------------------------------------------------------------------------- callbacks

@callbacks(Output(f"{NAME}-publish-button", "children"), Input(f"{NAME}-month", "value"),
           prevent_initial_call=True)
def show_month(month):
    return button_label(month)


@callbacks(Output(f"{NAME}-publish-status", "children"), Output(f"{NAME}-publish-status", "className"),
           *_listed(), Input(f"{NAME}-publish-button", "n_clicks"), State(f"{NAME}-month", "value"),
           running=[(Output(f"{NAME}-publish-button", "disabled"), True, False)], prevent_initial_call=True)
def publish_month(_clicks, month):
    if not (isinstance(month, str) and is_month(month)):
        return "Choose the month to publish.", PROBLEM, *listing()
    if not PUBLISHING.acquire(blocking=False):
        return ("A publish is already running on this server: wait for it to finish, then look at the list.",
                PROBLEM, *listing())
    try:
        snapshot = publish(current().path, published_by=signed_in_user().username, month=month,
                           store=open_data.store())
    except (ReportError, WarehouseMissing) as error:
        return f"Nothing was published: {error}", PROBLEM, *listing()
    except (duckdb.Error, OSError):
        log.exception("publishing %s failed", month)
        return ("Nothing was published: the warehouse could not be read or the published store written (the "
                "server's log says why).", PROBLEM, *listing())
    finally:
        PUBLISHING.release()
    message = (f"Published draft {snapshot.id} ({ui.plural(len(snapshot.tables), 'table')}) for "
               f"{month_name(snapshot.period)}: not public yet. Preview it, then make it public, in the list below.")
    return _audited(message, publish_audit.published(snapshot)), OK, *listing()


@callbacks(Output(f"{NAME}-confirm", "displayed"), Output(f"{NAME}-confirm", "message"),
           Output(f"{NAME}-chosen", "data"), Input({"type": MAKE_PUBLIC, "snapshot": ALL}, "n_clicks"),
           prevent_initial_call=True)
def ask_make_public(clicks):
    """A draft's Make public asks first, naming the month (the list redrawn brings new buttons: no click)."""
    chosen = ctx.triggered_id.get("snapshot") if isinstance(ctx.triggered_id, dict) else None
    if not isinstance(chosen, str) or not any(isinstance(c, int) and c > 0 for c in clicks or []):
        raise dash.exceptions.PreventUpdate
    try:
        snapshot = open_data.store().get(chosen)
    except ReportError:
        raise dash.exceptions.PreventUpdate from None
    return True, (f"Make {snapshot.id}, the figures for {month_name(snapshot.period)}, public? Councillors and the "
                  "public will read them, and they become the current figures if no later month is public. A "
                  "public snapshot can be withdrawn, not made a draft again."), snapshot.id


@callbacks(Output(f"{NAME}-make-public-status", "children"), Output(f"{NAME}-make-public-status", "className"),
           *_listed(), Input(f"{NAME}-confirm", "submit_n_clicks"), State(f"{NAME}-chosen", "data"),
           prevent_initial_call=True)
def make_public(_confirmed, snapshot_id):
    if not isinstance(snapshot_id, str) or not snapshot_id:
        return "Choose the draft to make public.", PROBLEM, *listing()
    try:
        snapshot = open_data.store().make_public(snapshot_id, by=signed_in_user().username)
    except ReportError as error:
        return f"Nothing was made public: {error}", PROBLEM, *listing()
    except OSError:
        log.exception("making %s public failed", snapshot_id)
        return ("Nothing was made public: the published store could not be written (the server's log says why).",
                PROBLEM, *listing())
    now = open_data.store().current()
    standing = ("now the current snapshot" if now and now.id == snapshot.id
                else f"{now.id}, a later snapshot, stays the current one" if now else "not the current snapshot")
    message = f"Made {snapshot.id} ({month_name(snapshot.period)}) public: {standing}."
    return _audited(message, publish_audit.made_public(snapshot)), OK, *listing()


@callbacks(Output(f"{NAME}-withdraw-status", "children"), Output(f"{NAME}-withdraw-status", "className"),
           Output(f"{NAME}-reason", "value"), *_listed(),
           Input(f"{NAME}-withdraw-button", "n_clicks"), State(f"{NAME}-withdraw-id", "value"),
           State(f"{NAME}-reason", "value"),
           running=[(Output(f"{NAME}-withdraw-button", "disabled"), True, False)], prevent_initial_call=True)
def withdraw_snapshot(_clicks, snapshot_id, reason):
    reason = reason.strip() if isinstance(reason, str) else ""
    if not isinstance(snapshot_id, str) or not snapshot_id:
        return "Choose the snapshot to withdraw.", PROBLEM, dash.no_update, *listing()
    if not reason or len(reason) > REASON_LIMIT:
        return (f"Say why it is withdrawn (at most {REASON_LIMIT} characters): the reason is shown with it.", PROBLEM,
                dash.no_update, *listing())
    try:
        snapshot = open_data.store().withdraw(snapshot_id, by=signed_in_user().username, reason=reason)
    except ReportError as error:
        return f"Nothing was withdrawn: {error}", PROBLEM, dash.no_update, *listing()
    except OSError:
        log.exception("withdrawing %s failed", snapshot_id)
        return ("Nothing was withdrawn: the published store could not be written (the server's log says why).",
                PROBLEM, dash.no_update, *listing())
    message = f"Withdrew {snapshot.id}: {snapshot.withdrawn.reason}."
    return _audited(message, publish_audit.withdrawn(snapshot)), OK, "", *listing()


def _audited(message: str, detail: str) -> str:
    """The audit row of a publish, making public or a withdrawal (as the command line writes it, the page as where);
    the message, with a warning when the row could not be written (what was done is done: it is said, not hidden)."""
    try:
        audit(publish_audit.EVENT, PATH, detail=detail)
    except Exception:  # noqa: BLE001 - any database's error: the snapshot is written, so say the audit failed
        log.exception("publishing: the audit log could not be written (%s)", detail)
        return f"{message} The audit log could not be written: the server's log says why."
    return message

"""The published pages for councillors and the public: plain HTML drawn on the server from a snapshot of the
published store (Jinja templates beside this file), with no Dash callbacks, so a page is one request, readable
without JavaScript, printable, and cheap (a snapshot's files are read once per process; a page is a template
filled in).

    /published/                              the borough summary of the current snapshot
    /published/wards/<ward>                  a ward beside the borough average (current snapshot)
    /published/<snapshot>/                   the same pages of one snapshot, at addresses that never change
    /published/<snapshot>/wards/<ward>
    /published/<snapshot>/summary.pdf        each page as PDF (printed by Chromium from the page itself)
    /published/<snapshot>/wards/<ward>.pdf
    /published/open-data                     every published table: CSV, JSON, definitions, licence, the API
    /published/accessibility                 the accessibility statement
    /published/drafts/<snapshot>/...         a draft's pages, PDFs and files (data/<table>.csv|json), for the data team

A draft (published, not yet made public) is none of the public addresses: they answer 404 as for no snapshot. At
its own address it is the same pages drawn the same way, with a "Draft: not public" banner, for the data team only
(the Publishing page's capability); anyone else gets the same 404, so a draft's existence is never confirmed. Its
pages are never cached (no-store) and its PDFs are kept apart from the public ones.

A withdrawn snapshot's pages answer 410 with when and why, and a link to the current figures. Open to anyone when
the council makes the views public (the access guard), else to anyone signed in. A signed-in councillor sees their
own ward first."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import flask

from access import Capability, signed_in_user, user_can
from access.login import PUBLIC_VIEWS
from dashboards import open_data, ui
from dashboards.published import content, trend, ward_svg
from dashboards.published.printing import DRAFT_PDFS, PDFS, PrintUnavailable, pdf_of
from query.periods import month_name
from reports.errors import ReportError
from reports.published_store import (
    LICENCE,
    LICENCE_URL,
    PublishedStore,
    Snapshot,
    current_of,
    draft_address,
    is_figure,
    public_address,
)
from reports.published_views import contact

log = logging.getLogger(__name__)
EXTENSION = "borough_insight_published_pages"
HOUR = 3600
NO_STORE = "private, no-store"   # a draft's pages and files: never kept by any cache, the browser's included
STATEMENT_REVIEWED = dt.date(2026, 12, 5)   # when the statement was last reviewed against the pages (change it then)
MAP_MEASURE = "repairs_raised"   # what the summary's ward map is coloured by, when the snapshot has it

blueprint = flask.Blueprint("published_pages", __name__, template_folder="templates", static_folder="static",
                            static_url_path="/published/static")


def _store() -> PublishedStore:
    return flask.current_app.extensions[EXTENSION]


STYLESHEET = Path(__file__).resolve().parent / "static" / "published.css"


@blueprint.context_processor
def _helpers():
    return {"shown": content.shown, "stylesheet": _stylesheet}


def _stylesheet() -> str:
    """The stylesheet inlined for printing: Chromium prints the page from a file, fetching nothing."""
    return STYLESHEET.read_text(encoding="utf-8")


# --- routes ------------------------------------------------------------------------------------------------------

@blueprint.get("/published/")
def summary_current():
    snapshot = _store().current()
    if snapshot is None:
        return _page("nothing.html", 200, heading="Nothing is published yet")
    return _summary(snapshot, permanent=False)


@blueprint.get("/published/<snapshot_id>/")
def summary_of(snapshot_id: str):
    return _with_snapshot(snapshot_id, lambda snapshot: _summary(snapshot, permanent=True))


@blueprint.get("/published/wards/<slug>")
def ward_current(slug: str):
    snapshot = _store().current()
    if snapshot is None:
        return _page("nothing.html", 404, heading="Nothing is published yet")
    return _ward(snapshot, slug, permanent=False)


@blueprint.get("/published/<snapshot_id>/wards/<slug>")
def ward_of(snapshot_id: str, slug: str):
    return _with_snapshot(snapshot_id, lambda snapshot: _ward(snapshot, slug, permanent=True))


@blueprint.get("/published/<snapshot_id>/summary.pdf")
def summary_pdf(snapshot_id: str):
    return _with_snapshot(snapshot_id, _summary_pdf)


@blueprint.get("/published/<snapshot_id>/wards/<slug>.pdf")
def ward_pdf(snapshot_id: str, slug: str):
    return _with_snapshot(snapshot_id, lambda snapshot: _ward_pdf(snapshot, slug))


def _summary_pdf(snapshot: Snapshot):
    return _pdf(snapshot, "summary", lambda: _summary_html(snapshot, permanent=True, printing=True),
                f"{snapshot.id}-borough-summary.pdf")


def _ward_pdf(snapshot: Snapshot, slug: str):
    name = content.contents(_store(), snapshot).ward_named(slug)
    if name is None:
        return _no_ward(snapshot, slug)
    return _pdf(snapshot, f"ward-{slug}", lambda: _ward_html(snapshot, name, permanent=True, printing=True),
                f"{snapshot.id}-{slug}.pdf")


# a draft at its own address: the same answers, for the data team only (the public address is where it redirects
# once it has been made public)

@blueprint.get("/published/drafts/<snapshot_id>/")
def draft_summary(snapshot_id: str):
    return _with_draft(snapshot_id, lambda snapshot: _summary(snapshot, permanent=True), "")


@blueprint.get("/published/drafts/<snapshot_id>/wards/<slug>")
def draft_ward(snapshot_id: str, slug: str):
    return _with_draft(snapshot_id, lambda snapshot: _ward(snapshot, slug, permanent=True), f"wards/{slug}")


@blueprint.get("/published/drafts/<snapshot_id>/summary.pdf")
def draft_summary_pdf(snapshot_id: str):
    return _with_draft(snapshot_id, _summary_pdf, "summary.pdf")


@blueprint.get("/published/drafts/<snapshot_id>/wards/<slug>.pdf")
def draft_ward_pdf(snapshot_id: str, slug: str):
    return _with_draft(snapshot_id, lambda snapshot: _ward_pdf(snapshot, slug), f"wards/{slug}.pdf")


@blueprint.get("/published/drafts/<snapshot_id>/data/<table>.<file_format>")
def draft_file(snapshot_id: str, table: str, file_format: str):
    def answer(snapshot: Snapshot):
        entry = next((t for t in snapshot.tables if t.name == table), None)
        if entry is None or file_format not in entry.files:
            return _not_found(snapshot_id)
        return open_data.served_file(snapshot, entry, file_format, NO_STORE, name="draft-")
    return _with_draft(snapshot_id, answer, None, public=f"/published/data/{snapshot_id}/{table}.{file_format}")


@blueprint.get("/published/open-data")
def open_data_index():
    snapshots = _store().released()
    current = current_of(snapshots)
    published = content.contents(_store(), current) if current else None
    definitions, headlines = (published.tables, published.headlines) if published else ((), ())
    return _page("open_data.html", 200, heading="Open data", snapshots=snapshots, current=current,
                 definitions=definitions, headlines=headlines, licence=LICENCE, licence_url=LICENCE_URL)


@blueprint.get("/published/accessibility")
def accessibility():
    return _page("accessibility.html", 200, heading="Accessibility statement for the published figures",
                 reviewed=STATEMENT_REVIEWED, contact=contact())


# --- pages -------------------------------------------------------------------------------------------------------

def _with_snapshot(snapshot_id: str, answer):
    try:
        snapshot = _store().get_released(snapshot_id)   # a draft is no snapshot here
    except ReportError:
        return _not_found(snapshot_id)
    if snapshot.withdrawn:
        return _page("withdrawn.html", 410, heading="These figures were withdrawn", snapshot=snapshot)
    return answer(snapshot)


def _not_found(snapshot_id: str):
    return _page("not_found.html", 404, heading="Page not found",
                 detail=f"No published snapshot is called {snapshot_id!r}.")


def _with_draft(snapshot_id: str, answer, rest: str | None, public: str | None = None):
    """A draft's answer for the data team, never cached; the public address once it has been made public (`rest`:
    the path under it, or `public` itself); for anyone else, and for no such draft, the public 404, word for word."""
    if not user_can(Capability.DATA_QUALITY):
        return _not_found(snapshot_id)
    try:
        snapshot = _store().get(snapshot_id)
    except ReportError:
        return _not_found(snapshot_id)
    if snapshot.released:
        return flask.redirect(public or public_address(snapshot.id) + (rest or ""), 302)
    response = flask.make_response(
        _page("withdrawn.html", 410, heading="This draft was withdrawn", snapshot=snapshot) if snapshot.withdrawn
        else answer(snapshot))
    response.headers["Cache-Control"] = NO_STORE
    return response


def _summary(snapshot: Snapshot, permanent: bool):
    return _cached(flask.make_response(_summary_html(snapshot, permanent)))


def _summary_html(snapshot: Snapshot, permanent: bool, printing: bool = False) -> str:
    contents = content.contents(_store(), snapshot)
    base = _base(snapshot, permanent)
    mine = None if printing else _own_ward(contents)   # a PDF is kept for everyone: never one reader's
    wards = ([mine] if mine else []) + [w for w in contents.wards if w != mine]
    map_wards, legend, map_table, measure_label = _summary_map(contents, base)
    return flask.render_template(
        "summary.html", **_common(snapshot, permanent, printing), heading=f"Camden in {month_name(snapshot.period)}",
        headlines=[_headline(h) for h in contents.headlines], wards=[(w, _ward_href(base, w)) for w in wards],
        own_ward=(mine, _ward_href(base, mine)) if mine else None, map_wards=map_wards, legend=legend,
        map_table=map_table, map_measure=measure_label, map_height=ward_svg.height(), map_width=ward_svg.WIDTH,
        tables=contents.tables, markers_note=contents.markers_note,
        pdf_href=f"{_base(snapshot, True)}summary.pdf")


def _ward(snapshot: Snapshot, slug: str, permanent: bool):
    name = content.contents(_store(), snapshot).ward_named(slug)
    if name is None:
        return _no_ward(snapshot, slug)
    return _cached(flask.make_response(_ward_html(snapshot, name, permanent)))


def _ward_html(snapshot: Snapshot, name: str, permanent: bool, printing: bool = False) -> str:
    contents = content.contents(_store(), snapshot)
    base = _base(snapshot, permanent)
    wards = contents.wards
    at = wards.index(name)
    months = trend.months_of(_store(), snapshot)   # this month and the public months before it
    lines = trend.ward_trend(_store(), months, name)
    sections = [_ward_section(table, name, len(wards), [trend.month_label(m.period) for m in months],
                              lines[table.name]) for table in contents.tables]
    return flask.render_template(
        "ward.html", **_common(snapshot, permanent, printing), heading=f"{name} in {month_name(snapshot.period)}",
        ward=name, ward_count=len(wards), sections=sections, markers_note=contents.markers_note,
        locator=ward_svg.locator(name, lambda w: _ward_href(base, w)), map_height=ward_svg.height(),
        map_width=ward_svg.WIDTH, summary_href=base,
        previous=(wards[at - 1], _ward_href(base, wards[at - 1])) if at > 0 else None,
        following=(wards[at + 1], _ward_href(base, wards[at + 1])) if at + 1 < len(wards) else None,
        pdf_href=f"{_base(snapshot, True)}wards/{content.ward_slug(name)}.pdf")


def _no_ward(snapshot: Snapshot, slug: str):
    return _page("not_found.html", 404, heading="Page not found",
                 detail=f"The figures for {month_name(snapshot.period)} have no ward called {slug!r}.",
                 links=[("The borough summary", _base(snapshot, permanent=False))])


def _ward_section(table: content.Table, ward: str, ward_count: int, months: list[str],
                  lines: list[trend.Line]) -> dict:
    rows = []
    for column in table.columns:
        here, average = table.rows.get(ward, {}).get(column.key), content.ward_average(table, column, ward_count)
        rows.append({"label": column.label, "definition": column.definition, "is_share": column.is_share,
                     "ward": content.shown(here, column.kind),
                     "average": content.shown(average, column.kind if column.is_share or column.kind == "pounds"
                                              else content.AVERAGE) if average is not None else "–",
                     "bars": _bars(here, average, content.bar_top(table, column, ward_count))})
    return {"title": table.title, "description": table.description, "rows": rows, "name": table.name,
            "months": months, "trend": lines, "trend_box": (trend.WIDTH, trend.HEIGHT)}


def _bars(here, average, top: float) -> dict | None:
    """Widths (per cent of the cell, `top` the full width) of the ward's bar and the average's, for the small chart
    in each row: each drawn when it is a figure (a hidden one has no bar: the row says why), none when neither is."""
    if not (is_figure(here) or is_figure(average)):
        return None
    return {"ward": _width(here, top), "average": _width(average, top)}


def _width(value, top: float) -> float | None:
    if not is_figure(value):
        return None
    return round(100 * value / top, 1) if top > 0 else 0.0


def _summary_map(contents: content.Contents, base: str):
    table = next((t for t in contents.tables if any(c.key == MAP_MEASURE for c in t.columns)), None)
    if table is None:   # a snapshot without the measure: the map still leads to each ward
        return ward_svg.locator("", lambda w: _ward_href(base, w)), [], [], ""
    column = next(c for c in table.columns if c.key == MAP_MEASURE)
    values = {ward: table.rows[ward].get(column.key) for ward in table.wards}
    wards, legend = ward_svg.choropleth(
        values, lambda w, v: f"{w}: {content.shown(v, column.kind)} {column.label.lower()}",
        lambda w: _ward_href(base, w))
    rows = [(ward, _ward_href(base, ward), content.shown(value, column.kind)) for ward, value in values.items()]
    return wards, legend, rows, column.label


def _headline(row: dict) -> dict:
    return {**row, "shown": content.shown(row.get("value"), row.get("format", "number")),
            "previous_shown": content.shown(row.get("previous"), row.get("format", "number")),
            "target_shown": content.shown(row.get("target"), row.get("format", "number"))
            if row.get("target") is not None else "", "status_class": (row.get("status") or "none").lower()}


def _own_ward(contents: content.Contents) -> str | None:
    user = signed_in_user()
    ward = getattr(user, "ward", None)
    return ward if ward in contents.wards else None


def _common(snapshot: Snapshot, permanent: bool, printing: bool) -> dict:
    return {"snapshot": snapshot, "period": month_name(snapshot.period), "published": _date(snapshot.published_at),
            "data_as_of": _date(snapshot.data_as_of) if snapshot.data_as_of else None, "printing": printing,
            "permanent_href": _base(snapshot, True), "permanent": permanent, "draft": not snapshot.released,
            "data_href": f"{_base(snapshot, True)}data/" if not snapshot.released
            else f"/published/data/{snapshot.id}/",
            "licence": LICENCE, "licence_url": LICENCE_URL, "title": _title()}


def _page(template: str, status: int, **values):
    response = flask.make_response(flask.render_template(template, title=_title(), printing=False, **values),
                                   status)
    return response


def _cached(response: flask.Response) -> flask.Response:
    """Pages of a snapshot change only when it is withdrawn, or (the current ones) when another is published: an
    hour in caches, as the open data; private when the views are for those signed in, or the page is personal."""
    public = flask.current_app.config.get(PUBLIC_VIEWS) and signed_in_user() is None
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={HOUR if public else 0}"
    return response


def _pdf(snapshot: Snapshot, page: str, html, filename: str):
    try:
        pdf = pdf_of(_store(), snapshot.id, page, html, kept_in=DRAFT_PDFS if not snapshot.released else PDFS)
    except PrintUnavailable as error:
        log.error("published PDF %s/%s: %s", snapshot.id, page, error)
        return _page("not_found.html", 503, heading="The PDF cannot be made just now",
                     detail=f"{error}. The page itself prints as it is: use your browser's Print.")
    return flask.Response(pdf, 200, {"Content-Type": "application/pdf", "Cache-Control": f"private, max-age={HOUR}",
                                     "Content-Disposition": f'attachment; filename="{filename}"'})


def _base(snapshot: Snapshot, permanent: bool) -> str:
    """Where a snapshot's pages are: a draft's own address, else its permanent one, or the current pages'."""
    if not snapshot.released:
        return draft_address(snapshot.id)
    return public_address(snapshot.id) if permanent else "/published/"


def _ward_href(base: str, ward: str) -> str:
    return f"{base}wards/{content.ward_slug(ward)}"


def _date(iso: str) -> str:
    return dt.date.fromisoformat(iso[:10]).strftime("%-d %B %Y")


def _title() -> str:
    return flask.current_app.config.get(ui.TITLE_CONFIG, "Borough Insight")


def not_published(rest: str):
    """Any other address under /published/: a page saying so (never Dash's page shell, which is not public)."""
    return _page("not_found.html", 404, heading="Page not found",
                 detail="Nothing is published at this address.")


def refuse_empty_segments():
    """/published//x matches no published route but would reach Dash's page shell, which is not public: any
    address under /published/ with an empty segment is a 404 page, before anything else answers it."""
    path = flask.request.path
    if path.startswith("/published/") and "//" in path:
        return _page("not_found.html", 404, heading="Page not found", detail="Nothing is published at this address.")
    return None


def install(server: flask.Flask, published: PublishedStore) -> None:
    server.extensions[EXTENSION] = published
    server.before_request_funcs.setdefault(None, []).insert(0, refuse_empty_segments)   # before the access guard
    server.register_blueprint(blueprint)
    server.add_url_rule("/published", "published_home", lambda: flask.redirect("/published/", 301))
    server.add_url_rule("/published/<path:rest>", "published_unknown", not_published)


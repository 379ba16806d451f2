"""Open data: every published table at a permanent address, and a JSON API over the published snapshots, for
another borough, a resident's app or a freedom-of-information answer, without scraping a page.

    /published/api                                  the snapshots (newest first), the current one, the licence
    /published/api/<snapshot>                       one snapshot: its tables, their addresses and definitions
    /published/data/<snapshot>/<table>.csv|json     a table as published (the stored file, checked by SHA-256)
    /published/data/latest/<table>.csv|json         the current snapshot's (its address names the snapshot)

A snapshot's files never change, but a snapshot can be withdrawn, so caches keep them an hour; "latest" moves
when a new snapshot is published, so it is a redirect to the permanent address. A withdrawn snapshot's addresses
answer 410 Gone with when and why it was withdrawn. A draft (not yet made public) is none of these: it is not listed,
and its addresses here answer 404 as for no snapshot; the data team reads its files at the draft's own address
(/published/drafts/<snapshot>/data/<table>.csv|json, dashboards.published.pages). Open to the public when the
council enables it (the access guard), else to anyone signed in; the store holds only aggregates through disclosure
control."""

from __future__ import annotations

import logging

import flask

from access.login import PUBLIC_VIEWS
from reports.errors import ReportError
from reports.published_store import LICENCE, LICENCE_URL, PublishedStore, Snapshot, TableFile, current_of

log = logging.getLogger(__name__)
EXTENSION = "borough_insight_published_store"
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
HOUR = 3600


def store() -> PublishedStore:
    return flask.current_app.extensions[EXTENSION]


def plain(text: str, status: int) -> flask.Response:
    return flask.Response(text, status, {"Content-Type": "text/plain; charset=utf-8"})


def withdrawn_text(snapshot: Snapshot) -> str:
    return (f"Snapshot {snapshot.id} was withdrawn on {snapshot.withdrawn.at[:10]}: {snapshot.withdrawn.reason}. "
            "The current figures are at /published/api.")


def table_links(snapshot: Snapshot) -> list[dict]:
    return [{"name": t.name, "title": t.title, "rows": t.rows,
             **{f: f"/published/data/{snapshot.id}/{t.name}.{f}" for f in t.files}} for t in snapshot.tables]


def described(snapshot: Snapshot) -> dict:
    entry = {"id": snapshot.id, "period": snapshot.period, "name": snapshot.name,
             "published": snapshot.published_at, "data_as_of": snapshot.data_as_of,
             "address": f"/published/api/{snapshot.id}", "tables": table_links(snapshot)}
    if snapshot.withdrawn:
        entry["withdrawn"] = {"at": snapshot.withdrawn.at, "reason": snapshot.withdrawn.reason}
    return entry


def index():
    snapshots = store().released()
    current = current_of(snapshots)
    return flask.jsonify({"licence": {"name": LICENCE, "url": LICENCE_URL},
                          "current": current.id if current else None,
                          "snapshots": [described(s) for s in snapshots]})


def one(snapshot_id: str):
    try:
        snapshot = current_or(snapshot_id)
    except ReportError as error:
        return plain(str(error), 404)
    return flask.jsonify(described(snapshot) | {"licence": {"name": LICENCE, "url": LICENCE_URL}})


def current_or(snapshot_id: str) -> Snapshot:
    if snapshot_id == "latest":
        current = store().current()
        if current is None:
            raise ReportError("nothing has been published yet")
        return current
    return store().get_released(snapshot_id)


def table_file(snapshot_id: str, table: str, file_format: str):
    if file_format not in MEDIA:
        return plain("Published tables are CSV or JSON.", 404)
    try:
        snapshot = current_or(snapshot_id)
        entry = snapshot.table(table)   # a name the manifest lists, before it goes into any header
    except (ReportError, KeyError):
        return plain(f"Snapshot {snapshot_id} publishes no table {table!r}: see /published/api.", 404)
    if snapshot_id == "latest":   # the permanent address, so a link saved today still gives today's figures
        return flask.redirect(f"/published/data/{snapshot.id}/{entry.name}.{file_format}", 302)
    if snapshot.withdrawn:
        return plain(withdrawn_text(snapshot), 410)
    return served_file(snapshot, entry, file_format, cache_control())


def served_file(snapshot: Snapshot, entry: TableFile, file_format: str, cache: str, name: str = "") -> flask.Response:
    """A table's stored file (checked by SHA-256), named `<snapshot>-<table>.<format>` (after `name`: a draft's
    says so)."""
    try:
        content = store().file_bytes(snapshot.id, entry.name, file_format)
    except ReportError as error:   # a stored file changed since it was published: ours to fix, never served
        log.error("published store: %s", error)
        return plain("This published file cannot be served just now: the council has been told.", 500)
    return flask.Response(content, 200, {"Content-Type": MEDIA[file_format], "Cache-Control": cache,
                                         "Content-Disposition": f'inline; filename="{name}{snapshot.id}-{entry.name}.'
                                                                f'{file_format}"'})


def cache_control() -> str:
    """A published file never changes, but a snapshot can be withdrawn: caches keep it an hour, not a year, so a
    withdrawal reaches readers the same day; private when the views are for those signed in only."""
    return f"{'public' if flask.current_app.config.get(PUBLIC_VIEWS) else 'private'}, max-age={HOUR}"


def install(server: flask.Flask, published: PublishedStore) -> None:
    server.extensions[EXTENSION] = published
    server.add_url_rule("/published/api", "published_api", index)
    server.add_url_rule("/published/api/<snapshot_id>", "published_snapshot", one)
    server.add_url_rule("/published/data/<snapshot_id>/<table>.<file_format>", "published_table", table_file)

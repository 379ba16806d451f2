"""The published store: a snapshot is written whole, never changed, listed, made public and withdrawn without being
touched, and its files are what was published (checked by SHA-256), whatever happens to the warehouse beside it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat

import pytest

from reports.errors import ReportError
from reports.published_store import LICENCE, PublishedColumn, PublishedStore, PublishedTable, current_of, status

AT = dt.datetime(2026, 11, 5, 9, 30, tzinfo=dt.UTC)


def ward_table(rows=None) -> PublishedTable:
    columns = (PublishedColumn("ward", "Ward", "The electoral ward (2022 boundaries)."),
               PublishedColumn("jobs", "Repairs completed", "Jobs completed in the month.", "count"),
               PublishedColumn("people", "People in long-term support", "People, as at the month end.", "count"))
    rows = rows or ({"ward": "Belsize", "jobs": 120, "people": "<5"}, {"ward": "King's Cross", "jobs": 0,
                                                                       "people": "[c]"})
    return PublishedTable("wards", "Repairs and care by ward", "By ward.", columns, tuple(rows),
                          ("<5: a count from 1 to 4, suppressed.",))


def test_a_snapshot_is_written_whole_with_its_manifest_and_read_only_files(tmp_path):
    store = PublishedStore(tmp_path / "published")
    snapshot = store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=dt.date(2026, 10, 31),
                             now=AT)
    assert snapshot.id == "2026-10" and snapshot.licence == LICENCE and snapshot.withdrawn is None
    folder = tmp_path / "published" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "wards.csv", "wards.json"]
    assert all(not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) for p in folder.iterdir())
    assert store.get("2026-10") == snapshot
    text = store.file_bytes("2026-10", "wards", "csv").decode("utf-8")
    assert not text.startswith("\ufeff") and "\r\n" in text
    assert list(csv.reader(io.StringIO(text))) == [["Ward", "Repairs completed", "People in long-term support"],
                                                   ["Belsize", "120", "<5"], ["King's Cross", "0", "[c]"]]
    document = json.loads(store.file_bytes("2026-10", "wards", "json"))
    assert document["licence"]["name"] == LICENCE and document["period"] == "2026-10"
    assert document["columns"][1]["definition"] == "Jobs completed in the month."
    assert document["rows"][0] == {"ward": "Belsize", "jobs": 120, "people": "<5"}
    assert not list((tmp_path / "published").glob(".writing-*"))   # no staging folder left


def test_publishing_a_period_again_is_a_new_version_and_withdrawal_leaves_the_snapshot_as_it_was(tmp_path):
    store = PublishedStore(tmp_path)
    first = store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT, public=True)
    before = {p.name: p.read_bytes() for p in (tmp_path / "2026-10").iterdir()}
    second = store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT, public=True)
    assert (first.id, second.id) == ("2026-10", "2026-10-v2") and store.current().id == "2026-10-v2"
    withdrawn = store.withdraw("2026-10-v2", by="admin", reason="a ward was misnamed",
                               now=AT + dt.timedelta(days=1))
    assert withdrawn.withdrawn.reason == "a ward was misnamed" and withdrawn.withdrawn.at.startswith("2026-11-06")
    assert store.current().id == "2026-10"
    assert [s.id for s in store.snapshots()] == ["2026-10-v2", "2026-10"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "2026-10").iterdir()} == before
    with pytest.raises(ReportError, match="already withdrawn"):
        store.withdraw("2026-10-v2", by="admin", reason="again")
    with pytest.raises(ReportError, match="say why"):
        store.withdraw("2026-10", by="admin", reason="  ")
    assert store.publish("2026-10", [ward_table()], published_by="a", data_as_of=None).id == "2026-10-v3"


def test_a_snapshot_survives_the_warehouse_being_rebuilt_beside_it(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"old build")
    store = PublishedStore.beside(warehouse)
    store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT)
    published = {f: store.file_bytes("2026-10", "wards", f) for f in ("csv", "json")}
    rebuilt = tmp_path / "warehouse.duckdb.new"
    rebuilt.write_bytes(b"a new build with new data")
    os.replace(rebuilt, warehouse)   # as the ETL publishes a build
    assert {f: store.file_bytes("2026-10", "wards", f) for f in ("csv", "json")} == published


def test_a_changed_file_is_refused(tmp_path):
    store = PublishedStore(tmp_path)
    store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT)
    target = tmp_path / "2026-10" / "wards.csv"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b"120", b"121"))
    with pytest.raises(ReportError, match="not the file that was published"):
        store.file_bytes("2026-10", "wards", "csv")


def test_a_failed_write_leaves_no_snapshot(tmp_path, monkeypatch):
    from reports import published_store

    calls = []

    def failing(folder, table, period, at):
        calls.append(table.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(folder, table, period, at)

    original = published_store._write_table
    monkeypatch.setattr(published_store, "_write_table", failing)
    store = PublishedStore(tmp_path)
    second = PublishedTable("second", "Second", "d", ward_table().columns, ward_table().rows)
    with pytest.raises(OSError, match="disk full"):
        store.publish("2026-10", [ward_table(), second], published_by="admin", data_as_of=None)
    assert [p.name for p in tmp_path.iterdir()] == [".lock"] and store.current() is None


@pytest.mark.parametrize(("period", "tables", "message"), [
    ("2026-13", "one", "is not a month"), ("Oct", "one", "is not a month"), ("2026-10", "none", "no tables"),
    ("2026-10", "twice", "same name"),
])
def test_bad_requests_are_clear_errors(tmp_path, period, tables, message):
    chosen = {"one": [ward_table()], "none": [], "twice": [ward_table(), ward_table()]}[tables]
    with pytest.raises(ReportError, match=message):
        PublishedStore(tmp_path).publish(period, chosen, published_by="admin", data_as_of=None)


def test_names_that_are_not_safe_addresses_are_refused_and_unknown_snapshots_are_errors(tmp_path):
    with pytest.raises(ReportError, match="lower-case letters"):
        PublishedTable("../wards", "t", "d", (), ())
    store = PublishedStore(tmp_path)
    for bad in ("../etc", "2026-10", "latest", ""):
        with pytest.raises(ReportError, match="no published snapshot"):
            store.get(bad)
    assert store.snapshots() == [] and store.current() is None


def test_publishes_at_once_get_versions_of_their_own_and_whole_files(tmp_path):
    import threading

    store = PublishedStore(tmp_path)
    start = threading.Barrier(4)
    errors = []

    def publish_one(n: int) -> None:
        rows = tuple({"ward": f"Ward {i}", "jobs": 1000 * n + i, "people": "<5"} for i in range(300))
        start.wait()
        try:
            store.publish("2026-10", [ward_table(rows)], published_by=f"p{n}", data_as_of=None)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=publish_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    snapshots = store.snapshots()
    assert sorted(s.id for s in snapshots) == ["2026-10", "2026-10-v2", "2026-10-v3", "2026-10-v4"]
    for snapshot in snapshots:   # each folder is one writer's: its manifest's checksums hold for all its files
        document = json.loads(store.file_bytes(snapshot.id, "wards", "json"))
        assert {row["jobs"] // 1000 for row in document["rows"]} == {int(snapshot.published_by[1:])}
    assert not list(tmp_path.glob(".writing-*"))


def test_a_folder_that_is_not_a_snapshot_does_not_hide_the_others(tmp_path):
    store = PublishedStore(tmp_path)
    store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT, public=True)
    (tmp_path / "2026-11").mkdir()                     # an empty folder with a snapshot's name
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "2026-09" / "manifest.json").write_text("{not json", encoding="utf-8")
    assert [s.id for s in store.snapshots()] == ["2026-10"] and store.current().id == "2026-10"


# --- drafts -----------------------------------------------------------------------------------------------------

def statuses(store: PublishedStore) -> dict[str, str]:
    found = store.snapshots()
    return {s.id: status(s, current_of(found)) for s in found}


def folder_bytes(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_publish_is_a_draft_until_made_public_and_making_it_public_touches_none_of_its_files(tmp_path):
    store = PublishedStore(tmp_path)
    draft = store.publish("2026-10", [ward_table()], published_by="analyst", data_as_of=None, now=AT)
    assert (draft.draft, draft.released, draft.public, draft.made_public) == (True, False, False, None)
    assert store.current() is None and store.released() == [] and statuses(store) == {"2026-10": "draft"}
    assert json.loads((tmp_path / "2026-10" / "manifest.json").read_text())["draft"] is True
    with pytest.raises(ReportError, match=r"^no published snapshot '2026-10'$"):   # as for no snapshot at all
        store.get_released("2026-10")
    before = folder_bytes(tmp_path / "2026-10")

    made = store.make_public("2026-10", by="lead", now=AT + dt.timedelta(hours=2))
    assert (made.released, made.public, made.made_public.by) == (True, True, "lead")
    assert made.made_public.at == "2026-11-05T11:30:00+00:00" and made.published_by == "analyst"
    assert store.current().id == "2026-10" and statuses(store) == {"2026-10": "current"}
    assert store.get_released("2026-10") == made
    assert folder_bytes(tmp_path / "2026-10") == before   # the snapshot's files, manifest included, as written
    assert json.loads((tmp_path / "public" / "2026-10.json").read_text()) == {"by": "lead", "at": made.made_public.at}
    with pytest.raises(ReportError, match="already public since 2026-11-05T11:30"):
        store.make_public("2026-10", by="lead")


def test_a_second_publish_while_a_draft_waits_is_the_next_version_and_each_state_is_said(tmp_path):
    store = PublishedStore(tmp_path)
    store.publish("2026-09", [ward_table()], published_by="a", data_as_of=None, now=AT, public=True)
    store.publish("2026-10", [ward_table()], published_by="a", data_as_of=None, now=AT)
    again = store.publish("2026-10", [ward_table()], published_by="a", data_as_of=None, now=AT)
    assert again.id == "2026-10-v2" and store.current().id == "2026-09"   # drafts leave the current one as it was
    assert statuses(store) == {"2026-10-v2": "draft", "2026-10": "draft", "2026-09": "current"}
    store.make_public("2026-10-v2", by="a")
    store.withdraw("2026-10", by="a", reason="replaced by v2 before it was public")   # a draft discarded
    assert statuses(store) == {"2026-10-v2": "current", "2026-10": "withdrawn", "2026-09": "superseded"}
    assert [s.id for s in store.released()] == ["2026-10-v2", "2026-09"]   # a discarded draft was never public
    with pytest.raises(ReportError, match="withdrawn on .*cannot be made public"):
        store.make_public("2026-10", by="a")
    assert not (tmp_path / "public" / "2026-10.json").exists()


def test_a_snapshot_written_before_drafts_is_public(tmp_path):
    """A manifest without "draft" (every snapshot published before previews) stays public as it was."""
    store = PublishedStore(tmp_path)
    store.publish("2026-10", [ward_table()], published_by="admin", data_as_of=None, now=AT)
    manifest = tmp_path / "2026-10" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["draft"]
    (tmp_path / "2026-10").chmod(0o755)
    manifest.chmod(0o644)
    manifest.write_text(json.dumps(data))
    snapshot = store.get("2026-10")
    assert (snapshot.draft, snapshot.public, store.current().id) == (False, True, "2026-10")
    with pytest.raises(ReportError, match="already public"):
        store.make_public("2026-10", by="admin")

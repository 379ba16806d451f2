"""Publishing over the small demo: the published tables' figures against plain SQL, no count from 1 to 4 and nothing
hidden that the published totals give back, no personal data, a snapshot byte for byte the same after the warehouse
is rebuilt with new data, and the command line's publish, withdraw and listing with their audit rows."""

from __future__ import annotations

import csv
import io
import json
import re

import duckdb
import pytest

from app_db import AppDatabase
from reports.__main__ import main
from reports.published_store import PublishedStore
from reports.publishing import default_month, publish

MONTH = "2026-10"   # the small demo's data end on 31 Oct 2026
MARKERS = {"<5", "[c]"}
RAISED = "Repairs raised"


@pytest.fixture(scope="module")
def published(demo_warehouse, tmp_path_factory):
    store = PublishedStore(tmp_path_factory.mktemp("published"))
    snapshot = publish(demo_warehouse, published_by="data-team", store=store)
    tables = {t.name: list(csv.DictReader(io.StringIO(store.file_bytes(snapshot.id, t.name, "csv").decode())))
              for t in snapshot.tables}
    return store, snapshot, tables


def repairs_raised_by_ward(con) -> dict[str, int]:
    return dict(con.execute("""
        select w.ward_name, count(*) from fact_repairs_job f
        join dim_ward w on w.ward_key = f.ward_key
        join dim_date d on d.date_key = f.raised_date_key
        where strftime(d.full_date, '%Y-%m') = ? group by 1""", [MONTH]).fetchall())


def test_the_default_month_is_the_latest_ended_by_the_data(published):
    import datetime as dt

    _, snapshot, _ = published
    assert snapshot.id == MONTH and snapshot.data_as_of == "2026-10-31"
    assert default_month(dt.date(2026, 11, 30)) == "2026-11" and default_month(dt.date(2026, 12, 3)) == "2026-11"


def test_published_counts_are_the_warehouses_or_hidden_and_never_small(published, demo_con):
    _, _, tables = published
    expected = repairs_raised_by_ward(demo_con)
    rows = {row["Area"]: row for row in tables["repairs-by-ward"]}
    assert len(rows) == 21 and "Camden (the borough)" in rows
    assert rows["Camden (the borough)"][RAISED] == str(sum(expected.values()))
    hidden = 0
    for ward, count in expected.items():
        shown = rows[ward][RAISED]
        if shown in MARKERS:
            hidden += 1
            assert shown == "[c]" or 1 <= count <= 4
        else:
            assert int(shown) == count
    assert hidden and hidden < len(expected)


def test_no_count_of_people_or_cases_from_1_to_4_is_published(published):
    from data_models.semantic_layer import load_semantic_layer
    from reports.published_views import load_views

    layer = load_semantic_layer()
    _, _, tables = published
    for spec in load_views(layer).tables:
        labels = [layer.measure(m).label for m in spec.counts]
        for row in tables[spec.name]:
            for label in labels:
                value = row[label]
                assert value in MARKERS or value.isdigit(), (spec.name, label, value)
                assert value in MARKERS or not 1 <= int(value) <= 4, (spec.name, label, row["Area"])


def test_shares_are_hidden_with_their_base(published):
    _, _, tables = published
    for row in tables["adult-social-care-by-ward"]:
        base, share = row["Assessments following a request"], row["Assessments within 28 days"]
        if base in MARKERS or (base.isdigit() and int(base) < 5):
            assert share in MARKERS | {""}, row


def test_no_personal_data_is_published(published):
    store, snapshot, tables = published
    for table in snapshot.tables:
        document = json.loads(store.file_bytes(snapshot.id, table.name, "json"))
        keys = {c["key"] for c in document["columns"]}
        assert not {k for k in keys if re.search(r"person|people_key|pseudonym|nhs|name$", k)}, keys
        assert document["licence"]["name"] == "Open Government Licence v3.0"
        assert all(c["definition"] for c in document["columns"])
        assert any("<5" in note for note in document["notes"])


def test_a_snapshot_is_the_same_byte_for_byte_after_the_warehouse_is_rebuilt(warehouse_copy):
    store = PublishedStore.beside(warehouse_copy)
    first = publish(warehouse_copy, published_by="data-team")
    before = {p.name: p.read_bytes() for p in (store.root / first.id).iterdir()}
    with duckdb.connect(str(warehouse_copy)) as con:   # new data: a month's repairs reloaded with more jobs
        con.execute("insert into fact_repairs_job select * from fact_repairs_job "
                    "where raised_date_key between 20261001 and 20261031")
    again = publish(warehouse_copy, published_by="data-team")
    assert again.id == f"{MONTH}-v2"
    assert {p.name: p.read_bytes() for p in (store.root / first.id).iterdir()} == before
    assert store.file_bytes(again.id, "repairs-by-ward", "csv") != before["repairs-by-ward.csv"]


def test_the_command_line_publishes_withdraws_and_lists_with_audit_rows(warehouse_copy, capsys):
    assert main(["publish", "--warehouse", str(warehouse_copy)]) == 0
    assert main(["withdraw", "--warehouse", str(warehouse_copy), "--snapshot", MONTH, "--reason",
                 "a ward was misnamed"]) == 0
    assert main(["snapshots", "--warehouse", str(warehouse_copy)]) == 0
    out = capsys.readouterr().out
    assert f"published snapshot {MONTH}" in out and "withdrawn" in out and "a ward was misnamed" in out
    assert PublishedStore.beside(warehouse_copy).current() is None
    events, _ = AppDatabase.beside(warehouse_copy).events(event="publish")
    assert [e.path for e in events] == ["python -m reports withdraw", "python -m reports publish"]
    assert main(["withdraw", "--warehouse", str(warehouse_copy), "--snapshot", MONTH, "--reason", "again"]) == 2
    assert "already withdrawn" in capsys.readouterr().err

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
from data_models.semantic_layer import load_semantic_layer
from reports.__main__ import main
from reports.errors import ReportError
from reports.published_store import PublishedColumn, PublishedStore, PublishedTable
from reports.published_views import BOROUGH_LABEL, load_views
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


def small(count: int) -> bool:
    return 1 <= count <= 4


def test_no_published_share_or_part_gives_a_small_count_back(published):
    """A share with its base gives its count and the rest of the base; a part with its whole gives the rest: none
    of those may be from 1 to 4 (a hidden figure, or 0, is fine)."""
    from data_models.semantic_layer import load_semantic_layer
    from reports.published_views import load_views

    layer = load_semantic_layer()
    _, _, tables = published
    checked = 0
    for spec in load_views(layer).tables:
        for row in tables[spec.name]:
            for share in spec.shares:
                base, value = row[layer.measure(share.base).label], row[layer.measure(share.measure).label]
                assert value != "<5", (spec.name, row["Area"])   # "<5" in a percentage column reads "under 5%"
                if value in MARKERS or value == "" or base in MARKERS:
                    continue
                counted = round(float(value) * int(base) / 100)
                assert not small(counted) and not small(int(base) - counted), (spec.name, row["Area"])
                checked += 1
            for part in spec.parts:
                whole, piece = row[layer.measure(part.of).label], row[layer.measure(part.part).label]
                if whole not in MARKERS and piece not in MARKERS:
                    assert not small(int(whole) - int(piece)), (spec.name, row["Area"])
                    checked += 1
    assert checked > 10


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


def test_the_command_line_publishes_a_draft_makes_it_public_withdraws_and_lists_with_audit_rows(warehouse_copy,
                                                                                                  capsys):
    store = PublishedStore.beside(warehouse_copy)
    assert main(["publish", "--warehouse", str(warehouse_copy)]) == 0
    out = capsys.readouterr().out
    assert f"published draft {MONTH}" in out and f"/published/drafts/{MONTH}/" in out
    assert f"python -m reports make-public {MONTH}" in out
    assert store.current() is None and store.get(MONTH).draft
    assert main(["snapshots", "--warehouse", str(warehouse_copy)]) == 0
    assert capsys.readouterr().out.split("\t")[-1].strip() == "draft"
    assert main(["make-public", MONTH, "--warehouse", str(warehouse_copy)]) == 0
    assert f"made {MONTH} public: /published/{MONTH}/" in capsys.readouterr().out
    assert store.current().id == MONTH
    assert main(["make-public", MONTH, "--warehouse", str(warehouse_copy)]) == 2
    assert "already public" in capsys.readouterr().err
    assert main(["publish", "--public", "--warehouse", str(warehouse_copy)]) == 0   # both in one step
    assert store.current().id == f"{MONTH}-v2"
    assert main(["withdraw", "--warehouse", str(warehouse_copy), "--snapshot", MONTH, "--reason",
                 "a ward was misnamed"]) == 0
    capsys.readouterr()
    assert main(["snapshots", "--warehouse", str(warehouse_copy)]) == 0
    listed = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(row[0], row[3].split(" ")[0]) for row in listed] == [(f"{MONTH}-v2", "current"), (MONTH, "withdrawn")]
    assert "a ward was misnamed" in listed[1][3]
    events, _ = AppDatabase.beside(warehouse_copy).events(event="publish")
    names = ", ".join(t.name for t in store.get(MONTH).tables)
    assert [(e.path, e.detail) for e in reversed(events)] == [
        ("python -m reports publish", f"published draft {MONTH}: {names}"),
        ("python -m reports make-public", f"made public {MONTH} ({MONTH})"),
        ("python -m reports publish", f"published draft {MONTH}-v2: {names}"),
        ("python -m reports publish", f"made public {MONTH}-v2 ({MONTH})"),
        ("python -m reports withdraw", f"withdrew {MONTH}: a ward was misnamed")]
    assert main(["withdraw", "--warehouse", str(warehouse_copy), "--snapshot", MONTH, "--reason", "again"]) == 2
    assert "already withdrawn" in capsys.readouterr().err


@pytest.mark.parametrize(("block", "message"), [
    ("  - {name: t, title: T, description: D, values: [care_requests]}", "values must be amounts"),
    ("  - {name: t, title: T, description: D, values: [pcn_recovery_rate_pct]}", "values must be amounts"),
    ("  - {name: t, title: T, description: D, counts: [care_requests]}\n"
     "  - {name: u, title: U, description: D, counts: [care_reviews], shares: [{measure: care_requests, base: "
     "care_reviews}]}", "one role in every table"),
    ("  - {name: t, title: T, description: D, counts: [repairs_raised], parts: [{part: repairs_raised, of: x}]}",
     "both must be this table's counts"),
])
def test_a_published_views_file_that_could_leak_is_refused(tmp_path, block, message):
    from data_models.semantic_layer import load_semantic_layer
    from reports.errors import ReportError
    from reports.published_views import load_views

    path = tmp_path / "views.yaml"
    path.write_text("disclosure: {threshold: 5}\ntables:\n" + block + "\n", encoding="utf-8")
    with pytest.raises(ReportError, match=message):
        load_views(load_semantic_layer(), path)


@pytest.mark.parametrize(("period", "message"), [("2026-13", "is not a month"), ("Oct", "is not a month"),
                                                 ("2026-11", "has not ended"), ("1999-01", "no figures")])
def test_a_month_that_cannot_be_published_is_one_line(warehouse_copy, capsys, period, message):
    assert main(["publish", "--warehouse", str(warehouse_copy), "--period", period]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and len(error.strip().splitlines()) == 1
    assert PublishedStore.beside(warehouse_copy).snapshots() == []


def _figures(rows: dict[str, dict], counts=("a", "b"), parts=(("b", "a"),), shares=()):
    from reports.published_views import BOROUGH, Figures, Part, Share, TableSpec

    spec = TableSpec(name="t", title="T", description="d", counts=counts,
                     parts=tuple(Part(part=p, of=o) for p, o in parts),
                     shares=tuple(Share(measure=m, base=b) for m, b in shares))
    borough = {name: sum(row[name] for row in rows.values()) for name in next(iter(rows.values()))}
    everything = {**rows, BOROUGH: borough}
    return Figures(spec, everything, {key: key for key in everything})


def test_a_count_that_has_a_part_still_adds_up_over_the_wards():
    """w1's 3 is hidden; were the wards' total of `a` not modelled (it once was not, for a count with a part), the
    borough's 25 less the others' 22 would give it back."""
    from reports.disclosure import Rule, audit_model
    from reports.published_views import BOROUGH
    from reports.publishing import figures_model, protected_figures

    figures = [_figures({"w1": {"a": 3, "b": 0}, "w2": {"a": 10, "b": 5}, "w3": {"a": 12, "b": 6}})]
    model = figures_model(figures)
    assert (("a", BOROUGH), (("a", "w1"), ("a", "w2"), ("a", "w3"))) in model.constraints
    assert (("a", "w2"), (("b", "w2"), ("b:rest", "w2"))) in model.constraints   # the part is the count shown
    shown = protected_figures(figures, Rule(5))
    assert not shown[("a", "w1")].published
    assert sum(not shown[("a", ward)].published for ward in ("w1", "w2", "w3", BOROUGH)) >= 2
    assert audit_model(model, shown, Rule(5)) == []


def test_the_month_before_is_as_its_snapshot_published_it(demo_warehouse, tmp_path):
    """A figure September's snapshot hid must not come out as October's 'month before': the month before is read
    from the month's current snapshot."""
    store = PublishedStore(tmp_path)
    september = publish(demo_warehouse, published_by="data-team", month="2026-09", store=store, public=True)
    october = publish(demo_warehouse, published_by="data-team", month="2026-10", store=store)
    was = {row["Measure"]: row["This month"] for row in _rows(store, september.id, "borough-headlines")}
    now = {row["Measure"]: row["Month before"] for row in _rows(store, october.id, "borough-headlines")}
    assert now == was


@pytest.mark.parametrize("public", [False, True])
def test_a_draft_of_the_month_before_is_never_read_as_it(demo_warehouse, tmp_path, public):
    """A September draft (here with a figure no publish would give) is not what October's headlines compare with:
    only a public snapshot is. Made public, the same snapshot is read (the test can tell the two apart)."""
    table = load_views(load_semantic_layer()).table_of("repairs_completed").name
    columns = (PublishedColumn("area", "Area", "d"), PublishedColumn("repairs_completed", "Completed", "d", "count"))
    store = PublishedStore(tmp_path)
    store.publish("2026-09", [PublishedTable(table, "T", "d", columns, ({"area": BOROUGH_LABEL,
                                                                         "repairs_completed": 987654},))],
                  published_by="someone", data_as_of=None, public=public)
    october = publish(demo_warehouse, published_by="data-team", month="2026-10", store=store)
    before = {row["Measure"]: row["Month before"] for row in _rows(store, october.id, "borough-headlines")}
    assert ("987654" in before.values()) is public


def test_without_its_snapshot_the_month_before_is_protected_as_a_publish_of_it_would_be(demo_warehouse, tmp_path):
    store = PublishedStore(tmp_path / "one")
    october = publish(demo_warehouse, published_by="data-team", month="2026-10", store=store)
    september = publish(demo_warehouse, published_by="data-team", month="2026-09",
                        store=PublishedStore(tmp_path / "other"))
    was = {row["Measure"]: row["This month"]
           for row in _rows(PublishedStore(tmp_path / "other"), september.id, "borough-headlines")}
    now = {row["Measure"]: row["Month before"] for row in _rows(store, october.id, "borough-headlines")}
    assert now == was


def _rows(store: PublishedStore, snapshot_id: str, table: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(store.file_bytes(snapshot_id, table, "csv").decode())))


def test_a_month_that_cannot_be_protected_does_not_stop_the_next(demo_warehouse, tmp_path):
    """The small demo's November 2023 cannot be protected (four wards' emergency repairs, 1 each, add up to a "<5"
    borough): it is refused, and December, its month before not shown, is published."""
    store = PublishedStore(tmp_path)
    with pytest.raises(ReportError, match="cannot protect"):
        publish(demo_warehouse, published_by="data-team", month="2023-11", store=store)
    december = publish(demo_warehouse, published_by="data-team", month="2023-12", store=store)
    before = {row["Measure"]: row["Month before"] for row in _rows(store, december.id, "borough-headlines")}
    assert set(before.values()) == {"[c]"}


def test_a_borough_share_that_can_be_kept_is_kept_when_another_cannot():
    """Share A: six wards late 1 each, the borough 6: a reader who knows the rule (a share hidden with its base
    shown has a count or rest from 1 to 4, so both at least 1) pins each ward's late at 1 from the borough's 6, so
    A's borough share is hidden. Share B: wards late 1 or 2, protected by the wards' own shares; B's is kept."""
    from reports.disclosure import Rule, audit_model
    from reports.published_views import BOROUGH, Figures, Share, TableSpec
    from reports.publishing import figures_model, protected_figures

    a = {f"w{n}": (5, 1) for n in range(6)} | {"w6": (10, 0), "w7": (10, 0)}
    b = {f"w{n}": (5, 2) for n in range(5)} | {"w5": (2, 1), "w6": (10, 0), "w7": (9, 0)}

    def row(within_a, late_a, within_b, late_b):
        return {"a": within_a + late_a, "pa": 100 * within_a / (within_a + late_a),
                "b": within_b + late_b, "pb": 100 * within_b / (within_b + late_b)}

    rows = {ward: row(*a[ward], *b[ward]) for ward in a}
    rows[BOROUGH] = row(*map(sum, zip(*a.values(), strict=True)), *map(sum, zip(*b.values(), strict=True)))
    spec = TableSpec(name="t", title="T", description="d", counts=("a", "b"),
                     shares=(Share(measure="pa", base="a"), Share(measure="pb", base="b")))
    figures = [Figures(spec, rows, {key: key for key in rows})]
    shown = protected_figures(figures, Rule(5))
    assert shown[("pb", BOROUGH)].published
    assert not shown[("pa", BOROUGH)].published
    assert audit_model(figures_model(figures), shown, Rule(5)) == []


def test_a_new_version_of_a_month_knows_what_the_earlier_one_published(warehouse_copy):
    """A reader of 2026-10-v2 has 2026-10 too: every figure of it that the new data leave unchanged is known to
    the v2's audit (a changed one is another count, not knowledge of this one)."""
    from data_models.semantic_layer import load_semantic_layer
    from query.reading import read_only
    from reports.published_views import load_views, read_figures
    from reports.publishing import known_from_store

    store = PublishedStore.beside(warehouse_copy)
    first = publish(warehouse_copy, published_by="data-team", public=True)
    with duckdb.connect(str(warehouse_copy)) as con:   # Kilburn's October repairs raised again: Kilburn changes
        con.execute("""insert into fact_repairs_job select f.* from fact_repairs_job f
                       join dim_ward w on w.ward_key = f.ward_key
                       where w.ward_name = 'Kilburn' and f.raised_date_key between 20261001 and 20261031""")
    layer = load_semantic_layer()
    with read_only(warehouse_copy) as con:
        figures = [read_figures(con, layer, spec, MONTH) for spec in load_views(layer).tables]
    known = known_from_store(store, layer, MONTH, figures)
    before = {row["Area"]: row for row in _rows(store, first.id, "repairs-by-ward")}
    unchanged = [ward for ward, row in before.items() if row[RAISED].isdigit() and ward != "Kilburn"
                 and ward != "Camden (the borough)"]
    assert unchanged and all(known[("repairs_raised", ward)] == int(before[ward][RAISED]) for ward in unchanged)
    assert ("repairs_raised", "Kilburn") not in known
    again = publish(warehouse_copy, published_by="data-team", public=True)   # audited with what it knows
    assert again.id == f"{MONTH}-v2"

"""The intruder's audit, written independently of reports/disclosure.py (tests/intruder.py): four months of the
small demo published in order into one store, then every current snapshot read back from its JSON files alone, as a
member of the public would, and every published number put into one whole-number program per snapshot: wards add
up to the borough (where the warehouse says each case is in one ward, as the definitions say), parts within wholes,
shares within their bases (a share shown gives its count and rest), PCN income within 55 and 240 pounds a PCN paid
or issued, published to the pound. Each hidden count must keep every value its marker allows that the markers alone
allow ("<5": 1 to 4), a "[c]" count and a hidden share's count must not be pinned; the headlines' month before is
the month before's own published figure. Then the three leaks found before, each on figures made for it."""

from __future__ import annotations

import pytest
from intruder import broken_promises, read_snapshot, reader_of

from data_models.semantic_layer import load_semantic_layer
from query.reading import read_only
from reports.disclosure import Rule
from reports.published_store import PublishedStore
from reports.published_views import BOROUGH, BOROUGH_LABEL, Figures, Share, TableSpec, load_views, read_figures
from reports.publishing import protected_figures, publish

MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10"]
LEAST_PAID, MOST_ISSUED = 55, 240


@pytest.fixture(scope="module")
def published_in_order(demo_warehouse, tmp_path_factory):
    store = PublishedStore(tmp_path_factory.mktemp("in-order"))
    snapshots = []
    for month in MONTHS:
        snapshots.append(publish(demo_warehouse, published_by="data-team", month=month, store=store, public=True))
    layer = load_semantic_layer()
    views = load_views(layer)
    with read_only(demo_warehouse) as con:   # which counts add up over the wards, from the warehouse itself
        sums = {}
        for month in MONTHS:
            for spec in views.tables:
                figures = read_figures(con, layer, spec, month)
                for measure in spec.counts:
                    wards = sum(v[measure] or 0 for k, v in figures.rows.items() if k != BOROUGH)
                    sums[(month, spec.name, measure)] = wards == (figures.rows[BOROUGH][measure] or 0)
    return store, snapshots, {t.name: t for t in views.tables}, sums


def test_no_hidden_figure_is_worked_out_or_narrowed_beyond_its_marker(published_in_order):
    store, snapshots, spec_of, sums = published_in_order
    checked = 0
    for snapshot in snapshots:
        documents = read_snapshot(store, snapshot)
        def adds_up(table, measure, month=snapshot.period):
            return sums[(month, table, measure)]
        reader, hidden = reader_of(documents, spec_of, adds_up)
        alone, _ = reader_of(documents, spec_of, adds_up, hide_figures=True)
        assert broken_promises(reader, alone, hidden) == [], snapshot.id
        checked += len(hidden)
    assert checked > 100


def test_the_month_before_is_the_month_befores_own_figure(published_in_order):
    store, snapshots, spec_of, _ = published_in_order
    for before, now in zip(snapshots[:-1], snapshots[1:], strict=True):
        tables = read_snapshot(store, before)
        borough = {m: v for doc in tables.values() for row in doc["rows"] if row.get("area") == BOROUGH_LABEL
                   for m, v in row.items()}
        for headline in read_snapshot(store, now)["borough-headlines"]["rows"]:
            assert headline["previous"] == borough[headline["measure"]], (now.id, headline["measure"])


# --- the three leaks found before, each on figures made for it -------------------------------------------------

def _table(spec, rows):
    borough = {name: sum(row[name] for row in rows.values()) for name in next(iter(rows.values()))}
    return Figures(spec, {**rows, BOROUGH: borough}, {key: key for key in [*rows, BOROUGH]})


def test_income_beside_a_hidden_pcn_count_never_gives_it_away():
    """Gospel Oak: 1 PCN issued and paid, 55 pounds: published as it was, the income said exactly 1."""
    from reports.published_views import AmountBound, Part

    spec = TableSpec(name="p", title="P", description="d", counts=("pcns_issued", "pcns_paid"),
                     parts=(Part(part="pcns_paid", of="pcns_issued"),), values=("pcn_income",),
                     bounds=(AmountBound(amount="pcn_income", count="pcns_paid", least_each=55),
                             AmountBound(amount="pcn_income", count="pcns_issued", most_each=240)))
    rows = {"Gospel Oak": {"pcns_issued": 1, "pcns_paid": 1, "pcn_income": 55.0}}
    rows |= {f"w{n}": {"pcns_issued": 40 + n, "pcns_paid": 30 + n, "pcn_income": 110.0 * (30 + n)} for n in range(4)}
    figures = _table(spec, rows)
    shown = protected_figures([figures], Rule(5))
    assert not shown[("pcn_income", "Gospel Oak")].published
    documents = {"p": _document(figures, shown)}
    reader, _ = reader_of(documents, {"p": spec}, lambda table, measure: True)
    assert reader.range_of(("pcns_paid", "Gospel Oak")) == (1, 4)


def test_a_borough_share_of_100_percent_does_not_give_its_wards_shares_away():
    """Every emergency repair on time in the borough: published, the 100% says each hidden ward's is 100% too."""
    spec = TableSpec(name="r", title="R", description="d", counts=("jobs",),
                     shares=(Share(measure="on_time", base="jobs"),))
    rows = {f"w{n}": {"jobs": n + 1, "on_time": 100.0} for n in range(3)} | {"big": {"jobs": 30, "on_time": 100.0}}
    figures = _table(spec, rows)
    figures.rows[BOROUGH]["on_time"] = 100.0
    shown = protected_figures([figures], Rule(5))
    assert not shown[("on_time", BOROUGH)].published or all(shown[("jobs", f"w{n}")].published for n in range(3))


def test_small_wards_adding_up_to_a_published_borough_are_not_narrowed():
    """Eight wards "<5", the borough 9: each is 1 or 2 unless the borough is hidden."""
    spec = TableSpec(name="c", title="C", description="d", counts=("requests",))
    rows = {f"w{n}": {"requests": 2 if n == 0 else 1} for n in range(8)} | {"z": {"requests": 0}}
    figures = _table(spec, rows)
    shown = protected_figures([figures], Rule(5))
    documents = {"c": _document(figures, shown)}
    reader, _ = reader_of(documents, {"c": spec}, lambda table, measure: True)
    assert reader.range_of(("requests", "w3")) == (1, 4)


def _document(figures, shown):
    """A table as the publisher writes it: figures, markers, areas named as the JSON names them."""
    rows = []
    for key, values in figures.rows.items():
        row = {"area": BOROUGH_LABEL if key == BOROUGH else key}
        for measure, value in values.items():
            figure = shown.get((measure, key))
            row[measure] = value if figure is None or figure.published else figure.marker
            if isinstance(row[measure], float) and measure in figures.spec.values:
                row[measure] = round(row[measure])
        rows.append(row)
    return {"rows": rows}

"""The intruder's audit, written independently of reports/disclosure.py: months of the small demo published in order
into one store, then every current snapshot read back from its JSON files alone, as a member of the public would,
and every published number put into one whole-number program per snapshot: wards add up to the borough (where the
warehouse says each case is in one ward, as the definitions say), parts within wholes, shares within their bases
(a share shown gives its count and rest), PCN income within 55 and 240 pounds a PCN paid or issued, published to the
pound. Each hidden count must keep every value its marker allows that the markers alone allow ("<5": 1 to 4), a
"[c]" count and a hidden share's count must not be pinned; the headlines' month before is the month before's own
published figure. Then the three leaks found before, each on figures made for it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from data_models.semantic_layer import load_semantic_layer
from query.reading import read_only
from reports.disclosure import Rule
from reports.published_store import PublishedStore
from reports.published_views import BOROUGH, BOROUGH_LABEL, Figures, Share, TableSpec, load_views, read_figures
from reports.publishing import protected_counts, publish

MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
LEAST_PAID, MOST_ISSUED = 55, 240


class Reader:
    """Integer unknowns for what a table hides, equations and inequalities over them, each figure's range."""

    def __init__(self):
        self.names, self.low, self.high, self.integer = [], [], [], []
        self.eq, self.ub = [], []   # ({name: factor}, constant): sum = constant / sum <= constant

    def cell(self, name, low, high=math.inf, whole=True):
        self.names.append(name), self.low.append(low), self.high.append(high), self.integer.append(whole)
        return name

    def known(self, name, value):
        return self.cell(name, value, value)

    def range_of(self, name) -> tuple[float, float]:
        column = {n: k for k, n in enumerate(self.names)}
        def matrix(rows):
            a = np.zeros((len(rows), len(self.names)))
            for r, (terms, _) in enumerate(rows):
                for n, f in terms.items():
                    a[r, column[n]] += f
            return a, np.array([c for _, c in rows], float)
        constraints = []
        if self.eq:
            a, b = matrix(self.eq)
            constraints.append(LinearConstraint(a, b, b))
        if self.ub:
            a, b = matrix(self.ub)
            constraints.append(LinearConstraint(a, -np.inf, b))
        found = []
        for sense in (1, -1):
            objective = np.zeros(len(self.names))
            objective[column[name]] = sense
            high = [min(h, 1e7) for h in self.high]   # far beyond any figure here: "no greatest value"
            result = milp(objective, integrality=np.array(self.integer, int), bounds=Bounds(self.low, high),
                          constraints=constraints)
            assert result.status == 0, result.message
            found.append(result.x[column[name]])
        return found[0], found[1]


def read_snapshot(store, snapshot):
    return {t.name: json.loads(store.file_bytes(snapshot.id, t.name, "json")) for t in snapshot.tables}


def reader_of(documents, spec_of, adds_up, hide_figures=False) -> tuple[Reader, dict]:
    """The reader's program over one snapshot's tables (hide_figures: every figure but 0 as its marker, "[c]" for 5
    and over: what the markers alone say). {name: marker} of the hidden counts and shares' counts."""
    reader, hidden = Reader(), {}
    for name, document in documents.items():
        if name == "borough-headlines":
            continue
        spec = spec_of[name]
        rows = {row["area"]: row for row in document["rows"]}
        for measure in spec.counts:
            for area, row in rows.items():
                value = row[measure]
                if hide_figures and isinstance(value, int) and value:
                    value = "<5" if value < 5 else "[c]"
                key = (measure, area)
                if isinstance(value, int):
                    reader.known(key, value)
                else:
                    reader.cell(key, *((1, 4) if value == "<5" else (5, math.inf)))
                    hidden[key] = value
            if adds_up(name, measure):
                reader.eq.append(({**{(measure, a): 1 for a in rows if a != BOROUGH_LABEL},
                                   (measure, BOROUGH_LABEL): -1}, 0))
        for part in spec.parts:
            for area in rows:
                reader.cell(("rest", part.part, area), 0)
                reader.eq.append(({(part.of, area): 1, (part.part, area): -1, ("rest", part.part, area): -1}, 0))
        for share in spec.shares:
            for side in ("count", "rest"):
                for area in rows:
                    reader.cell((side, share.measure, area), 0)
                reader.eq.append(({**{(side, share.measure, a): 1 for a in rows if a != BOROUGH_LABEL},
                                   (side, share.measure, BOROUGH_LABEL): -1}, 0))
            for area, row in rows.items():
                count, rest = ("count", share.measure, area), ("rest", share.measure, area)
                reader.eq.append(({count: 1, rest: 1, (share.base, area): -1}, 0))
                value, base = row[share.measure], row[share.base]
                if isinstance(value, int | float) and not hide_figures:
                    reader.eq.append(({count: 1}, round(value * base / 100)))
                elif isinstance(base, int) and base and not hide_figures:
                    hidden[count] = "[c]"
        for measure in spec.values:
            for area, row in rows.items():
                value = row[measure]
                income = ("income", area)
                if isinstance(value, int | float) and not hide_figures:
                    reader.cell(income, max(0, value - 0.5), value + 0.5, whole=False)
                else:
                    reader.cell(income, 0, whole=False)
                reader.ub.append(({("pcns_paid", area): LEAST_PAID, income: -1}, 0))
                reader.ub.append(({income: 1, ("pcns_issued", area): -MOST_ISSUED}, 0))
            reader.eq.append(({**{("income", a): 1 for a in rows if a != BOROUGH_LABEL},
                               ("income", BOROUGH_LABEL): -1}, 0))
    return reader, hidden


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
        for key, marker in hidden.items():
            low, high = reader.range_of(key)
            if key[0] == "count":   # a hidden share's count: not pinned
                assert high - low >= 1 - 1e-6, (snapshot.id, key, low, high)
            elif marker == "<5":
                least, most = alone.range_of(key)
                assert low <= max(1, least) + 1e-6 and high >= min(4, most) - 1e-6, (snapshot.id, key, low, high)
            else:
                assert high - low >= 1 - 1e-6, (snapshot.id, key, low, high)
            checked += 1
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
    shown = protected_counts([figures], Rule(5))
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
    shown = protected_counts([figures], Rule(5))
    assert not shown[("on_time", BOROUGH)].published or all(shown[("jobs", f"w{n}")].published for n in range(3))


def test_small_wards_adding_up_to_a_published_borough_are_not_narrowed():
    """Eight wards "<5", the borough 9: each is 1 or 2 unless the borough is hidden."""
    spec = TableSpec(name="c", title="C", description="d", counts=("requests",))
    rows = {f"w{n}": {"requests": 2 if n == 0 else 1} for n in range(8)} | {"z": {"requests": 0}}
    figures = _table(spec, rows)
    shown = protected_counts([figures], Rule(5))
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

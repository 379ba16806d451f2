"""The intruder, written independently of reports/disclosure.py: a reader with only a snapshot's published JSON
files and the definitions (wards add up to the borough where each case is in one ward, parts within wholes,
shares within their bases, PCN income within 55 and 240 pounds a PCN paid or issued, published to the pound), as
one whole-number program whose least and greatest value of each hidden figure is what a reader can work out.
Used by tests/reports/test_intruder.py and bench/disclosure.py."""

from __future__ import annotations

import json
import math

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from reports.published_views import BOROUGH_LABEL

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


def broken_promises(reader: Reader, alone: Reader, hidden: dict) -> list:
    """Hidden figures a reader works out or narrows: a "<5" narrower than the markers alone allow, a "[c]" count or
    a hidden share's count pinned to one value."""
    found = []
    for key, marker in hidden.items():
        low, high = reader.range_of(key)
        if marker == "<5" and key[0] != "count":
            least, most = alone.range_of(key)
            if low > max(1, least) + 1e-6 or high < min(4, most) - 1e-6:
                found.append((key, low, high))
        elif high - low < 1 - 1e-6:
            found.append((key, low, high))
    return found

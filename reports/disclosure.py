"""Statistical disclosure control for published tables of counts of people and cases: small numbers are hidden so
that no one can be identified, and nothing hidden can be worked out from what is published.

The rules (the threshold is configuration, Rule(threshold=5)):
- a count from 1 to threshold-1 is a PRIMARY suppression, shown as "<5" (f"<{threshold}"); totals are counts too;
- a zero is shown as 0 (the rules publish zeros, so a hidden cell is never 0);
- no hidden count may be worked out exactly from the published figures: the tables' totals, and totals that several
  published tables share. Where it could be, more cells are hidden: SECONDARY suppressions, shown as "[c]" (the ONS
  marker for a confidential value): a non-zero cell, or a total when there is no other choice;
- a derived figure (percentage, average, rate) over fewer than threshold people, or whose numerator or denominator
  is hidden, is hidden too ("[c]"): else the hidden count could be recovered from it (suppress_derived).

The model: named cells with non-negative whole values, and additive constraints (a total = the sum of some cells),
each total itself a cell that may be published or hidden. A list with its total, a table with row, column and grand
totals, and tables that share totals (the same ward totals in a ward x category and a ward x age table) are all
instances: table_model() builds one from Table()s, whose cells are keyed by population and the dimension values
they fix, so tables of the same population over the same dimension share their totals.

The algorithm (protect): primary suppression, then until nothing hidden can be recovered:
- audit: an intruder knows every published figure, every constraint, that "<5" means 1 to threshold-1 and "[c]"
  means threshold or more (any smaller count would be "<5", zeros are shown), and that counts are whole numbers.
  For each hidden cell, linear programs (scipy.optimize.linprog, HiGHS) over the hidden cells find its least and
  greatest possible values; it is exposed when they admit only one whole number. A secondary cell has no upper
  bound: any finite bound above every true value gives the same answer (the feasible set is convex and the true
  figures lie strictly inside such a bound), and a bound below a true value would make the audit wrong. Every
  solution found is a feasible point, so a cell seen at two values at least 1 apart needs no programs of its own.
  Linear programs are exact for lists, two-way tables and tables linked by one shared margin (their constraints are
  a network's, whose vertices are whole); for anything else, a final audit in whole numbers (scipy.optimize.milp)
  runs once the linear audit passes.
- fix: for each exposed cell, hide one more cell of a constraint it is in: a non-zero published cell that is not
  a total, else a total (widening to the constraints of the hidden cells next to it when its own have none); of
  those, the one that leaves fewest constraints with a lone hidden cell, then the smallest (_secondary_for). Ties
  go by key order, never by input order, so a snapshot published twice is the same.
exposed_cells() is the same audit over a published result alone, for the publisher's last check before writing.
When even hiding every non-zero figure would leave one that can be worked out (with threshold 5: four "<5" cells,
zeros beside them, adding up to a "<5" total: each is 1), protect raises ReportError: the table needs coarser
categories, since zeros are never hidden.

Not modelled: an intruder who knows the selection rule learns that a "[c]" cell is no larger than the published
cells it was chosen over; and knowledge from outside the published tables (a ward's population, last year's table).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import combinations, product

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from reports.errors import ReportError

Key = Hashable                                    # a cell's name; keys of one model must sort among themselves
Constraint = tuple[Key, Sequence[Key]]            # (total, the cells it adds up)
TOTAL = None                                      # a table's total over a dimension, in ProtectedTable[...]
SECONDARY_MARKER = "[c]"
WHOLE = 1 - 1e-6                                  # two values this far apart admit two whole numbers between them


class State(Enum):
    PUBLISHED = "published"
    PRIMARY = "primary"        # a count from 1 to threshold-1
    SECONDARY = "secondary"    # hidden so that a primary cannot be worked out; or a derived figure hidden


@dataclass(frozen=True)
class Rule:
    """The threshold: counts from 1 to threshold-1 are hidden. At least 3: with 2, "<2" would mean exactly 1."""

    threshold: int = 5

    def __post_init__(self):
        if not isinstance(self.threshold, int) or self.threshold < 3:
            raise ReportError(f"the disclosure threshold must be a whole number of at least 3, not {self.threshold!r}"
                              " (with zeros shown, '<2' would mean exactly 1)")

    @property
    def primary_marker(self) -> str:
        return f"<{self.threshold}"

    @property
    def footnote(self) -> str:
        return (f"{self.primary_marker}: from 1 to {self.threshold - 1}, not shown so that no one can be identified. "
                f"{SECONDARY_MARKER}: confidential, not shown so that figures marked {self.primary_marker} cannot be "
                f"worked out from the totals; percentages, averages and rates over fewer than {self.threshold} or "
                f"over a figure not shown are marked {SECONDARY_MARKER} too. 0 is a true zero.")

    def bounds(self, state: State) -> tuple[int, float]:
        """What an intruder knows of a hidden count from its marker."""
        return (1, self.threshold - 1) if state is State.PRIMARY else (self.threshold, math.inf)


@dataclass(frozen=True)
class Shown:
    """A figure as published: its value, or None and a marker. The true value of a hidden figure is not kept."""

    value: int | float | None
    state: State
    marker: str = ""

    @property
    def published(self) -> bool:
        return self.state is State.PUBLISHED

    def __str__(self) -> str:
        return str(self.value) if self.published else self.marker


DEFAULT_RULE = Rule()


def _shown(count: int, state: State, rule: Rule) -> Shown:
    if state is State.PUBLISHED:
        return Shown(count, state)
    return Shown(None, state, rule.primary_marker if state is State.PRIMARY else SECONDARY_MARKER)


# --- the general model -------------------------------------------------------------------------------------------

def protect(cells: Mapping[Key, int], constraints: Sequence[Constraint], rule: Rule = DEFAULT_RULE,
            never_shown: Collection[Key] = (), keep: Collection[Key] = ()) -> dict[Key, Shown]:
    """Every cell as it may be published: primary suppressions, then secondary ones until nothing hidden can be
    worked out from the published cells and the constraints (each a total and the cells it adds up).

    `never_shown`: cells of the model that no table shows (the rest of a count of which a part is published: "12
    completed, 10 of them emergencies" shows no 2, but gives it away). They start hidden, so nothing is hidden
    elsewhere to protect a figure nobody is shown, and stay protected like any other: a small one is primary, and
    what would give it away is hidden. (A zero among them is left known: zeros are never hidden.)

    `keep`: cells never chosen as secondary suppressions (the borough's figures, which readers quote); a primary
    among them is hidden as any other. ReportError when the table cannot be protected without hiding one: the
    caller may try again without."""
    _check_model(cells, constraints)
    index = _Index(cells, constraints)
    states = {key: State.PRIMARY if 0 < count < rule.threshold else State.PUBLISHED for key, count in cells.items()}
    unshown = {key for key in never_shown if states[key] is State.PUBLISHED and cells[key] > 0}
    for key in unshown:
        states[key] = State.SECONDARY
    while True:
        shown = {key: _shown(cells[key], states[key], rule) for key in index.keys}
        # the whole-number audit runs whenever the linear one leaves nothing but cells shown nowhere
        exposed = [key for key in _recoverable(shown, index.constraints, rule, whole=False) if key not in unshown]
        exposed = exposed or [key for key in _recoverable(shown, index.constraints, rule, whole=True)
                              if key not in unshown]
        if not exposed:
            return shown
        _hide_more(exposed, cells, states, index, frozenset(keep))


def exposed_cells(shown: Mapping[Key, Shown], constraints: Sequence[Constraint],
                  rule: Rule = DEFAULT_RULE, never_shown: Collection[Key] = ()) -> list[Key]:
    """The publisher's last check: published counts from 1 to threshold-1, and hidden cells that the published
    figures and constraints pin to one whole number (a cell no table shows may be worked out when it is not
    small: it was never hidden for its own sake). Empty when the result is safe to publish."""
    small = [key for key in _in_order(shown) if shown[key].published and 0 < shown[key].value < rule.threshold]
    free = {key for key in never_shown if shown[key].state is State.SECONDARY}
    return small + [key for key in _recoverable(shown, constraints, rule, whole=True) if key not in free]


def _check_model(cells: Mapping[Key, int], constraints: Sequence[Constraint]) -> None:
    for key, count in cells.items():
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
            raise ReportError(f"cell {key!r}: counts must be whole numbers of at least 0, not {count!r}")
    for total, members in constraints:
        unknown = [key for key in (total, *members) if key not in cells]
        if unknown:
            raise ReportError(f"the constraint for {total!r} names cells that are not in the table: {unknown!r}")
        if not members or total in members or len(set(members)) != len(members):
            raise ReportError(f"the constraint for {total!r} must add up distinct cells other than itself")
        if sum(cells[key] for key in members) != cells[total]:
            raise ReportError(f"{total!r} is {cells[total]}, not the sum of its cells")


def _in_order(keys) -> list[Key]:
    try:
        return sorted(keys)
    except TypeError as error:
        raise ReportError(f"cell keys must sort among themselves (strings, or tuples of strings): {error}") from None


class _Index:
    """The constraints each cell is in, and which cells are totals: what the fixing step searches."""

    def __init__(self, cells: Mapping[Key, int], constraints: Sequence[Constraint]):
        self.keys = _in_order(cells)
        self.constraints = sorted({(total, tuple(_in_order(members))) for total, members in constraints})
        self.totals = {total for total, _ in self.constraints}
        self.of_cell: dict[Key, list[int]] = defaultdict(list)
        for number, (total, members) in enumerate(self.constraints):
            for key in (total, *members):
                self.of_cell[key].append(number)

    def cells_of(self, number: int) -> tuple[Key, ...]:
        total, members = self.constraints[number]
        return (total, *members)


# --- audit -------------------------------------------------------------------------------------------------------

def _recoverable(shown: Mapping[Key, Shown], constraints: Sequence[Constraint], rule: Rule, *,
                 whole: bool) -> list[Key]:
    """Hidden cells an intruder can pin to one whole number; `whole` solves in whole numbers (exact for any model,
    slower), else linear programs (exact for lists, two-way and singly linked tables)."""
    hidden = _in_order(key for key, figure in shown.items() if not figure.published)
    if not hidden:
        return []
    matrix, rhs = _equations(hidden, shown, constraints)
    lower, upper = zip(*(rule.bounds(shown[key].state) for key in hidden), strict=True)
    pinned = _Ranges(matrix, rhs, np.array(lower, float), np.array(upper, float), whole).pinned()
    return [hidden[column] for column in pinned]


def _equations(hidden: list[Key], shown: Mapping[Key, Shown],
               constraints: Sequence[Constraint]) -> tuple[np.ndarray, np.ndarray]:
    """Each constraint as (hidden members) - (hidden total) = (published total) - (published members)."""
    column = {key: number for number, key in enumerate(hidden)}
    rows, rhs = [], []
    for total, members in constraints:
        row, known = np.zeros(len(hidden)), 0
        for key, sign in ((total, -1), *((member, 1) for member in members)):
            if key in column:
                row[column[key]] += sign
            else:
                known += sign * shown[key].value
        if row.any():
            rows.append(row)
            rhs.append(-known)
        elif known:
            raise ReportError(f"the published figures for {total!r} do not add up")
    return np.array(rows).reshape(len(rows), len(hidden)), np.array(rhs, float)


class _Ranges:
    """The least and greatest value of each hidden cell, found only as far as needed to tell whether it is pinned:
    every solution is a feasible point, so a cell already seen at two values a whole number apart is not."""

    def __init__(self, matrix, rhs, lower, upper, whole: bool):
        self.matrix, self.rhs, self.lower, self.upper, self.whole = matrix, rhs, lower, upper, whole
        count = len(lower)
        self.least_seen, self.most_seen = np.full(count, np.inf), np.full(count, -np.inf)
        self.unbounded = np.zeros(count, bool)

    def pinned(self) -> list[int]:
        alone = {int(np.flatnonzero(row)[0]) for row in self.matrix if np.count_nonzero(row) == 1}
        found = []
        for column in range(len(self.lower)):
            if column in alone or (not self._free(column) and not self._free_after_solving(column)):
                found.append(column)
        return found

    def _free(self, column: int) -> bool:
        return self.unbounded[column] or self.most_seen[column] - self.least_seen[column] >= WHOLE

    def _free_after_solving(self, column: int) -> bool:
        self._solve(column, maximise=False)
        if self._free(column):
            return True
        self._solve(column, maximise=True)
        return self._free(column)

    def _solve(self, column: int, maximise: bool) -> None:
        objective = np.zeros(len(self.lower))
        objective[column] = -1.0 if maximise else 1.0
        if maximise or not self.whole:
            # the linear relaxation first when maximising: HiGHS says "unbounded or infeasible" of a whole-number
            # program with no greatest value, the relaxation says "unbounded"; and a relaxation that is unbounded
            # with a whole solution (the true figures) has whole solutions as large as you like (Meyer's theorem)
            result = linprog(objective, A_eq=self.matrix if len(self.rhs) else None,
                             b_eq=self.rhs if len(self.rhs) else None, method="highs",
                             bounds=[(low, None if math.isinf(high) else high)
                                     for low, high in zip(self.lower, self.upper, strict=True)])
            if result.status == 3:
                self.unbounded[column] = True
                return
        if self.whole:
            equations = [LinearConstraint(self.matrix, self.rhs, self.rhs)] if len(self.rhs) else []
            result = milp(objective, integrality=np.ones(len(self.lower)), bounds=Bounds(self.lower, self.upper),
                          constraints=equations)
        if result.status == 2:
            raise ReportError("the published figures and markers contradict each other: no counts fit them")
        if result.status != 0:
            raise RuntimeError(f"the disclosure audit could not solve its program: {result.message}")
        self.least_seen = np.minimum(self.least_seen, result.x)
        self.most_seen = np.maximum(self.most_seen, result.x)


# --- fixing ------------------------------------------------------------------------------------------------------

def _hide_more(exposed: list[Key], cells: Mapping[Key, int], states: dict[Key, State], index: _Index,
               keep: frozenset = frozenset()) -> None:
    """One secondary suppression per exposed cell, except a cell that shares a constraint with one hidden already in
    this round, or has nothing left to hide around it: what was hidden may be enough, and the next audit says."""
    touched: set[int] = set()
    for key in exposed:
        if touched.intersection(index.of_cell[key]):
            continue
        choice = _secondary_for(key, cells, states, index, keep)
        if choice is not None:
            states[choice] = State.SECONDARY
            touched.update(index.of_cell[choice])
    if not touched:
        raise ReportError(f"cannot protect {exposed[0]!r}: with every non-zero figure around it hidden, it can still "
                          "be worked out (as when small figures add up to a small total that only ones can make, "
                          "zeros beside them); merge categories or publish at a coarser level")


def _secondary_for(key: Key, cells: Mapping[Key, int], states: dict[Key, State], index: _Index,
                   keep: frozenset = frozenset()) -> Key | None:
    """The cheapest published non-zero cell in the constraints around `key`: its own first, then those of the
    hidden cells it shares them with, and so on outwards. Cheapest: not a total; then leaving the fewest of its
    other constraints with it as their only hidden cell (each would need a secondary of its own: on random tables
    this hides a quarter to a half as many cells, and less in all, as taking the smallest first); then the smallest;
    then key order. None when every non-zero cell it is tied to is hidden already."""
    near, seen_cells, seen_constraints = [key], {key}, set()
    while near:
        numbers = sorted({number for cell in near for number in index.of_cell[cell]} - seen_constraints)
        seen_constraints.update(numbers)
        around = {cell for number in numbers for cell in index.cells_of(number)} - seen_cells
        seen_cells.update(around)
        candidates = [cell for cell in around if states[cell] is State.PUBLISHED and cells[cell] > 0
                      and cell not in keep]
        if candidates:
            return min(candidates, key=lambda cell: (cell in index.totals, _left_alone(cell, states, index),
                                                     cells[cell], cell))
        near = _in_order(cell for cell in around if states[cell] is not State.PUBLISHED)
    return None


def _left_alone(cell: Key, states: dict[Key, State], index: _Index) -> int:
    """How many constraints would have `cell` as their only hidden cell if it were hidden."""
    return sum(all(states[other] is State.PUBLISHED for other in index.cells_of(number))
               for number in index.of_cell[cell])


# --- tables ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A table of counts over one or more dimensions (a list with its total; a two-way table with row, column and
    grand totals). `counts` is keyed by one category per dimension (a bare category for one dimension); missing
    means 0. Tables of the same `population` over the same dimension share their totals: say so only when they
    count the same people (or cases) the same way."""

    dimensions: Sequence[str]
    categories: Sequence[Sequence[str]]
    counts: Mapping[tuple[str, ...] | str, int]
    population: str = "people"

    def __post_init__(self):
        if not self.dimensions or len(self.dimensions) != len(self.categories):
            raise ReportError("a table needs at least one dimension, and categories for each")
        for dimension, values in zip(self.dimensions, self.categories, strict=True):
            if len(set(values)) != len(values) or not all(isinstance(value, str) for value in values):
                raise ReportError(f"{dimension}: categories must be distinct strings")
        for key in self.counts:
            values = self._values(key)
            if len(values) != len(self.dimensions) or any(
                    value not in known for value, known in zip(values, self.categories, strict=True)):
                raise ReportError(f"{key!r} is not a cell of the table over {tuple(self.dimensions)}")

    def _values(self, key) -> tuple:
        return (key,) if isinstance(key, str) else tuple(key)

    def key(self, values: Sequence[str | None]) -> Key:
        """The cell's key in the model: its population and the (dimension, category) pairs it fixes; TOTAL (None)
        for a dimension added up."""
        fixed = sorted((dimension, value) for dimension, value in zip(self.dimensions, values, strict=True)
                       if value is not TOTAL)
        return self.population, tuple(fixed)

    def all_cells(self) -> list[tuple[str | None, ...]]:
        """Every cell and total, as one category or TOTAL per dimension."""
        return list(product(*([*values, TOTAL] for values in self.categories)))

    def count(self, values: tuple[str, ...]) -> int:
        if len(values) == 1 and values[0] in self.counts:
            return self.counts[values[0]]
        return self.counts.get(values, 0)


def table_model(tables: Sequence[Table]) -> tuple[dict[Key, int], list[Constraint]]:
    """The cells and constraints of one or more tables; cells they share must agree."""
    cells: dict[Key, int] = {}
    constraints: set[tuple[Key, tuple[Key, ...]]] = set()
    for table in tables:
        for key, count in _table_cells(table).items():
            if cells.setdefault(key, count) != count:
                raise ReportError(f"the tables disagree on {key!r} ({cells[key]} and {count}): give tables of "
                                  "different people or cases different populations")
        constraints.update(_table_constraints(table))
    return cells, sorted(constraints)


def _table_cells(table: Table) -> dict[Key, int]:
    """Interior cells and every total, each interior count added to each total over a set of its dimensions."""
    sums: dict[Key, int] = dict.fromkeys((table.key(values) for values in table.all_cells()), 0)
    for values in product(*table.categories):
        for added_up in _subsets(len(values)):
            sums[table.key([TOTAL if d in added_up else v for d, v in enumerate(values)])] += table.count(values)
    return sums


def _table_constraints(table: Table) -> list[tuple[Key, tuple[Key, ...]]]:
    """Each total over one dimension = the cells across that dimension's categories, the others held."""
    found = []
    for values in table.all_cells():
        for dimension, value in enumerate(values):
            if value is TOTAL:
                members = [table.key([*values[:dimension], category, *values[dimension + 1:]])
                           for category in table.categories[dimension]]
                found.append((table.key(values), tuple(members)))
    return found


def _subsets(size: int):
    return (set(chosen) for length in range(size + 1) for chosen in combinations(range(size), length))


@dataclass(frozen=True)
class ProtectedTable:
    """A table as it may be published: protected[row, column] (TOTAL for a total) is a Shown."""

    table: Table
    shown: dict[Key, Shown] = field(repr=False)
    rule: Rule

    def __getitem__(self, values) -> Shown:
        values = (values,) if isinstance(values, str) or values is TOTAL else tuple(values)
        return self.shown[self.table.key(values)]

    @property
    def footnote(self) -> str:
        return self.rule.footnote

    def text_rows(self) -> list[list[str]]:
        """As text, for a file or a page: a heading, a line per first-dimension category and a Total line; columns
        the second dimension's categories and Total (one dimension: one column, Count)."""
        dimensions, categories = self.table.dimensions, self.table.categories
        if len(dimensions) == 1:
            return [[dimensions[0], "Count"], *([_label(row), str(self[row])] for row in [*categories[0], TOTAL])]
        if len(dimensions) == 2:
            columns = [*categories[1], TOTAL]
            return [[dimensions[0], *map(_label, columns)],
                    *([_label(row), *(str(self[row, column]) for column in columns)]
                      for row in [*categories[0], TOTAL])]
        raise ReportError("text_rows lays out one or two dimensions")


def _label(category: str | None) -> str:
    return "Total" if category is TOTAL else category


def protect_tables(tables: Sequence[Table], rule: Rule = DEFAULT_RULE) -> list[ProtectedTable]:
    """The tables protected together: nothing hidden in one can be worked out using the others."""
    cells, constraints = table_model(tables)
    shown = protect(cells, constraints, rule)
    return [ProtectedTable(table, {table.key(v): shown[table.key(v)] for v in table.all_cells()}, rule)
            for table in tables]


def protect_2d(rows: Sequence[str], columns: Sequence[str], counts: Mapping[tuple[str, str], int],
               rule: Rule = DEFAULT_RULE) -> ProtectedTable:
    """One rows x columns table with its row, column and grand totals."""
    return protect_tables([Table(("row", "column"), (rows, columns), counts)], rule)[0]


def exposed_in_tables(protected: Sequence[ProtectedTable]) -> list[Key]:
    """exposed_cells() for tables published together: the last check before writing them."""
    if not protected:
        return []
    _, constraints = table_model([each.table for each in protected])
    shown = {key: figure for each in protected for key, figure in each.shown.items()}
    return exposed_cells(shown, constraints, protected[0].rule)


# --- derived figures ---------------------------------------------------------------------------------------------

def suppress_derived(value: float, numerator_state: State | None, denominator: int, denominator_state: State,
                     rule: Rule = DEFAULT_RULE) -> Shown:
    """A percentage, average or rate as it may be published: hidden ("[c]") when it is over fewer than threshold
    people, or its numerator or denominator is hidden (it would give the hidden count back). numerator_state is
    None when the numerator is not a count in the tables (a sum of ages, say)."""
    hidden_input = denominator_state is not State.PUBLISHED or numerator_state not in (None, State.PUBLISHED)
    if hidden_input or denominator < rule.threshold:
        return Shown(None, State.SECONDARY, SECONDARY_MARKER)
    return Shown(value, State.PUBLISHED)

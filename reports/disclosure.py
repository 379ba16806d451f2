"""Statistical disclosure control for published tables of counts of people and cases: small numbers are hidden so
that no one can be identified, and nothing hidden can be worked out, or narrowed, from what is published.

The rules (the threshold is configuration, Rule(threshold=5)):
- a count from 1 to threshold-1 is a PRIMARY suppression, shown as "<5"; a zero is shown as 0;
- a share (a percentage of a count) is shown only when its base is shown and its count and the rest of its base
  are each 0 or threshold and over; else "[c]";
- SECONDARY suppressions ("[c]": counts, amounts, shares) wherever a reader could otherwise break the promise.

The promise, from the reader's view: a reader knows every published figure, every constraint (a total is the sum
of its cells; an amount is at least or at most so much per counted item: AmountBound), what the markers mean ("<t"
is 1 to t-1, a "[c]" count t or more), that counts are whole, that amounts are rounded (Model.precision), the rule
for shares (one hidden with its base shown has a count or rest from 1 to t-1: a whole-number switch per share), and
any cell known from elsewhere (Model.known). Then:
- a "<t" count, and any cell shown nowhere from 1 to t-1 (the rest of a part, a share's count or rest), keeps
  possible all of 1 to t-1 that the markers alone allow (every non-zero figure hidden): two "<5" adding up to a
  "<5" total are each 1 to 3 whatever is published, and a reader learns nothing more;
- a "[c]" count, and a hidden share's count and rest, can be pinned to no single value (so a 100% total share,
  whose rest 0 pins every part's rest at 0, is hidden when its parts' shares are);
- a cell shown nowhere that is 0 or not small, and an amount, may be worked out: they were never hidden for
  their own sake.

The algorithm (protect_model): primary suppression with every share hidden; secondary counts and amounts until the
audit passes; then the shares the rule shows, and secondary shares until it passes again. The audit: for each
hidden cell, linear programs (HiGHS) over the cells a reader does not know, in independent parts, find as much of
its range as the promise asks (every solution is a point the reader cannot rule out, so most cells need no program
of their own); once they find nothing, the same in whole numbers (scipy.optimize.milp). The fix for a cell that
breaks the promise: outwards from it through its constraints, the cheapest published item whose hiding alone keeps
the promise for it, else the one that widens its range most, else the cheapest (not a total; leaving fewest
constraints with one hidden cell; a count before an amount; the smallest; key order, so a snapshot published twice
is the same); `keep` items (the borough's figures) only when nothing else will do. audit_model() is the same audit
in whole numbers for the publisher's last check; exposed_cells() audits published counts from their text alone.
When even hiding every non-zero figure would break the promise (four "<5" adding up to a "<5" total, zeros beside
them: each is 1), protect raises ReportError: the table needs coarser categories.

Not modelled: an intruder who knows the selection rule (that a "[c]" cell is no larger than those it was chosen
over), and knowledge from outside the published tables (a ward's population, last year's table).
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
                f"{SECONDARY_MARKER}: confidential, not shown so that no figure marked {self.primary_marker} can be "
                f"worked out or narrowed from the figures published; a percentage is {SECONDARY_MARKER} when the "
                f"count it is over is not shown, when its count or the rest of it is from 1 to {self.threshold - 1}, "
                f"or to protect such a figure. 0 is a true zero.")

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


# --- the model ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AmountBound:
    """What an amount says of a count: each of the count's items brings at least `each` of it (least=True: amount
    >= each x count; a PCN paid in full pays at least 55 pounds) or at most `each` (amount <= each x count; no PCN
    pays more than 240 pounds)."""

    amount: Key
    count: Key
    each: float
    least: bool


@dataclass(frozen=True)
class ShareCells:
    """A share's cells: its count (numerator) and the rest of its base (both shown nowhere), and its base (a count
    shown). Published, a share gives both away (83.3% of 6 is 5, and 1 more); hidden, a reader sees only "[c]"."""

    numerator: Key
    rest: Key
    base: Key


@dataclass(frozen=True)
class Model:
    """Everything a snapshot publishes, as a reader can reason about it.
    - counts: whole numbers a table shows (or hides with a marker);
    - unshown: whole numbers no table shows but a reader can reason about: the rest of a count of which a part is
      published, a share's count and rest;
    - amounts: pounds (or other amounts) that tell of counts through `bounds`, published to within `precision`
      (0.5: rounded to whole pounds); an amount that bounds nothing is no clue and stays out of the model;
    - constraints: a total and the cells it adds up, over cells of any kind;
    - shares: published items that give their count and rest away when shown;
    - known: cells a reader knows from elsewhere (another snapshot of the same month, a headline's month before):
      fixed in every audit, never worth hiding;
    - keep: items (the borough's figures readers quote) hidden to protect others only when nothing else will do."""

    counts: Mapping[Key, int]
    constraints: Sequence[Constraint] = ()
    unshown: Mapping[Key, int] = field(default_factory=dict)
    shares: Mapping[Key, ShareCells] = field(default_factory=dict)
    amounts: Mapping[Key, float] = field(default_factory=dict)
    bounds: Sequence[AmountBound] = ()
    known: Mapping[Key, float] = field(default_factory=dict)
    keep: Collection[Key] = frozenset()
    precision: float = 0.5

    def cells(self) -> dict[Key, float]:
        return {**self.counts, **self.unshown, **self.amounts}

    def published_amount(self, key: Key) -> float:
        """An amount as published: to the nearest 2 x precision (whole pounds for 0.5)."""
        step = 2 * self.precision
        return round(self.amounts[key] / step) * step


def protect(cells: Mapping[Key, int], constraints: Sequence[Constraint], rule: Rule = DEFAULT_RULE,
            never_shown: Collection[Key] = (), keep: Collection[Key] = ()) -> dict[Key, Shown]:
    """Counts alone (protect_model for shares and amounts): every cell as it may be published. `never_shown`:
    cells of the model no table shows (the rest of a count of which a part is published), returned as hidden.
    `keep`: cells hidden to protect others only when nothing else around them will do."""
    unshown = {key: cells[key] for key in never_shown}
    model = Model({k: v for k, v in cells.items() if k not in unshown}, constraints, unshown=unshown, keep=keep)
    hidden = {key: Shown(None, State.SECONDARY, SECONDARY_MARKER) for key in unshown}
    return {**protect_model(model, rule), **hidden}


def protect_model(model: Model, rule: Rule = DEFAULT_RULE) -> dict[Key, Shown]:
    """Every count, share and amount as it may be published: primary suppressions; then secondary ones among counts
    and amounts, with every share hidden, until the reader's audit passes; then each share whose base is shown and
    whose count and rest are 0 or threshold and over, and more shares hidden until it passes again. Counts are
    protected first, so showing shares never costs a count: at worst every share stays hidden."""
    protection = _Protection(model, rule)
    states = protection.first_states()
    protection.settle(states, protection.counts_and_amounts)
    protection.show_shares(states)
    protection.settle(states, protection.shares)
    return protection.shown(states)


def audit_model(model: Model, shown: Mapping[Key, Shown], rule: Rule = DEFAULT_RULE) -> list[Key]:
    """The publisher's last check, in whole numbers: published counts from 1 to threshold-1, and every cell a reader
    could work out or narrow beyond its marker (see the promise above). Empty when safe to publish."""
    protection = _Protection(model, rule)
    states = {key: figure.state for key, figure in shown.items() if key in protection.items}
    small = [key for key in _in_order(model.counts) if states[key] is State.PUBLISHED
             and 0 < model.counts[key] < rule.threshold]
    return small + protection.failing(states, whole=True)


def exposed_cells(shown: Mapping[Key, Shown], constraints: Sequence[Constraint],
                  rule: Rule = DEFAULT_RULE, never_shown: Collection[Key] = ()) -> list[Key]:
    """The reader's audit of published counts alone, knowing only what is published (no true value): published
    counts from 1 to threshold-1, "<t" cells a reader can narrow beyond what the markers alone allow, "[c]" cells a
    reader can pin. A cell shown nowhere (`never_shown`) is a whole number of at least 0 to the reader."""
    small = [key for key in _in_order(shown) if shown[key].published and 0 < shown[key].value < rule.threshold]
    keys = _in_order(shown)
    lower, upper = np.zeros(len(keys)), np.full(len(keys), math.inf)
    base_lower, base_upper = lower.copy(), upper.copy()
    for column, key in enumerate(keys):
        figure = shown[key]
        if key in never_shown:
            continue
        if figure.published:
            lower[column] = upper[column] = figure.value
            base_lower[column], base_upper[column] = (0, 0) if figure.value == 0 else (rule.threshold, math.inf)
        else:
            lower[column], upper[column] = base_lower[column], base_upper[column] = rule.bounds(figure.state)
    program = _Program(keys, constraints, (), np.ones(len(keys), bool))
    ranges = _Ranges(program, lower, upper, True, seed=None)
    baseline = _Ranges(program, base_lower, base_upper, True, seed=None)
    exposed = []
    for column, key in enumerate(keys):
        if key in never_shown or shown[key].published:
            continue
        need = (_cover(baseline, column, rule) if shown[key].state is State.PRIMARY else (_FREE,))
        if not ranges.meets(column, need):
            exposed.append(key)
    return small + exposed


def _cover(baseline: _Ranges, column: int, rule: Rule) -> tuple:
    """What must stay possible of a small cell: all of 1 to t-1 that the markers alone allow (a "<5" of two "<5"s
    adding up to a "<5" is 1 to 3 whatever else is shown); two values at least, else it cannot be protected."""
    low, high = baseline.within(column, 1, rule.threshold - 1)
    return (_COVER, low, high) if high - low >= WHOLE else (_FREE,)


_COVER, _FREE = "cover", "free"   # what the audit asks of a hidden cell: a range kept possible; two values possible


def _check_model(model: Model) -> None:
    cells = model.cells()
    kinds = [model.counts, model.unshown, model.amounts, model.shares]
    if sum(map(len, kinds)) != len({key for kind in kinds for key in kind}):
        raise ReportError("a key names two cells of the model (a count, a cell shown nowhere, an amount, a share)")
    for key, count in {**model.counts, **model.unshown}.items():
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
            raise ReportError(f"cell {key!r}: counts must be whole numbers of at least 0, not {count!r}")
    for key, amount in model.amounts.items():
        if not isinstance(amount, int | float) or not math.isfinite(amount) or amount < 0:
            raise ReportError(f"amount {key!r}: must be a number of at least 0, not {amount!r}")
    for total, members in model.constraints:
        unknown = [key for key in (total, *members) if key not in cells]
        if unknown:
            raise ReportError(f"the constraint for {total!r} names cells that are not in the table: {unknown!r}")
        if not members or total in members or len(set(members)) != len(members):
            raise ReportError(f"the constraint for {total!r} must add up distinct cells other than itself")
        if not math.isclose(sum(cells[key] for key in members), cells[total], abs_tol=1e-6):
            raise ReportError(f"{total!r} is {cells[total]}, not the sum of its cells")
    for bound in model.bounds:
        _check_bound(model, cells, bound)
    for share, sides in model.shares.items():
        if sides.base not in model.counts or {sides.numerator, sides.rest} - set(model.unshown):
            raise ReportError(f"share {share!r}: its base must be a count, its count and rest cells shown nowhere")
        if model.unshown[sides.numerator] + model.unshown[sides.rest] != model.counts[sides.base]:
            raise ReportError(f"share {share!r}: its count and rest do not add up to its base")


def _check_bound(model: Model, cells: Mapping[Key, float], bound: AmountBound) -> None:
    if bound.amount not in model.amounts or (bound.count not in model.counts and bound.count not in model.unshown):
        raise ReportError(f"the bound of {bound.amount!r} by {bound.count!r} names cells that are not in the model")
    amount, count = model.amounts[bound.amount], cells[bound.count]
    holds = amount >= bound.each * count - 1e-6 if bound.least else amount <= bound.each * count + 1e-6
    if not holds:
        says = "at least" if bound.least else "at most"
        raise ReportError(f"{bound.amount!r} is {amount:g} for {count} of {bound.count!r}: the configuration says "
                          f"each brings {says} {bound.each:g}, which the figures contradict; correct the bound")


def _named(key: Key, what: str) -> Key:
    """A key for a cell of the program that belongs to `key` (a share's switch): sorts among the model's keys."""
    return (f"{key[0]}:{what}", *key[1:]) if isinstance(key, tuple) else f"{key}:{what}"


def _in_order(keys) -> list[Key]:
    try:
        return sorted(keys)
    except TypeError as error:
        raise ReportError(f"cell keys must sort among themselves (strings, or tuples of strings): {error}") from None


# --- the reader's program ----------------------------------------------------------------------------------------

class _Program:
    """The constraints a reader knows, over every cell as a column: each total (the cells it adds up, less itself,
    is 0) and each bound of an amount (each x count - amount <= 0, or amount - each x count <= 0). What a reader
    knows of each cell's own value (its marker, or its figure) is the columns' bounds, set per audit."""

    def __init__(self, keys: list[Key], constraints: Sequence[Constraint], bounds: Sequence[AmountBound],
                 integer: np.ndarray, rows: Sequence[tuple[Mapping[Key, float], float]] = ()):
        self.keys, self.integer = keys, integer
        column = {key: number for number, key in enumerate(keys)}
        self.equalities = sorted({(total, tuple(_in_order(members))) for total, members in constraints})
        self.a_eq = np.zeros((len(self.equalities), len(keys)))
        for row, (total, members) in enumerate(self.equalities):
            self.a_eq[row, [column[key] for key in members]] = 1
            self.a_eq[row, column[total]] = -1
        self.a_ub = np.zeros((len(bounds) + len(rows), len(keys)))
        self.b_ub = np.zeros(len(bounds) + len(rows))
        for row, bound in enumerate(bounds):
            sign = 1 if bound.least else -1
            self.a_ub[row, column[bound.count]] = sign * bound.each
            self.a_ub[row, column[bound.amount]] = -sign
        for row, (terms, limit) in enumerate(rows, start=len(bounds)):
            for key, factor in terms.items():
                self.a_ub[row, column[key]] = factor
            self.b_ub[row] = limit
        # the cells each constraint ties together, and the constraints each cell is in: what the fixing step walks
        self.ties = [(total, *members) for total, members in self.equalities]
        self.ties += [(bound.amount, bound.count) for bound in bounds]
        self.ties += [tuple(terms) for terms, _ in rows]
        self.totals = {total for total, _ in self.equalities}
        self.of_cell: dict[Key, list[int]] = defaultdict(list)
        for number, tied in enumerate(self.ties):
            for key in tied:
                self.of_cell[key].append(number)

    def reduced(self, lower: np.ndarray, upper: np.ndarray) -> list[_Part]:
        """The program over the cells a reader does not know, in independent parts (the repairs' cells never meet
        the parking's): each part's programs are small, and the known cells' figures move to the right-hand side."""
        free = lower < upper
        fixed = np.where(free, 0.0, lower)
        b_eq, b_ub = -self.a_eq @ fixed, self.b_ub - self.a_ub @ fixed
        a_eq, a_ub = self.a_eq[:, free], self.a_ub[:, free]
        used_eq, used_ub = np.abs(a_eq).sum(axis=1) > 0, np.abs(a_ub).sum(axis=1) > 0
        if np.any(np.abs(b_eq[~used_eq]) > 1e-6) or np.any(b_ub[~used_ub] < -1e-6):
            raise ReportError("the published figures do not add up: no counts fit them")
        columns = np.flatnonzero(free)
        parent = list(range(len(columns)))

        def root(number: int) -> int:
            while parent[number] != number:
                parent[number] = parent[parent[number]]
                number = parent[number]
            return number
        for row in [*a_eq[used_eq], *a_ub[used_ub]]:
            tied = np.flatnonzero(row)
            for other in tied[1:]:
                parent[root(other)] = root(tied[0])
        groups = defaultdict(list)
        for number in range(len(columns)):
            groups[root(number)].append(number)
        parts = []
        for members in groups.values():
            members = np.array(members)
            eq_rows = used_eq & (np.abs(a_eq[:, members]).sum(axis=1) > 0)
            ub_rows = used_ub & (np.abs(a_ub[:, members]).sum(axis=1) > 0)
            parts.append(_Part(columns[members], a_eq[np.ix_(eq_rows, members)], b_eq[eq_rows],
                               a_ub[np.ix_(ub_rows, members)], b_ub[ub_rows], self.integer[columns[members]],
                               lower[columns[members]], upper[columns[members]]))
        return parts


@dataclass
class _Part:
    """An independent part of the reader's program: its cells (columns of the whole), equations and bounds."""

    columns: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    a_ub: np.ndarray
    b_ub: np.ndarray
    integer: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def solve(self, objective: np.ndarray, whole: bool):
        """(status, x): 0 solved, 3 unbounded; ReportError when nothing fits (the figures contradict each other)."""
        equal = (self.a_eq, self.b_eq) if len(self.b_eq) else (None, None)
        under = (self.a_ub, self.b_ub) if len(self.b_ub) else (None, None)
        if not whole or objective.min() < 0:
            # the linear relaxation first when maximising: HiGHS says "unbounded or infeasible" of a whole-number
            # program with no greatest value, the relaxation says "unbounded"; and a relaxation that is unbounded
            # with a whole solution (the true figures) has whole solutions as large as you like (Meyer's theorem)
            result = linprog(objective, A_eq=equal[0], b_eq=equal[1], A_ub=under[0], b_ub=under[1],
                             bounds=list(zip(self.lower, [None if math.isinf(h) else h for h in self.upper],
                                             strict=True)), method="highs")
            if result.status == 3:
                return 3, None
            if not whole or not self.integer.any():
                return self._checked(result)
        constraints = []
        if equal[0] is not None:
            constraints.append(LinearConstraint(equal[0], equal[1], equal[1]))
        if under[0] is not None:
            constraints.append(LinearConstraint(under[0], -np.inf, under[1]))
        return self._checked(milp(objective, integrality=self.integer.astype(int),
                                  bounds=Bounds(self.lower, self.upper), constraints=constraints))

    @staticmethod
    def _checked(result):
        if result.status == 2:
            raise ReportError("the published figures and markers contradict each other: no counts fit them")
        if result.status != 0:
            raise RuntimeError(f"the disclosure audit could not solve its program: {result.message}")
        return 0, result.x


class _Ranges:
    """What a reader can make of each cell under one set of bounds, found only as far as needed: every solution is
    a point the reader cannot rule out, so a cell already seen at the values asked of it needs no program of its
    own. `seed`: a point known to fit (the true figures), else none until the first solve."""

    def __init__(self, program: _Program, lower: np.ndarray, upper: np.ndarray, whole: bool, seed):
        self.whole = whole
        count = len(lower)
        self.least_seen = np.where(lower >= upper, lower, np.inf)
        self.most_seen = np.where(lower >= upper, lower, -np.inf)
        self.unbounded = np.zeros(count, bool)
        self.part_of: dict[int, _Part] = {}
        for part in program.reduced(lower, upper):
            for column in part.columns:
                self.part_of[int(column)] = part
        if seed is not None:
            self._saw(np.arange(count), np.asarray(seed, float))

    def sweep(self, columns: Collection[int]) -> None:
        """Two programs per part for many cells at once: the least of their sum, and the greatest of the sum of those
        bounded above; each solution settles every cell it takes to an end of its range (far fewer programs than
        one or two a cell)."""
        by_part: dict[int, tuple[_Part, list[int]]] = {}
        for column in columns:
            part = self.part_of.get(column)
            if part is not None:
                by_part.setdefault(id(part), (part, []))[1].append(column)
        for part, chosen in by_part.values():
            at = np.isin(part.columns, chosen)
            for sign, where in ((1.0, at), (-1.0, at & np.isfinite(part.upper))):
                if where.any():
                    status, point = part.solve(np.where(where, sign, 0.0), self.whole)
                    if status == 0:
                        self._saw(part.columns, point)

    def _saw(self, columns: np.ndarray, point: np.ndarray) -> None:
        self.least_seen[columns] = np.minimum(self.least_seen[columns], point)
        self.most_seen[columns] = np.maximum(self.most_seen[columns], point)

    def meets(self, column: int, need: tuple) -> bool:
        """(cover, low, high): a reader cannot rule out low nor high (so, by convexity, anything between); (free,):
        a reader cannot rule out two whole values."""
        if need[0] == _COVER:
            return self._reaches(column, need[1], maximise=False) and self._reaches(column, need[2], maximise=True)
        if self._free(column):
            return True
        self._solve(column, maximise=False)
        if self._free(column):
            return True
        self._solve(column, maximise=True)
        return self._free(column)

    def within(self, column: int, low: float, high: float) -> tuple[float, float]:
        """The cell's least and greatest values, clipped to low and high: solved only when not seen beyond them."""
        least = low if self._reaches(column, low, maximise=False) else self.least_seen[column]
        most = high if self._reaches(column, high, maximise=True) else self.most_seen[column]
        return least, most

    def span(self, column: int) -> float:
        """The cell's least to greatest value, solved for (inf when it has no greatest)."""
        self._solve(column, maximise=False)
        self._solve(column, maximise=True)
        return math.inf if self.unbounded[column] else self.most_seen[column] - self.least_seen[column]

    def _reaches(self, column: int, value: float, maximise: bool) -> bool:
        def seen() -> bool:
            if maximise:
                return self.unbounded[column] or self.most_seen[column] >= value - 1e-6
            return self.least_seen[column] <= value + 1e-6
        if not seen():
            self._solve(column, maximise)
        return seen()

    def _free(self, column: int) -> bool:
        return self.unbounded[column] or self.most_seen[column] - self.least_seen[column] >= WHOLE

    def _solve(self, column: int, maximise: bool) -> None:
        part = self.part_of.get(column)
        if part is None:   # known: its figure is all there is
            return
        objective = np.zeros(len(part.columns))
        objective[int(np.flatnonzero(part.columns == column)[0])] = -1.0 if maximise else 1.0
        status, point = part.solve(objective, self.whole)
        if status == 3:
            self.unbounded[column] = True
        else:
            self._saw(part.columns, point)


# --- protecting --------------------------------------------------------------------------------------------------

class _Protection:
    """One model's protection: the reader's program (built once: only the columns' bounds change with what is
    hidden), the states of the items a table shows (counts, shares, amounts), and the fixing step."""

    def __init__(self, model: Model, rule: Rule):
        _check_model(model)
        self.model, self.rule = model, rule
        self.cells = cells = model.cells()
        self.switches, rows, switch_truth = self._rule_switches()
        self.keys = _in_order([*cells, *switch_truth])
        self.column = {key: number for number, key in enumerate(self.keys)}
        self.truth = np.array([{**cells, **switch_truth}[key] for key in self.keys], float)
        integer = np.array([key not in model.amounts for key in self.keys])
        self.program = _Program(self.keys, model.constraints, model.bounds, integer, rows)
        self.share_of = {key: share for share, sides in model.shares.items()
                         for key in (sides.numerator, sides.rest)}
        self.counts_and_amounts = frozenset(model.counts) | frozenset(model.amounts)
        self.shares = frozenset(model.shares)
        self.items = self.counts_and_amounts | self.shares
        self.keep = frozenset(model.keep)
        self.baseline = _Ranges(self.program, *self._baseline_bounds(), True, seed=self.truth)
        self.targets: dict[Key, tuple] = {}

    def _rule_switches(self):
        """What a reader who knows the rule makes of a share hidden by it (its base shown): its count or its rest
        is from 1 to t-1. Two rows per share with a whole-number switch (which side is small) and a release (1
        when the share is not hidden by the rule, so the rows say nothing): count - M switch - M release <= t-1,
        rest + M switch - M release <= t-1+M, M more than the base. {share: (switch, release)}, the rows, and the
        true values (the release as for a share not hidden by the rule: the audit sets it per state)."""
        switches, rows, truth = {}, [], {}
        limit = self.rule.threshold - 1
        for share, sides in self.model.shares.items():
            switch, release = _named(share, "switch"), _named(share, "release")
            switches[share] = (switch, release)
            big = self.model.counts[sides.base] + 1
            rows.append(({sides.numerator: 1, switch: -big, release: -big}, limit))
            rows.append(({sides.rest: 1, switch: big, release: -big}, limit + big))
            truth[switch] = 0.0 if 0 < self.model.unshown[sides.numerator] <= limit else 1.0
            truth[release] = 1.0
        return switches, rows, truth

    def _by_rule(self, share: Key, states: Mapping[Key, State]) -> bool:
        """A share hidden by the rule, its base shown: a reader knows its count or rest is small."""
        return states[share] is State.PRIMARY and states[self.model.shares[share].base] is State.PUBLISHED

    def seed(self, states: Mapping[Key, State]) -> np.ndarray:
        point = self.truth.copy()
        for share, (_, release) in self.switches.items():
            point[self.column[release]] = 0.0 if self._by_rule(share, states) else 1.0
        return point

    def cells_of(self, item: Key) -> tuple[Key, ...]:
        if item in self.model.shares:
            sides = self.model.shares[item]
            return sides.numerator, sides.rest
        return (item,)

    def first_states(self) -> dict[Key, State]:
        """Small counts primary; amounts shown; every share hidden but those over nothing (no figure to give)."""
        states = {key: State.PRIMARY if 0 < count < self.rule.threshold else State.PUBLISHED
                  for key, count in self.model.counts.items()}
        states.update(dict.fromkeys(self.model.amounts, State.PUBLISHED))
        for share, sides in self.model.shares.items():
            states[share] = State.PUBLISHED if self.model.counts[sides.base] == 0 else State.SECONDARY
        return states

    def show_shares(self, states: dict[Key, State]) -> None:
        """Each share whose base is shown and whose count and rest are 0 or threshold and over; the rest are hidden
        by the rule, shown "[c]" as the secondaries are (a reader cannot tell which is which)."""
        for share, sides in self.model.shares.items():
            if states[share] is State.PUBLISHED:
                continue
            small = any(0 < self.model.unshown[key] < self.rule.threshold for key in (sides.numerator, sides.rest))
            shown = states[sides.base] is State.PUBLISHED and not small
            states[share] = State.PUBLISHED if shown else State.PRIMARY

    def settle(self, states: dict[Key, State], candidates: frozenset) -> None:
        """Hide more of `candidates` until the reader's audit passes: in linear programs while they find anything
        (fast, and exact for lists, two-way and singly linked tables), then in whole numbers."""
        while True:
            failing = self.failing(states, whole=False) or self.failing(states, whole=True)
            if not failing:
                return
            self._hide_more(failing, states, candidates)

    def bounds(self, states: Mapping[Key, State]) -> tuple[np.ndarray, np.ndarray]:
        """What a reader knows of each cell on its own: a figure, its marker's range, or only that it is at least 0."""
        lower, upper = np.zeros(len(self.keys)), np.full(len(self.keys), math.inf)
        for column, key in enumerate(self.keys):
            value = self._known_value(key, states)
            if value is not None:
                lower[column] = upper[column] = value
            elif key in self.model.amounts and states[key] is State.PUBLISHED:
                shown = self.model.published_amount(key)
                lower[column], upper[column] = max(0.0, shown - self.model.precision), shown + self.model.precision
            elif key in self.model.counts:
                lower[column], upper[column] = self.rule.bounds(states[key])
            elif key in self.share_of and self._by_rule(self.share_of[key], states):
                lower[column] = 1   # a small side is at least 1, and so is the other (the base is t or more)
        for share, (switch, release) in self.switches.items():
            upper[self.column[switch]] = 1
            lower[self.column[release]] = upper[self.column[release]] = 0 if self._by_rule(share, states) else 1
        return lower, upper

    def _known_value(self, key: Key, states: Mapping[Key, State]) -> float | None:
        if key in self.model.known:
            return self.model.known[key]
        if key in self.model.counts and states[key] is State.PUBLISHED:
            return self.model.counts[key]
        share = self.share_of.get(key)
        if share is not None and states[share] is State.PUBLISHED:
            return self.model.unshown[key]
        return None

    def need(self, key: Key, states: Mapping[Key, State]) -> tuple | None:
        """The promise for a cell, as hidden now: a "<t" count and any small cell shown nowhere keep possible all of
        1 to t-1 that the markers alone allow (_cover); a "[c]" count and a hidden share's count and rest keep two
        values possible; an amount, a figure shown or known, and a cell shown nowhere that is 0 or not small (never
        hidden for its own sake), nothing."""
        if key not in self.cells or self._known_value(key, states) is not None or key in self.model.amounts:
            return None
        small = key in self.model.unshown and 0 < self.model.unshown[key] < self.rule.threshold
        if small or (key in self.model.counts and states[key] is State.PRIMARY):
            return self._target(key)
        if key in self.model.counts or key in self.share_of:
            return (_FREE,)
        return None

    def _sweep_baseline(self, states: Mapping[Key, State]) -> None:
        """The markers-alone ranges of the small cells not yet asked of, found together."""
        small = [self.column[key] for key in self.cells if key not in self.targets and self._known_value(key, states)
                 is None and (states.get(key) is State.PRIMARY or 0 < self.model.unshown.get(key, 0) <
                              self.rule.threshold)]
        self.baseline.sweep(small)

    def _target(self, key: Key) -> tuple:
        if key not in self.targets:
            self.targets[key] = _cover(self.baseline, self.column[key], self.rule)
        return self.targets[key]

    def _baseline_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The reader's bounds were every non-zero figure hidden: each count by its marker, the rest at least 0
        (known cells as known)."""
        lower, upper = np.zeros(len(self.keys)), np.full(len(self.keys), math.inf)
        for column, key in enumerate(self.keys):
            if key in self.model.known:
                lower[column] = upper[column] = self.model.known[key]
            elif key in self.model.counts:
                count = self.model.counts[key]
                state = State.PRIMARY if 0 < count < self.rule.threshold else State.SECONDARY
                lower[column], upper[column] = (0, 0) if count == 0 else self.rule.bounds(state)
        for switch, release in self.switches.values():
            upper[self.column[switch]] = 1
            lower[self.column[release]] = upper[self.column[release]] = 1
        return lower, upper

    def failing(self, states: Mapping[Key, State], whole: bool) -> list[Key]:
        lower, upper = self.bounds(states)
        ranges = _Ranges(self.program, lower, upper, whole, seed=self.seed(states))
        self._sweep_baseline(states)
        needs = {column: need for column, key in enumerate(self.keys) if (need := self.need(key, states))}
        ranges.sweep(needs)
        return [self.keys[column] for column, need in needs.items() if not ranges.meets(column, need)]

    def shown(self, states: Mapping[Key, State]) -> dict[Key, Shown]:
        """Each cell as published. A hidden share is "[c]" whichever way it was hidden: "<5" in a percentage column
        would read as "under 5%", and a reader must not tell a share hidden by the rule from a secondary."""
        figures = {}
        for key, state in states.items():
            value = self.model.counts.get(key, self.model.amounts.get(key))
            if key in self.model.shares and state is State.PRIMARY:
                figures[key] = Shown(None, state, SECONDARY_MARKER)
            else:
                figures[key] = _shown(value, state, self.rule)
        return figures

    # --- fixing

    def _hide_more(self, failing: list[Key], states: dict[Key, State], candidates: frozenset) -> None:
        """One secondary suppression per failing cell, except a cell tied to one hidden already in this round: what
        was hidden may be enough, and the next audit says."""
        touched: set[int] = set()
        for key in failing:
            if touched.intersection(self.program.of_cell[key]):
                continue
            choice = self._secondary_for(key, states, candidates)
            if choice is not None:
                states[choice] = State.SECONDARY
                touched.update(number for cell in self.cells_of(choice) for number in self.program.of_cell[cell])
        if not touched:
            raise ReportError(f"cannot protect {failing[0]!r}: with every non-zero figure around it hidden, it can "
                              "still be worked out (as when small figures add up to a small total that only ones "
                              "can make, zeros beside them); merge categories or publish at a coarser level")

    def _secondary_for(self, key: Key, states: dict[Key, State], candidates: frozenset) -> Key | None:
        """The item to hide for `key`: the borough's figures (keep) only when nothing else will do."""
        for allow_keep in (False, True):
            choice = self._nearest_fix(key, states, candidates if allow_keep else candidates - self.keep)
            if choice is not None:
                return choice
        return None

    def _nearest_fix(self, key: Key, states: dict[Key, State], candidates: frozenset) -> Key | None:
        """Outwards from `key` through the constraints it is in, then those of the hidden cells it shares them with:
        in the nearest ring that has any, the cheapest item whose hiding alone keeps the promise for `key`, else
        the one that widens what a reader can make of it most, else the cheapest."""
        first = None
        for ring in self._rings(key, states, candidates):
            ordered = sorted(ring, key=lambda item: self._cost(item, states))
            first = first or ordered
            choice = self._best_of(key, states, ordered[:TRIED])
            if choice is not None:
                return choice
        return first[0] if first else None

    def _rings(self, key: Key, states: Mapping[Key, State], candidates: frozenset):
        near, seen_cells, seen_ties = [key], {key}, set()
        while near:
            numbers = sorted({n for cell in near for n in self.program.of_cell[cell]} - seen_ties)
            seen_ties.update(numbers)
            around = {cell for n in numbers for cell in self.program.ties[n]} - seen_cells
            seen_cells.update(around)
            items = {self.share_of.get(cell, cell) for cell in around}
            ring = [item for item in items if item in candidates and states[item] is State.PUBLISHED
                    and self._worth_hiding(item)]
            if ring:
                yield ring
            near = _in_order(cell for cell in around if self._known_value(cell, states) is None)

    def _worth_hiding(self, item: Key) -> bool:
        """Zeros are shown (so hiding one tells nothing), and a cell known from elsewhere is known however hidden."""
        if any(cell in self.model.known for cell in self.cells_of(item)):
            return False
        if item in self.model.shares:   # a share over nothing has no figure to hide
            return self.model.counts[self.model.shares[item].base] > 0
        return self.cells[item] > 0

    def _cost(self, item: Key, states: Mapping[Key, State]) -> tuple:
        """Cheapest first: not a total; leaving the fewest of its constraints with it as their only hidden cell
        (each would need a secondary of its own); a count before an amount; the smallest; then key order."""
        size = self.model.counts[self.model.shares[item].base] if item in self.model.shares \
            else self.cells[item]
        alone = sum(all(self._known_value(other, states) is not None for other in self.program.ties[n] if other != cell)
                    for cell in self.cells_of(item) for n in self.program.of_cell[cell]
                    if n < len(self.program.equalities))
        return item in self.program.totals, alone, item in self.model.amounts, size, item

    def _best_of(self, key: Key, states: dict[Key, State], tried: list[Key]) -> Key | None:
        """Of `tried` (cheapest first), the first whose hiding keeps the promise for `key` in linear programs; else
        the one that widens its range most; None when none widens it."""
        column, need = self.column[key], self.need(key, states)
        before = _Ranges(self.program, *self.bounds(states), False, seed=self.seed(states)).span(column)
        best, widest = None, before + 1e-9
        for item in tried:
            trial = {**states, item: State.SECONDARY}
            ranges = _Ranges(self.program, *self.bounds(trial), False, seed=self.seed(trial))
            if need is None or ranges.meets(column, need):
                return item
            span = ranges.span(column)
            if span > widest:
                best, widest = item, span
        return best


TRIED = 4   # candidates tried per ring: each costs two or four linear programs


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

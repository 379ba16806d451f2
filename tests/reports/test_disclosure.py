"""Statistical disclosure control (reports.disclosure): worked examples, then properties over random tables.

Whether a hidden figure can be worked out is checked here independently of the module's own audit: an intruder's
linear program built from the published TEXT alone ("<5", "[c]", numbers) and the tables' layout (each row and
column adds up to its total; tables that share totals are tied by equations), knowing that "<t" is 1 to t-1 and
"[c]" is t or more. Two-way tables and tables linked by one margin have network constraints, so the linear
program's least and greatest values are whole numbers: a figure is recoverable when they are equal."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from reports.disclosure import (
    TOTAL,
    ReportError,
    Rule,
    Shown,
    State,
    Table,
    exposed_cells,
    exposed_in_tables,
    protect,
    protect_2d,
    protect_tables,
)

SETTINGS = settings(max_examples=100, deadline=None)


# --- the intruder: an independent audit of published text ---------------------------------------------------------

def grid_of(protected) -> list[list[str]]:
    """The published figures without headings: lines of cells, the last line and (two-way) column the totals."""
    return [line[1:] for line in protected.text_rows()[1:]]


def equations_of(grid: list[list[str]]) -> list[list[tuple[int, int, int]]]:
    """Each as [(line, column, sign), ...] summing to 0: cells minus their total, across lines and down columns."""
    last_line, last_column = len(grid) - 1, len(grid[0]) - 1
    found = [[(i, j, 1) for i in range(last_line)] + [(last_line, j, -1)] for j in range(last_column + 1)]
    if last_column:   # a one-way table has no line totals
        found += [[(i, j, 1) for j in range(last_column)] + [(i, last_column, -1)] for i in range(last_line + 1)]
    return found


def intruder_program(grids, threshold, links):
    """The hidden figures of published grids, each one's column, the equations (rows = rhs) and bounds by marker."""
    hidden = [(name, i, j) for name, grid in grids.items() for i, line in enumerate(grid)
              for j, text in enumerate(line) if not text.isdigit()]
    column = {position: k for k, position in enumerate(hidden)}
    rows, rhs = [], []
    equations = [[(name, *term) for term in equation]
                 for name, grid in grids.items() for equation in equations_of(grid)]
    equations += [[(*a, 1), (*b, -1)] for a, b in links]
    for equation in equations:
        row, known = np.zeros(len(hidden)), 0
        for name, i, j, sign in equation:
            if (name, i, j) in column:
                row[column[name, i, j]] += sign
            else:
                known -= sign * int(grids[name][i][j])
        if row.any():
            rows.append(row)
            rhs.append(known)
        else:
            assert known == 0, f"published figures that do not add up: {equation}"
    bounds = [(1, threshold - 1) if grids[n][i][j] == f"<{threshold}" else (threshold, None) for n, i, j in hidden]
    return hidden, column, rows, rhs, bounds


def recoverable(grids: dict[str, list[list[str]]], truth: dict[str, list[list[int]]], threshold: int,
                links: list[tuple[tuple, tuple]] = ()) -> list[tuple]:
    """Hidden figures that the intruder's linear program pins to one whole number. `truth` only speeds it up: a
    solution at least 1 away from a figure's true value shows two values are possible (the feasible set is convex)."""
    hidden, column, rows, rhs, bounds = intruder_program(grids, threshold, links)
    if not hidden:
        return []
    for name, i, j in hidden:
        assert grids[name][i][j] in (f"<{threshold}", "[c]"), grids[name][i][j]
    true = np.array([truth[n][i][j] for n, i, j in hidden], float)
    free = np.zeros(len(hidden), bool)
    pinned = []
    for k in range(len(hidden)):
        for sense in (1, -1):
            if free[k]:
                break
            objective = np.zeros(len(hidden))
            objective[k] = sense
            result = linprog(objective, A_eq=np.array(rows) if rows else None, b_eq=rhs or None, bounds=bounds,
                             method="highs")
            if result.status == 3:
                free[k] = True
            else:
                assert result.status == 0, result.message
                free |= np.abs(result.x - true) >= 1 - 1e-6
        if not free[k]:
            pinned.append(hidden[k])
    return pinned


def narrowed(grids: dict[str, list[list[str]]], threshold: int, links: list[tuple[tuple, tuple]] = ()) -> list[tuple]:
    """"<t" figures the intruder can narrow beyond what the markers alone allow: each "<t" figure's least and
    greatest value from the published text, against the same with every figure hidden ("[c]" for a figure of t or
    more, zeros kept). Linear programs: exact here (network constraints)."""
    hidden_grids = {name: [[text if text in ("0", f"<{threshold}") else "[c]" for text in line] for line in grid]
                    for name, grid in grids.items()}
    return [cell for cell, published, alone in zip(*_small_ranges(grids, threshold, links),
                                                    _small_ranges(hidden_grids, threshold, links)[1], strict=True)
            if published[0] > max(1, alone[0]) + 1e-6 or published[1] < min(threshold - 1, alone[1]) - 1e-6]


def _small_ranges(grids, threshold, links):
    hidden, column, rows, rhs, bounds = intruder_program(grids, threshold, links)
    small = [cell for cell in hidden if grids[cell[0]][cell[1]][cell[2]] == f"<{threshold}"]
    ranges = []
    for cell in small:
        found = []
        for sense in (1, -1):
            objective = np.zeros(len(hidden))
            objective[column[cell]] = sense
            result = linprog(objective, A_eq=np.array(rows) if rows else None, b_eq=rhs or None, bounds=bounds,
                             method="highs")
            assert result.status == 0, result.message
            found.append(result.x[column[cell]])
        ranges.append(tuple(found))
    return small, ranges


def true_grid(rows, columns, counts) -> list[list[int]]:
    lines = [[counts.get((r, c), 0) for c in columns] for r in rows]
    lines = [[*line, sum(line)] for line in lines]
    return [*lines, [sum(column) for column in zip(*lines, strict=True)]]


def one_way_truth(rows, counts) -> list[list[int]]:
    return [[counts.get(r, 0)] for r in rows] + [[sum(counts.get(r, 0) for r in rows)]]


def one_way(name, counts: dict[str, int], rule: Rule | None = None):
    rule = rule or Rule()
    return protect_tables([Table((name,), (list(counts),), counts)], rule)[0]


def ward_links(wards: int, columns: int, name: str = "two", other: str = "one") -> list[tuple[tuple, tuple]]:
    """A two-way table's ward totals (and grand total) are the ward-only table's figures."""
    return [((name, i, columns), (other, i, 0)) for i in range(wards + 1)]


def everything_hidden(truth: list[list[int]], threshold: int) -> list[list[str]]:
    """The most a publisher could hide: every non-zero figure."""
    return [["0" if v == 0 else f"<{threshold}" if v < threshold else "[c]" for v in line] for line in truth]


def states(protected) -> dict[State, set]:
    by_state = {State.PRIMARY: set(), State.SECONDARY: set()}
    for values in protected.table.all_cells():
        figure = protected[values]
        if not figure.published:
            by_state[figure.state].add(values if len(values) > 1 else values[0])
    return by_state


# --- examples ------------------------------------------------------------------------------------------------------

def test_a_small_count_among_large_ones_takes_the_smallest_other_with_it():
    protected = one_way("service", {"Adults": 3, "Children": 50, "Housing": 40, "Libraries": 7})
    assert grid_of(protected) == [["<5"], ["50"], ["40"], ["[c]"], ["100"]]
    # the intruder knows 3 + 7 = 10 with "<5" 1 to 4 and "[c]" 5 or more: 1 to 4, and 6 to 9
    assert recoverable({"t": grid_of(protected)}, {"t": [[3], [50], [40], [7], [100]]}, 5) == []


def test_two_small_counts_adding_to_two_are_each_1_so_more_is_hidden():
    protected = one_way("ward", {"A": 1, "B": 1, "C": 50, "D": 60})
    assert grid_of(protected) == [["<5"], ["<5"], ["[c]"], ["60"], ["112"]]


def test_a_secondary_is_known_to_be_at_least_the_threshold():
    # 1 + 5 = 6: hiding the 5 alone is not enough, since "[c]" means 5 or more and so "<5" would be 1; hiding the
    # total is: A is the total less 5, and a "[c]" total is anything from 5 up, so A may be anything from 1 to 4
    protected = one_way("ward", {"A": 1, "B": 5})
    assert grid_of(protected) == [["<5"], ["5"], ["[c]"]]
    assert narrowed({"t": grid_of(protected)}, 5) == []


def test_zeros_stay_zeros_and_a_small_total_is_hidden():
    protected = one_way("ward", {"A": 0, "B": 3, "C": 0})
    assert grid_of(protected) == [["0"], ["<5"], ["0"], ["<5"]]
    assert protected["A"] == Shown(0, State.PUBLISHED)
    assert protected[TOTAL] == Shown(None, State.PRIMARY, "<5")


def test_nothing_small_nothing_hidden():
    protected = protect_2d(["W1", "W2"], ["X", "Y"], {("W1", "X"): 5, ("W1", "Y"): 0, ("W2", "X"): 12})
    assert grid_of(protected) == [["5", "0", "5"], ["12", "0", "12"], ["17", "0", "17"]]


def test_twenty_wards_by_three_services_worked_by_hand():
    wards = [f"Ward {n:02d}" for n in range(1, 21)]
    services = ["Adults", "Children", "Older people"]
    counts = {(ward, service): 20 + 3 * n + 7 * k for n, ward in enumerate(wards) for k, service in enumerate(services)}
    counts["Ward 03", "Children"] = 2        # primaries, both in Children
    counts["Ward 07", "Children"] = 4
    counts["Ward 03", "Older people"] = 25   # Ward 03's Adults is 26 and Older people 25: the smaller
    counts["Ward 07", "Older people"] = 50   # Ward 07's Adults is 38, smaller, but would leave Adults a lone [c]
    for service in services:
        counts["Ward 15", service] = 0       # nobody: zeros, shown
    protected = protect_2d(wards, services, counts)

    # Children has two hidden cells, and Ward 03 and Ward 07 each one. The rectangle of Ward 03 and Ward 07 by
    # Children and Older people would stop either being worked out, but not narrowed: Children 2 + 4 = 6 says each
    # is 2 to 4, never 1. So "<5" keeps all of 1 to 4 only with more cells hidden around it.
    assert states(protected)[State.PRIMARY] == {("Ward 03", "Children"), ("Ward 07", "Children")}
    assert {("Ward 03", "Older people"), ("Ward 07", "Older people")} <= states(protected)[State.SECONDARY]
    assert len(states(protected)[State.SECONDARY]) <= 12
    assert [str(protected["Ward 03", s]) for s in [*services, TOTAL]][1:] == ["<5", "[c]", "53"]
    assert narrowed({"t": grid_of(protected)}, 5) == []
    assert [str(protected["Ward 15", s]) for s in [*services, TOTAL]] == ["0", "0", "0", "0"]
    expected = true_grid(wards, services, counts)
    assert [str(protected[TOTAL, s]) for s in [*services, TOTAL]] == [str(v) for v in expected[-1]]
    assert recoverable({"t": grid_of(protected)}, {"t": expected}, 5) == []
    assert exposed_in_tables([protected]) == []
    assert "<5" in protected.footnote and "[c]" in protected.footnote


def test_a_total_shared_with_another_table_is_protected_in_both():
    wards, services = ["W1", "W2", "W3"], ["X", "Y"]
    counts = {("W1", "X"): 1, ("W1", "Y"): 5, ("W2", "X"): 20, ("W2", "Y"): 30, ("W3", "X"): 15, ("W3", "Y"): 25}
    by_ward = {"W1": 6, "W2": 50, "W3": 40}
    two_way = Table(("ward", "service"), (wards, services), counts)
    one_way_table = Table(("ward",), (wards,), by_ward)
    # W1's line is 1 + 5 = 6: with the 5 hidden and "[c]" meaning 5 or more, the 1 follows from a published 6, so
    # W1's total is hidden: in the ward-only table as well, which then hides another ward to protect it.
    linked, alone = protect_tables([two_way, one_way_table]), protect_tables([one_way_table])[0]
    assert str(linked[0]["W1", TOTAL]) == str(linked[1]["W1"]) == "[c]"
    assert str(alone["W1"]) == "6"  # published on its own, it would give the 1 away:
    grids = {"two": grid_of(linked[0]), "one": grid_of(alone)}
    truth = {"two": true_grid(wards, services, counts), "one": one_way_truth(wards, by_ward)}
    assert ("two", 0, 0) in recoverable(grids, truth, 5, links=ward_links(3, 2))
    grids["one"] = grid_of(linked[1])
    assert recoverable(grids, truth, 5, links=ward_links(3, 2)) == []


def test_the_general_model_takes_any_keys_that_sort():
    shown = protect({"total": 60, "a": 2, "b": 28, "c": 30}, [("total", ["a", "b", "c"])])
    assert {key: str(figure) for key, figure in shown.items()} == {"a": "<5", "b": "[c]", "c": "30", "total": "60"}
    assert exposed_cells(shown, [("total", ["a", "b", "c"])]) == []


def test_the_last_check_finds_what_a_faulty_publisher_would_give_away():
    constraints = [("total", ["a", "b", "c"])]
    faulty = {"a": Shown(None, State.PRIMARY, "<5"), "b": Shown(28, State.PUBLISHED), "c": Shown(30, State.PUBLISHED),
              "total": Shown(60, State.PUBLISHED)}
    assert exposed_cells(faulty, constraints) == ["a"]
    careless = {**faulty, "a": Shown(2, State.PUBLISHED)}
    assert exposed_cells(careless, constraints) == ["a"]


def test_a_table_that_cannot_be_protected_is_refused():
    # four "<5" adding up to a "<5" total, zeros beside them: each is 1, and zeros are never hidden
    with pytest.raises(ReportError, match="cannot protect"):
        one_way("ward", {"A": 1, "B": 1, "C": 1, "D": 1, "E": 0})
    assert grid_of(one_way("ward", {"A": 1, "B": 1, "C": 1, "D": 0})) == [["<5"], ["<5"], ["<5"], ["0"], ["<5"]]


def test_the_last_check_refuses_figures_that_contradict_each_other():
    hidden = {"a": Shown(None, State.PRIMARY, "<5"), "b": Shown(None, State.SECONDARY, "[c]")}
    constraints = [("total", ["a", "b"])]
    assert exposed_cells({**hidden, "total": Shown(9, State.PUBLISHED)}, constraints) == []          # 1+8 to 4+5
    assert exposed_cells({**hidden, "total": Shown(7, State.PUBLISHED)}, constraints) == ["a"]       # 1 or 2 only
    assert exposed_cells({**hidden, "total": Shown(6, State.PUBLISHED)}, constraints) == ["a", "b"]  # only 1+5
    with pytest.raises(ReportError, match="contradict"):                                              # 1 to 4, 5 up
        exposed_cells({**hidden, "total": Shown(5, State.PUBLISHED)}, constraints)


def test_bad_input_is_one_clear_error():
    with pytest.raises(ReportError, match="not the sum"):
        protect({"total": 5, "a": 2}, [("total", ["a"])])
    with pytest.raises(ReportError, match="whole numbers"):
        protect({"total": -1, "a": -1}, [("total", ["a"])])
    with pytest.raises(ReportError, match="at least 3"):
        Rule(threshold=2)
    with pytest.raises(ReportError, match="not a cell"):
        Table(("ward",), (["W1"],), {"W9": 3})
    with pytest.raises(ReportError, match="disagree"):
        protect_tables([Table(("ward",), (["W1", "W2"],), {"W1": 7, "W2": 8}),
                        Table(("ward",), (["W1", "W2"],), {"W1": 7, "W2": 9})])


def test_the_threshold_is_configuration():
    protected = one_way("ward", {"A": 7, "B": 30, "C": 40}, Rule(threshold=10))
    assert grid_of(protected) == [["<10"], ["[c]"], ["40"], ["77"]]
    assert "<10" in protected.footnote


# --- properties ----------------------------------------------------------------------------------------------------

COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 12), st.integers(0, 60))   # many small values, and zeros
THRESHOLDS = st.sampled_from([5, 5, 3, 10])


@st.composite
def two_way_tables(draw):
    rows = [f"R{n}" for n in range(draw(st.integers(1, 6)))]
    columns = [f"C{n}" for n in range(draw(st.integers(1, 5)))]
    counts = {(r, c): draw(COUNTS) for r in rows for c in columns}
    return rows, columns, counts, Rule(draw(THRESHOLDS))


@SETTINGS
@given(two_way_tables())
def test_published_tables_give_nothing_away(table):
    rows, columns, counts, rule = table
    truth = true_grid(rows, columns, counts)
    try:
        protected = protect_2d(rows, columns, counts, rule)
    except ReportError as refused:   # only when hiding every non-zero figure would still give one away
        assert "cannot protect" in str(refused)
        assert recoverable({"t": everything_hidden(truth, rule.threshold)}, {"t": truth}, rule.threshold)
        return
    grid = grid_of(protected)
    for line, true_line in zip(grid, truth, strict=True):
        for text, value in zip(line, true_line, strict=True):
            if value == 0:
                assert text == "0"                                       # zeros are shown
            elif value < rule.threshold:
                assert text == f"<{rule.threshold}"                      # no small count is published
            else:
                assert text in (str(value), "[c]")                       # the rest as they are, or hidden
    for figures in [*grid, *zip(*grid, strict=True)]:                   # lines, then columns: the last is the total
        if all(text.isdigit() for text in figures):                      # published totals add up
            assert sum(map(int, figures[:-1])) == int(figures[-1])
    assert recoverable({"t": grid}, {"t": truth}, rule.threshold) == []  # nothing hidden can be worked out
    assert narrowed({"t": grid}, rule.threshold) == []                   # nor a "<t" narrowed beyond its marker


@settings(max_examples=40, deadline=None)
@given(two_way_tables(), st.randoms(use_true_random=False))
def test_the_same_figures_give_the_same_table(table, random):
    rows, columns, counts, rule = table
    shuffled = list(counts.items())
    random.shuffle(shuffled)
    assert outcome(rows, columns, counts, rule) == outcome(rows, columns, dict(shuffled), rule)


def outcome(rows, columns, counts, rule) -> list[list[str]] | str:
    try:
        return protect_2d(rows, columns, counts, rule).text_rows()
    except ReportError as refused:   # refused the same way too
        return str(refused)


@st.composite
def linked_tables(draw):
    """Wards by service and wards by age band over the same people, and wards alone: all share the ward totals."""
    wards = [f"W{n}" for n in range(draw(st.integers(1, 5)))]
    services = [f"S{n}" for n in range(draw(st.integers(1, 4)))]
    bands = [f"A{n}" for n in range(draw(st.integers(1, 3)))]
    by_service = {(w, s): draw(COUNTS) for w in wards for s in services}
    by_band = {}
    for ward in wards:   # the ward's people split across the age bands
        left = sum(by_service[ward, s] for s in services)
        for band in bands[:-1]:
            by_band[ward, band] = draw(st.integers(0, left))
            left -= by_band[ward, band]
        by_band[ward, bands[-1]] = left
    return wards, services, bands, by_service, by_band, Rule(draw(THRESHOLDS))


@settings(max_examples=60, deadline=None)
@given(linked_tables())
def test_linked_tables_give_nothing_away_using_all_of_them(tables):
    wards, services, bands, by_service, by_band, rule = tables
    ward_totals = {w: sum(by_service[w, s] for s in services) for w in wards}
    truth = {"service": true_grid(wards, services, by_service), "age": true_grid(wards, bands, by_band),
             "ward": one_way_truth(wards, ward_totals)}
    links = (ward_links(len(wards), len(services), "service", "ward")
             + ward_links(len(wards), len(bands), "age", "ward"))
    try:
        protected = protect_tables([Table(("ward", "service"), (wards, services), by_service),
                                    Table(("ward", "age"), (wards, bands), by_band),
                                    Table(("ward",), (wards,), ward_totals)], rule)
    except ReportError as refused:   # only when hiding every non-zero figure would still give one away
        assert "cannot protect" in str(refused)
        hidden = {name: everything_hidden(grid, rule.threshold) for name, grid in truth.items()}
        assert recoverable(hidden, truth, rule.threshold, links)
        return
    grids = dict(zip(["service", "age", "ward"], map(grid_of, protected), strict=True))
    for a, b in links:   # a figure the tables share is shown the same in each
        assert grids[a[0]][a[1]][a[2]] == grids[b[0]][b[1]][b[2]]
    assert recoverable(grids, truth, rule.threshold, links) == []


def test_a_large_table_is_protected_in_good_time():
    rng = np.random.default_rng(7)
    wards, services = [f"Ward {n:02d}" for n in range(30)], [f"Service {n}" for n in range(8)]
    counts = {(w, s): int(rng.choice([rng.integers(1, 5), rng.integers(0, 200)], p=[0.15, 0.85]))
              for w in wards for s in services}
    started = time.perf_counter()
    protected = protect_2d(wards, services, counts)
    assert time.perf_counter() - started < 5
    assert recoverable({"t": grid_of(protected)}, {"t": true_grid(wards, services, counts)}, 5) == []
    assert exposed_in_tables([protected]) == []


def _shares_by_ward(wards: dict[str, tuple[int, int]]) -> tuple[dict, list]:
    """Wards' (within target, late) as cells with their base, and the borough's: base = within + late in each row,
    and each column adds up to the borough's."""
    cells, constraints = {}, []
    for ward, (within, late) in {**wards, "borough": tuple(map(sum, zip(*wards.values(), strict=True)))}.items():
        cells |= {("base", ward): within + late, ("within", ward): within, ("late", ward): late}
        constraints.append((("base", ward), [("within", ward), ("late", ward)]))
    for column in ("base", "within", "late"):
        constraints.append(((column, "borough"), [(column, ward) for ward in wards]))
    return cells, constraints


def test_cells_to_keep_are_never_taken_as_secondaries_when_others_protect_as_well():
    """Late jobs of 1 or 2 in six wards and none in two: the borough's late count is the first secondary to hand,
    and the wards' own counts protect as well; kept, the borough's figures are published and nothing is exposed."""
    wards = {f"w{n}": (5, 2) for n in range(5)} | {"w5": (2, 1), "w6": (10, 0), "w7": (9, 0)}
    cells, constraints = _shares_by_ward(wards)
    borough = {("late", "borough"), ("within", "borough")}
    shown = protect(cells, constraints, Rule(5), keep=borough)
    assert all(shown[key].published for key in borough)
    assert not exposed_cells(shown, constraints, Rule(5))
    assert not any(shown[("late", ward)].published for ward in wards if cells[("late", ward)])


def test_cells_to_keep_are_hidden_when_nothing_else_will_do():
    """Six wards late 1 each, the borough 6: every ward is pinned at 1 unless the borough's 6 is hidden."""
    wards = {f"w{n}": (5, 1) for n in range(6)}
    cells, constraints = _shares_by_ward(wards)
    shown = protect(cells, constraints, Rule(5), keep={("late", "borough"), ("base", "borough")})
    assert not shown[("late", "borough")].published
    assert not exposed_cells(shown, constraints, Rule(5))


def test_a_figure_no_table_shows_is_hidden_from_the_start_and_still_protected():
    """12 jobs completed, 10 of them emergencies: the 2 others are shown nowhere, but worked out at once."""
    cells = {"completed": 12, "emergency": 10, "other": 2}
    constraints = [("completed", ["emergency", "other"])]
    shown = protect(cells, constraints, Rule(5), never_shown={"other"})
    assert not (shown["completed"].published and shown["emergency"].published)
    assert not exposed_cells(shown, constraints, Rule(5), never_shown={"other"})
    # 20 of which 10: the other 10 are worked out, and that is no one's business to hide
    cells = {"completed": 20, "emergency": 10, "other": 10}
    shown = protect(cells, constraints, Rule(5), never_shown={"other"})
    assert shown["completed"].published and shown["emergency"].published
    assert exposed_cells(shown, constraints, Rule(5), never_shown={"other"}) == []
    assert exposed_cells(shown, constraints, Rule(5)) == ["other"]   # unless it is said to be shown nowhere

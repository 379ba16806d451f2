"""The selection state helpers: pure, normalised, and a URL round trip that gives the same state back."""

from __future__ import annotations

import pytest

from data_models.semantic_layer import load_semantic_layer
from query.selections import (
    clear,
    from_query_string,
    normalise,
    remove,
    replace,
    to_query_string,
    toggle,
)


def test_toggle_adds_then_removes():
    state = toggle({}, "ward", "Belsize")
    assert state == {"ward": ["Belsize"]}
    state = toggle(state, "ward", "Kilburn")
    assert state == {"ward": ["Belsize", "Kilburn"]}
    assert toggle(state, "ward", "Belsize") == {"ward": ["Kilburn"]}
    assert toggle({"ward": ["Kilburn"]}, "ward", "Kilburn") == {}  # the last value gone: no selection


def test_helpers_never_change_their_argument():
    state = {"ward": ["Kilburn"]}
    toggle(state, "ward", "Belsize")
    remove(state, "ward")
    clear(state, ["ward"])
    assert state == {"ward": ["Kilburn"]}


def test_values_are_text_sorted_and_unique():
    assert normalise({"month": ["2025-05", "2025-04", "2025-05"], "hour": [7, 10], "ward": []}) == {
        "hour": ["10", "7"], "month": ["2025-04", "2025-05"]}
    assert normalise({"ward": "Belsize"}) == {"ward": ["Belsize"]}


def test_remove_a_value_or_a_dimension():
    state = {"ward": ["Belsize", "Kilburn"], "priority": ["EMERGENCY"]}
    assert remove(state, "ward", "Belsize") == {"priority": ["EMERGENCY"], "ward": ["Kilburn"]}
    assert remove(state, "ward") == {"priority": ["EMERGENCY"]}
    assert remove(state, "trade") == normalise(state)


def test_replace_and_clear():
    state = replace({"ward": ["Belsize"]}, "month", ["2025-05", "2025-04"])
    assert state == {"month": ["2025-04", "2025-05"], "ward": ["Belsize"]}
    assert replace(state, "month", []) == {"ward": ["Belsize"]}
    assert clear(state) == {}
    assert clear(state, ["ward"]) == {"month": ["2025-04", "2025-05"]}


AWKWARD = {
    "ward": ["King's Cross", "Holborn & Covent Garden", "St Pancras & Somers Town"],
    "trade": ["Damp & Mould", "a=b", "comma, inside", "100% plus+more", "naïve é"],
    "financial_year": ["2025-26"],
}


def test_query_string_round_trips():
    text = to_query_string(AWKWARD)
    assert from_query_string(text) == normalise(AWKWARD)
    assert from_query_string("?" + text) == normalise(AWKWARD)


def test_query_string_is_stable_whatever_the_click_order():
    one = toggle(toggle({}, "ward", "Kilburn"), "month", "2025-04")
    other = toggle(toggle({}, "month", "2025-04"), "ward", "Kilburn")
    assert to_query_string(one) == to_query_string(other) == "month=2025-04&ward=Kilburn"
    assert to_query_string({}) == ""


def test_from_the_mapping_dash_gives_a_page():
    # Dash passes ?ward=a&ward=b&month=x as {"ward": ["a", "b"], "month": "x"}
    assert from_query_string({"ward": ["Kilburn", "Belsize"], "month": "2025-04"}) == {
        "month": ["2025-04"], "ward": ["Belsize", "Kilburn"]}


def test_keys_that_are_not_dimensions_are_dropped_when_dimensions_are_given():
    state = from_query_string("ward=Kilburn&tab=table&old_name=x", dimensions=["ward", "month"])
    assert state == {"ward": ["Kilburn"]}


@pytest.fixture(scope="module")
def layer():
    return load_semantic_layer()


def test_a_heatmap_cell_selects_both_values_and_again_unselects_both():
    from query.selections import toggle_together

    cell = [("hour", 9), ("weekday", "Monday")]
    state = toggle_together({"ward": ["Belsize"]}, cell)
    assert state == {"hour": ["9"], "ward": ["Belsize"], "weekday": ["Monday"]}
    assert toggle_together(state, cell) == {"ward": ["Belsize"]}
    # one of the two already selected: the cell adds the other, it does not drop the first
    assert toggle_together({"hour": ["9"]}, cell) == {"hour": ["9"], "weekday": ["Monday"]}


# --- a page's default selection (the budget page opens on the current year at the latest complete month) --------

DEFAULTS = {"financial_year": ["2026-27"], "month": ["2026-10"]}


def test_defaults_apply_when_none_of_their_dimensions_is_selected_or_removed():
    from query.selections import with_defaults

    assert with_defaults({}, [], DEFAULTS) == DEFAULTS
    assert with_defaults({"ward": ["Belsize"]}, [], DEFAULTS) == {**DEFAULTS, "ward": ["Belsize"]}
    # a year chosen elsewhere is kept, and no default month of another year joins it
    assert with_defaults({"financial_year": ["2024-25"]}, [], DEFAULTS) == {"financial_year": ["2024-25"]}
    assert with_defaults({}, ["month"], DEFAULTS) == {}
    assert with_defaults({"ward": ["Belsize"]}, [], {}) == {"ward": ["Belsize"]}


def test_a_removed_default_is_written_to_the_url_and_read_back():
    from query.selections import removed_defaults, search_for, with_defaults

    search = search_for({"ward": ["King's Cross"]}, [], DEFAULTS)
    assert search == "ward=King%27s%20Cross&all=financial_year&all=month"
    assert removed_defaults(search) == ["financial_year", "month"]
    dimensions = ["ward", "month", "financial_year"]
    assert from_query_string(search, dimensions) == {"ward": ["King's Cross"]}
    assert with_defaults(from_query_string(search, dimensions), removed_defaults(search), DEFAULTS) == \
        {"ward": ["King's Cross"]}
    # chosen again, a dimension is no longer "removed"; applied defaults are written as ordinary selections
    assert search_for({"month": ["2025-04"]}, ["financial_year", "month"], DEFAULTS) == \
        "month=2025-04&all=financial_year"
    assert search_for(DEFAULTS, [], DEFAULTS) == "financial_year=2026-27&month=2026-10"
    assert search_for({}, [], {}) == "" and search_for({}, ["month"], {}) == "all=month"
    assert removed_defaults({"all": "month"}) == ["month"] and removed_defaults(None) == []


def test_a_click_on_the_default_view_starts_from_there():
    from query.selections import pick_over_defaults

    # a year clicked: read at its own latest month, not paired with this year's default month
    assert pick_over_defaults(DEFAULTS, "financial_year", "2025-26", DEFAULTS) == {"financial_year": ["2025-26"]}
    assert pick_over_defaults({**DEFAULTS, "ward": ["Belsize"]}, "month", "2026-09", DEFAULTS) == \
        {"month": ["2026-09"], "ward": ["Belsize"]}
    # the default value itself, another dimension, or a view no longer the default: an ordinary toggle
    assert pick_over_defaults(DEFAULTS, "month", "2026-10", DEFAULTS) == {"financial_year": ["2026-27"]}
    assert pick_over_defaults(DEFAULTS, "directorate", "ADH", DEFAULTS) == {**DEFAULTS, "directorate": ["ADH"]}
    moved = {"financial_year": ["2026-27"], "month": ["2026-09"]}
    assert pick_over_defaults(moved, "month", "2026-08", DEFAULTS) == {"financial_year": ["2026-27"],
                                                                       "month": ["2026-08", "2026-09"]}
    assert pick_over_defaults({}, "month", "2026-08", {}) == {"month": ["2026-08"]}

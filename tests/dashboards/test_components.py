"""The dashboard components as plain functions: selection events, the URL round trip, chips, filter states, RAG,
CSV, nav links; and several apps in one process each get the generic callbacks."""

from __future__ import annotations

import json

import pytest
from signing_in import acting_as, signed_in_client

from app import create_app
from dashboards.components import cards, data, filters, kpi, page, selection
from dashboards.components.spec import Chart, Kpi, PageSpec, spec_for_path
from query import selections as sel


@pytest.fixture(autouse=True, scope="module")
def pages(tmp_path_factory):
    """Creating an app imports the pages, which declare their specs; the app context is the cache's."""
    app = create_app({"warehouse": tmp_path_factory.mktemp("none") / "missing.duckdb"})
    with acting_as(app, "admin"):
        yield app


PICK = {"dimension": "ward", "value": "Belsize", "at": 1}


@pytest.mark.browser
def test_a_pick_toggles_its_value(selection_js):
    state = selection_js("nextState", {}, {"pick": PICK})
    assert state == {"ward": ["Belsize"]}
    assert selection_js("nextState", state, {"pick": dict(PICK, at=2)}) == {}
    both = selection_js("nextState", state, {"pick": dict(PICK, value="Kilburn")})
    assert both == {"ward": ["Belsize", "Kilburn"]}
    assert selection_js("nextState", state, {"pick": {"dimension": "ward"}}) is None


def test_pick_attributes():
    assert selection.pick_attributes("ward", "King's Cross") == {"data-pick-dimension": "ward",
                                                                 "data-pick-value": "King's Cross"}


@pytest.mark.browser
def test_chip_remove_and_clear_all(selection_js):
    state = {"ward": ["Belsize"], "trade": ["Gas", "Lifts"]}
    remove = {"pick": {"dimension": "trade", "value": "", "remove": True}}
    assert selection_js("nextState", state, remove) == {"ward": ["Belsize"]}
    assert selection_js("nextState", state, {"clear": True}) == {}
    assert selection_js("nextState", state, {}) is None


def click_on(figure, trace: int = 0, point: int = 0) -> dict:
    """The clickData Plotly gives for a point: its customdata as the figure carries it (a plain JSON value)."""
    custom = figure.to_plotly_json()["data"][trace]["customdata"][point]
    return {"points": [{"curveNumber": trace, "pointNumber": point, "customdata": custom}]}


@pytest.mark.browser
@pytest.mark.parametrize("kind, dimension", [("hbar", "trade"), ("bar", "trade"), ("pie", "priority"),
                                             ("line", "month")])
def test_a_chart_click_toggles_the_charts_dimension(selection_js, kind, dimension):
    chart = Chart("c", "C", kind, dimension, ("repairs_raised",))
    rows = [{"value": "Lifts", "label": "Lifts", "repairs_raised": 3}, {"value": "Gas", "label": "Gas",
                                                                        "repairs_raised": 5}]
    click = click_on(cards.build_figure(chart, rows, set()), point=1)
    state = selection_js("nextState", {}, {"click": click})
    assert state == {dimension: ["Gas"]}
    assert selection_js("nextState", state, {"click": click}) == {}


@pytest.mark.browser
def test_a_click_on_the_fy_comparison_selects_its_month(selection_js):
    chart = Chart("m", "M", "fy_months", "month", ("repairs_raised",))
    rows = cards._two_years([{"value": "2025-04", "label": "2025-04", "financial_year": "2025-26",
                              "repairs_raised": 4}], [])
    click = click_on(cards.build_figure(chart, rows, set()))
    assert selection_js("nextState", {}, {"click": click}) == {"month": ["2025-04"]}


@pytest.mark.browser
@pytest.mark.parametrize("click", [{"points": []}, {"points": [{"customdata": "Belsize"}]},
                                   {"points": [{"label": "Gas"}]}, None])
def test_a_point_naming_no_selection_changes_nothing(selection_js, click):
    assert selection_js("nextState", {"ward": ["Belsize"]}, {"click": click}) is None


TRICKY_STATES = [
    {},
    {"ward": ["King's Cross", "Belsize"], "financial_year": ["2025-26"], "month": ["2025-04"]},
    {"contractor": ["A & B (Ltd)", "x=y+z", "50% off!", "tilde~star*", "Café", "a b", "9", "10"]},
    {"ward": "Belsize", "trade": ["", None, "Gas", "Gas"], "priority": []},
]


@pytest.mark.browser
@pytest.mark.parametrize("state", TRICKY_STATES)
def test_the_browser_writes_and_reads_the_url_as_the_server_does(selection_js, state):
    search = selection_js("searchFromState", state)
    text = sel.to_query_string(state)
    assert search == (f"?{text}" if text else "")
    dimensions = sorted(data.layer().dimensions)
    assert selection_js("fromQueryString", search + "&utm_source=mail&not_a_dimension=1", dimensions) == \
        sel.from_query_string(search, dimensions) == sel.normalise(state)
    assert selection_js("normalise", state) == sel.normalise(state)


@pytest.mark.browser
def test_the_browser_toggles_as_the_server_does(selection_js):
    state = {"ward": ["Belsize"], "hour": ["9"]}
    for dimension, value in [("ward", "Belsize"), ("ward", "Kilburn"), ("trade", "Gas"), ("hour", 10)]:
        assert selection_js("toggle", state, dimension, value) == sel.toggle(state, dimension, value)
    for pairs in ([["hour", "9"], ["weekday", "Monday"]], [["hour", "9"], ["ward", "Belsize"]]):
        assert selection_js("toggleTogether", state, pairs) == sel.toggle_together(state, pairs)


def test_chips_one_per_dimension_with_not_applicable_marked():
    repairs = spec_for_path("/repairs")
    view = selection.chips({"ward": ["Belsize", "Kilburn"], "contravention": ["12"]}, repairs)
    by_dimension = {chip["dimension"]: chip for chip in view["chips"]}
    assert list(by_dimension) == ["contravention", "ward"]
    assert (by_dimension["ward"]["label"], by_dimension["ward"]["values"]) == ("Ward", "Belsize, Kilburn")
    assert by_dimension["ward"]["applicable"] is True
    assert by_dimension["contravention"]["applicable"] is False
    assert view["path"] == ""
    assert selection.chips({}, repairs)["chips"] == [] and view["none"].startswith("No selections")
    month = selection.chips({"month": ["2025-04"]})
    assert month["chips"][0]["values"] == "Apr 2025"


def test_filter_items_states_and_counts():
    rows = [{"value": "a", "label": "A", "state": "selected", "row_count": 10, "possible_count": 4},
            {"value": "b", "label": None, "state": "possible", "row_count": 8, "possible_count": 3},
            {"value": "c", "label": "C", "state": "excluded", "row_count": 5, "possible_count": 0}]
    rows[2]["clears"] = ["ward"]
    assert filters.items(rows) == [
        {"value": "a", "label": "A", "state": "selected", "count": 4, "clears": []},
        {"value": "b", "label": "b", "state": "possible", "count": 3, "clears": []},
        {"value": "c", "label": "C", "state": "excluded", "count": None, "clears": ["ward"]}]  # no count shown



def test_csv_is_exactly_the_plotted_rows():
    chart = Chart("t", "T", "bar", "trade", ("repairs_raised",))
    rows = [{"value": "Gas", "label": "Gas", "repairs_raised": 3}, {"value": "Lifts", "label": "Lifts",
                                                                    "repairs_raised": None}]
    assert cards.csv_text(chart, rows) == "\ufefftrade,Trade,Repairs raised\r\nGas,Gas,3\r\nLifts,Lifts,\r\n"


@pytest.mark.browser
def test_sorting_a_table(selection_js):
    """The browser sorts a card's table (assets/page_view.js): numbers largest first, empty cells last."""
    columns = [{"key": "label", "heading": "Ward", "numeric": False}, {"key": "n", "heading": "N", "numeric": True}]
    rows = [{"value": v, "selected": False, "cells": [{"text": v, "sort": v}, {"text": str(n), "sort": n}]}
            for v, n in (("b", 1), ("a", 3), ("c", None), ("d", 10))]
    table = {"columns": columns, "rows": rows}

    def order(sort):
        return [r["value"] for r in selection_js("biPageView.sortedRows", table, sort)]

    assert order({"col": "n", "desc": True}) == ["d", "a", "b", "c"]
    assert order({"col": "n", "desc": False}) == ["b", "a", "d", "c"]  # numbers as numbers: 10 after 3
    assert order({"col": "label", "desc": False}) == ["a", "b", "c", "d"]
    assert selection_js("biPageView.nextSort", None, "n") == {"col": "n", "desc": True}
    assert selection_js("biPageView.nextSort", {"col": "n", "desc": True}, "n") == {"col": "n", "desc": False}
    assert selection_js("biPageView.nextSort", {"col": "n", "desc": True}, "label") == {"col": "label", "desc": False}


def test_previous_financial_year():
    assert cards.previous_fy("2025-26") == "2024-25"
    assert cards.previous_fy("2000-01") == "1999-00"


@pytest.mark.browser
def test_nav_links_keep_the_selection(selection_js):
    ids = [{"type": "bi-nav", "path": "/"}, {"type": "bi-nav", "path": "/repairs"}]
    hrefs, active, brand = selection_js("dash_clientside.selection.nav", "/repairs", "?ward=Belsize", ids)
    assert hrefs == ["/?ward=Belsize", "/repairs?ward=Belsize"]
    assert active == [False, True]
    assert brand == "/?ward=Belsize"


def test_specs_are_checked():
    with pytest.raises(ValueError):
        Chart("x", "X", "radar", "ward", ("repairs_raised",))
    with pytest.raises(ValueError):
        Chart("x", "X", "bar", "ward", ())
    spec = PageSpec("p", "/p", "P", "fact_repairs_job", kpis=(Kpi("repairs_raised"),))
    with pytest.raises(KeyError):
        spec.chart("missing")


def test_layout_outside_a_callback_builds_the_page():
    assert page.only_the_selection_changed() is False


def _dependencies(app) -> list[str]:
    response = signed_in_client(app).get("/_dash-dependencies")
    assert response.status_code == 200
    return [callback["output"] for callback in json.loads(response.data)]


def test_several_apps_in_one_process_each_get_the_callbacks(demo_warehouse):
    first, second = create_app({"warehouse": demo_warehouse}), create_app({"warehouse": demo_warehouse})
    outputs_first, outputs_second = _dependencies(first), _dependencies(second)
    for outputs in (outputs_first, outputs_second):
        assert any(output.startswith("..bi-selection.data...") for output in outputs)
        assert "bi-url.search" in outputs
        assert any("bi-page-view" in output for output in outputs)
        assert any("selection-chips.className" in output for output in outputs)   # the page view is laid out
    third = create_app({"warehouse": demo_warehouse})
    assert any("bi-selection.data" in output for output in _dependencies(third))
    assert any("bi-selection.data" in output for output in _dependencies(first))  # asked again: still there


def test_sparkline_is_a_small_svg():
    svg = kpi.sparkline_svg([1, 3, None, 2], width=30, height=10)
    assert svg.startswith("<svg") and 'points="0.0,8.0 10.0,2.0 30.0,5.0"' in svg
    assert kpi.sparkline_svg([None]) == ""


def test_path_templates_match_one_segment():
    from dashboards.components.spec import path_matches

    assert path_matches("/services/<slug>", "/services/housing-repairs")
    assert not path_matches("/services/<slug>", "/services")
    assert not path_matches("/services/<slug>", "/services/a/b")
    assert path_matches("/", "/")


def test_chart_kinds_check_their_fields():
    with pytest.raises(ValueError, match="across"):
        Chart("h", "H", "heatmap", "hour", ("bay_stays",))
    with pytest.raises(ValueError, match="across"):
        Chart("b", "B", "bar", "hour", ("bay_stays",), across="weekday")
    with pytest.raises(ValueError, match="drill"):
        Chart("d", "D", "hbar", "service", ("spend_amount",), drill=("directorate", "service"))
    drill = Chart("d", "D", "hbar", "directorate", ("spend_amount",), drill=("directorate", "service", "cost_centre"))
    assert drill.level({}) == "directorate"
    assert drill.level({"directorate": ["ADH", "SCM"]}) == "directorate"
    assert drill.level({"directorate": ["ADH"]}) == "service"
    assert drill.level({"directorate": ["ADH"], "service": ["X"]}) == "cost_centre"
    assert drill.level({"directorate": ["ADH"], "service": ["X"], "cost_centre": ["C1"]}) == "cost_centre"


def test_formats_as_the_council_writes_them():
    from dashboards.components.data import fmt

    assert fmt(1234.4, "count") == "1,234"
    assert fmt(-997241.2, "pounds") == "-£997,241"
    assert fmt(35, "pounds") == "£35"
    assert fmt(97.54, "percent") == "97.5%"
    assert fmt(None, "pounds") == "–"
    assert fmt(3.2, "rate_per_1000") == "3.2 per 1,000"
    assert fmt(None, "rate_per_1000") == "–"


def test_every_format_a_measure_or_kpi_can_have_is_shown_its_own_way():
    from dashboards.components.data import fmt
    from data_models.formats import FORMATS

    shown = {f: fmt(1234.5, f) for f in FORMATS}
    assert len(set(shown.values())) == len(FORMATS), shown


def test_a_tile_with_a_target_but_no_value_says_no_value():
    assert kpi.status_words(None, None, 80) == "No value"
    assert kpi.status_words(None, 12, None) == "No target"
    assert kpi.status_words("red", 50, 80) == "Off target"


def test_tiles_take_the_measures_label_unless_the_page_needs_another():
    from dashboards.components import data
    from dashboards.components.spec import SPECS

    tiles = [(spec.name, tile) for spec in SPECS.values() for tile in spec.kpis]
    assert len(tiles) >= 30
    restated = [(page_name, t.measure) for page_name, t in tiles if t.label == data.layer().measure(t.measure).label]
    assert restated == []
    own_labels = {t.measure for _, t in tiles if t.label}
    assert own_labels == {"budget_annual", "spend_amount"}   # each with a comment in budget.py saying why


def test_the_server_keeps_only_dimensions_of_the_stores_state():
    """The store comes from the browser: a state it did not write (a crafted request) is cut to known dimensions."""
    assert selection.known({"ward": ["Belsize"], "drop table": ["x"], "month": "2025-04"}) == {
        "month": ["2025-04"], "ward": ["Belsize"]}
    assert selection.known(["ward"]) == {} == selection.known(None)


DEFAULT_CASES = [
    ("", {"financial_year": ["2026-27"], "month": ["2026-10"]}),
    ("?ward=Belsize", {"financial_year": ["2026-27"], "month": ["2026-10"]}),
    ("?financial_year=2024-25", {"financial_year": ["2026-27"], "month": ["2026-10"]}),
    ("?ward=Belsize&all=month&all=financial_year", {"financial_year": ["2026-27"], "month": ["2026-10"]}),
    ("?month=2025-04&all=financial_year", {"financial_year": ["2026-27"], "month": ["2026-10"]}),
    ("?ward=King%27s%20Cross", {}),
    ("?month=2026-09&all=month", {"financial_year": ["2026-27"], "month": ["2026-10"]}),   # chosen again
]


@pytest.mark.browser
@pytest.mark.parametrize(("search", "defaults"), DEFAULT_CASES)
def test_the_browser_applies_and_writes_a_pages_defaults_as_the_server_does(selection_js, search, defaults):
    dimensions = sorted(data.layer().dimensions)
    removed = sel.removed_defaults(search)
    assert selection_js("removedDefaults", search) == removed
    state = sel.with_defaults(sel.from_query_string(search, dimensions), removed, defaults)
    config = {"dimensions": dimensions, "defaults": {"/budget": defaults}}
    shown = selection_js("shown", "/budget/", search, config)
    assert shown["state"] == state and shown["removed"] == removed
    for next_state in (state, {}, {"ward": ["Belsize"]}, {"month": ["2025-04"]}):
        assert selection_js("searchFor", next_state, removed, defaults) == sel.search_for(next_state, removed,
                                                                                          defaults)
    assert selection_js("pageDefaults", config, "/repairs") == {}


@pytest.mark.browser
@pytest.mark.parametrize("state", [
    {"financial_year": ["2026-27"], "month": ["2026-10"]},
    {"financial_year": ["2026-27"], "month": ["2026-10"], "ward": ["Belsize"]},
    {"financial_year": ["2026-27"], "month": ["2026-09"]},
    {},
])
@pytest.mark.parametrize(("dimension", "value"), [("financial_year", "2025-26"), ("month", "2026-09"),
                                                  ("month", "2026-10"), ("ward", "Kilburn")])
def test_the_browser_picks_over_a_pages_defaults_as_the_server_does(selection_js, state, dimension, value):
    defaults = {"financial_year": ["2026-27"], "month": ["2026-10"]}
    expected = sel.pick_over_defaults(state, dimension, value, defaults)
    assert selection_js("pickOverDefaults", state, dimension, value, defaults) == expected
    pick = {"pick": {"dimension": dimension, "value": value}}
    assert selection_js("nextState", state, pick, defaults) == expected
    assert selection_js("nextState", state, pick) == sel.toggle(state, dimension, value)   # no defaults: a toggle


@pytest.mark.browser
def test_a_click_on_an_excluded_value_clears_what_excludes_it(selection_js):
    """Qlik's rule (docs/selection-rules.md), applied in the browser only: the pick names what to clear."""
    state = {"financial_year": ["2026-27"], "ward": ["Belsize"], "trade": ["Gas"]}
    pick = {"pick": {"dimension": "month", "value": "2021-04", "clears": ["financial_year"]}}
    assert selection_js("nextState", state, pick) == {"month": ["2021-04"], "trade": ["Gas"], "ward": ["Belsize"]}
    both = {"pick": {"dimension": "month", "value": "2021-04", "clears": ["financial_year", "ward"]}}
    assert selection_js("nextState", state, both) == {"month": ["2021-04"], "trade": ["Gas"]}
    # a possible value's pick clears nothing: a toggle, alternative values of a selected field included
    alternative = {"pick": {"dimension": "ward", "value": "Kilburn"}}
    assert selection_js("nextState", state, alternative) == {**state, "ward": ["Belsize", "Kilburn"]}


@pytest.mark.browser
def test_the_line_says_what_an_excluded_click_cleared(selection_js):
    before = {"financial_year": ["2026-27"], "ward": ["Belsize"], "trade": ["Gas"]}
    after = {"month": ["2021-04"], "trade": ["Gas"]}
    assert selection_js("clearedBy", before, after, "month") == ["financial_year", "ward"]
    assert selection_js("clearedBy", before, {**before, "month": ["2021-04"]}, "month") == []
    year, ward = {"label": "Financial year", "values": "2026-27"}, {"label": "Ward", "values": "Belsize"}
    trade = {"label": "Trade", "values": "Gas, Roofing"}
    assert selection_js("clearedNote", "Apr 2021", [year]) == "Selecting Apr 2021 cleared Financial year 2026-27"
    assert selection_js("clearedNote", "Apr 2021", [year, ward, trade]) == (
        "Selecting Apr 2021 cleared Financial year 2026-27, Ward Belsize and Trade Gas, Roofing")
    assert selection_js("clearedNote", "Apr 2021", []) == ""   # nothing cleared: no line


@pytest.mark.browser
def test_a_list_by_count_keeps_states_first_and_named_values_on_top(selection_js):
    values = [{"value": "@group", "state": "possible", "n": None, "named": True},
              {"value": "a", "state": "selected", "n": 2}, {"value": "b", "state": "selected", "n": 9},
              {"value": "c", "state": "possible", "n": 1}, {"value": "d", "state": "possible", "n": 5},
              {"value": "e", "state": "possible", "n": 5}, {"value": "f", "state": "excluded", "n": None},
              {"value": "g", "state": "excluded", "n": None}]
    order = [v["value"] for v in selection_js("biPageView.orderedValues", values, "count")]
    # selected, possible, excluded; by count within each (ties and the uncounted excluded by name, as listed)
    assert order == ["@group", "b", "a", "d", "e", "c", "f", "g"]
    assert selection_js("biPageView.orderedValues", values, "name") == values   # the server's order

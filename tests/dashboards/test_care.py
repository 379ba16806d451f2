"""The Adult social care page's numbers against an independent recomputation in plain SQL over the marts
(fact_care_event, fact_care_service_episode, fact_budget_monthly), with and without selections, its filter states,
its plain messages, and that no person-level value reaches it."""

from __future__ import annotations

import dash
import duckdb
import pytest
from component_tree import text as _text
from signing_in import signed_in
from view_data import states
from view_data import text as _view_text

from app import create_app
from dashboards.components import cards, filters, kpi
from dashboards.components.spec import SPECS

WARD = "(select ward_name from dim_ward w where w.ward_key = f.ward_key)"
AGE_BAND = "(select age_band from dim_age_band a where a.age_band_key = f.age_band_key)"
REASON = ("(select primary_support_reason from dim_care_support_reason r "
          "where r.support_reason_key = f.support_reason_key)")


def _date(column: str, part: str) -> str:
    return f"(select {part} from dim_date d where d.date_key = f.{column})"


# how each selection reads as plain SQL on each fact; a dimension missing here does not apply to that fact
EVENT_COLUMNS = {
    "ward": WARD, "age_band": AGE_BAND, "primary_support_reason": REASON, "client_type": "f.client_type",
    "care_event_type": "f.event_type_group", "request_outcome": "f.request_outcome",
    "financial_year": _date("event_start_date_key", "financial_year"),
    "month": _date("event_start_date_key", "strftime(month_start, '%Y-%m')"),
}
# snapshot measures (at the data's date): no date selection applies
SNAPSHOT_COLUMNS = {k: v for k, v in EVENT_COLUMNS.items() if k not in ("financial_year", "month")}
EPISODE_COLUMNS = {"ward": WARD, "age_band": AGE_BAND, "primary_support_reason": REASON,
                   "client_type": "f.client_type", "support_type": "f.service_type"}
BUDGET_COLUMNS = {"financial_year": "f.financial_year", "month": _date("month_key", "strftime(month_start, '%Y-%m')"),
                  "directorate": "(select directorate_code from dim_directorate d "
                                 "where d.directorate_key = f.directorate_key)"}

EVENT_MEASURES = {
    "care_requests": "count(*) filter (where event_type_group = 'request')",
    "care_assessments": "count(*) filter (where event_type_group = 'assessment')",
    "care_average_days_waited_for_assessment":
        "avg(days_waited_for_assessment) filter (where event_type_group = 'assessment')",
    "care_assessments_within_28_days_pct":
        "100.0 * count(*) filter (where event_type_group = 'assessment' and days_waited_for_assessment <= 28) "
        "/ nullif(count(*) filter (where event_type_group = 'assessment' "
        "and days_waited_for_assessment is not null), 0)",
}
WAITING_MEASURES = {
    "care_people_awaiting_assessment": "count(distinct person_key) filter (where is_awaiting_assessment)",
    "care_average_days_waiting": "avg(date_diff('day', event_start_date, (select max(data_as_of) from etl_runs "
                                 "where status = 'succeeded'))) filter (where is_awaiting_assessment)",
    "care_people_waiting_over_28_days":
        "count(distinct person_key) filter (where is_awaiting_assessment and days_waiting_at_as_of > 28)",
}
EPISODE_MEASURES = {
    "care_people_in_long_term_support":
        "count(distinct person_key) filter (where is_active and service_type like 'Long Term Support%')",
    "care_people_review_overdue": "count(distinct person_key) filter (where is_review_overdue)",
    "care_weekly_cost": "sum(weekly_cost_pounds) filter (where is_active)",
    "care_weekly_cost_per_person": "sum(weekly_cost_pounds) filter (where is_active) / nullif(count(distinct "
                                   "person_key) filter (where is_active and weekly_cost_pounds is not null), 0)",
}
# (fact, selection columns) of every measure on the page
WHERE = {**{m: ("fact_care_event", EVENT_COLUMNS) for m in EVENT_MEASURES},
         **{m: ("fact_care_event", SNAPSHOT_COLUMNS) for m in WAITING_MEASURES},
         **{m: ("fact_care_service_episode", EPISODE_COLUMNS) for m in EPISODE_MEASURES}}
SQL = {**EVENT_MEASURES, **WAITING_MEASURES, **EPISODE_MEASURES}

SELECTIONS = [
    {},
    {"ward": ["Holborn & Covent Garden", "Kilburn"], "age_band": ["75-84", "85-94"]},
    {"financial_year": ["2025-26"], "primary_support_reason": ["Physical Support: Personal Care Support"]},
    {"care_event_type": ["request"], "request_outcome": ["Long Term Support"], "client_type": ["Service User"]},
    {"month": ["2025-04", "2025-05", "2025-06"], "support_type": ["Long Term Support: Community"]},
]


def _where(state: dict, columns: dict) -> tuple[str, dict]:
    """The selection as plain SQL over one fact, written independently of query.compiler."""
    conditions, params = ["true"], {}
    for dimension, values in state.items():
        if dimension not in columns:
            continue
        names = []
        for value in values:
            params[f"v{len(params)}"] = value
            names.append(f"$v{len(params) - 1}")
        conditions.append(f"{columns[dimension]} in ({', '.join(names)})")
    return " and ".join(conditions), params


def _number(value):
    return None if value is None else float(value)


def grouped(con, measures: tuple[str, ...], state: dict, group: str | None) -> dict:
    """{group value: {measure: value}} (one key None without a group) for measures of one fact."""
    fact = WHERE[measures[0]][0]
    assert all(WHERE[m][0] == fact for m in measures)
    result: dict = {}
    for measure in measures:
        where, params = _where(state, WHERE[measure][1])
        tail = f"and {group} is not null group by 1" if group else ""
        rows = con.execute(f"select {group or 'null'} as g, {SQL[measure]} as v from {fact} f where {where} {tail}",
                           params).fetchall()
        for value, number in rows:
            result.setdefault(value, {})[measure] = _number(number)
    return result


def not_applicable(state: dict, measure: str) -> tuple[str, ...]:
    return tuple(sorted(d for d in state if d not in WHERE[measure][1]))


def _close(shown, expected) -> bool:
    return shown is None if expected is None else shown == pytest.approx(expected)


@pytest.mark.parametrize("state", SELECTIONS)
def test_kpis_equal_plain_sql(app, con, state):
    spec = SPECS["care"]
    with signed_in(app, spec.path):
        for tile in spec.kpis:
            expected = grouped(con, (tile.measure,), state, None)[None][tile.measure]
            result = kpi.data.measures([tile.measure], [], state)
            assert _close(result.rows[0][tile.measure], expected), tile.measure
            assert result.not_applicable == not_applicable(state, tile.measure), tile.measure
            value = kpi.render(spec, tile, state)["value"]
            measure = kpi.data.layer().measure(tile.measure)
            if expected is None and measure.base:  # no rows its base counts: said, not shown as a figure
                assert value == kpi.NO_DATA, tile.measure
            else:
                assert value == kpi.data.fmt(expected, measure.format)


def test_the_selections_tested_select_something(con):
    """The figures compared above are not all empty: each selection leaves requests or people to count."""
    for state in SELECTIONS:
        counts = grouped(con, ("care_requests",), state, None)[None]["care_requests"] or 0
        people = grouped(con, ("care_people_in_long_term_support",), state, None)[None]
        assert counts + (people["care_people_in_long_term_support"] or 0) > 0, state
    assert grouped(con, ("care_people_awaiting_assessment",), {}, None)[None]["care_people_awaiting_assessment"] > 0


CARE_CHARTS = {  # chart -> the plain SQL of its dimension over its fact
    "requests-by-outcome": "f.request_outcome",
    "lts-by-support-type": "f.service_type",
    "lts-by-reason": REASON,
    "lts-by-age": AGE_BAND,
    "lts-map": WARD,
    "lts-by-ward": WARD,
    "assessments-by-ward": WARD,
    "waiting-by-ward": WARD,
}


@pytest.mark.parametrize("state", SELECTIONS)
def test_care_charts_equal_plain_sql(app, con, state):
    spec = SPECS["care"]
    with signed_in(app, spec.path):
        for name, group in CARE_CHARTS.items():
            chart = spec.chart(name)
            expected = grouped(con, chart.measures, state, group)
            if chart.where_nonzero:
                expected = {k: v for k, v in expected.items() if v[chart.measures[0]]}
            rows, shown_na, truncated = cards.chart_rows(chart, state)
            shown = {r["value"]: r for r in rows}
            assert set(shown) == set(expected), name
            for value, measures in expected.items():
                for measure, number in measures.items():
                    assert _close(shown[value][measure], number), (name, value, measure)
            assert set(shown_na) == set(not_applicable(state, chart.measures[0])) and not truncated, name


def _budget(con, state: dict, directorate: str = "ADH") -> dict:
    """A directorate's budget lines by financial year, each year read at its latest selected month (the amounts are
    year-to-date and whole-year figures repeated on every month's line)."""
    where, params = _where({**state, "directorate": [directorate]}, BUDGET_COLUMNS)
    rows = con.execute(f"""
        with lines as (select f.*, f.financial_year as g from fact_budget_monthly f where {where}),
        latest as (select financial_year, g, max(month_key) as month_key from lines group by all)
        select l.g, sum(variance_pounds), sum(annual_budget_pounds), sum(actual_to_date_pounds),
               sum(forecast_outturn_pounds)
        from lines l join latest using (financial_year, g, month_key) group by 1""", params).fetchall()
    names = ("budget_forecast_variance", "budget_annual", "budget_actual_to_date", "budget_forecast_outturn")
    return {g: dict(zip(names, map(_number, values), strict=True)) for g, *values in rows}


@pytest.mark.parametrize("state", [{}, {"month": ["2025-09"], "ward": ["Kilburn"]},
                                   {"financial_year": ["2024-25"], "directorate": ["SCM"]}])
def test_budget_by_year_equals_plain_sql_for_adults_and_health_only(app, con, state):
    chart = SPECS["care"].chart("budget-by-year")
    expected = _budget(con, {k: v for k, v in state.items() if k not in ("financial_year", "directorate")})
    with signed_in(app, "/adult-social-care"):
        rows, shown_na, _ = cards.chart_rows(chart, state)
    shown = {(r["value"], m): r[m] for r in rows for m in chart.measures}
    assert shown == pytest.approx({(year, m): v for year, values in expected.items() for m, v in values.items()})
    assert expected and shown_na == (("ward",) if "ward" in state else ())
    assert _budget(con, {}, "SCM") != _budget(con, {})  # the pin to ADH matters: another directorate differs


def test_spend_by_month_compares_this_fy_with_the_last(app, con):
    chart = SPECS["care"].chart("spend-by-month")
    state = {"financial_year": ["2025-26"], "ward": ["Kilburn"]}
    where, params = _where({"directorate": ["ADH"]}, BUDGET_COLUMNS)
    expected = {month: float(amount) for month, amount in con.execute(
        f"select {BUDGET_COLUMNS['month']}, sum(actual_in_month_pounds) from fact_budget_monthly f "
        f"where {where} and f.financial_year in ('2025-26', '2024-25') group by 1", params).fetchall()}
    with signed_in(app, "/adult-social-care"):
        rows, shown_na, _ = cards.chart_rows(chart, state)
    assert {r["value"]: r["budget_actual_in_month"] for r in rows} == pytest.approx(expected)
    assert len(expected) == 24 and shown_na == ("ward",)
    assert {r["series"] for r in rows if r["financial_year"] == "2025-26"} == {"This FY"}


def test_requests_by_month_compares_this_fy_with_the_last(app, con):
    chart = SPECS["care"].chart("requests-by-month")
    state = {"financial_year": ["2024-25"], "month": ["2024-05"], "ward": ["Kilburn"]}
    where, params = _where({"ward": ["Kilburn"]}, EVENT_COLUMNS)
    month, year = EVENT_COLUMNS["month"], EVENT_COLUMNS["financial_year"]
    expected = dict(con.execute(
        f"select {month}, count(*) filter (where event_type_group = 'request') from fact_care_event f "
        f"where {where} and {year} in ('2024-25', '2023-24') group by 1", params).fetchall())
    with signed_in(app, "/adult-social-care"):
        rows, _, _ = cards.chart_rows(chart, state)
    assert {r["value"]: r["care_requests"] for r in rows} == expected and sum(expected.values()) > 0


def test_filter_states(app, con):
    spec = SPECS["care"]
    state = {"ward": ["Frognal"], "care_event_type": ["assessment"]}
    with signed_in(app, spec.path):
        outcomes = states(filters.render_values(spec, "request_outcome", state))
        wards = states(filters.render_values(spec, "ward", state))
        bands = states(filters.render_values(spec, "age_band", state))
        types = states(filters.render_values(spec, "care_event_type", state))
    # request outcomes belong to requests only: with assessments selected every outcome is excluded
    assert outcomes and set(outcomes.values()) == {"excluded"}
    assert wards["Frognal"] == "selected"
    assessed = {w for (w,) in con.execute(f"select distinct {WARD} from fact_care_event f "
                                          "where event_type_group = 'assessment'").fetchall()}
    assert {w for w, s in wards.items() if s == "possible"} == assessed - {"Frognal"}
    in_frognal = {b for (b,) in con.execute(f"select distinct {AGE_BAND} from fact_care_event f where {WARD} = "
                                            "'Frognal' and event_type_group = 'assessment'").fetchall()}
    assert {b for b, s in bands.items() if s == "possible"} == in_frognal
    assert {s for b, s in bands.items() if b not in in_frognal} == {"excluded"} and len(in_frognal) < len(bands)
    assert types["assessment"] == "selected" and types["request"] == "possible"


def test_every_card_renders_and_an_empty_selection_says_so(app):
    spec = SPECS["care"]
    nothing = {"ward": ["No such ward"]}
    with signed_in(app, spec.path):
        for chart in spec.charts:
            content = cards.render(spec, chart, {})
            assert content["csv"]["download"] == f"{spec.name}-{chart.name}.csv", chart.name
            if "ward" in chart.ignore or chart.pinned:
                continue  # the budget has no ward
            assert cards.render(spec, chart, nothing)["message"]["text"] == cards.EMPTY, chart.name
        budget = cards.render(spec, spec.chart("budget-by-year"), {"ward": ["Kilburn"]})
        assert "Not applicable here: Ward" in _view_text(budget["notes"])
        layout = dash.page_registry["dashboards.pages.care"]["layout"]()
    assert "Data as of 31 Oct 2026" in _text(layout)
    assert dash.page_registry["dashboards.pages.care"]["path"] == "/adult-social-care"


def test_no_person_level_value_reaches_the_page(app, con):
    """Aggregates only: no pseudonymised person key or event reference is in any card, CSV or filter list."""
    spec = SPECS["care"]
    people = {p for (p,) in con.execute("select person_key from fact_care_event union "
                                        "select person_key from fact_care_service_episode").fetchall()}
    events = {e for (e,) in con.execute("select event_reference from fact_care_event union "
                                        "select event_reference from fact_care_service_episode").fetchall()}
    with signed_in(app, spec.path):
        shown = [repr(cards.render(spec, chart, {})) for chart in spec.charts]
        shown += [repr(filters.render_values(spec, d, {})) for d in spec.filters]
    text = "\n".join(shown)
    assert len(people) > 100 and not [p for p in people if p in text]
    assert len(events) > 100 and not [e for e in events if e in text]


def test_long_waits_are_counted_by_ward(warehouse_copy):
    """The demo's waits are all short: make some waits long (request dates moved back) and the waiting table
    counts them, as plain SQL does."""
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("""
            update fact_care_event set event_start_date = event_start_date - 40,
                days_waiting_at_as_of = days_waiting_at_as_of + 40
            where is_awaiting_assessment""")
    app = create_app({"warehouse": warehouse_copy})
    chart = SPECS["care"].chart("waiting-by-ward")
    with duckdb.connect(str(warehouse_copy), read_only=True) as con:
        expected = grouped(con, chart.measures, {}, WARD)
    with signed_in(app, "/adult-social-care"):
        rows, _, _ = cards.chart_rows(chart, {})
    shown = {(r["value"], m): r[m] for r in rows for m in chart.measures}
    assert shown == pytest.approx({(w, m): v for w, values in expected.items() for m, v in values.items() if
                                   values["care_people_awaiting_assessment"]})
    assert sum(r["care_people_waiting_over_28_days"] for r in rows) > 0

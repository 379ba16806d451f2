"""The Housing repairs page's numbers against an independent recomputation in plain SQL over fact_repairs_job,
and its plain messages for an empty selection and a warehouse that cannot answer."""

from __future__ import annotations

import os
import shutil

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

SELECTIONS = [
    {},
    {"trade": ["Plumbing", "Gas"]},
    {"financial_year": ["2025-26"], "ward": ["Belsize", "Kilburn"]},
    {"priority": ["EMERGENCY"], "month": ["2025-04", "2025-05"]},
]


def _where(state: dict, date_column: str) -> tuple[str, dict]:
    """The selection as plain SQL over the fact, written independently of query.compiler."""
    conditions, params = ["true"], {}
    columns = {"trade": "f.trade", "contractor": "f.contractor", "priority": "f.priority_code",
               "ward": "(select ward_name from dim_ward w where w.ward_key = f.ward_key)",
               "financial_year": f"(select financial_year from dim_date d where d.date_key = f.{date_column})",
               "month": f"(select strftime(month_start, '%Y-%m') from dim_date d where d.date_key = f.{date_column})"}
    for dimension, values in state.items():
        names = []
        for value in values:
            params[f"v{len(params)}"] = value
            names.append(f"$v{len(params) - 1}")
        conditions.append(f"{columns[dimension]} in ({', '.join(names)})")
    return " and ".join(conditions), params


def _scalar(con, sql, params):
    return con.execute(sql, params).fetchall()[0][0]


def expected_kpis(con, state) -> dict:
    raised, p_raised = _where(state, "raised_date_key")
    done, p_done = _where(state, "completed_date_key")
    fact = "from fact_repairs_job f where "

    def pct(group):
        within = _scalar(con, f"select count(*) {fact}{done} and rp02_group = '{group}' "
                         "and completed_within_target", p_done)
        known = _scalar(con, f"select count(*) {fact}{done} and rp02_group = '{group}' "
                        "and completed_within_target is not null", p_done)
        return None if not known else 100.0 * within / known

    def known(group):  # the RP02 base: completed jobs of the group whose target is known
        return _scalar(con, f"select count(*) {fact}{done} and rp02_group = '{group}' "
                       "and completed_within_target is not null", p_done)

    def missed(group):  # completed later than the target
        return _scalar(con, f"select count(*) {fact}{done} and rp02_group = '{group}' "
                       "and completed_within_target is not null and not completed_within_target", p_done)

    return {
        # a count over an empty base: the tile says there is no data rather than 0 (its base, not its value)
        "rp02_emergency_missed_target:base": known("emergency"),
        "rp02_non_emergency_missed_target:base": known("non-emergency"),
        "repairs_raised": _scalar(con, f"select count(*) {fact}{raised}", p_raised),
        "repairs_completed": _scalar(con, f"select count(*) {fact}{done} and is_completed", p_done),
        "repairs_open": _scalar(con, f"select count(*) {fact}{raised} and is_open", p_raised),
        "repairs_overdue": _scalar(con, f"select count(*) {fact}{raised} and is_overdue", p_raised),
        "rp02_emergency_within_target_pct": pct("emergency"),
        "rp02_non_emergency_within_target_pct": pct("non-emergency"),
        "rp02_emergency_missed_target": missed("emergency"),
        "rp02_non_emergency_missed_target": missed("non-emergency"),
        "repairs_cost_per_job": _scalar(con, f"select avg(cost_pounds) {fact}{done} and is_completed", p_done),
        "repairs_first_time_fix_pct": share(con, f"{fact}{done} and is_completed and first_time_fix is not null",
                                            "first_time_fix", p_done),
        "repairs_recall_pct": share(con, f"{fact}{done} and is_completed and is_recall is not null", "is_recall",
                                    p_done),
        "awaabs_law_cases": _scalar(con, f"select count(*) {fact}{raised} and awaabs_law_applies "
                                    "and not is_cancelled", p_raised),
        "awaabs_law_clock_breaches": sum(
            _scalar(con, f"select count(*) {fact}{raised} and awaabs_law_applies and {clock}_clock = 'missed'",
                    p_raised)
            for clock in ("investigation", "summary", "safety_work", "preventative_work")),
        "awaabs_law_cases_overdue": _scalar(con, f"select count(*) {fact}{raised} and awaabs_law_applies "
                                            "and is_awaab_overdue", p_raised),
    }


def share(con, rows: str, flag: str, params) -> float | None:
    """100 x (rows where flag) / rows, or None when there are none."""
    total, yes = con.execute(f"select count(*), count(*) filter (where {flag}) {rows}", params).fetchall()[0]
    return 100.0 * yes / total if total else None


def _grouped(con, state, column, measure_sql="count(*)", nonzero=False) -> dict:
    where, params = _where(state, "raised_date_key")
    rows = con.execute(f"select {column} as v, {measure_sql} as n from fact_repairs_job f where {where} "
                       f"and {column} is not null group by 1", params).fetchall()
    return {str(v): n for v, n in rows if not nonzero or n}


@pytest.mark.parametrize("state", SELECTIONS)
def test_kpis_equal_plain_sql(app, con, state):
    spec = SPECS["repairs"]
    expected = expected_kpis(con, state)
    with signed_in(app, "/repairs"):
        for tile in spec.kpis:
            result = kpi.data.measures([tile.measure], [], state)
            shown = result.rows[0][tile.measure]
            if expected[tile.measure] is None:
                assert shown is None
            else:
                assert shown == pytest.approx(expected[tile.measure]), tile.measure
            value = kpi.render(spec, tile, state)["value"]
            measure = kpi.data.layer().measure(tile.measure)
            empty_base = expected[tile.measure] is None or expected.get(f"{tile.measure}:base") == 0
            if empty_base and measure.base:  # no rows its base counts (no emergency jobs)
                assert value == kpi.NO_DATA, tile.measure
            else:
                assert value == kpi.data.fmt(expected[tile.measure], measure.format)


@pytest.mark.parametrize("state", SELECTIONS)
def test_charts_equal_plain_sql(app, con, state):
    spec = SPECS["repairs"]
    ward = "(select ward_name from dim_ward w where w.ward_key = f.ward_key)"
    expected = {
        "by-priority": _grouped(con, state, "f.priority_code"),
        "by-trade": _grouped(con, state, "f.trade"),
        "by-contractor": _grouped(con, state, "f.contractor"),
        "by-age": _grouped(con, state, "f.backlog_age_band", "count(*) filter (where is_open)"),
        "overdue": _grouped(con, state, ward, "count(*) filter (where is_overdue)", nonzero=True),
    }
    with signed_in(app, "/repairs"):
        for name, values in expected.items():
            chart = spec.chart(name)
            rows, not_applicable, truncated = cards.chart_rows(chart, state)
            shown = {r["value"]: r[chart.measures[0]] for r in rows}
            assert shown == values, name
            assert not_applicable == () and not truncated


def test_month_chart_compares_this_fy_with_the_last(app, con):
    spec = SPECS["repairs"]
    state = {"financial_year": ["2025-26"], "trade": ["Gas"]}
    where, params = _where({"trade": ["Gas"]}, "raised_date_key")
    expected = dict(con.execute(
        "select strftime(d.month_start, '%Y-%m'), count(*) from fact_repairs_job f "
        f"join dim_date d on d.date_key = f.raised_date_key where {where} "
        "and d.financial_year in ('2025-26', '2024-25') group by 1", params).fetchall())
    with signed_in(app, "/repairs"):
        rows, _, _ = cards.chart_rows(spec.chart("by-month"), state)
    assert {r["value"]: r["repairs_raised"] for r in rows} == expected
    assert {r["series"] for r in rows if r["financial_year"] == "2025-26"} == {"This FY"}
    assert {r["series"] for r in rows if r["financial_year"] == "2024-25"} == {"Last FY"}
    assert [r["month_of_fy"] for r in rows if r["financial_year"] == "2024-25"][0] == "Apr"


def test_filter_states(app, con):
    spec = SPECS["repairs"]
    state = {"trade": ["Lifts"]}
    contractors = {c for (c,) in con.execute(
        "select distinct contractor from fact_repairs_job where trade = 'Lifts'").fetchall()}
    with signed_in(app, "/repairs"):
        buttons = filters.render_values(spec, "contractor", state)
        trades = filters.render_values(spec, "trade", state)
    shown = states(buttons)
    assert {v for v, s in shown.items() if s == "possible"} == contractors
    assert {s for v, s in shown.items() if v not in contractors} == {"excluded"}
    trade_states = states(trades)
    assert trade_states["Lifts"] == "selected"
    assert set(trade_states.values()) == {"selected", "possible"}  # other trades stay possible (Qlik)


def test_every_card_renders_and_an_empty_selection_says_so(app):
    spec = SPECS["repairs"]
    nothing = {"trade": ["No such trade"]}
    with signed_in(app, "/repairs"):
        for chart in spec.charts:
            content = cards.render(spec, chart, {})
            assert content["csv"]["download"] == f"{spec.name}-{chart.name}.csv", chart.name
            empty = cards.render(spec, chart, nothing)
            assert empty["message"]["text"] == cards.EMPTY, chart.name
        na = cards.render(spec, spec.chart("by-trade"), {"contravention": ["12"]})
        assert "Not applicable here: " in _view_text(na["notes"])
        layout = dash.page_registry["dashboards.pages.repairs"]["layout"]()
    assert "Data as of 31 Oct 2026" in _text(layout)


def test_a_warehouse_that_cannot_answer_gives_a_plain_message(tmp_path):
    from dashboards.components.page_view import page_view, safely

    app = create_app({"warehouse": tmp_path / "missing.duckdb"})
    spec = SPECS["repairs"]
    with signed_in(app, "/repairs"):
        layout = dash.page_registry["dashboards.pages.repairs"]["layout"]()
        view = page_view(spec, {})
        broken = safely(lambda: 1 / 0)
    assert "No warehouse yet" in _text(layout)
    parts = [*view["tiles"], *view["filters"], *view["cards"]]
    assert parts and all("No warehouse yet" in part["error"] for part in parts)
    assert "Traceback" not in broken["error"] and "could not be drawn" in broken["error"]


def test_the_cache_never_serves_an_old_build(warehouse_copy):
    app = create_app({"warehouse": warehouse_copy})
    with signed_in(app, "/repairs"):
        before_version = kpi.data.warehouse_version()
        before = kpi.data.measures(["repairs_raised"]).rows[0]["repairs_raised"]
        assert kpi.data.measures(["repairs_raised"]).rows[0]["repairs_raised"] == before  # from the cache
    rebuilt = warehouse_copy.with_name("rebuilt.duckdb")  # published as the ETL does: a new file, os.replace
    shutil.copy2(warehouse_copy, rebuilt)
    with duckdb.connect(str(rebuilt)) as con:
        con.execute("insert into fact_repairs_job (repairs_job_key, job_ref) values (-99, 'TEST')")
    os.replace(rebuilt, warehouse_copy)
    with signed_in(app, "/repairs"):
        assert kpi.data.warehouse_version() != before_version
        assert kpi.data.measures(["repairs_raised"]).rows[0]["repairs_raised"] == before + 1


@pytest.mark.parametrize("state", [{}, {"trade": ["Plumbing", "Gas"]}])
def test_the_most_overdue_jobs_equal_plain_sql(app, con, state):
    where, params = _where(state, "raised_date_key")
    expected = con.execute(f"select job_ref, working_days_open from fact_repairs_job f where {where} and is_overdue "
                           "order by working_days_open desc, job_ref limit 50", params).fetchall()
    with signed_in(app, "/repairs"):
        rows, _, _ = cards.chart_rows(SPECS["repairs"].chart("overdue-jobs"), state)
    assert expected, "the demo has overdue jobs"
    assert [(r["value"], r["repairs_overdue_working_days_open"]) for r in rows] == expected


def test_awaabs_law_clocks_equal_plain_sql(app, con):
    with signed_in(app, "/repairs"):
        rows, _, _ = cards.chart_rows(SPECS["repairs"].chart("awaab"), {})
    clocks = ("investigation", "summary", "safety_work", "preventative_work")
    expected = {}
    for month, cases, *counts in con.execute(f"""
            select strftime(d.month_start, '%Y-%m'), count(*) filter (where not is_cancelled),
                   {", ".join(f"count(*) filter (where {c}_clock = 'met'), "
                              f"count(*) filter (where {c}_clock = 'missed')" for c in clocks)}
            from fact_repairs_job f join dim_date d on d.date_key = f.raised_date_key
            where awaabs_law_applies group by 1""").fetchall():
        met, missed = counts[0::2], counts[1::2]
        expected[month] = {"awaabs_law_cases": cases, "awaabs_law_clock_breaches": sum(missed),
                           **{f"awaab_{c}_on_time_pct": (100.0 * m / (m + x) if m + x else None)
                              for c, m, x in zip(clocks, met, missed, strict=True)}}
    assert expected and {r["value"] for r in rows} == set(expected)
    for row in rows:
        for name, value in expected[row["value"]].items():
            assert row[name] == pytest.approx(value), (row["value"], name)

"""The semantic layer: the real YAML validates, a broken file says what is wrong and where, and on the demo
warehouse every measure runs and a few equal the same figure counted with plain SQL."""

from __future__ import annotations

import functools
import textwrap

import duckdb
import pytest
from duckdb_rows import rows_of

from data_models.semantic_layer import (
    FORMATS,
    SemanticLayerError,
    load_semantic_layer,
)
from query import compiler
from query.compiler import run
from query.scope import EVERYTHING

# these tests check the layer over every row; the scope's own conditions are tested in tests/query/test_scope.py
measure_sql = functools.partial(compiler.measure_sql, scope=EVERYTHING)
filter_values_sql = functools.partial(compiler.filter_values_sql, scope=EVERYTHING)

# what the dashboards need (the list); the YAML may define more
NEEDED_MEASURES = [
    "repairs_raised", "repairs_completed", "repairs_open", "repairs_overdue", "rp02_emergency_within_target_pct",
    "rp02_non_emergency_within_target_pct", "repairs_average_working_days_to_complete", "repairs_cost_per_job",
    "repairs_first_time_fix_pct", "repairs_recall_pct", "damp_mould_cases", "awaabs_law_clock_breaches",
    "care_people_in_long_term_support", "care_requests", "care_assessments",
    "care_average_days_waited_for_assessment", "care_people_review_overdue", "care_weekly_cost",
    "pcns_issued", "pcns_paid", "pcns_cancelled", "pcns_outstanding", "pcn_recovery_rate_pct", "pcn_income",
    "permits_issued", "permit_average_processing_minutes", "suspensions", "bay_stays", "bay_overstay_pct",
    "budget_annual", "budget_actual_to_date", "budget_forecast_outturn", "budget_forecast_variance",
    "spend_amount", "spend_payments", "kpi_value",
]
CONFORMED = {"date", "month", "financial_year", "ward", "service", "directorate"}


@pytest.fixture(scope="module")
def layer():
    return load_semantic_layer()


# --- the real YAML -------------------------------------------------------------------------------------------


def test_real_layer_defines_what_the_dashboards_need(layer):
    assert set(NEEDED_MEASURES) <= set(layer.measures)
    assert CONFORMED <= {name for name, dim in layer.dimensions.items() if dim.conformed}
    for name in ["priority", "trade", "contractor", "contravention", "ticket_type", "zone", "vehicle_group",
                 "status_group", "support_type", "primary_support_reason", "age_band", "supplier", "cost_centre",
                 "subjective", "kpi"]:
        assert name in layer.dimensions


def test_every_fact_uses_the_conformed_dimensions_it_can(layer):
    for fact in layer.facts.values():
        used = {use.name for use in fact.dimensions}
        assert {"month", "financial_year", "service", "directorate"} <= used, fact.name


def test_domain_dimensions_stay_on_their_own_facts(layer):
    assert "priority" in layer.applicable_dimensions("fact_repairs_job")
    assert "priority" not in layer.applicable_dimensions("fact_pcn")
    assert "contravention" not in layer.applicable_dimensions("fact_repairs_job")


# --- broken YAML ---------------------------------------------------------------------------------------------


BROKEN = """\
facts:
  - name: fact_job
    label: Jobs
    date: raised_date_key
    dimensions: [month, ward, colour]
dimensions:
  - name: month
    label: Month
    date: true
    table: dim_date
    key: date_key
    value: strftime(full_date, '%Y-%m')
  - name: ward
    label: Ward
    table: dim_ward
    key: ward_key
    value: ward_name
    sortt: sort_order
measures:
  - name: jobs
    label: Jobs
    fact: fact_job
    sql: count(*)
    format: pound
    direction: up
    description: Jobs.
  - name: jobs
    label: Jobs again
    fact: fact_jobs
    sql: count(*); drop table fact_job
    format: percent
    direction: higher
    target: 150
    description: Again.
  - name: month
    label: Clash
    fact: fact_job
    sql: count(*)
    format: count
    direction: neutral
"""


def problems_of(folder) -> list[str]:
    with pytest.raises(SemanticLayerError) as raised:
        load_semantic_layer(folder)
    return raised.value.problems


def test_broken_yaml_lists_every_problem_with_file_and_line(tmp_path):
    (tmp_path / "jobs.yaml").write_text(BROKEN, encoding="utf-8")
    problems = problems_of(tmp_path)
    text = "\n".join(problems)
    expected = [
        "jobs.yaml: dimensions[1] (ward).sortt (line 18): unknown key (misspelt?)",
        "jobs.yaml: measures[0] (jobs).format (line 24): 'pound' is not one of " + ", ".join(FORMATS),
        "jobs.yaml: measures[0] (jobs).direction (line 25): 'up' is not one of higher, lower, neutral",
        "jobs.yaml: measures[1] (jobs).sql (line 30): must be one SQL expression",
        "jobs.yaml: measures[1] (jobs).target (line 33): 150 is outside 0-100 for a percent measure",
        "jobs.yaml: measures[2] (month).description (line 35): required but missing",
    ]
    for line in expected:
        assert line in text, f"missing {line!r} in:\n{text}"
    # the dimension with its own problem is not reported again as undefined; the truly unknown one is
    assert "jobs.yaml: facts[0] (fact_job).dimensions[2] (line 5): 'colour' is not a defined dimension" in text
    assert "'ward' is not a defined" not in text


def test_cross_references_are_checked_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(textwrap.dedent("""\
        facts:
          - {name: fact_job, label: Jobs, dimensions: [month, trade]}
        dimensions:
          - {name: trade, label: Trade}
          - {name: month, label: Month, date: true, table: dim_date, key: date_key, value: month_label}
        measures:
          - {name: jobs, label: Jobs, fact: fact_job, sql: "count(*)", format: count, direction: neutral,
             description: Jobs.}
        """), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(textwrap.dedent("""\
        dimensions:
          - {name: trade, label: Trade again}
        measures:
          - {name: tickets, label: Tickets, fact: fact_jobs, sql: "count(*)", format: count, direction: neutral,
             description: Tickets.}
          - {name: trade, label: Clash, fact: fact_job, sql: "count(*)", format: count, direction: neutral,
             description: Clash.}
        """), encoding="utf-8")
    text = "\n".join(problems_of(tmp_path))
    assert "a.yaml: dimensions[0] (trade).name (line 4): name is used more than once in dimensions" in text
    assert "b.yaml: dimensions[0] (trade).name (line 2): name is used more than once in dimensions" in text
    assert ("b.yaml: measures[0] (tickets).fact (line 4): 'fact_jobs' is not a defined fact; did you mean fact_job?"
            in text)
    assert "b.yaml: measures[1] (trade).name (line 6): 'trade' is also a dimension's name" in text
    assert "a.yaml: facts[0] (fact_job).dimensions[0] (line 2): month is a date dimension but the fact has no " \
           "date role" in text


def test_a_fact_reaches_each_dimension_one_clear_way(tmp_path):
    (tmp_path / "ways.yaml").write_text(textwrap.dedent("""\
        facts:
          - name: fact_a
            label: A
            dimensions:
              - {name: ward, key: ward_key, column: ward_name}
          - name: fact_b
            label: B
            dimensions: [{name: trade, key: trade_key}, ward, ward]
        dimensions:
          - {name: ward, label: Ward, table: dim_ward, key: ward_key, value: ward_name}
          - {name: trade, label: Trade}
        """), encoding="utf-8")
    text = "\n".join(problems_of(tmp_path))
    assert "ways.yaml: facts[0] (fact_a).dimensions[0] (line 5): give one of key:, match: or column:, not key " \
           "and column" in text
    assert "ways.yaml: facts[1] (fact_b).dimensions[0] (line 8): trade has no table to join" in text
    assert "ways.yaml: facts[1] (fact_b).dimensions[2] (line 8): dimension 'ward' is listed more than once" in text


def test_only_a_date_dimension_lists_newest_first(tmp_path, layer):
    (tmp_path / "order.yaml").write_text("dimensions:\n  - {name: trade, label: Trade, newest_first: true}\n",
                                         encoding="utf-8")
    assert "order.yaml: dimensions[0] (trade) (line 2): newest_first: is for a date dimension (date: true)" in \
        "\n".join(problems_of(tmp_path))
    # months and years put the latest at the top of a list; the day of the week keeps Monday first
    assert [d for d in layer.dimensions if layer.dimensions[d].newest_first] == ["date", "month", "financial_year"]


def test_a_base_counts_the_same_rows_and_settings_are_checked(tmp_path):
    (tmp_path / "bases.yaml").write_text(textwrap.dedent("""\
        settings: {small_base: 0}
        facts:
          - {name: fact_job, label: Jobs, date: raised_date_key, dimensions: [trade]}
          - {name: fact_pcn, label: PCNs, dimensions: [trade]}
        dimensions:
          - {name: trade, label: Trade}
        measures:
          - {name: jobs, label: Jobs, fact: fact_job, sql: "count(*)", format: count, direction: neutral,
             description: Jobs.}
          - {name: done, label: Done, fact: fact_job, date: done_date_key, sql: "count(*)", format: count,
             direction: neutral, description: Done.}
          - {name: pcns, label: PCNs, fact: fact_pcn, sql: "count(*)", format: count, direction: neutral,
             description: PCNs.}
          - {name: days, label: Days, fact: fact_job, sql: "avg(days)", format: days, direction: lower,
             description: Days., base: done}
          - {name: cost, label: Cost, fact: fact_job, sql: "avg(cost)", format: pounds, direction: lower,
             description: Cost., base: days}
          - {name: share, label: Share, fact: fact_job, sql: "avg(x)", format: percent, direction: higher,
             description: Share., base: pcns}
          - {name: fine, label: Fine, fact: fact_job, sql: "avg(x)", format: percent, direction: higher,
             description: Fine., base: job}
        """), encoding="utf-8")
    (tmp_path / "more.yaml").write_text("settings: {small_base: 5}\n", encoding="utf-8")
    (tmp_path / "most.yaml").write_text("settings: {small_base: 8}\n", encoding="utf-8")
    text = "\n".join(problems_of(tmp_path))
    assert "bases.yaml: settings.small_base (line 1): " in text
    assert "settings: given in more.yaml and most.yaml: give them in one file" in text
    assert "measures[3] (days).base (line 15): base 'done' must count the same rows: the same fact (fact_job) " \
           "and date role (raised_date_key), not fact_job by done_date_key" in text
    assert "measures[4] (cost).base (line 17): base 'days' must be a count (its format is 'days')" in text
    assert "measures[5] (share).base (line 19): base 'pcns' must count the same rows" in text
    assert "measures[6] (fine).base (line 21): 'job' is not a defined measure; did you mean jobs?" in text


def test_the_real_layer_s_bases_and_small_base(layer):
    assert layer.settings.small_base >= 1
    assert layer.measure("rp02_emergency_within_target_pct").base == "rp02_emergency_completed"
    assert layer.shows_base("care_assessments_within_28_days_pct")
    assert not layer.shows_base("repairs_overdue")  # a count: its base says only whether there is data


def test_unreadable_yaml_names_the_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("measures:\n  - name: x\n    label: a: b\n", encoding="utf-8")
    [problem] = problems_of(tmp_path)
    assert problem.startswith("bad.yaml: cannot be read as YAML")


def test_unknown_top_level_section(tmp_path):
    (tmp_path / "odd.yaml").write_text("metrics: []\n", encoding="utf-8")
    [problem] = problems_of(tmp_path)
    assert problem.startswith("odd.yaml: must be a mapping with only facts, dimensions, measures")


# --- against the demo warehouse ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    yield con
    con.close()


def fetch(con, query) -> list[dict]:
    result = run(query, rows_of(con))
    assert not result.truncated
    return result.rows


def scalar(con, sql, params=None):
    return con.execute(sql, params or {}).fetchall()[0][0]


def test_every_measure_runs_ungrouped_and_by_month(layer, demo):
    for measure in layer.measures.values():
        [total] = fetch(demo, measure_sql(layer, [measure.name]))
        assert measure.name in total
        role = layer.date_role(measure.fact, [measure.name])
        if "month" in layer.applicable_dimensions(measure.fact, role):
            rows = fetch(demo, measure_sql(layer, [measure.name], ["month"]))
            assert all(set(row) == {"month", "month_label", measure.name} for row in rows)


def test_every_fact_groups_by_each_of_its_dimensions(layer, demo):
    for fact in layer.facts:
        measure = next(m.name for m in layer.measures.values() if m.fact == fact and m.date is None)
        for dimension in layer.applicable_dimensions(fact):
            if dimension != "date":  # thousands of days: month covers the join
                rows = fetch(demo, measure_sql(layer, [measure], [dimension]))
                assert all(f"{dimension}_label" in row for row in rows), (fact, dimension)


def test_every_filter_list_runs(layer, demo):
    for fact in layer.facts:
        for dimension in layer.applicable_dimensions(fact):
            if dimension == "date":
                continue
            rows = fetch(demo, filter_values_sql(layer, dimension, {}, fact))
            assert all(row["state"] in ("possible", "excluded") for row in rows), (fact, dimension)


def a_ward_with_overdue_repairs(demo) -> str:
    return scalar(demo, """
        select w.ward_name from fact_repairs_job f join dim_ward w on w.ward_key = f.ward_key
        where f.is_overdue and w.ward_key > 0 group by all order by count(*) desc, 1 limit 1""")


def test_overdue_repairs_by_year_and_ward_equal_plain_sql(layer, demo):
    ward = a_ward_with_overdue_repairs(demo)
    expected = dict(demo.execute("""
        select d.financial_year, count(*) filter (where f.is_overdue)
        from fact_repairs_job f join dim_date d on d.date_key = f.raised_date_key
        join dim_ward w on w.ward_key = f.ward_key
        where w.ward_name = $ward group by all""", {"ward": ward}).fetchall())
    rows = fetch(demo, measure_sql(layer, ["repairs_overdue"], ["financial_year"], {"ward": [ward]}))
    assert {row["financial_year"]: row["repairs_overdue"] for row in rows} == expected
    assert sum(expected.values()) > 0


def test_rp02_emergency_equals_plain_sql(layer, demo):
    # independent: completion year from the timestamps themselves, target from dim_repair_priority
    expected = {}
    for year_start, within, total in demo.execute("""
        select case when month(completed_at) >= 4 then year(completed_at) else year(completed_at) - 1 end,
            count(*) filter (where completed_at <= raised_at + to_hours(cast(p.target_hours as integer))),
            count(*)
        from fact_repairs_job j join dim_repair_priority p on p.priority_key = j.priority_key
        where p.rp02_group = 'emergency' and j.job_status_group = 'completed' and completed_at is not null
        group by 1""").fetchall():
        expected[f"{year_start}-{(year_start + 1) % 100:02d}"] = 100.0 * within / total
    rows = fetch(demo, measure_sql(layer, ["rp02_emergency_within_target_pct"], ["financial_year"]))
    found = {row["financial_year"]: row["rp02_emergency_within_target_pct"] for row in rows
             if row["rp02_emergency_within_target_pct"] is not None}
    assert found.keys() == expected.keys()
    for year, value in expected.items():
        assert found[year] == pytest.approx(value), year


def test_pcn_income_by_month_equals_plain_sql(layer, demo):
    expected = dict(demo.execute("""
        select strftime(issued_at, '%Y-%m'), sum(amount_paid_pounds)
        from fact_pcn join dim_organisation using (organisation_key)
        where is_home_council and issued_at >= timestamp '2025-04-01' and issued_at < timestamp '2026-04-01'
        group by 1""").fetchall())
    rows = fetch(demo, measure_sql(layer, ["pcn_income"], ["month"], {"financial_year": ["2025-26"]}))
    assert {row["month"]: row["pcn_income"] for row in rows} == expected
    assert len(expected) == 12


def test_annual_budget_is_read_at_the_latest_period(layer, demo):
    expected = scalar(demo, """
        select sum(annual_budget_pounds) from fact_budget_monthly
        where month_key = (select max(month_key) from fact_budget_monthly where financial_year = '2025-26')""")
    [row] = fetch(demo, measure_sql(layer, ["budget_annual"], [], {"financial_year": ["2025-26"]}))
    assert row["budget_annual"] == expected


def test_people_in_long_term_support_equal_plain_sql(layer, demo):
    expected = scalar(demo, """
        select count(distinct person_key) from fact_care_service_episode
        where is_active and service_type like 'Long Term Support%'""")
    query = measure_sql(layer, ["care_people_in_long_term_support"], [], {"financial_year": ["2020-21"]})
    assert query.not_applicable == ("financial_year",)
    assert fetch(demo, query)[0]["care_people_in_long_term_support"] == expected > 0


def test_ward_states_follow_the_other_selections(layer, demo):
    # a ward is possible iff some job has it, the selected priority and the selected financial year
    selections = {"priority": ["PLANNED"], "financial_year": ["2025-26"]}
    possible = {ward for (ward,) in demo.execute("""
        select distinct w.ward_name from fact_repairs_job f
        join dim_ward w on w.ward_key = f.ward_key
        join dim_repair_priority p on p.priority_key = f.priority_key
        join dim_date d on d.date_key = f.raised_date_key
        where p.priority_code = 'PLANNED' and d.financial_year = '2025-26'""").fetchall()}
    rows = fetch(demo, filter_values_sql(layer, "ward", selections, "fact_repairs_job"))
    assert {row["value"] for row in rows if row["state"] == "possible"} == possible
    assert 0 < len(possible) < 20
    assert len(rows) == scalar(demo, "select count(*) from dim_ward")  # all wards listed, excluded ones too

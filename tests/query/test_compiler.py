"""The query layer: the *_sql functions as text and parameters (no database), then run against a tiny DuckDB star
built from hand-made rows, where every expected number is counted by hand in the comments."""

from __future__ import annotations

import functools

import duckdb
import pytest
from duckdb_rows import rows_of

from data_models.semantic_layer import UnknownNameError, load_semantic_layer
from query import compiler
from query.compiler import (
    MAX_LIMIT,
    Query,
    QueryError,
    cache_key,
    run,
    split_selections,
)
from query.scope import EVERYTHING

# these tests are about the SQL over every row; the scope's own conditions are tested in test_scope.py
measure_sql = functools.partial(compiler.measure_sql, scope=EVERYTHING)
filter_values_sql = functools.partial(compiler.filter_values_sql, scope=EVERYTHING)

# A small layer of its own, so these tests do not move when the real YAML does.
LAYER_YAML = """
facts:
  - name: fact_job
    label: Jobs
    date: raised_date_key
    dimensions:
      - month
      - financial_year
      - ward
      - priority
      - trade
      - {name: service, match: "'HSG'"}
  - name: fact_ticket
    label: Tickets
    date: issued_date_key
    dimensions: [month, financial_year, ward, {name: zone, column: "coalesce(zone, 'No zone')"}]
  - name: fact_budget
    label: Budget
    date: month_key
    latest: {order: month_key, per: [financial_year]}
    dimensions: [month, {name: financial_year, column: financial_year}, {name: cost_centre, column: cost_centre}]

dimensions:
  - {name: month, label: Month, conformed: true, date: true, newest_first: true, table: dim_date, key: date_key,
     value: "strftime(full_date, '%Y-%m')", sort: full_date}
  - {name: financial_year, label: Financial year, conformed: true, date: true, table: dim_date, key: date_key,
     value: financial_year}
  - {name: ward, label: Ward, conformed: true, table: dim_ward, key: ward_key, value: ward_name, sort: sort_order,
     all_members: true}
  - {name: service, label: Service, conformed: true, table: dim_service, key: service_key, value: service_code,
     display: service_name}
  - {name: priority, label: Priority, table: dim_priority, key: priority_key, value: priority_code,
     display: priority_name, sort: sort_order}
  - {name: trade, label: Trade}
  - {name: zone, label: Zone}
  - {name: cost_centre, label: Cost centre}

measures:
  - {name: jobs, label: Jobs raised, fact: fact_job, sql: "count(*)", format: count, direction: neutral,
     description: Jobs raised.}
  - {name: completed, label: Jobs completed, fact: fact_job, date: completed_date_key,
     sql: "count(*) filter (where is_completed)", format: count, direction: higher, description: Jobs completed.}
  - {name: open_now, label: Open now, fact: fact_job, date: none, sql: "count(*) filter (where not is_completed)",
     format: count, direction: lower, description: Open at as-of.}
  - {name: cost, label: Cost, fact: fact_job, sql: "sum(cost)", format: pounds, direction: neutral,
     description: Cost.}
  - {name: tickets, label: Tickets, fact: fact_ticket, sql: "count(*)", format: count, direction: neutral,
     description: Tickets.}
  - {name: annual_budget, label: Annual budget, fact: fact_budget, sql: "sum(annual) filter (where is_latest_period)",
     format: pounds, direction: neutral, description: At the latest period.}
"""

# the warehouse: dates in two financial years, three wards (Gamma has no rows), three priorities
WAREHOUSE_SQL = """
create table dim_date as select * from (values
    (20250331, date '2025-03-31', '2024-25'),
    (20250401, date '2025-04-01', '2025-26'),
    (20250415, date '2025-04-15', '2025-26'),
    (20250502, date '2025-05-02', '2025-26')
) as t(date_key, full_date, financial_year);
create table dim_ward as select * from (values
    (1, 'Alpha', 1), (2, 'Beta', 2), (3, 'Gamma', 3), (-1, 'Unknown', 998)
) as t(ward_key, ward_name, sort_order);
create table dim_priority as select * from (values
    (1, 'EM', 'Emergency', 1), (2, 'RO', 'Routine', 2), (3, 'PL', 'Planned', 3)
) as t(priority_key, priority_code, priority_name, sort_order);
create table dim_service as select * from (values (1, 'HSG', 'Housing'), (2, 'PRK', 'Parking'))
    as t(service_key, service_code, service_name);
create table fact_job as select * from (values
    -- job  ward  priority raised    completed  trade              cost  completed?
    ('j1', 1, 1, 20250401, 20250401, 'Plumbing',        100, true),
    ('j2', 1, 2, 20250415, 20250502, 'Gas',             200, true),
    ('j3', 2, 3, 20250415, null,     'Plumbing',        null, false),
    ('j4', 2, 2, 20250331, 20250415, 'O''Neill & Sons', 50,  true),
    ('j5', -1, 1, 20250502, null,    null,              null, false)
) as t(job_ref, ward_key, priority_key, raised_date_key, completed_date_key, trade, cost, is_completed);
create table fact_ticket as select * from (values
    (1, 20250401, 'CA-B'), (2, 20250401, null), (1, 20250502, 'CA-B')
) as t(ward_key, issued_date_key, zone);
create table fact_budget as select * from (values
    -- cost centre A has April and May lines in 2025-26, B only April; A also has March of 2024-25
    ('A', '2025-26', 20250401, 1200, 100),
    ('A', '2025-26', 20250502, 1200, 250),
    ('B', '2025-26', 20250401, 600, 50),
    ('A', '2024-25', 20250331, 1000, 990)
) as t(cost_centre, financial_year, month_key, annual, actual_to_date);
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layer")
    (folder / "test.yaml").write_text(LAYER_YAML, encoding="utf-8")
    return load_semantic_layer(folder)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect(":memory:")
    connection.execute(WAREHOUSE_SQL)
    yield connection
    connection.close()


def fetch(con, query: Query) -> list[dict]:
    result = run(query, rows_of(con))
    assert not result.truncated
    return result.rows


def states(con, query: Query) -> dict[str, tuple]:
    return {row["value"]: (row["state"], row["row_count"], row["possible_count"]) for row in fetch(con, query)}


# --- the SQL as text -----------------------------------------------------------------------------------------


HOSTILE = "O'Brien'); drop table fact_job; --"


def test_selected_values_are_bound_parameters_never_sql_text(layer):
    query = measure_sql(layer, ["jobs"], ["ward"], {"trade": [HOSTILE], "ward": ["King's Cross"]})
    assert "O'Brien" not in query.sql and "King's" not in query.sql and "drop table" not in query.sql
    assert sorted(query.params.values()) == sorted([HOSTILE, "King's Cross"])
    assert all(f"${name}" in query.sql for name in query.params)


def test_filter_values_binds_the_dimensions_own_selection_too(layer):
    query = filter_values_sql(layer, "trade", {"trade": [HOSTILE], "ward": ["Alpha"]}, "fact_job")
    assert "O'Brien" not in query.sql
    # the other selected dimension's name is bound too (what a click on an excluded value clears)
    assert set(query.params.values()) == {HOSTILE, "Alpha", "ward"}


def test_names_come_from_the_layer_only(layer):
    query = measure_sql(layer, ["jobs", "cost"], ["month", "priority"], {"financial_year": ["2025-26"]})
    assert "from fact_job as f" in query.sql
    assert "count(*) as \"jobs\"" in query.sql and "sum(cost) as \"cost\"" in query.sql
    assert "f.raised_date_key" in query.sql  # the fact's date role
    assert query.sql.rstrip().endswith(f"limit {query.limit + 1}")


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda layer: measure_sql(layer, ["jobz"]), "jobz"),
        (lambda layer: measure_sql(layer, ["jobs"], ["wards"]), "wards"),
        (lambda layer: measure_sql(layer, ["jobs"], [], {"prority": ["EM"]}), "prority"),
        (lambda layer: filter_values_sql(layer, "trad", {}, "fact_job"), "trad"),
        (lambda layer: filter_values_sql(layer, "trade", {}, "fact_jobs"), "fact_jobs"),
    ],
)
def test_unknown_names_raise_a_clear_error(layer, call, name):
    with pytest.raises(UnknownNameError, match=f"unknown .*'{name}'.*did you mean"):
        call(layer)


def test_selections_that_do_not_apply_are_reported_not_applied(layer):
    query = measure_sql(layer, ["tickets"], ["ward"], {"priority": ["EM"], "trade": ["Gas"], "ward": ["Alpha"]})
    assert query.not_applicable == ("priority", "trade")
    assert list(query.params.values()) == ["Alpha"]
    assert "dim_priority" not in query.sql


def test_date_selections_do_not_apply_to_snapshot_measures(layer):
    query = measure_sql(layer, ["open_now"], [], {"financial_year": ["2025-26"], "ward": ["Beta"]})
    assert query.not_applicable == ("financial_year",)
    with pytest.raises(QueryError, match="'month' does not apply to fact_job .*no date role"):
        measure_sql(layer, ["open_now"], ["month"])


def test_a_measures_date_role_replaces_the_facts(layer):
    assert "f.completed_date_key" in measure_sql(layer, ["completed"], ["month"]).sql
    with pytest.raises(QueryError, match="different date roles"):
        measure_sql(layer, ["jobs", "completed"])


def test_one_query_reads_one_fact(layer):
    with pytest.raises(QueryError, match="different facts"):
        measure_sql(layer, ["jobs", "tickets"])
    with pytest.raises(QueryError, match="at least one measure"):
        measure_sql(layer, [])


def test_grouping_by_a_dimension_the_fact_lacks_is_an_error(layer):
    with pytest.raises(QueryError, match="'priority' does not apply to fact_ticket"):
        measure_sql(layer, ["tickets"], ["priority"])
    with pytest.raises(QueryError, match="'zone' does not apply to fact_job"):
        filter_values_sql(layer, "zone", {}, "fact_job")


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, 2.5, True])
def test_limit_guard(layer, limit):
    with pytest.raises(QueryError, match="limit"):
        measure_sql(layer, ["jobs"], ["ward"], limit=limit)


def test_run_says_when_rows_were_cut():
    query = Query("select ...", {}, ("zone",), limit=2)
    result = run(query, lambda sql, params: [{"n": 1}, {"n": 2}, {"n": 3}])
    assert result.rows == [{"n": 1}, {"n": 2}] and result.truncated and result.not_applicable == ("zone",)


def test_cache_key_depends_on_sql_values_and_warehouse_version(layer):
    first = measure_sql(layer, ["jobs"], ["ward"], {"trade": ["Gas"]})
    same = measure_sql(layer, ["jobs"], ["ward"], {"trade": ["Gas"]})
    other = measure_sql(layer, ["jobs"], ["ward"], {"trade": ["Plumbing"]})
    assert cache_key(first, "v1") == cache_key(same, "v1")
    assert cache_key(first, "v1") != cache_key(other, "v1")
    assert cache_key(first, "v1") != cache_key(first, "v2")


# --- against a hand-made star ----------------------------------------------------------------------------------


def test_jobs_by_ward(layer, con):
    # Alpha: j1 j2; Beta: j3 j4; Unknown: j5; Gamma has no job, so no row
    rows = fetch(con, measure_sql(layer, ["jobs", "cost"], ["ward"]))
    assert [(r["ward"], r["jobs"], r["cost"]) for r in rows] == [
        ("Alpha", 2, 300), ("Beta", 2, 50), ("Unknown", 1, None)]


def test_financial_year_filters_the_date_role(layer, con):
    # raised in 2025-26: j1 j2 j3 j5 (j4 was raised on 31 March 2025)
    [row] = fetch(con, measure_sql(layer, ["jobs"], [], {"financial_year": ["2025-26"]}))
    assert row["jobs"] == 4
    [row] = fetch(con, measure_sql(layer, ["jobs"], [], {"financial_year": ["2025-26"], "ward": ["Alpha"]}))
    assert row["jobs"] == 2


def test_completed_measures_follow_the_completed_date(layer, con):
    # completed in 2025-04: j1 (1 Apr), j4 (15 Apr); in 2025-05: j2; j3 and j5 are not completed (no month)
    rows = fetch(con, measure_sql(layer, ["completed"], ["month"]))
    assert [(r["month"], r["completed"]) for r in rows] == [("2025-04", 2), ("2025-05", 1), (None, 0)]
    [row] = fetch(con, measure_sql(layer, ["completed"], [], {"month": ["2025-04"]}))
    assert row["completed"] == 2


def test_snapshot_measure_ignores_date_selections(layer, con):
    # open now: j3 (Beta) and j5 (Unknown), whatever the financial year selected
    [row] = fetch(con, measure_sql(layer, ["open_now"], [], {"financial_year": ["2024-25"]}))
    assert row["open_now"] == 2


def test_a_value_with_quotes_and_ampersand_selects_its_rows(layer, con):
    [row] = fetch(con, measure_sql(layer, ["jobs"], [], {"trade": ["O'Neill & Sons"]}))
    assert row["jobs"] == 1  # j4


def test_several_values_of_one_dimension_are_or_and_dimensions_are_and(layer, con):
    # (Plumbing or Gas) and Alpha: j1 j2; (Plumbing or Gas) and (Alpha or Beta): j1 j2 j3
    [row] = fetch(con, measure_sql(layer, ["jobs"], [], {"trade": ["Plumbing", "Gas"], "ward": ["Alpha"]}))
    assert row["jobs"] == 2
    [row] = fetch(con, measure_sql(layer, ["jobs"], [], {"trade": ["Plumbing", "Gas"], "ward": ["Alpha", "Beta"]}))
    assert row["jobs"] == 3


def test_a_constant_service_applies_on_the_fact(layer, con):
    # every job is HSG's: selecting HSG keeps all five, PRK none
    assert fetch(con, measure_sql(layer, ["jobs"], [], {"service": ["HSG"]}))[0]["jobs"] == 5
    assert fetch(con, measure_sql(layer, ["jobs"], [], {"service": ["PRK"]}))[0]["jobs"] == 0
    rows = fetch(con, measure_sql(layer, ["jobs"], ["service"]))
    assert [(r["service"], r["service_label"], r["jobs"]) for r in rows] == [("HSG", "Housing", 5)]


def test_not_applicable_selection_leaves_the_rows_alone(layer, con):
    query = measure_sql(layer, ["tickets"], ["zone"], {"priority": ["EM"]})
    assert query.not_applicable == ("priority",)
    assert [(r["zone"], r["tickets"]) for r in fetch(con, query)] == [("CA-B", 2), ("No zone", 1)]


def test_priority_values_only_in_another_ward_are_excluded(layer, con):
    # ward Alpha has EM (j1) and RO (j2); PL occurs only in Beta (j3): excluded. Counts ignore the selections:
    # EM j1 j5, RO j2 j4, PL j3
    query = filter_values_sql(layer, "priority", {"ward": ["Alpha"]}, "fact_job")
    assert states(con, query) == {"EM": ("possible", 2, 1), "RO": ("possible", 2, 1), "PL": ("excluded", 1, 0)}
    assert [row["label"] for row in fetch(con, query)] == ["Emergency", "Routine", "Planned"]  # sort_order


def test_the_fields_own_selection_does_not_restrict_its_values(layer, con):
    # priority RO selected and ward Alpha: RO is selected; EM is still possible (j1 is Alpha), PL excluded
    query = filter_values_sql(layer, "priority", {"priority": ["RO"], "ward": ["Alpha"]}, "fact_job")
    assert {value: state for value, (state, *_) in states(con, query).items()} == {
        "EM": "possible", "RO": "selected", "PL": "excluded"}


def test_all_members_lists_wards_without_rows(layer, con):
    # priority PL: only j3 (Beta). Gamma has no job at all: listed, excluded, count 0
    query = filter_values_sql(layer, "ward", {"priority": ["PL"], "ward": ["Alpha"]}, "fact_job")
    assert states(con, query) == {
        "Alpha": ("selected", 2, 0),
        "Beta": ("possible", 2, 1),
        "Gamma": ("excluded", 0, 0),
        "Unknown": ("excluded", 1, 0),
    }
    assert [row["value"] for row in fetch(con, query)] == ["Alpha", "Beta", "Gamma", "Unknown"]


def test_several_other_selections_combine(layer, con):
    # trade Plumbing (j1 Alpha EM, j3 Beta PL) and financial year 2025-26 (j1 j2 j3 j5): rows j1, j3
    query = filter_values_sql(layer, "ward", {"trade": ["Plumbing"], "financial_year": ["2025-26"]}, "fact_job")
    assert {value: state for value, (state, *_) in states(con, query).items()} == {
        "Alpha": "possible", "Beta": "possible", "Gamma": "excluded", "Unknown": "excluded"}


def clears(con, query: Query) -> dict[str, list[str]]:
    return {row["value"]: list(row["clears"]) for row in fetch(con, query)}


def test_an_excluded_value_names_the_selections_that_exclude_it(layer, con):
    # ward Alpha (j1 j2) and trade Gas (j2): priorities of j2 only. EM: j1 is Alpha but not Gas, j5 neither: only
    # trade excludes it. PL: j3 is Beta and Plumbing: both exclude it alone. RO: possible (j2), clears nothing
    query = filter_values_sql(layer, "priority", {"ward": ["Alpha"], "trade": ["Gas"]}, "fact_job")
    assert {v: s for v, (s, *_) in states(con, query).items()} == {"RO": "possible", "EM": "excluded",
                                                                   "PL": "excluded"}
    assert clears(con, query) == {"RO": [], "EM": ["trade"], "PL": ["trade", "ward"]}


def test_an_excluded_value_only_the_selections_together_exclude_clears_them_all(layer, con):
    # ward Beta (j3 j4) and 2025-26 (j1 j2 j3 j5): Gas is in 2025-26 (j2) and... not in Beta, so ward alone;
    # O'Neill is in Beta (j4) but 2024-25: the year alone. Trade selected Plumbing and month April (j1 j2 j3):
    # priority RO has j2 (Alpha, April) and j4 (Beta, March); with ward Beta too, RO is excluded by ward and month
    # together (j4 is Beta but March, j2 April but Alpha) though neither alone: both are cleared
    query = filter_values_sql(layer, "priority", {"ward": ["Beta"], "month": ["2025-04"]}, "fact_job")
    assert states(con, query)["RO"][0] == "excluded"
    assert clears(con, query)["RO"] == ["month", "ward"]
    assert clears(con, query)["PL"] == []  # j3: Beta, April: possible
    query = filter_values_sql(layer, "trade", {"ward": ["Beta"], "financial_year": ["2025-26"]}, "fact_job")
    assert clears(con, query) == {"Plumbing": [], "Gas": ["ward"], "O'Neill & Sons": ["financial_year"]}


def test_filter_values_come_selected_possible_excluded_dates_newest_first(layer, con):
    query = filter_values_sql(layer, "month", {"month": ["2025-03"], "priority": ["EM"]}, "fact_job")
    # EM: j1 April, j5 May, both possible; March selected (j4 is RO): first
    assert [(r["value"], r["state"]) for r in fetch(con, query)] == [
        ("2025-03", "selected"), ("2025-05", "possible"), ("2025-04", "possible")]


def test_a_selected_value_no_row_has_is_listed_so_it_can_be_removed(layer, con):
    query = filter_values_sql(layer, "trade", {"trade": ["Thatching"]}, "fact_job")
    found = states(con, query)
    assert found["Thatching"] == ("selected", 0, 0)
    assert found["Plumbing"] == ("possible", 2, 2)
    assert None not in found  # j5 has no trade: a NULL is not a value one can select


def test_filter_values_of_a_date_dimension(layer, con):
    # months raised: March j4, April j1 j2 j3, May j5. Ward Beta has j3 (April) and j4 (March): May is excluded
    query = filter_values_sql(layer, "month", {"ward": ["Beta"]}, "fact_job")
    assert states(con, query) == {
        "2025-03": ("possible", 1, 1), "2025-04": ("possible", 3, 1), "2025-05": ("excluded", 1, 0)}


def test_semi_additive_amounts_are_read_at_the_latest_period(layer, con):
    # 2024-25: A's March line, 1000. 2025-26: the latest period is May, which only A has: 1200 (not 1200+1200+600)
    rows = fetch(con, measure_sql(layer, ["annual_budget"], ["financial_year"]))
    assert [(r["financial_year"], r["annual_budget"]) for r in rows] == [("2024-25", 1000), ("2025-26", 1200)]
    # by cost centre within 2025-26: each cost centre's own latest line
    rows = fetch(con, measure_sql(layer, ["annual_budget"], ["cost_centre"], {"financial_year": ["2025-26"]}))
    assert [(r["cost_centre"], r["annual_budget"]) for r in rows] == [("A", 1200), ("B", 600)]
    # April selected: both April lines are the latest
    [row] = fetch(con, measure_sql(layer, ["annual_budget"], [], {"month": ["2025-04"]}))
    assert row["annual_budget"] == 1800


def test_the_limit_cuts_and_says_so(layer, con):
    result = run(measure_sql(layer, ["jobs"], ["ward"], limit=2), rows_of(con))
    assert [r["ward"] for r in result.rows] == ["Alpha", "Beta"] and result.truncated


def test_labels_sql_binds_the_values_and_reads_the_dimensions_table(layer, con):
    from query.compiler import labels_sql

    query = labels_sql(layer, "service", ["PRK", "x' or 1=1 --"])
    assert "x' or 1=1" not in query.sql and set(query.params.values()) == {"PRK", "x' or 1=1 --"}
    assert fetch(con, query) == [{"value": "PRK", "label": "Parking"}]
    assert labels_sql(layer, "ward", ["Belsize"]) is None  # a ward's value is its name
    assert labels_sql(layer, "trade", ["Gas"]) is None  # a fact column: the value is the label
    assert labels_sql(layer, "service", []) is None


def test_top_rows_are_chosen_by_the_database(layer, con):
    query = measure_sql(layer, ["jobs"], ["ward"], limit=2, top=True)
    assert "having coalesce(count(*), 0) <> 0" in query.sql and "limit 2" in query.sql
    rows = fetch(con, query)
    everything = fetch(con, measure_sql(layer, ["jobs"], ["ward"]))
    largest = sorted((r for r in everything if r["jobs"]), key=lambda r: -r["jobs"])[:2]
    assert [r["jobs"] for r in rows] == [r["jobs"] for r in largest]


@pytest.fixture(scope="module")
def real_layer():
    return load_semantic_layer()


def test_split_selections_splits_by_the_facts_dimensions(real_layer):
    state = {"ward": ["Kilburn"], "priority": ["EMERGENCY"], "contravention": ["12"], "financial_year": ["2025-26"]}
    role = real_layer.date_role("fact_repairs_job")
    applied, not_applicable = split_selections(real_layer, "fact_repairs_job", role, state)
    assert applied == {"financial_year": ["2025-26"], "priority": ["EMERGENCY"], "ward": ["Kilburn"]}
    assert not_applicable == ("contravention",)
    role = real_layer.date_role("fact_pcn")
    applied, not_applicable = split_selections(real_layer, "fact_pcn", role, state)
    assert set(applied) == {"ward", "financial_year", "contravention"} and set(not_applicable) == {"priority"}

"""The load records (etl_runs, etl_files, etl_rejects) are the data team's: every read of them in the query layer
refuses a scope without `load_records`, the admin's scope (the data-quality capability) has it and no other role's
does, and their SQL takes its values as parameters; the data's as-of date is read by any scope that reads a fact.
The service catalogue is read within the scope likewise."""

from __future__ import annotations

import inspect

import pytest

from access import load_users
from query import catalogue, load_records
from query.scope import EVERYTHING, NOTHING, OutOfScope, Scope

RUN = "run-2026'; drop table etl_runs; --"   # a value that must never reach the SQL's text
READS = {
    "runs_sql": (), "latest_run_sql": (), "run_totals_sql": (RUN,), "files_sum_sql": (RUN,),
    "files_sql": (RUN, "x"), "file_totals_sql": (RUN, "x"), "rejected_files_sql": (RUN,),
    "files_per_target_sql": (RUN,), "rejects_count_sql": (RUN, "x"), "rejects_sql": (RUN, "x"),
    "reject_categories_sql": (RUN,),
}


def test_every_load_records_read_is_listed_here():
    functions = {name for name, f in inspect.getmembers(load_records, inspect.isfunction)
                 if name.endswith("_sql") and f.__module__ == load_records.__name__}
    assert functions == set(READS) | {"data_as_of_sql"}


@pytest.mark.parametrize("name", sorted(READS))
@pytest.mark.parametrize("scope", [NOTHING, Scope(), Scope.of(facts=["fact_budget_monthly", "fact_spend"]),
                                   Scope.of(services=["PRK"]), {"load_records": True}],
                         ids=["nothing", "every-fact-but-no-load-records", "finance", "a-manager", "not-a-scope"])
def test_a_scope_without_load_records_is_refused(name, scope):
    with pytest.raises(OutOfScope):
        getattr(load_records, name)(scope, *READS[name])


@pytest.mark.parametrize("name", sorted(READS))
def test_a_scope_with_load_records_gets_parameterised_sql(name):
    query = getattr(load_records, name)(Scope.of(services=[], load_records=True), *READS[name])
    assert "etl_" in query.sql
    assert RUN not in query.sql and "drop table" not in query.sql
    if READS[name]:
        assert query.params["run_id"] == RUN


def test_the_data_s_as_of_date_is_read_by_any_scope_that_reads_a_fact():
    for scope in (EVERYTHING, Scope.of(facts=["fact_budget_monthly"]), Scope.of(services=["PRK"])):
        assert "etl_runs" in load_records.data_as_of_sql(scope).sql
    for scope in (NOTHING, Scope.of(facts=[]), None):
        with pytest.raises(OutOfScope):
            load_records.data_as_of_sql(scope)


def test_a_sort_named_in_a_request_never_reaches_the_sql():
    query = load_records.files_sql(EVERYTHING, RUN, sort={"column": "1; drop table etl_files", "descending": True})
    assert "drop table" not in query.sql and "order by source_file desc" in query.sql


def test_only_the_data_team_s_scope_reads_the_load_records():
    users = load_users()
    readers = {user.username for user in users if users.scope(user).load_records}
    assert readers == {"admin"}
    assert EVERYTHING.load_records and not NOTHING.load_records
    # a burst pack's narrowed scope keeps the records only if both scopes have them
    assert not EVERYTHING.narrowed_to(Scope.of(services=["PRK"])).load_records
    assert Scope.of(load_records=True).key() != Scope.of().key()


def test_the_catalogue_is_read_within_the_scope():
    every = catalogue.service_catalogue_sql(EVERYTHING, "fact_service_kpi_monthly")
    assert every.params == {}
    mine = catalogue.service_catalogue_sql(Scope.of(services=["PRK", "HSG-REP"]), "fact_service_kpi_monthly")
    assert set(mine.params.values()) == {"PRK", "HSG-REP"} and "'PRK'" not in mine.sql
    for scope in (NOTHING, Scope.of(facts=["fact_budget_monthly"]), None):
        with pytest.raises(OutOfScope):
            catalogue.service_catalogue_sql(scope, "fact_service_kpi_monthly")


def test_the_catalogue_of_a_scope_lists_only_its_services(demo_con):
    query = catalogue.service_catalogue_sql(Scope.of(services=["PRK"]), "fact_service_kpi_monthly")
    assert [row[2] for row in demo_con.execute(query.sql, query.params).fetchall()] == ["PRK"]
    none = catalogue.service_catalogue_sql(Scope.of(services=[]), "fact_service_kpi_monthly")
    assert demo_con.execute(none.sql, none.params).fetchall() == []
    every = catalogue.service_catalogue_sql(EVERYTHING, "fact_service_kpi_monthly")
    count = demo_con.execute("select count(*) from dim_service where service_key <> -1").fetchone()[0]
    assert len(demo_con.execute(every.sql, every.params).fetchall()) == count

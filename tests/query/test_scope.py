"""The scope in the query layer: every query carries one, a restricted scope becomes one more condition on the
fact's service (bound parameters), facts outside it are refused, and over the demo warehouse a service manager's
figures are exactly the rows of their services, recomputed here in plain SQL."""

from __future__ import annotations

import pytest

from data_models.semantic_layer import load_semantic_layer
from query.compiler import filter_values_sql, measure_sql
from query.scope import EVERYTHING, NOTHING, OutOfScope, Scope


@pytest.fixture(scope="module")
def layer():
    return load_semantic_layer()


def test_every_query_must_name_a_scope(layer):
    with pytest.raises(TypeError):
        measure_sql(layer, ["repairs_raised"])  # the keyword is required, so no caller can forget it
    with pytest.raises(TypeError):
        filter_values_sql(layer, "ward", {}, "fact_repairs_job")


def test_an_unrestricted_scope_adds_no_condition(layer):
    everything = measure_sql(layer, ["repairs_raised"], ["ward"], scope=EVERYTHING)
    assert everything.params == {}
    assert "HSG-REP" not in str(everything.params)


def test_a_services_scope_is_a_bound_condition_on_the_service(layer):
    query = measure_sql(layer, ["repairs_raised"], ["ward"], {"ward": ["Belsize"]},
                        scope=Scope.of(services=["HSG-REP", "PRK"]))
    assert set(query.params.values()) == {"HSG-REP", "PRK", "Belsize"}
    assert "'PRK'" not in query.sql and "'HSG-REP'" in query.sql   # the fact's own constant, not the scope's value


def test_facts_outside_the_scope_are_refused(layer):
    finance = Scope.of(facts=["fact_budget_monthly", "fact_spend"])
    measure_sql(layer, ["budget_annual"], scope=finance)
    for scope in (finance, NOTHING):
        with pytest.raises(OutOfScope):
            measure_sql(layer, ["care_requests"], scope=scope)
        with pytest.raises(OutOfScope):
            filter_values_sql(layer, "ward", {}, "fact_care_event", scope=scope)


def test_anything_but_a_scope_is_refused(layer):
    with pytest.raises(OutOfScope):
        measure_sql(layer, ["repairs_raised"], scope={"services": None})


def test_an_empty_services_scope_reads_no_row(layer, demo_con):
    query = measure_sql(layer, ["repairs_raised"], scope=Scope.of(services=[]))
    assert demo_con.execute(query.sql, query.params).fetchall()[0][0] in (0, None)


def test_the_scope_key_tells_scopes_apart():
    keys = {EVERYTHING.key(), NOTHING.key(), Scope.of(services=["PRK"]).key(), Scope.of(services=["HSG-REP"]).key(),
            Scope.of(facts=["fact_spend"]).key()}
    assert len(keys) == 5
    assert Scope.of(services=["A", "B"]).key() == Scope.of(services=["B", "A"]).key()


SPEND_BY_SERVICE = """
select coalesce(sum(f.amount_pounds), 0) from fact_spend f
join dim_service s on s.service_key = f.service_key
where s.service_code in (select unnest($codes))
  and f.organisation_key in (select organisation_key from dim_organisation where is_home_council)
"""


def test_a_managers_spend_is_the_rows_of_their_services(layer, demo_con):
    codes = ["PRK", "HSG-REP"]
    query = measure_sql(layer, ["spend_amount"], scope=Scope.of(services=codes))
    scoped = demo_con.execute(query.sql, query.params).fetchall()[0][0] or 0
    expected = demo_con.execute(SPEND_BY_SERVICE, {"codes": codes}).fetchall()[0][0]
    everything = measure_sql(layer, ["spend_amount"], scope=EVERYTHING)
    total = demo_con.execute(everything.sql, everything.params).fetchall()[0][0]
    assert scoped == pytest.approx(float(expected))
    assert 0 < scoped < total


def test_a_manager_of_other_services_reads_no_care_row(layer, demo_con):
    parking = Scope.of(services=["PRK"])
    query = measure_sql(layer, ["care_requests"], ["ward"], scope=parking)
    assert demo_con.execute(query.sql, query.params).fetchall() == []
    values = filter_values_sql(layer, "ward", {}, "fact_care_event", scope=parking)
    rows = demo_con.execute(values.sql, values.params).fetchall()
    assert rows and all(row[3] == 0 for row in rows)   # every ward is listed (all members) with no row behind it


def test_a_scope_narrowed_to_another_allows_only_what_both_allow():
    manager = Scope.of(services={"HSG-REP", "PRK"})
    finance = Scope.of(facts={"fact_budget_monthly", "fact_spend"})
    assert EVERYTHING.narrowed_to(manager) == manager and manager.narrowed_to(EVERYTHING) == manager
    assert finance.narrowed_to(manager) == Scope.of(facts={"fact_budget_monthly", "fact_spend"},
                                                    services={"HSG-REP", "PRK"})
    assert manager.narrowed_to(Scope.of(services={"PRK", "ASC-ACC"})) == Scope.of(services={"PRK"})
    assert manager.narrowed_to(NOTHING) == NOTHING

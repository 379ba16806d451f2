"""Row-level records (query.records): the SQL as text and parameters (no database), then over the demo warehouse,
where every count is recomputed here in plain SQL written independently of the query layer."""

from __future__ import annotations

import datetime as dt

import pytest

from data_models.semantic_layer import UnknownNameError, load_semantic_layer
from query.compiler import QueryError
from query.reading import rows
from query.records import column_extent_sql, records_sql
from query.scope import EVERYTHING, NOTHING, OutOfScope, Scope

COLUMNS = ["payment_date", "amount_pounds", "transaction_id"]
QUARTER = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def layer():
    return load_semantic_layer()


# --- as text ---------------------------------------------------------------------------------------------


def test_values_are_bound_parameters_never_sql_text(layer):
    query = records_sql(layer, "fact_spend", COLUMNS, ["supplier"], {"financial_year": ["2026-27"]},
                        scope=EVERYTHING, between={"payment_date": QUARTER}, order_by=["payment_date"])
    assert set(query.params.values()) == {"2026-27", *QUARTER}
    assert "2026" not in query.sql
    assert 'as "supplier"' in query.sql and 'as "supplier_label"' in query.sql
    assert "order by f.payment_date nulls last" in query.sql


def test_the_facts_own_rows_only_and_no_row_cap(layer):
    query = records_sql(layer, "fact_spend", COLUMNS, scope=EVERYTHING)
    assert "is_home_council" in query.sql   # the fact's `where:` from the semantic layer
    assert "limit" not in query.sql.lower()


def test_a_restricted_scope_is_a_bound_condition_on_the_service(layer):
    query = records_sql(layer, "fact_spend", COLUMNS, scope=Scope.of(services=["PRK", "HSG-REP"]))
    assert set(query.params.values()) == {"PRK", "HSG-REP"}
    assert '"__value_service" in ($p0, $p1)' in query.sql
    assert "'PRK'" not in query.sql


def test_a_fact_outside_the_scope_is_refused(layer):
    for scope in (NOTHING, Scope.of(facts=["fact_repairs_job"]), {"services": None}):
        with pytest.raises(OutOfScope):
            records_sql(layer, "fact_spend", COLUMNS, scope=scope)
        with pytest.raises(OutOfScope):
            column_extent_sql(layer, "fact_spend", "payment_date", scope=scope)


def test_the_scope_is_required(layer):
    with pytest.raises(TypeError):
        records_sql(layer, "fact_spend", COLUMNS)


@pytest.mark.parametrize("name", ["amount_pounds; drop table fact_spend", "Amount", "f.amount_pounds", "a b", "",
                                  '"x"', 3])
def test_a_column_that_is_not_a_plain_name_is_refused(layer, name):
    with pytest.raises(QueryError, match="not a plain column name"):
        records_sql(layer, "fact_spend", [name], scope=EVERYTHING)
    with pytest.raises(QueryError, match="not a plain column name"):
        records_sql(layer, "fact_spend", COLUMNS, order_by=[name], scope=EVERYTHING)
    with pytest.raises(QueryError, match="not a plain column name"):
        records_sql(layer, "fact_spend", COLUMNS, between={name: QUARTER}, scope=EVERYTHING)
    with pytest.raises(QueryError, match="not a plain column name"):
        column_extent_sql(layer, "fact_spend", name, scope=EVERYTHING)


def test_a_selection_the_fact_cannot_apply_is_an_error_not_a_silent_widening(layer):
    with pytest.raises(QueryError, match="ward"):
        records_sql(layer, "fact_spend", COLUMNS, selections={"ward": ["Belsize"]}, scope=EVERYTHING)
    with pytest.raises(UnknownNameError):
        records_sql(layer, "fact_spend", COLUMNS, selections={"wardd": ["Belsize"]}, scope=EVERYTHING)
    with pytest.raises(QueryError, match="does not apply"):
        records_sql(layer, "fact_spend", COLUMNS, ["ward"], scope=EVERYTHING)


def test_an_output_name_clash_is_refused(layer):
    with pytest.raises(QueryError, match="clashes"):
        records_sql(layer, "fact_spend", ["capital_or_revenue"], ["capital_or_revenue"], scope=EVERYTHING)


# --- over the demo warehouse ---------------------------------------------------------------------------------

HOME_LINES = """
select count(*) as n, sum(f.amount_pounds) as total
from fact_spend f
join dim_organisation o on o.organisation_key = f.organisation_key
where o.is_home_council and f.payment_date >= $first and f.payment_date <= $last
"""


def test_records_are_the_home_councils_lines_of_the_period(layer, demo_con):
    query = records_sql(layer, "fact_spend", COLUMNS, ["supplier"], scope=EVERYTHING,
                        between={"payment_date": QUARTER}, order_by=["payment_date", "transaction_id"])
    found = rows(demo_con, query)
    [expected] = rows(demo_con, HOME_LINES, {"first": QUARTER[0], "last": QUARTER[1]})
    assert len(found) == expected["n"] > 0
    assert sum(r["amount_pounds"] for r in found) == expected["total"]
    assert [r["payment_date"] for r in found] == sorted(r["payment_date"] for r in found)
    assert all(QUARTER[0] <= r["payment_date"] <= QUARTER[1] for r in found)


def test_selections_and_scope_filter_records_as_plain_sql_does(layer, demo_con):
    codes = ["HSG-REP", "REV-BEN", "PLN-BC"]
    query = records_sql(layer, "fact_spend", ["spend_key"], selections={"financial_year": ["2025-26"]},
                        scope=Scope.of(services=codes))
    expected = demo_con.execute(
        "select count(*) from fact_spend f join dim_organisation o using (organisation_key) "
        "join dim_service s using (service_key) join dim_date d on d.date_key = f.payment_date_key "
        "where o.is_home_council and d.financial_year = '2025-26' and s.service_code in (select unnest($codes))",
        {"codes": codes}).fetchone()[0]
    assert len(rows(demo_con, query)) == expected > 0


def test_the_extent_of_a_column(layer, demo_con):
    [extent] = rows(demo_con, column_extent_sql(layer, "fact_spend", "payment_date", scope=EVERYTHING))
    expected = demo_con.execute(
        "select min(payment_date), max(payment_date), count(*), count(*) - count(payment_date) from fact_spend "
        "where organisation_key in (select organisation_key from dim_organisation where is_home_council)").fetchone()
    assert (extent["first"], extent["last"], extent["rows"], extent["missing"]) == expected

"""Data tests: each *_sql() counts the rows that break a rule; run against a tiny database."""

import duckdb
import pytest

from data_models.model_specs import ModelSpec
from etl.checks import (
    accepted_values_sql,
    model_checks,
    not_null_sql,
    relationship_sql,
    shrink_checks,
    unique_sql,
)
from etl.models import Model


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create table dim_ward as select * from (values (1, 'A'), (2, 'B'), (-1, 'Unknown')) t(ward_key, n)")
    con.execute("create table fact_x as select * from (values (1, 1, 'paid'), (2, 2, 'open'), (2, 9, 'lost'), "
                "(3, null, 'paid')) t(x_key, ward_key, status)")
    return con


def count(con, sql, params=None):
    return con.execute(sql, params or {}).fetchone()[0]


def test_unique_counts_duplicated_keys(con):
    assert count(con, unique_sql("fact_x", ["x_key"])) == 1
    assert count(con, unique_sql("fact_x", ["x_key", "ward_key"])) == 0


def test_not_null(con):
    assert count(con, not_null_sql("fact_x", "ward_key")) == 1


def test_relationship_finds_orphans_and_ignores_nulls(con):
    assert count(con, relationship_sql("fact_x", "ward_key", "dim_ward", "ward_key")) == 1


def test_accepted_values_is_parameterised(con):
    assert count(con, accepted_values_sql("fact_x", "status"), {"accepted": ["paid", "open"]}) == 1
    assert "paid" not in accepted_values_sql("fact_x", "status")


def test_model_checks_follow_the_yaml(con):
    model = Model("fact_x", None, "", ModelSpec(description="x", grain="one x", tests={
        "unique": ["x_key"], "not_null": ["ward_key"],
        "relationships": {"ward_key": "dim_ward.ward_key"}, "accepted_values": {"status": ["paid", "open"]}}))
    failures = {name: count(con, sql, params) for name, sql, params in model_checks(model)}
    assert failures == {"unique(x_key)": 1, "not_null(ward_key)": 1,
                        "relationship(ward_key -> dim_ward.ward_key)": 1, "accepted_values(status)": 1}


def test_shrink_check():
    assert shrink_checks({"fact_a": 95}, {"fact_a": 100}, 0.10) == []
    [failure] = shrink_checks({"fact_a": 80}, {"fact_a": 100}, 0.10)
    assert failure.failures == 20 and "--force" in failure.message()
    assert shrink_checks({}, {"fact_new": 0}, 0.10) == []

"""The search across fields (query.search): the SQL as text and parameters, with no database, then a run over the
small demo warehouse checked against plain SQL."""

from __future__ import annotations

import pytest

from data_models.semantic_layer import load_semantic_layer
from query.compiler import QueryError
from query.scope import EVERYTHING, OutOfScope, Scope
from query.search import MAX_TEXT, SearchTextError, like_pattern, search_text, value_search_sql

LAYER = load_semantic_layer()
FACT = "fact_repairs_job"
FIELDS = ["ward", "contractor", "estate", "trade"]


def test_like_wildcards_and_the_escape_are_taken_literally():
    assert like_pattern("kentish") == "%kentish%"
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_search_text_drops_control_characters_and_refuses_what_cannot_be_searched():
    assert search_text("  Kentish\u0000 Town\n") == "Kentish Town"
    assert search_text(None) == "" and search_text("\u0007 ") == ""
    assert search_text("x" * MAX_TEXT) == "x" * MAX_TEXT
    with pytest.raises(SearchTextError, match="at most 100 characters"):
        search_text("x" * (MAX_TEXT + 1))
    with pytest.raises(SearchTextError):
        search_text(42)
    with pytest.raises(SearchTextError, match="at least 2 characters"):
        search_text(" k\u0000")


def test_the_text_is_a_bound_parameter_never_sql():
    text = "x' or '1'='1' --"
    query = value_search_sql(LAYER, FACT, FIELDS, text, EVERYTHING)
    assert text not in query.sql
    assert f"%{text}%" in query.params.values()
    assert query.sql.count("ilike") == 2 * len(FIELDS) and "escape '\\'" in query.sql


def test_selections_and_the_scope_are_bound_too():
    query = value_search_sql(LAYER, FACT, FIELDS, "ken", Scope.of(services=["HSG-REP"]),
                             selections={"ward": ["Belsize"], "financial_year": ["2026-27"]})
    values = list(query.params.values())
    assert "HSG-REP" in values and "Belsize" in values and "2026-27" in values
    assert "Belsize" not in query.sql and "2026-27" not in query.sql  # (HSG-REP is the fact's own constant)


def test_a_fact_outside_the_scope_and_a_bad_limit_are_refused():
    with pytest.raises(OutOfScope):
        value_search_sql(LAYER, FACT, FIELDS, "ken", Scope.of(facts=["fact_pcn"]))
    with pytest.raises(QueryError, match="limit"):
        value_search_sql(LAYER, FACT, FIELDS, "ken", EVERYTHING, limit=0)
    with pytest.raises(QueryError, match="does not apply"):
        value_search_sql(LAYER, FACT, ["supplier"], "ken", EVERYTHING)


def _plain_wards(con, text: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select distinct w.ward_name from fact_repairs_job f join dim_ward w using (ward_key) "
        "where w.ward_name ilike $t order by 1", {"t": f"%{text}%"}).fetchall()]


def _run(con, query):
    return [dict(zip([d[0] for d in con.description], row, strict=True))
            for row in con.execute(query.sql, query.params).fetchall()]


def test_over_the_small_warehouse_wards_and_contractors_match_plain_sql(demo_con):
    kentish = _plain_wards(demo_con, "kentish")
    assert len(kentish) == 2
    rows = _run(demo_con, value_search_sql(LAYER, FACT, FIELDS, "KENTISH", EVERYTHING))
    assert [(r["dimension"], r["value"], r["state"]) for r in rows] == [("ward", w, "possible") for w in kentish]
    counts = dict(demo_con.execute(
        "select w.ward_name, count(*) from fact_repairs_job f join dim_ward w using (ward_key) "
        "where w.ward_name ilike '%kentish%' group by 1").fetchall())
    assert {r["value"]: r["row_count"] for r in rows} == counts

    contractors = [r[0] for r in demo_con.execute(
        "select distinct contractor from fact_repairs_job where contractor ilike '%ltd%' order by 1").fetchall()]
    found = [r["value"] for r in _run(demo_con, value_search_sql(LAYER, FACT, ["contractor"], "ltd", EVERYTHING,
                                                                  limit=50))]
    assert found == contractors and found


def test_states_under_a_selection_match_plain_sql(demo_con):
    """A ward selected: the other Kentish ward stays possible (a field's own selection never excludes its
    values); a contractor with no job in the selected ward is excluded and a click on it clears the ward."""
    north, south = _plain_wards(demo_con, "kentish")
    rows = _run(demo_con, value_search_sql(LAYER, FACT, ["ward", "contractor"], "", EVERYTHING, limit=50,
                                           selections={"ward": [north]}))
    states = {(r["dimension"], r["value"]): (r["state"], list(r["clears"])) for r in rows}
    assert states[("ward", north)] == ("selected", [])
    assert states[("ward", south)] == ("possible", [])
    in_north = {r[0] for r in demo_con.execute(
        "select distinct contractor from fact_repairs_job f join dim_ward w using (ward_key) "
        "where w.ward_name = $w and contractor is not null", {"w": north}).fetchall()}
    for (dimension, value), (state, clears) in states.items():
        if dimension == "contractor":
            assert state == ("possible" if value in in_north else "excluded"), value
            assert clears == ([] if value in in_north else ["ward"])


@pytest.mark.parametrize("text", ["%", "_", "\\", "%%'; --"])
def test_like_characters_find_only_themselves(demo_con, text):
    plain = demo_con.execute(
        "select count(*) from fact_repairs_job where contains(lower(coalesce(contractor, '')), lower($t)) "
        "or contains(lower(coalesce(trade, '')), lower($t)) or contains(lower(coalesce(estate, '')), lower($t))",
        {"t": text}).fetchone()[0]
    rows = _run(demo_con, value_search_sql(LAYER, FACT, ["contractor", "trade", "estate"], text, EVERYTHING))
    assert sum(r["row_count"] for r in rows) == plain

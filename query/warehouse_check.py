"""Does the semantic layer fit a warehouse? Every fact x dimension and every measure compiled by the query layer and
bound against the warehouse's tables, so a misspelt column or table in a YAML edit is found before a page meets it.

Called by tests and tools, never at import or app start-up (binding ~200 queries takes a second or two)."""

from __future__ import annotations

import duckdb

from data_models.semantic_layer import SemanticLayer, SemanticLayerError
from query import compiler as query
from query.scope import EVERYTHING  # the data team's check of a build reads every row


def check_against_warehouse(layer: SemanticLayer, con) -> None:
    """Compile every fact x dimension and every measure and bind it against `con` (a DuckDB connection with the
    warehouse's tables); raise SemanticLayerError listing each table, column or expression that does not fit."""
    problems = []
    for fact in layer.facts.values():
        for dimension in layer.applicable_dimensions(fact.name):
            compiled = query.filter_values_sql(layer, dimension, {}, fact.name, scope=EVERYTHING)
            problems += _bind_problem(con, compiled.sql, f"{fact.name} -> {dimension}")
            problems += _unmatched_problem(con, layer, fact.name, dimension)
    for measure in layer.measures.values():
        compiled = query.measure_sql(layer, [measure.name], scope=EVERYTHING)
        problem = _bind_problem(con, compiled.sql, f"measure {measure.name}")
        role = layer.date_role(measure.fact, [measure.name])
        if not problem and measure.date and role:  # its own date role: bind a date dimension through it
            dated = [d for d in layer.applicable_dimensions(measure.fact, role) if layer.dimension(d).date]
            grouped = query.measure_sql(layer, [measure.name], dated[:1], scope=EVERYTHING)
            problem = _bind_problem(con, grouped.sql, f"measure {measure.name} (date: {role})")
        problems += problem
    if problems:
        raise SemanticLayerError(problems, where="the semantic layer against this warehouse")


def _bind_problem(con, sql: str, what: str) -> list[str]:
    try:
        con.execute(f"select * from ({sql}) limit 0").fetchall()
    except duckdb.Error as error:
        return [f"{what}: {str(error).splitlines()[0]}"]
    return []


def _unmatched_problem(con, layer: SemanticLayer, fact: str, dimension: str) -> list[str]:
    """A `match:` reach whose value is not a member of the dimension (a misspelt service code) leaves rows out."""
    import duckdb

    from query import compiler as query

    sql = query.unmatched_rows_sql(layer, fact, dimension)
    if sql is None:
        return []
    try:
        count = con.execute(sql).fetchall()[0][0]
    except duckdb.Error:
        return []  # the bind check reports it
    return [f"{fact} -> {dimension}: {count} row(s) match no member of the dimension"] if count else []

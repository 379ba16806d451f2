"""Row-level records of one fact, for reports that publish every line (the Transparency Code spend file).

The pages only ever get aggregated rows (query.compiler caps them at a few thousand); a published file needs every
line, so records_sql has no row cap. It keeps the compiler's two rules all the same: every value is a bound parameter
($p0, $p1, ...), and every table, column and expression comes from the semantic layer or from the calling code,
never from a request: fact columns are checked against IDENTIFIER_PATTERN. The fact's `where:` (the home council's
rows) and the caller's scope apply exactly as in measure_sql, through the same _Compiler.

Like the *_sql functions of query.compiler these are pure: they return a Query and touch no database. Read the rows
with query.reading.rows, which returns them all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from data_models.semantic_layer import IDENTIFIER_PATTERN, SemanticLayer
from query.compiler import Query, QueryError, _Compiler, split_selections
from query.scope import Scope

NO_LIMIT = sys.maxsize  # Query.limit: compiler.run() would keep every row of a records query


def records_sql(
    layer: SemanticLayer,
    fact: str,
    columns: Sequence[str],
    dimensions: Iterable[str] = (),
    selections: Mapping[str, Any] | None = None,
    *,
    scope: Scope,
    between: Mapping[str, tuple[Any, Any]] | None = None,
    order_by: Sequence[str] = (),
) -> Query:
    """One row per row of `fact` that the layer, the scope and the selections let through, with the fact's own
    `columns` (named as in the table) and, for each of `dimensions`, its value as `<dim>` and its label as
    `<dim>_label`.

    between: {fact column: (first, last)}, inclusive, both bound as parameters (None for an open end): a
    quarter's payment dates. order_by: fact columns, each ascending with NULLs last.

    A selection on a dimension the fact cannot filter is an error here, not a note: a published file must never
    hold more rows than were asked for. A fact outside `scope` raises OutOfScope, as measure_sql does."""
    fact_columns = _checked_columns(columns, "column")
    order_columns = _checked_columns(order_by, "order_by column")
    dimensions = list(dict.fromkeys(dimensions))
    compiler = _Compiler(layer, fact, layer.date_role(fact), scope)
    for dimension in dimensions:
        compiler.require(dimension)
    _refuse_clashing_names(fact_columns, dimensions)
    applied, not_applicable = split_selections(layer, fact, compiler.date_role, selections)
    if not_applicable:
        raise QueryError(f"{', '.join(not_applicable)} cannot select rows of {fact}")
    conditions = compiler.conditions(applied) + _between_conditions(compiler, between or {})
    selected = [f'f.{column} as "{column}"' for column in fact_columns]
    for dimension in dimensions:
        selected += [f'{compiler.value(dimension)} as "{dimension}"',
                     f'{compiler.display(dimension)} as "{dimension}_label"']
    sql = f"select {', '.join(selected)}\n{compiler.source(conditions)}"
    if order_columns:
        sql += "\norder by " + ", ".join(f"f.{column} nulls last" for column in order_columns)
    return Query(sql, compiler.params.values, (), NO_LIMIT)


def column_extent_sql(layer: SemanticLayer, fact: str, column: str, *, scope: Scope) -> Query:
    """The range of one fact column over the rows the layer and the scope let through: one row (first, last,
    rows, missing), `missing` counting the rows where it is NULL. A report's default period and its 'no data'
    message come from it."""
    [column] = _checked_columns([column], "column")
    compiler = _Compiler(layer, fact, layer.date_role(fact), scope)
    sql = (f'select min(f.{column}) as "first", max(f.{column}) as "last", count(*) as "rows", '
           f'count(*) - count(f.{column}) as "missing"\n{compiler.source([])}')
    return Query(sql, compiler.params.values, (), 1)


def _checked_columns(columns: Iterable[str], what: str) -> list[str]:
    """Plain column names only: they are written into the SQL text."""
    checked = list(dict.fromkeys(columns))
    for column in checked:
        if not isinstance(column, str) or not IDENTIFIER_PATTERN.match(column):
            raise QueryError(f"{what} {column!r} is not a plain column name (lower-case letters, digits and _)")
    return checked


def _refuse_clashing_names(columns: list[str], dimensions: list[str]) -> None:
    outputs = set(columns)
    for dimension in dimensions:
        clash = {dimension, f"{dimension}_label"} & outputs
        if clash:
            raise QueryError(f"column {sorted(clash)[0]!r} clashes with dimension {dimension!r}'s output columns")


def _between_conditions(compiler: _Compiler, between: Mapping[str, tuple[Any, Any]]) -> list[str]:
    conditions = []
    for column, bounds in between.items():
        [column] = _checked_columns([column], "between column")
        first, last = bounds
        if first is not None:
            conditions.append(f"f.{column} >= {compiler.params.add(first)}")
        if last is not None:
            conditions.append(f"f.{column} <= {compiler.params.add(last)}")
    return conditions

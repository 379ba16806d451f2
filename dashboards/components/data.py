"""Data for the components: the semantic layer, cached query results, value formats and the data's as-of date.

Every query goes through query.compiler (bound parameters only) and dashboards.warehouse.current(); results are
cached with Flask-Caching under query.compiler.cache_key, whose key includes the warehouse file's identity (device,
inode, mtime, size: the same identity dashboards.warehouse reopens on), so a new build never serves an old answer.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import os
from typing import Any

from flask_caching import Cache

from access import current_scope
from dashboards.warehouse import WarehouseUnavailable, current
from data_models.formats import format_value as fmt  # noqa: F401 - pages format through data.fmt
from data_models.semantic_layer import SemanticLayer, load_semantic_layer
from query import compiler as q
from query import load_records
from query import named_selections as named
from query import selections as sel
from query.scope import OutOfScope

cache = Cache()
CACHE_TIMEOUT = 600


@functools.lru_cache(maxsize=1)
def layer() -> SemanticLayer:
    return load_semantic_layer()


def init_cache(server) -> None:
    """SimpleCache unless the Flask config names another CACHE_TYPE (RedisCache for several workers)."""
    server.config.setdefault("CACHE_TYPE", "SimpleCache")
    server.config.setdefault("CACHE_DEFAULT_TIMEOUT", CACHE_TIMEOUT)
    cache.init_app(server)


def warehouse_version() -> str:
    """The published file's identity; 'missing' when there is none (the query then says so itself)."""
    try:
        stat = os.stat(current().path)
    except OSError:
        return "missing"
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def run(query: q.Query) -> q.Result:
    """Run a Query on the current warehouse, through the cache; values are plain JSON-able Python values."""
    key = q.cache_key(query, warehouse_version())
    hit = cache.get(key)
    if hit is not None:
        return q.Result(hit["rows"], hit["truncated"], query.not_applicable)  # selections outside the SQL
    result = q.run(query, current().rows)
    rows = [{name: _plain(value) for name, value in row.items()} for row in result.rows]
    cache.set(key, {"rows": rows, "truncated": result.truncated})
    return q.Result(rows, result.truncated, result.not_applicable)


def measures(names: list[str], group_by: list[str] = (), selections=None, fact: str | None = None,
             top: int = 0) -> q.Result:
    """Aggregated rows; `top=N`: the N groups with the largest first measure (not zero)."""
    if top:
        return run(q.measure_sql(layer(), list(names), list(group_by), selections, fact=fact, limit=top, top=True,
                                 scope=current_scope()))
    return run(q.measure_sql(layer(), list(names), list(group_by), selections, fact=fact, scope=current_scope()))


def by_query(names: list[str]) -> list[list[str]]:
    """The measures in groups that one query answers (the same fact and date role), in order, the first measure's
    group first: jobs raised (by raised date) beside RP02 (by completion) are two queries."""
    groups: dict[tuple, list[str]] = {}
    for name in names:
        fact = layer().measure(name).fact
        groups.setdefault((fact, layer().date_role(fact, [name])), []).append(name)
    return list(groups.values())


def filter_values(dimension: str, selections, fact: str) -> q.Result:
    return run(q.filter_values_sql(layer(), dimension, selections, fact, scope=current_scope()))


def fact_with(facts, dimension: str) -> str | None:
    """The first of these facts that the dimension applies to, or None."""
    return next((fact for fact in facts if dimension in layer().applicable_dimensions(fact)), None)


def labels(dimension: str, values, fact: str | None = None) -> dict[str, str]:
    """{value: display label} for values of a dimension whose table shows something else (codes -> names); for a
    dimension on a fact's own column, the display that fact gives it (hour 9 -> '09:00'), when `fact` is given."""
    if layer().dimensions[dimension].date:
        return {}  # months and years read as they are (value_label)
    try:
        query = q.labels_sql(layer(), dimension, values)
        if query is None and fact is not None and dimension in layer().applicable_dimensions(fact):
            # the filter list asks the same query: a cache hit
            query = q.filter_values_sql(layer(), dimension, {}, fact, scope=current_scope())
        if query is None:
            return {}
        rows = run(query).rows
    except (WarehouseUnavailable, OutOfScope):
        return {}  # the chip shows the code; the page says why it has no data
    wanted = {str(value) for value in values}
    return {str(row["value"]): row["label"] for row in rows if row["label"] is not None and str(row["value"]) in wanted}


def data_as_of() -> dict | None:
    """The latest successful load: {'data_as_of': 'yyyy-mm-dd', 'finished': iso} or None; read within the scope
    (query.load_records: OutOfScope for a scope that reads no fact)."""
    rows = run(load_records.data_as_of_sql(current_scope())).rows
    return rows[0] if rows else None


def as_of_date() -> dt.date | None:
    """The data's as-of date (data_as_of()) as a date; None when no load says it, or none the scope may read, or
    the warehouse cannot be read (the page's parts say why they have no data)."""
    try:
        latest = data_as_of()
    except (WarehouseUnavailable, OutOfScope):
        return None
    return dt.date.fromisoformat(latest["data_as_of"][:10]) if latest and latest.get("data_as_of") else None


def _named_as_of(dimension: str) -> dt.date | None:
    """The as-of date when the dimension's named values are periods (read only then: a locality needs none)."""
    return as_of_date() if dimension in named.PERIODS else None


def resolved(state) -> sel.State:
    """The selection as the queries apply it: each named value ('@last-complete-month', '@kentish-town') replaced
    by its real values (query/named_selections.py), periods against the data's as-of date within the user's scope.
    The render path calls this once per request, before any SQL is composed; the URL, the chips and the filter
    lists keep the names. Without an as-of date a period matches nothing. An unknown name is an UnknownNamedValue
    (the request checks refuse it with a 400 before it gets here)."""
    state = sel.normalise(state)
    periods = any(named.is_named(v) for d in named.PERIODS for v in state.get(d, ()))
    return sel.normalise(named.resolve(state, as_of_date() if periods else None))


def offered_names(dimension: str) -> list[tuple[str, str, list[str]]]:
    """[(named value, its label, the real values it covers now)] for the top of the dimension's filter list."""
    return [(name, found.label, found.values) for name, found in named.covered(dimension, _named_as_of(dimension))]


# ------------------------------------------------------------------------------------------------ formats

def month_label(value: str) -> str:
    """'2025-04' -> 'Apr 2025'; anything else unchanged."""
    try:
        return dt.datetime.strptime(value, "%Y-%m").strftime("%b %Y")
    except (TypeError, ValueError):
        return str(value)


def value_label(dimension: str, value: str) -> str:
    """How a value reads in a chip or a list: 'Nov 2026', 'Last complete month (Nov 2026)', 'Kentish Town (2 wards)'."""
    if named.is_named(value):
        return named.label(dimension, value, _named_as_of(dimension)) or value
    return month_label(value) if dimension == "month" else str(value)

"""One query layer: (measures, group-by dimensions, selections) -> parameterised SQL over one fact.

The *_sql functions are pure: they return a Query (sql, params, not_applicable, limit) and touch no database,
so they are unit-tested as text. Two rules keep them safe: every selected value is a bound parameter ($p0, $p1,
...), and every table, column and expression comes from the semantic layer, never from the request. Selected
values are natural values compared as text (a ward name, '2025-26', '2025-04'), so a bookmark survives rebuilds
that renumber the surrogate keys.

The SQL has two steps: a CTE `selected_rows` that joins the dimensions needed, applies the selections and computes
each dimension's value, label and sort; then the aggregate over it. Joined columns are named `__...`, so a
measure's expression over the fact's own columns never meets an ambiguous name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from data_models.semantic_layer import LATEST_FLAG, Reach, SemanticLayer
from query.scope import SERVICE_DIMENSION, OutOfScope, Scope

DEFAULT_LIMIT = 5000  # charts and filter lists get aggregated rows only: a few thousand at most
MAX_LIMIT = 5000
SELECTED, POSSIBLE, EXCLUDED = "selected", "possible", "excluded"
# a listed value's place: selected, then possible, then excluded (filter lists, the search across fields)
STATE_RANK = f"case state when '{SELECTED}' then 0 when '{POSSIBLE}' then 1 else 2 end"


class QueryError(ValueError):
    """A request the semantic layer cannot answer (a dimension that does not apply, measures of two facts...)."""


class Query(NamedTuple):
    sql: str
    params: dict[str, Any]
    not_applicable: tuple[str, ...] = ()  # selected dimensions this fact cannot filter: "not applicable here"
    limit: int = DEFAULT_LIMIT  # rows meant; the SQL asks for one more so that run() can tell it was cut


class Result(NamedTuple):
    rows: list[dict[str, Any]]
    truncated: bool
    not_applicable: tuple[str, ...]


# --- public functions ----------------------------------------------------------------------------------------


def measure_sql(
    layer: SemanticLayer,
    measures: list[str],
    group_by: Iterable[str] = (),
    selections: Mapping[str, Any] | None = None,
    fact: str | None = None,
    limit: int = DEFAULT_LIMIT,
    top: bool = False,
    *,
    scope: Scope,
) -> Query:
    """Aggregated rows: one per combination of the group-by values (their `<dim>` and `<dim>_label` columns), with
    one column per measure, in the dimensions' sort order. Selections on dimensions that do not apply to the fact
    (or, for date dimensions, to the measures' date role) are left out and listed in `not_applicable`.

    top: only the groups whose first measure is not zero, largest first, `limit` of them (the 50 most overdue
    jobs out of 90,000: the database picks them, the page never sees the rest).

    scope: the rows the user may read (query.scope); every query names one, so none can forget it."""
    limit = _checked_limit(limit)
    measures = [measures] if isinstance(measures, str) else list(dict.fromkeys(measures))
    fact = _fact_of(layer, measures, fact)
    role = _date_role(layer, fact, measures)
    group_by = list(dict.fromkeys(group_by))  # a dimension asked twice is grouped once
    compiler = _Compiler(layer, fact, role, scope)
    for dimension in group_by:
        compiler.require(dimension)
    applied, not_applicable = split_selections(layer, fact, role, selections)
    columns = ["f.*"]
    for dimension in group_by:
        columns += [f'{compiler.value(dimension)} as "__group_{dimension}"',
                    f'{compiler.display(dimension)} as "__display_{dimension}"',
                    f'{compiler.sort(dimension)} as "__sort_{dimension}"']
    latest = _latest_flag(layer, fact, [compiler.value(d) for d in group_by])
    conditions = compiler.conditions(applied)
    cte = f"with selected_rows as (\n    select {', '.join(columns + latest)}\n{compiler.source(conditions)}\n)"
    sql = f"{cte}\n{_aggregate(layer, measures, group_by, limit, top)}"
    return Query(sql, compiler.params.values, not_applicable, limit)


def filter_values_sql(
    layer: SemanticLayer,
    dimension: str,
    selections: Mapping[str, Any] | None,
    fact: str,
    limit: int = DEFAULT_LIMIT,
    *,
    scope: Scope,
) -> Query:
    """Every value of `dimension` on `fact` with its state, as Qlik shows a filter list: rows (value, label, state,
    row_count, possible_count, clears), selected values first, then possible, then excluded, each in the
    dimension's order (newest first for a `newest_first` date dimension: months, years; not weekdays).

    state: 'selected' (in the selection), 'possible' (some row of the fact matches every selection on the OTHER
    dimensions and has this value), else 'excluded'. row_count counts the fact's rows with the value ignoring all
    selections; possible_count those that also match the other selections. Values no row has (a NULL) are not
    listed; a selected value that no row has is listed, so that it can be removed. Only rows in `scope` count.

    clears: for an excluded value, the other dimensions whose selections a click on it clears (Qlik's rule,
    docs/selection-rules.md): each one whose selection alone excludes it; all of them when the rest still exclude
    it together. Each row carries a bit per other selection it matches, so one pass over the fact tells both."""
    limit = _checked_limit(limit)
    compiler = _Compiler(layer, fact, layer.date_role(fact), scope)
    compiler.require(dimension)
    applied, not_applicable = split_selections(layer, fact, compiler.date_role, selections)
    chosen = applied.pop(dimension, [])
    applied = dict(sorted(applied.items()))  # each other selection's bit, and the clears, in name order
    others = list(applied)
    mask = mask_sql(compiler, applied)
    selected_rows = (
        f"select {compiler.value(dimension)} as value, {compiler.display(dimension)} as label, "
        f"{compiler.sort(dimension)} as sort_key, {mask} as mask\n"
        f"{compiler.source([])}"
    )
    chosen_params = [compiler.params.add(value) for value in chosen]
    # matched: the selections some row of the value matches; top: its largest mask, which is `matched` exactly when
    # one row matches all of those (a superset of every other mask is the largest), the value is then possible
    # once the selections no row matches are cleared (_clears_sql)
    sources = ["select value, label, sort_key, count(*) as row_count, "
               f"count(*) filter (where mask = {(1 << len(others)) - 1}) as possible_count, "
               "bit_or(mask) as matched, max(mask) as top "
               "from selected_rows where value is not null group by value, label, sort_key"]
    sources += _members(layer, compiler, dimension)
    if chosen_params:
        sources.append(f"select value, null, null, 0, 0, null, null from "
                       f"(values {', '.join(f'({p})' for p in chosen_params)}) as chosen(value)")
    state = (f"case when value in ({', '.join(chosen_params)}) then '{SELECTED}' " if chosen_params else "case ")
    state += f"when possible_count > 0 then '{POSSIBLE}' else '{EXCLUDED}' end"
    direction = " desc" if layer.dimension(dimension).newest_first else ""
    sql = (
        f"with selected_rows as (\n    {selected_rows}\n),\n"
        f"listed as (\n    select value, coalesce(max(label), value) as label, min(sort_key) as sort_key, "
        f"sum(row_count) as row_count, sum(possible_count) as possible_count, bit_or(matched) as matched, "
        f"max(top) = bit_or(matched) as kept_possible\n"
        f"    from (\n        {(chr(10) + '        union all ').join(sources)}\n"
        f"    ) as sources\n    group by value\n),\n"
        f"stated as (\n    select *, {state} as state from listed\n)\n"
        f"select value, label, state, row_count, possible_count, {_clears_sql(compiler, others)} as clears\n"
        f"from stated\norder by {STATE_RANK}, sort_key{direction} nulls last, value{direction}\nlimit {limit + 1}"
    )
    return Query(sql, compiler.params.values, not_applicable, limit)


def mask_sql(compiler: _Compiler, applied: Mapping[str, list[str]]) -> str:
    """A row's bits: bit i set when it matches the i-th selection of `applied` (in its order), so that one pass over
    the fact tells each value's state and which selections exclude it (filter_values_sql, query.search)."""
    return " + ".join(f"(case when {condition} then {1 << bit} else 0 end)"
                      for bit, condition in enumerate(compiler.conditions(applied))) or "0"


def _clears_sql(compiler: _Compiler, others: list[str]) -> str:
    """The list of other dimensions a click on an excluded value clears (filter_values_sql): none for a value
    that is not excluded or that no row has; else those whose own bit no row of the value has, or every one when
    the rows still miss the rest together."""
    if not others:
        return "[]::varchar[]"
    names = [compiler.params.add(name) for name in others]
    alone = " || ".join(f"(case when (matched & {1 << bit}) = 0 then [{name}] else [] end)"
                        for bit, name in enumerate(names))
    return (f"case when state <> '{EXCLUDED}' or row_count = 0 then []::varchar[] "
            f"when kept_possible then ({alone})::varchar[] else [{', '.join(names)}]::varchar[] end")


def split_selections(
    layer: SemanticLayer, fact: str, date_role: str | None, selections: Mapping[str, Any] | None
) -> tuple[dict[str, list[str]], tuple[str, ...]]:
    """(selections this fact can apply, names of the selected dimensions it cannot). Every name must be a
    dimension of the layer (UnknownNameError otherwise); values become text, empty selections are dropped."""
    applicable = set(layer.applicable_dimensions(fact, date_role))
    applied, not_applicable = {}, []
    for dimension, values in (selections or {}).items():
        layer.dimension(dimension)
        values = [str(v) for v in ([values] if isinstance(values, str | int | float) else values or [])]
        if not values:
            continue
        if dimension in applicable:
            applied[dimension] = values
        else:
            not_applicable.append(dimension)
    return applied, tuple(sorted(not_applicable))


def unmatched_rows_sql(layer: SemanticLayer, fact: str, dimension: str) -> str | None:
    """For a `match:` reach, the SQL counting the fact's rows whose value is no member of the dimension (a
    misspelt constant); None for other reaches. Used by query.warehouse_check, the data team's check of a build,
    which reads every row."""
    compiler = _Compiler(layer, fact, layer.date_role(fact), Scope())
    reach = compiler.reach(dimension)
    if reach.match is None:
        return None
    condition = f"({reach.match}) is not null and {compiler.value(dimension)} is null"
    return f"select count(*)\n{compiler.source([condition])}"


def run(query: Query, rows: Callable[[str, dict[str, Any]], list[dict[str, Any]]]) -> Result:
    """Run a Query with `rows(sql, params)` (e.g. dashboards.warehouse.current().rows): at most `limit` rows,
    `truncated` when there were more (the page says so instead of drawing a partial chart silently)."""
    found = rows(query.sql, query.params)
    return Result(found[: query.limit], len(found) > query.limit, query.not_applicable)


def cache_key(query: Query, warehouse_version: str) -> str:
    """A Flask-Caching key: the same SQL and values on the same published warehouse give the same answer; a new
    build (a new version) never serves an old answer."""
    payload = json.dumps([warehouse_version, query.sql, sorted(query.params.items())], default=str)
    return "q:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- compiling ---------------------------------------------------------------------------------------------


@dataclass
class _Params:
    """Bound parameters $p0, $p1, ...: the only way a selected value reaches the SQL."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


@dataclass
class _Join:
    alias: str
    reach: Reach
    dimensions: list[str] = field(default_factory=list)


class _Compiler:
    """The FROM clause of one fact with the dimension joins a query needs, and each dimension's SQL."""

    def __init__(self, layer: SemanticLayer, fact: str, date_role: str | None, scope: Scope):
        self.layer, self.fact, self.date_role = layer, layer.fact(fact), date_role
        self.params = _Params()
        self._joins: dict[tuple, _Join] = {}
        self._scope = self._scope_conditions(scope)

    def _scope_conditions(self, scope: Scope) -> list[str]:
        """The user's scope as conditions on every row the query reads (bound parameters, like selections)."""
        if not isinstance(scope, Scope) or not scope.reads(self.fact.name):
            raise OutOfScope()
        if scope.services is None:
            return []
        if SERVICE_DIMENSION not in self.layer.applicable_dimensions(self.fact.name, self.date_role):
            raise OutOfScope()  # rows that cannot be told apart by service are read by an unrestricted scope only
        if not scope.services:
            return ["false"]
        values = ", ".join(self.params.add(code) for code in sorted(scope.services))
        return [f"{self.value(SERVICE_DIMENSION)} in ({values})"]

    def require(self, dimension: str) -> None:
        self.layer.dimension(dimension)
        if dimension not in self.layer.applicable_dimensions(self.fact.name, self.date_role):
            why = " (its measures have no date role)" if self.layer.dimension(dimension).date else ""
            raise QueryError(f"dimension {dimension!r} does not apply to {self.fact.name}{why}")

    def reach(self, dimension: str) -> Reach:
        self.require(dimension)
        return self.layer.reach(self.fact.name, dimension, self.date_role)

    def value(self, dimension: str) -> str:
        reach = self.reach(dimension)
        if reach.table is None:
            return f"cast(({reach.column}) as varchar)"
        return f'{self._join(dimension, reach).alias}."__value_{dimension}"'

    def display(self, dimension: str) -> str:
        reach = self.reach(dimension)
        if reach.table is None:
            return f"cast(({reach.display or reach.column}) as varchar)"
        return f'{self._join(dimension, reach).alias}."__display_{dimension}"'

    def sort(self, dimension: str) -> str:
        reach = self.reach(dimension)
        if reach.table is None:
            return f"({reach.sort or reach.column})"
        return f'{self._join(dimension, reach).alias}."__sort_{dimension}"'

    def conditions(self, selections: Mapping[str, list[str]]) -> list[str]:
        """One `value in ($p..)` per selected dimension; NULL values never match a selection."""
        return [
            f"{self.value(dimension)} in ({', '.join(self.params.add(v) for v in values)})"
            for dimension, values in selections.items()
        ]

    def source(self, conditions: list[str]) -> str:
        """FROM the fact with its joins, WHERE the fact's own rows and the conditions."""
        lines = [f"    from {self.fact.table_name} as f"]
        lines += [f"    left join {self._join_table(join)} as {join.alias}\n        on {self._join_on(join)}"
                  for join in self._joins.values()]
        where = ([f"({self.fact.where})"] if self.fact.where else []) + self._scope + conditions
        if where:
            lines.append("    where " + "\n        and ".join(where))
        return "\n".join(lines)

    def _join(self, dimension: str, reach: Reach) -> _Join:
        # one join per table and fact key (month and financial_year share dim_date); a match join per dimension
        ident = (reach.table, reach.table_key, reach.fact_key) if reach.match is None else ("match", dimension)
        join = self._joins.setdefault(ident, _Join(f"j{len(self._joins)}", reach))
        if dimension not in join.dimensions:
            join.dimensions.append(dimension)
        return join

    def _join_table(self, join: _Join) -> str:
        columns = [f'{join.reach.table_key} as "__key"'] if join.reach.match is None else []
        for name in join.dimensions:
            columns += _member_columns(self.layer, name, suffix=f"_{name}")
        select = f"select {', '.join(columns)} from {join.reach.table}"
        if join.reach.match is None:
            return f"({select})"
        # joining on a value must not multiply the fact's rows, even if two members share the value
        name = join.dimensions[0]
        return (f'(select "__value_{name}", any_value("__display_{name}") as "__display_{name}", '
                f'min("__sort_{name}") as "__sort_{name}" from ({select}) as members group by "__value_{name}")')

    def _join_on(self, join: _Join) -> str:
        if join.reach.match is None:
            return f'{join.alias}."__key" = f.{join.reach.fact_key}'
        return f'{join.alias}."__value_{join.dimensions[0]}" = cast(({join.reach.match}) as varchar)'


def _member_columns(layer: SemanticLayer, dimension: str, suffix: str = "") -> list[str]:
    """A dimension's value (as text), display and sort, over its table's columns."""
    dim = layer.dimension(dimension)
    return [f'cast(({dim.value}) as varchar) as "__value{suffix}"',
            f'cast(({dim.display or dim.value}) as varchar) as "__display{suffix}"',
            f'({dim.sort or dim.value}) as "__sort{suffix}"']


def labels_sql(layer: SemanticLayer, dimension: str, values: Iterable[str]) -> Query | None:
    """The display labels of some values of a dimension (a chip shows 'Adults and Health', not 'ADH'): rows
    (value, label) from the dimension's table. None when the dimension has no table or no separate display, as
    its values are their own labels."""
    dim = layer.dimension(dimension)
    values = [str(value) for value in values]
    if dim.table is None or dim.display is None or not values:
        return None
    params = _Params()
    wanted = ", ".join(params.add(value) for value in values)
    members = ", ".join(_member_columns(layer, dimension))
    sql = (f'select distinct "__value" as value, "__display" as label\nfrom (select {members} from {dim.table}) '
           f'as members\nwhere "__value" in ({wanted})')
    return Query(sql, params.values, (), len(values))


def _members(layer: SemanticLayer, compiler: _Compiler, dimension: str) -> list[str]:
    """`all_members` dimensions list their table's members even where the fact has no row (count 0)."""
    dim = layer.dimension(dimension)
    if not dim.all_members or compiler.reach(dimension).table is None:
        return []
    members = f'select {", ".join(_member_columns(layer, dimension))} from {dim.table}'
    return [f'select "__value", "__display", "__sort", 0, 0, null, null from ({members}) as members '
            'where "__value" is not null']


def _aggregate(layer: SemanticLayer, measures: list[str], group_by: list[str], limit: int, top: bool = False) -> str:
    columns = []
    for dimension in group_by:
        columns += [f'"__group_{dimension}" as "{dimension}"',
                    f'any_value("__display_{dimension}") as "{dimension}_label"']
    columns += [f'{layer.measure(name).sql} as "{name}"' for name in measures]
    sql = f"select {', '.join(columns)}\nfrom selected_rows"
    if group_by:
        groups = ", ".join(f'"__group_{d}"' for d in group_by)
        order = ", ".join(f'min("__sort_{d}") nulls last, "__group_{d}" nulls last' for d in group_by)
        if top:
            first = layer.measure(measures[0]).sql
            sql += f"\ngroup by {groups}\nhaving coalesce({first}, 0) <> 0\norder by {first} desc, {order}"
            return sql + f"\nlimit {limit}"  # the top rows are the point: no "cut" row
        sql += f"\ngroup by {groups}\norder by {order}\nlimit {limit + 1}"
    return sql


def _latest_flag(layer: SemanticLayer, fact: str, group_values: list[str]) -> list[str]:
    """Facts with `latest:` get is_latest_period: the row is of the latest period among the selected rows of its
    group (and `per` columns), so an annual budget repeated on every monthly line is counted once."""
    latest = layer.fact(fact).latest
    if latest is None:
        return []
    partition = [f"f.{column}" for column in latest.per] + group_values
    over = f"partition by {', '.join(partition)}" if partition else ""
    return [f"coalesce(f.{latest.order} = max(f.{latest.order}) over ({over}), false) as {LATEST_FLAG}"]


def _fact_of(layer: SemanticLayer, measures: list[str], fact: str | None) -> str:
    if not measures:
        raise QueryError("ask for at least one measure")
    facts = {layer.measure(name).fact for name in measures}
    if fact is not None:
        layer.fact(fact)
        facts.add(fact)
    if len(facts) > 1:
        raise QueryError(f"measures {', '.join(measures)} are over different facts ({', '.join(sorted(facts))}): "
                         "one query reads one fact")
    return facts.pop()


def _date_role(layer: SemanticLayer, fact: str, measures: list[str]) -> str | None:
    try:
        return layer.date_role(fact, measures)
    except ValueError as error:
        raise QueryError(str(error)) from None


def _checked_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be a whole number from 1 to {MAX_LIMIT} (charts get aggregated rows only)")
    return limit

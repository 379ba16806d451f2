"""Search across a page's fields: every value of some dimensions whose label (or value) contains a text, with its
state under the selection, as Qlik's search across fields lists them ("kentish" finds wards, estates, contractors).

Pure, like query.compiler (whose compiler it uses): value_search_sql returns a Query and touches no database. The
text reaches the SQL only as a bound ILIKE pattern with LIKE's wildcards escaped, so "%" finds a percent sign and
never every value; the rows read are the user's scope only. One pass over the fact answers every field: each row
carries its fields' values and a bit per selection it matches (as filter_values_sql does), so a value's state and
what a click on an excluded one clears come out of the same pass."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from data_models.semantic_layer import SemanticLayer
from query.compiler import (
    EXCLUDED,
    POSSIBLE,
    SELECTED,
    STATE_RANK,
    Query,
    _checked_limit,
    _clears_sql,
    _Compiler,
    mask_sql,
    split_selections,
)
from query.scope import Scope

PER_FIELD = 8      # values listed per field: enough to recognise, few enough to read
MAX_TEXT = 100     # characters searched; a longer text is refused with a sentence, never run
MIN_TEXT = 2       # one letter matches most of every field: on the medium demo that is 3 times as slow
LIKE_ESCAPE = "\\"


class SearchTextError(ValueError):
    """A search text that cannot be searched (too long, nothing but spaces and control characters)."""


def search_text(raw: Any) -> str:
    """The text to search for: control characters dropped, spaces trimmed; '' for nothing to search. A text over
    MAX_TEXT characters, under MIN_TEXT, or not text at all is a SearchTextError, whose message the page shows."""
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise SearchTextError("Type a word to search for.")
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc").strip()
    if len(text) > MAX_TEXT:
        raise SearchTextError(f"Search for at most {MAX_TEXT} characters.")
    if 0 < len(text) < MIN_TEXT:
        raise SearchTextError(f"Type at least {MIN_TEXT} characters to search.")
    return text


def like_pattern(text: str) -> str:
    """'%text%' with LIKE's own characters (% _ and the escape) taken literally."""
    escaped = "".join(LIKE_ESCAPE + ch if ch in "%_" + LIKE_ESCAPE else ch for ch in text)
    return f"%{escaped}%"


def value_search_sql(
    layer: SemanticLayer,
    fact: str,
    dimensions: Iterable[str],
    text: str,
    scope: Scope,
    limit: int = PER_FIELD,
    *,
    selections: Mapping[str, Any] | None = None,
) -> Query:
    """Rows (dimension, value, label, state, row_count, clears): for each dimension in the order given, up to
    `limit` of its values whose label or value contains `text` (case-insensitive), selected first, then possible,
    then excluded, each in the dimension's order. state and clears as filter_values_sql gives them: a field's own
    selection never excludes its values, and an excluded value names the other selections a click on it clears."""
    limit = _checked_limit(limit)
    dimensions = list(dict.fromkeys(dimensions))
    compiler = _Compiler(layer, fact, layer.date_role(fact), scope)
    for dimension in dimensions:
        compiler.require(dimension)
    applied, not_applicable = split_selections(layer, fact, compiler.date_role, selections)
    applied = dict(sorted(applied.items()))  # a bit per selection, in name order (_clears_sql names them so)
    others = list(applied)
    mask = mask_sql(compiler, applied)
    pattern = compiler.params.add(like_pattern(text))
    columns = [f'{compiler.value(d)} as "v{i}", {compiler.display(d)} as "l{i}", {compiler.sort(d)} as "s{i}"'
               for i, d in enumerate(dimensions)]
    hits = [_hits_sql(compiler, i, d, 1 << others.index(d) if d in others else 0, pattern)
            for i, d in enumerate(dimensions)]
    chosen = _chosen_sql(compiler, dimensions, applied)
    full = (1 << len(others)) - 1
    sql = (
        f"with selected_rows as (\n    select {', '.join(columns)}, {mask} as mask\n{compiler.source([])}\n),\n"
        f"hits as (\n    {(chr(10) + '    union all ').join(hits)}\n),\n"
        # kept_possible: one row matches every selection any row of the value matches (its mask is then the
        # largest), so clearing the selections no row matches makes it possible (as filter_values_sql)
        "listed as (\n    select field, any_value(dimension) as dimension, value, min(label) as label, "
        f"min(sort_key) as sort_key, count(*) as row_count, bool_or(mask = {full}) as possible, "
        "bit_or(mask) as matched, max(mask) = bit_or(mask) as kept_possible\n"
        "    from hits group by field, value\n),\n"
        f"stated as (\n    select *, case when {chosen} then '{SELECTED}' when possible then '{POSSIBLE}' "
        f"else '{EXCLUDED}' end as state from listed\n),\n"
        "ranked as (\n    select *, row_number() over (partition by field order by "
        f"{STATE_RANK}, sort_key nulls last, value) "
        "as place from stated\n)\n"
        f"select dimension, value, label, state, row_count, {_clears_sql(compiler, others)} as clears\n"
        f"from ranked where place <= {limit}\norder by field, place"
    )
    return Query(sql, compiler.params.values, not_applicable, limit * max(len(dimensions), 1))


def _hits_sql(compiler: _Compiler, field: int, dimension: str, own_bit: int, pattern: str) -> str:
    """One field's rows whose value matches; its own selection's bit set, as it never excludes its values."""
    name = compiler.params.add(dimension)
    label = f'coalesce("l{field}", "v{field}")'
    return (f'select {field} as field, {name}::varchar as dimension, "v{field}" as value, {label} as label, '
            # a rank, not the sort column itself: fields sort by columns of different types
            f'dense_rank() over (order by "s{field}" nulls last, "v{field}") as sort_key, '
            f'mask | {own_bit} as mask from selected_rows where "v{field}" is not null '
            f"and ({label} ilike {pattern} escape '{LIKE_ESCAPE}' or \"v{field}\" ilike {pattern} "
            f"escape '{LIKE_ESCAPE}')")


def _chosen_sql(compiler: _Compiler, dimensions: list[str], applied: Mapping[str, list[str]]) -> str:
    """The condition that a listed value is selected in its own field."""
    parts = [f"(field = {i} and value in ({', '.join(compiler.params.add(v) for v in applied[d])}))"
             for i, d in enumerate(dimensions) if d in applied]
    return " or ".join(parts) or "false"

"""The global selection state {dimension: [values]}: pure helpers, no Dash, no database.

The state lives in the browser (a dcc.Store) and in the URL, so a link reproduces a view. Every helper returns a
new, normalised state (dimensions and values sorted, values as text, no empty lists, no repeats) and never changes
its argument: the same selection always gives the same URL and the same cache key, whatever order the clicks came in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

State = dict[str, list[str]]


def normalise(state: Mapping[str, Any] | None) -> State:
    """Sorted dimensions, sorted unique text values; a dimension with no values is no selection."""
    result = {}
    for dimension, values in (state or {}).items():
        values = [values] if isinstance(values, str | int | float) else list(values or [])
        cleaned = sorted({str(value) for value in values if value is not None and str(value) != ""})
        if cleaned:
            result[str(dimension)] = cleaned
    return dict(sorted(result.items()))


def toggle(state: Mapping[str, Any] | None, dimension: str, value: Any) -> State:
    """A click on a chart element, map area or filter-list value: select it, or unselect it if selected."""
    current = normalise(state)
    values = set(current.get(dimension, []))
    values ^= {str(value)}
    return normalise({**current, dimension: sorted(values)})


def toggle_together(state: Mapping[str, Any] | None, pairs: Iterable[tuple[str, Any]]) -> State:
    """A heat-map cell names two values (an hour and a weekday): select both, or unselect both when both are
    already selected."""
    current = normalise(state)
    pairs = [(dimension, str(value)) for dimension, value in pairs]
    if all(value in current.get(dimension, []) for dimension, value in pairs):
        for dimension, value in pairs:
            current = remove(current, dimension, value)
        return current
    for dimension, value in pairs:
        current = normalise({**current, dimension: [*current.get(dimension, []), value]})
    return current


def replace(state: Mapping[str, Any] | None, dimension: str, values: Iterable[Any]) -> State:
    """Set a dimension's selection to exactly these values (a lasso or a multi-select list)."""
    return normalise({**normalise(state), dimension: list(values)})


def remove(state: Mapping[str, Any] | None, dimension: str, value: Any = None) -> State:
    """A chip's x: drop one value, or the whole dimension when no value is given."""
    current = normalise(state)
    if value is None:
        current.pop(dimension, None)
        return current
    return normalise({**current, dimension: [v for v in current.get(dimension, []) if v != str(value)]})


def clear(state: Mapping[str, Any] | None = None, dimensions: Iterable[str] | None = None) -> State:
    """"Clear all", or clear only some dimensions."""
    if dimensions is None:
        return {}
    dropped = set(dimensions)
    return {dimension: values for dimension, values in normalise(state).items() if dimension not in dropped}


def to_query_string(state: Mapping[str, Any] | None) -> str:
    """`financial_year=2025-26&ward=Belsize&ward=King%27s%20Cross`: one key per value, stable order."""
    pairs = [(dimension, value) for dimension, values in normalise(state).items() for value in values]
    return urlencode(pairs, quote_via=quote, safe="")


def from_query_string(query: str | Mapping[str, Any] | None, dimensions: Iterable[str] | None = None) -> State:
    """The state from a URL's query string (with or without '?') or from the mapping Dash gives a page's layout()
    (a value is a string, or a list when the key repeats). Keys that are not dimensions (other page parameters,
    a dimension renamed since the bookmark) are ignored when `dimensions` is given."""
    if isinstance(query, str):
        grouped: dict[str, list[str]] = {}
        for key, value in parse_qsl(query.removeprefix("?"), keep_blank_values=False):
            grouped.setdefault(key, []).append(value)
        query = grouped
    state = normalise(query)
    if dimensions is not None:
        known = set(dimensions)
        state = {dimension: values for dimension, values in state.items() if dimension in known}
    return state


# --- a page's default selection ---------------------------------------------------------------------------------
# A page may open on a default selection (the budget page: the current financial year and the latest complete
# month), as a Qlik default bookmark does. The defaults are ordinary selections once applied (chips, URL, other
# pages); they are applied only when none of their dimensions is selected or removed, so a year picked elsewhere is
# never paired with a default month of another year. Removing them writes `all=<dimension>` to the URL, so a link
# to the view without them still shows it without them. assets/selection_state.js mirrors these functions.

REMOVED_KEY = "all"  # ?all=month: "every month", the page's default month removed


def removed_defaults(query: str | Mapping[str, Any] | None) -> list[str]:
    """The dimensions whose default the URL says was removed (`all=` keys), sorted."""
    if isinstance(query, str):
        values = [value for key, value in parse_qsl(query.removeprefix("?")) if key == REMOVED_KEY]
    else:
        raw = (query or {}).get(REMOVED_KEY) or []
        values = [raw] if isinstance(raw, str) else list(raw)
    return sorted({str(value) for value in values if value})


def with_defaults(state: Mapping[str, Any] | None, removed: Iterable[str], defaults: Mapping[str, Any] | None) -> State:
    """The state a page shows: its defaults added when none of their dimensions is selected or removed."""
    current, defaults = normalise(state), normalise(defaults)
    touched = set(current) | set(removed)
    if not defaults or touched & set(defaults):
        return current
    return normalise({**current, **defaults})


def search_for(state: Mapping[str, Any] | None, removed: Iterable[str], defaults: Mapping[str, Any] | None) -> str:
    """The URL query string of a state on a page with these defaults: the state, then `all=` for each removed
    default not selected again (and for this page's defaults when the state holds none of them)."""
    current, defaults = normalise(state), normalise(defaults)
    marked = set(removed)
    if defaults and not set(current) & set(defaults):
        marked |= set(defaults)
    marked -= set(current)
    pairs = to_query_string(current)
    extra = urlencode([(REMOVED_KEY, dimension) for dimension in sorted(marked)], quote_via=quote, safe="")
    return "&".join(part for part in (pairs, extra) if part)


def pick_over_defaults(state: Mapping[str, Any] | None, dimension: str, value: Any,
                       defaults: Mapping[str, Any] | None) -> State:
    """A click while the page still shows exactly its defaults, on another value of one of their dimensions,
    starts from there: that value replaces the default and the other defaults are let go (the year clicked on the
    budget page is read at its own latest month, not paired with this year's month). Any other click toggles."""
    current, defaults = normalise(state), normalise(defaults)
    untouched = bool(defaults) and all(current.get(d) == v for d, v in defaults.items())
    if untouched and dimension in defaults and [str(value)] != defaults[dimension]:
        kept = {d: v for d, v in current.items() if d not in defaults}
        return normalise({**kept, dimension: [str(value)]})
    return toggle(current, dimension, value)

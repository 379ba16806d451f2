"""Named selection values: relative periods ('@last-complete-month') that stay relative in a URL or bookmark and are
resolved, once, against the data's as-of date before any SQL is composed. Pure functions: the caller passes the
as-of date (dashboards.components.data reads it within the user's scope).

A name starts with '@', which no month ('2026-11') or financial year ('2026-27') can, so a named value can never be
mistaken for a real one. An unknown name is an UnknownNamedValue (a ValueError: the page answers it with a 4xx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from query.periods import financial_year_of, previous_financial_year

PREFIX = "@"


class UnknownNamedValue(ValueError):
    pass


class Resolved(NamedTuple):
    values: list[str]
    label: str  # 'Last complete month (Nov 2026)'


def _month(date: dt.date) -> str:
    return f"{date.year}-{date.month:02d}"


def last_complete_month(as_of: dt.date) -> str:
    """The latest month that has ended by `as_of` (as-of 31 Mar: March; 1 Apr: March too)."""
    if (as_of + dt.timedelta(days=1)).month != as_of.month:
        return _month(as_of)
    return _month(as_of.replace(day=1) - dt.timedelta(days=1))


def months_back(month: str, count: int) -> list[str]:
    """The `count` months ending with `month`, oldest first."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _short(month: str) -> str:
    return dt.datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def _last_complete(as_of):
    month = last_complete_month(as_of)
    return Resolved([month], f"Last complete month ({_short(month)})")


def _last_12(as_of):
    months = months_back(last_complete_month(as_of), 12)
    return Resolved(months, f"Last 12 months ({_short(months[0])} – {_short(months[-1])})")


def _this_year(as_of):
    year = financial_year_of(_month(as_of))
    return Resolved([year], f"This financial year ({year})")


def _last_year(as_of):
    year = previous_financial_year(financial_year_of(_month(as_of)))
    return Resolved([year], f"Last financial year ({year})")


# {dimension: {name: (title, resolver)}}, in the order the filter lists offer them
NAMED = {
    "month": {
        "@last-complete-month": ("Last complete month", _last_complete),
        "@last-12-months": ("Last 12 months", _last_12),
    },
    "financial_year": {
        "@this-financial-year": ("This financial year", _this_year),
        "@last-financial-year": ("Last financial year", _last_year),
    },
}


def is_named(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _named(dimension: str, value: str) -> tuple:
    """(title, resolver) of a named value; UnknownNamedValue for a name the dimension does not have."""
    try:
        return NAMED[dimension][value]
    except KeyError:
        raise UnknownNamedValue(f"'{value}' is not a named value of {dimension}; "
                                f"known: {', '.join(NAMED.get(dimension, {})) or 'none'}") from None


def resolve_value(dimension: str, value: str, as_of: dt.date) -> Resolved:
    return _named(dimension, value)[1](as_of)


def offered(dimension: str, as_of: dt.date | None) -> list[tuple[str, str]]:
    """[(named value, label with its resolved range)] for the top of a filter list; [] when as-of is unknown."""
    if as_of is None:
        return []
    return [(name, resolve_value(dimension, name, as_of).label) for name in NAMED.get(dimension, {})]


def resolve(selections: Mapping[str, Any] | None, as_of: dt.date | None) -> dict[str, list[str]]:
    """The selections with every named value replaced by its real values (order kept, duplicates dropped).
    Without an as-of date a named value cannot be resolved and matches nothing (no rows, said by the page)."""
    resolved: dict[str, list[str]] = {}
    for dimension, values in (selections or {}).items():
        values = [values] if isinstance(values, str | int | float) else list(values or [])
        out: list[str] = []
        for value in values:
            if not is_named(value):
                out.append(value)
            elif as_of is not None:
                out += resolve_value(dimension, value, as_of).values
            else:  # kept as it is: no real value starts with '@', so it matches nothing (never everything)
                _named(dimension, value)  # an unknown name is still refused
                out.append(value)
        resolved[dimension] = list(dict.fromkeys(out))
    return resolved


def label(dimension: str, value: str, as_of: dt.date | None) -> str | None:
    """A chip's label for a named value ('Last complete month (Nov 2026)'); None for a real value."""
    if not is_named(value):
        return None
    if as_of is None:
        return NAMED.get(dimension, {}).get(value, (value,))[0]
    return resolve_value(dimension, value, as_of).label

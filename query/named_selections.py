"""Named selection values: relative periods ('@last-complete-month') and the council's localities ('@kentish-town',
data_models/seeds/ward_groups.yaml) that stay named in a URL or bookmark and are resolved, once per request, into
real values before any SQL is composed. Pure functions but for reading the localities' configuration: the caller
passes the as-of date (dashboards.components.data reads it within the user's scope).

A name starts with '@', which no month ('2026-11'), financial year ('2026-27') or ward name can, so a named value
can never be mistaken for a real one. An unknown name is an UnknownNamedValue (a ValueError: the page answers it
with a 4xx)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from data_models.ward_codes import WardGroup, ward_groups
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


# {dimension: {name: (title, resolver of an as-of date)}}, in the order the filter lists offer them
PERIODS = {
    "month": {
        "@last-complete-month": ("Last complete month", _last_complete),
        "@last-12-months": ("Last 12 months", _last_12),
    },
    "financial_year": {
        "@this-financial-year": ("This financial year", _this_year),
        "@last-financial-year": ("Last financial year", _last_year),
    },
}
WARD = "ward"
Groups = Mapping[str, WardGroup]   # {'@kentish-town': its group}; None: the configured localities


def _group(group: WardGroup) -> Callable[[dt.date | None], Resolved]:
    return lambda _as_of: Resolved(list(group.wards), f"{group.name} ({len(group.wards)} wards)")


def _periodic(resolver) -> Callable[[dt.date | None], Resolved | None]:
    """A period's resolver, None without an as-of date (the name then cannot be resolved)."""
    return lambda as_of: None if as_of is None else resolver(as_of)


def named_values(groups: Groups | None = None) -> dict[str, dict[str, tuple[str, Callable]]]:
    """{dimension: {name: (title, resolver)}}: the relative periods and the localities as named ward values."""
    groups = ward_groups() if groups is None else groups
    named = {dimension: {name: (title, _periodic(resolver)) for name, (title, resolver) in names.items()}
             for dimension, names in PERIODS.items()}
    if groups:
        named[WARD] = {value: (group.name, _group(group)) for value, group in groups.items()}
    return named


def is_named(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def _named(dimension: str, value: str, groups: Groups | None) -> tuple:
    """(title, resolver) of a named value; UnknownNamedValue for a name the dimension does not have."""
    names = named_values(groups).get(dimension, {})
    try:
        return names[value]
    except KeyError:
        raise UnknownNamedValue(f"'{value}' is not a named value of {dimension}; "
                                f"known: {', '.join(names) or 'none'}") from None


def resolve_value(dimension: str, value: str, as_of: dt.date | None, groups: Groups | None = None) -> Resolved | None:
    """The real values and label of a named value; None when it needs an as-of date and there is none."""
    return _named(dimension, value, groups)[1](as_of)


def check(selections: Mapping[str, Any] | None, groups: Groups | None = None) -> None:
    """UnknownNamedValue for the first named value no dimension of the selections has (no as-of date needed)."""
    for dimension, values in (selections or {}).items():
        for value in [values] if isinstance(values, str) else list(values or []):
            if is_named(value):
                _named(dimension, value, groups)


def covered(dimension: str, as_of: dt.date | None, groups: Groups | None = None) -> list[tuple[str, Resolved]]:
    """[(named value, what it covers)] of the dimension's names, in order; a period only with an as-of date."""
    found = ((name, resolver(as_of)) for name, (_, resolver) in named_values(groups).get(dimension, {}).items())
    return [(name, resolved) for name, resolved in found if resolved is not None]


def offered(dimension: str, as_of: dt.date | None, groups: Groups | None = None) -> list[tuple[str, str]]:
    """[(named value, label with what it covers)] for the top of a filter list."""
    return [(name, resolved.label) for name, resolved in covered(dimension, as_of, groups)]


def resolve(selections: Mapping[str, Any] | None, as_of: dt.date | None,
            groups: Groups | None = None) -> dict[str, list[str]]:
    """The selections with every named value replaced by its real values (order kept, duplicates dropped).
    Without an as-of date a period cannot be resolved and matches nothing (no rows, said by the page)."""
    resolved: dict[str, list[str]] = {}
    for dimension, values in (selections or {}).items():
        values = [values] if isinstance(values, str | int | float) else list(values or [])
        out: list[str] = []
        for value in values:
            found = resolve_value(dimension, value, as_of, groups) if is_named(value) else None
            if found is not None:
                out += found.values
            else:  # a real value, or a name kept as it is: no real value starts with '@', so it matches nothing
                out.append(value)
        resolved[dimension] = list(dict.fromkeys(out))
    return resolved


def label(dimension: str, value: str, as_of: dt.date | None, groups: Groups | None = None) -> str | None:
    """A chip's label for a named value ('Last complete month (Nov 2026)', 'Kentish Town (2 wards)'); None for a
    real value."""
    if not is_named(value):
        return None
    found = resolve_value(dimension, value, as_of, groups)
    return found.label if found is not None else _named(dimension, value, groups)[0]

"""The selection a page opens on, worked out from its fact when the page is asked for (spec.Default).

The budget page opens on the current financial year and the latest complete month: the latest month of budget
monitoring that has ended by the data's as-of date, and its year. Worked out through the query layer within the
user's scope, and cached with the warehouse's identity like every query, so a new month's load moves the default.
query/selections.py says how a default is applied, shown and removed."""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from dashboards.components import data
from dashboards.components.spec import SPECS, PageSpec
from dashboards.warehouse import WarehouseUnavailable
from query import compiler as q
from query.scope import OutOfScope

log = logging.getLogger(__name__)


def month_end(month: str) -> dt.date:
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def latest_complete_month(months: list[str], as_of: dt.date | None) -> str | None:
    """The latest 'YYYY-MM' that has ended by `as_of` (any month when the as-of date is not known)."""
    ended = [m for m in months if as_of is None or month_end(m) <= as_of]
    return max(ended, default=None)


def _as_of() -> dt.date | None:
    run = data.data_as_of()
    return dt.date.fromisoformat(run["data_as_of"][:10]) if run and run.get("data_as_of") else None


def _values_with_rows(dimension: str, selections: dict, fact: str) -> list[str]:
    rows = data.filter_values(dimension, selections, fact).rows
    return [str(row["value"]) for row in rows if row["possible_count"]]


def resolve(spec: PageSpec) -> dict[str, list[str]]:
    """{dimension: [value]} the page opens on; {} when it has none or its data cannot say (no rows in scope, no
    warehouse: the page then opens with no selection and says why itself)."""
    if not spec.defaults:
        return {}
    try:
        month = latest_complete_month(_values_with_rows("month", {}, spec.fact), _as_of())
        if month is None:
            return {}
        year = _values_with_rows("financial_year", {"month": [month]}, spec.fact)
    except (WarehouseUnavailable, OutOfScope, q.QueryError) as error:
        log.info("page %s opens without its defaults: %s", spec.name, error)
        return {}
    found = {"latest_complete_month": [month], "its_financial_year": year[:1]}
    return {default.dimension: found[default.rule] for default in spec.defaults if found[default.rule]}


def every_page() -> dict[str, dict[str, list[str]]]:
    """{page path: its defaults} for the browser's selection config (pages without defaults left out)."""
    return {spec.path: values for spec in SPECS.values() if spec.defaults and (values := resolve(spec))}

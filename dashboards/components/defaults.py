"""The selection a page opens on, worked out from its fact when the page is asked for (spec.Default).

The budget page opens on the current financial year and the latest complete month: the latest month of budget
monitoring that has ended by the data's as-of date, and its year. Worked out through the query layer within the
user's scope, and cached with the warehouse's identity like every query, so a new month's load moves the default.
query/selections.py says how a default is applied, shown and removed."""

from __future__ import annotations

import logging

from dashboards.components import data
from dashboards.components.spec import SPECS, PageSpec
from dashboards.warehouse import WarehouseUnavailable
from query import compiler as q
from query.periods import financial_year_of, latest_complete_month
from query.scope import OutOfScope

log = logging.getLogger(__name__)


def _values_with_rows(dimension: str, selections: dict, fact: str) -> list[str]:
    rows = data.filter_values(dimension, selections, fact).rows
    return [str(row["value"]) for row in rows if row["possible_count"]]


def resolve(spec: PageSpec) -> dict[str, list[str]]:
    """{dimension: [value]} the page opens on; {} when it has none or its data cannot say (no rows in scope, no
    warehouse: the page then opens with no selection and says why itself)."""
    if not spec.defaults:
        return {}
    try:
        month = latest_complete_month(_values_with_rows("month", {}, spec.fact), data.as_of_date())
    except (WarehouseUnavailable, OutOfScope, q.QueryError) as error:
        log.info("page %s opens without its defaults: %s", spec.name, error)
        return {}
    if month is None:
        return {}
    found = {"latest_complete_month": [month], "its_financial_year": [financial_year_of(month)]}
    return {default.dimension: found[default.rule] for default in spec.defaults}


def every_page() -> dict[str, dict[str, list[str]]]:
    """{page path: its defaults} for the browser's selection config (pages without defaults left out)."""
    return {spec.path: values for spec in SPECS.values() if spec.defaults and (values := resolve(spec))}

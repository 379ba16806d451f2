"""Months and financial years as the data speaks of them ('2026-11', '2026-27'), and the data's as-of date: pure
helpers shared by the pages' defaults and the reports, so both open on the same "latest complete month"."""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DATA_AS_OF_SQL = """
select data_as_of, finished from etl_runs
where status = 'succeeded'
order by finished desc nulls last, started desc
limit 1
"""


def is_month(text: str) -> bool:
    return bool(MONTH.match(str(text)))


def month_end(month: str) -> dt.date:
    year, number = (int(part) for part in month.split("-"))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def latest_complete_month(months, as_of: dt.date | None) -> str | None:
    """The latest 'YYYY-MM' that has ended by `as_of` (any month when the as-of date is not known)."""
    ended = [m for m in months if is_month(m) and (as_of is None or month_end(m) <= as_of)]
    return max(ended, default=None)


def previous_financial_year(year: str) -> str:
    """'2026-27' -> '2025-26'; '2000-01' -> '1999-00'."""
    start = int(year[:4]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_of(month: str) -> str:
    """'2026-11' -> '2026-27'; '2027-03' -> '2026-27' (April to March)."""
    year, number = (int(part) for part in month.split("-"))
    start = year if number >= 4 else year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def period_of(month: str) -> int:
    """The financial period: April is 1, March 12."""
    return (int(month.split("-")[1]) - 4) % 12 + 1


def months_of_year_to(month: str) -> list[str]:
    """The months of `month`'s financial year from April to `month` itself."""
    start = int(financial_year_of(month)[:4])
    months = [f"{start + (n >= 10)}-{(n + 2) % 12 + 1:02d}" for n in range(1, 13)]
    return months[: period_of(month)]


def month_name(month: str) -> str:
    """'2026-11' -> 'November 2026'."""
    return dt.datetime.strptime(month, "%Y-%m").strftime("%B %Y")

"""What the loads recorded, as the data-quality page and the admin's Home read it: runs, each file reconciled,
rejected records and how recent each source's facts are, from the warehouse's etl_runs, etl_files and etl_rejects
(through query.load_records, with the signed-in user's scope: the data team's only) and the facts' own `freshness:`
(data_models/model_specs.py). Plain functions of the filter, returning rows: the page lays them out.
"""

from __future__ import annotations

import datetime as dt
import functools

from access import current_scope
from dashboards.warehouse import current
from data_models.model_specs import freshness_by_source
from query import load_records as records
from query.compiler import Query

TABLES_SQL = "select table_name from information_schema.tables where table_catalog = current_database()"

CHECK_OK, CHECK_BAD = "✓ yes", "✗ no"


def _rows(query: Query) -> list[dict]:
    """A load-records query, compiled for the signed-in user's scope (query.load_records refuses any other), run."""
    return current().rows(query.sql, query.params)


def runs() -> list[dict]:
    return _rows(records.runs_sql(current_scope()))


def latest_run(succeeded: bool = False) -> dict | None:
    """The latest run, or the latest successful one; None when no load is recorded."""
    return next(iter(_rows(records.latest_run_sql(current_scope(), succeeded))), None)


def run_and_files_totals(run_id: str) -> tuple[dict | None, dict]:
    """(the run's own totals, or None for no such run; the same summed over its files)."""
    scope = current_scope()
    run = _rows(records.run_totals_sql(scope, run_id))
    return (run[0] if run else None), _rows(records.files_sum_sql(scope, run_id))[0]


def file_rows(run_id: str, search: str = "", problems_only: bool = False, sort: dict | None = None,
              limit: int | None = None, offset: int = 0) -> list[dict]:
    """The files of a run matching the filter, sorted; the check column as shown."""
    rows = _rows(records.files_sql(current_scope(), run_id, search, problems_only, sort, limit, offset))
    for row in rows:
        row["check"] = CHECK_OK if row["balanced"] else CHECK_BAD
    return rows


def file_totals(run_id: str, search: str = "", problems_only: bool = False) -> dict:
    return _rows(records.file_totals_sql(current_scope(), run_id, search, problems_only))[0]


def rejected_files(run_id: str) -> list[dict]:
    return _rows(records.rejected_files_sql(current_scope(), run_id))


def reject_rows(run_id: str, search: str = "", limit: int | None = None, offset: int = 0) -> list[dict]:
    return _rows(records.rejects_sql(current_scope(), run_id, search, limit, offset))


def rejects_count(run_id: str, search: str = "") -> int:
    return _rows(records.rejects_count_sql(current_scope(), run_id, search))[0]["n"]


def reject_categories(run_id: str) -> list[dict]:
    return _rows(records.reject_categories_sql(current_scope(), run_id))


@functools.lru_cache(maxsize=1)
def facts_freshness() -> dict[str, list]:
    """Each fact's own `freshness:` (data_models/model_specs.py), read once per process: the model YAML ships with
    the code, and reading all of it costs some 30 ms a page view."""
    return freshness_by_source()


def freshness_rows(latest: dict) -> list[dict]:
    """Per target: its files in the run, the latest date its facts cover, and fresh/stale against data_as_of."""
    warehouse = current()
    files = {row["target"]: row["files"] for row in _rows(records.files_per_target_sql(current_scope(),
                                                                                          latest["run_id"]))}
    tables = {row["table_name"] for row in warehouse.rows(TABLES_SQL)}
    as_of = latest["data_as_of"]
    rows = []
    measured = facts_freshness()
    for target in sorted(set(files) | set(measured)):
        facts = measured.get(target, [])
        present = [(table, fresh) for table, fresh in facts if table in tables]
        dates = [warehouse.rows(f"select ({fresh.latest_sql(table)}) as latest")[0]["latest"]
                 for table, fresh in present]
        dates = [d.date() if isinstance(d, dt.datetime) else d for d in dates if d is not None]
        latest_date = max(dates) if dates else None
        days = (as_of - latest_date).days if latest_date and as_of else None
        if not facts:
            status = "not dated"
        elif latest_date is None:
            status = "no data"
        elif days is None:
            status = "unknown (no data as of)"
        else:
            status = "fresh" if days <= max(fresh.fresh_within_days for _, fresh in facts) else "stale"
        rows.append({"target": target, "files": files.get(target, 0),
                     "measured_by": ", ".join(f"{table}.{fresh.column}" for table, fresh in facts) or "reference data",
                     "latest": latest_date, "days_behind": days, "status": status})
    return rows

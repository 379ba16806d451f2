"""What the loads recorded, as the data-quality page reads it: runs, each file reconciled, rejected records and
how recent each source's facts are, from the warehouse's etl_runs, etl_files and etl_rejects and the facts' own
`freshness:` (data_models/model_specs.py). Plain functions of the filter, returning rows: the page lays them out.
"""

from __future__ import annotations

import datetime as dt
import functools

from dashboards.warehouse import current
from data_models.model_specs import freshness_by_source

RUNS_SQL = """
select run_id, started, finished, status, data_as_of, files, rows_read, rows_loaded, rows_rejected, rows_blank,
       case when status <> 'succeeded' then message end as message
from etl_runs
order by started desc nulls last, finished desc nulls last, run_id desc
"""
LATEST_SUCCESS_SQL = """
select run_id, finished, data_as_of, files, rows_read, rows_loaded, rows_rejected, rows_blank
from etl_runs
where status = 'succeeded'
order by finished desc nulls last, started desc nulls last
limit 1
"""
# A file has a problem when it was not recognised or could not be read (a message, no layout), had rejected
# records, or does not balance.
FILE_PROBLEM_SQL = ("(coalesce(message, '') <> '' or layout is null or coalesce(rows_rejected, 0) > 0 "
                    "or rows_read is distinct from rows_loaded + rows_rejected + rows_blank)")
FILES_WHERE = f"""
where run_id = $run_id
  and ($search = '' or contains(lower(concat_ws(' ', source_file, layout, target, message)), lower($search)))
  and (not $problems_only or {FILE_PROBLEM_SQL})
"""
FILES_COLUMNS_SQL = f"""
select source_file, layout, target, encoding, rows_read, rows_loaded, rows_rejected, rows_blank,
       rows_read is not distinct from rows_loaded + rows_rejected + rows_blank as balanced,
       coalesce(message, '') as message, {FILE_PROBLEM_SQL} as problem
from etl_files
"""
FILES_TOTALS_SQL = f"""
select count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
       sum(rows_rejected) as rows_rejected, sum(rows_blank) as rows_blank,
       count(*) filter (where rows_read is distinct from rows_loaded + rows_rejected + rows_blank) as unbalanced
from etl_files
{FILES_WHERE}
"""
REJECTS_WHERE = """
where run_id = $run_id
  and ($search = '' or contains(lower(source_file), lower($search)) or contains(lower(reason), lower($search)))
"""
REJECTS_COUNT_SQL = f"select count(*) as n from etl_rejects {REJECTS_WHERE}"
REJECTS_SQL = f"""
select source_file, source_row, reason, raw
from etl_rejects
{REJECTS_WHERE}
order by source_file, source_row
"""
# The reason's kind, from the loader's wording (etl/validate.py, etl/extract.py, etl/layouts.py, etl/build.py).
REASON_CATEGORY_SQL = """
case
  when reason like 'unrecognised layout%' then 'Unrecognised file'
  when reason like 'duplicate of %' then 'Duplicate of an earlier record'
  when reason like 'totals or summary row%' then 'Totals or summary row'
  when reason like 'record has %' or reason like 'record holds %' then 'Unreadable record'
  when reason like '%value withheld: personal data%' then 'Personal value not valid (withheld)'
  when reason like '% is missing%' then 'Required value missing'
  when reason like '% is not a date%' then 'Not a date'
  when reason like '% is not a whole number%' or reason like '% is not a number%'
       or reason like '% is not an amount in pounds%' then 'Not a number or amount'
  when reason like '% is not yes/no%' then 'Not yes/no'
  else 'Other'
end
"""
REJECT_CATEGORIES_SQL = f"""
select category, count(*) as records, count(distinct source_file) as files, min(reason) as example
from (select {REASON_CATEGORY_SQL} as category, source_file, reason from etl_rejects where run_id = $run_id)
group by category
order by records desc, category
"""
FILES_PER_TARGET_SQL = """
select target, count(*) as files
from etl_files
where run_id = $run_id and target is not null
group by target
"""
TABLES_SQL = "select table_name from information_schema.tables where table_catalog = current_database()"

# the columns a files table may be sorted by (the check column sorts by whether the file balances); anything else
# sorts by file name, so a sort named in a request never reaches the SQL
FILE_SORTS = {"source_file": "source_file", "layout": "layout", "target": "target", "encoding": "encoding",
              "rows_read": "rows_read", "rows_loaded": "rows_loaded", "rows_rejected": "rows_rejected",
              "rows_blank": "rows_blank", "check": "balanced"}
DEFAULT_FILE_SORT = {"column": "source_file", "descending": False}
CHECK_OK, CHECK_BAD = "✓ yes", "✗ no"


def file_rows(run_id: str, search: str = "", problems_only: bool = False, sort: dict | None = None,
              limit: int | None = None, offset: int = 0) -> list[dict]:
    """The files of a run matching the filter, sorted; the check column as shown."""
    sort = sort or DEFAULT_FILE_SORT
    column = FILE_SORTS.get(sort.get("column"), "source_file")
    direction = "desc" if sort.get("descending") else "asc"
    sql = f"{FILES_COLUMNS_SQL} {FILES_WHERE} order by {column} {direction} nulls last, source_file"
    params = {"run_id": run_id, "search": (search or "").strip(), "problems_only": bool(problems_only)}
    if limit is not None:
        sql += " limit $limit offset $offset"
        params |= {"limit": limit, "offset": offset}
    rows = current().rows(sql, params)
    for row in rows:
        row["check"] = CHECK_OK if row["balanced"] else CHECK_BAD
    return rows


def file_totals(run_id: str, search: str = "", problems_only: bool = False) -> dict:
    params = {"run_id": run_id, "search": (search or "").strip(), "problems_only": bool(problems_only)}
    return current().rows(FILES_TOTALS_SQL, params)[0]


def reject_rows(run_id: str, search: str = "", limit: int | None = None, offset: int = 0) -> list[dict]:
    params = {"run_id": run_id, "search": (search or "").strip()}
    sql = REJECTS_SQL
    if limit is not None:
        sql += " limit $limit offset $offset"
        params |= {"limit": limit, "offset": offset}
    return current().rows(sql, params)


@functools.lru_cache(maxsize=1)
def facts_freshness() -> dict[str, list]:
    """Each fact's own `freshness:` (data_models/model_specs.py), read once per process: the model YAML ships with
    the code, and reading all of it costs some 30 ms a page view."""
    return freshness_by_source()


def freshness_rows(latest: dict) -> list[dict]:
    """Per target: its files in the run, the latest date its facts cover, and fresh/stale against data_as_of."""
    warehouse = current()
    files = {row["target"]: row["files"] for row in warehouse.rows(FILES_PER_TARGET_SQL, {"run_id": latest["run_id"]})}
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

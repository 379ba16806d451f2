"""The ETL's load records as the pages read them: runs (etl_runs), each file of a run (etl_files) and its rejected
records (etl_rejects). They are the data team's: file names, row counts and rejected rows as they came (which may
hold personal data), no fact and no service. Every read is a *_sql function that takes the user's scope and refuses
(OutOfScope) one without `load_records` (query.scope), so no page reads them outside the scope layer; the one
exception is the data's as-of date (data_as_of_sql), which every scope that reads a fact may read.

Pure like query.compiler: each function returns a Query (text and bound parameters, never a pasted value) and
touches no database; run it with `rows(query.sql, query.params)` (all its rows: a run's files, not a chart).
"""

from __future__ import annotations

from typing import Any

from query.compiler import Query
from query.periods import DATA_AS_OF_SQL
from query.scope import OutOfScope, Scope

RUN_COLUMNS = ("run_id, started, finished, status, data_as_of, files, rows_read, rows_loaded, rows_rejected, "
               "rows_blank")
TOTALS = "files, rows_read, rows_loaded, rows_rejected, rows_blank"
# A file has a problem when it was not recognised or could not be read (a message, no layout), had rejected
# records, or does not balance.
FILE_PROBLEM_SQL = ("(coalesce(message, '') <> '' or layout is null or coalesce(rows_rejected, 0) > 0 "
                    "or rows_read is distinct from rows_loaded + rows_rejected + rows_blank)")
FILES_WHERE = f"""
where run_id = $run_id
  and ($search = '' or contains(lower(concat_ws(' ', source_file, layout, target, message)), lower($search)))
  and (not $problems_only or {FILE_PROBLEM_SQL})
"""
REJECTS_WHERE = """
where run_id = $run_id
  and ($search = '' or contains(lower(source_file), lower($search)) or contains(lower(reason), lower($search)))
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
# the columns a files table may be sorted by (the check column sorts by whether the file balances); anything else
# sorts by file name, so a sort named in a request never reaches the SQL
FILE_SORTS = {"source_file": "source_file", "layout": "layout", "target": "target", "encoding": "encoding",
              "rows_read": "rows_read", "rows_loaded": "rows_loaded", "rows_rejected": "rows_rejected",
              "rows_blank": "rows_blank", "check": "balanced"}
DEFAULT_FILE_SORT = {"column": "source_file", "descending": False}


def _query(scope: Scope, sql: str, params: dict[str, Any] | None = None) -> Query:
    """The one gate of every load-records read: anything but a scope with `load_records` is refused."""
    if not isinstance(scope, Scope) or not scope.load_records:
        raise OutOfScope()
    return Query(sql, params or {})


def data_as_of_sql(scope: Scope) -> Query:
    """The latest successful load's as-of date and finish (one row at most): the date every page's figures are as
    of, so any scope that reads a fact may read it; a scope that reads none (a councillor's) is refused."""
    if not isinstance(scope, Scope) or (scope.facts is not None and not scope.facts):
        raise OutOfScope()
    return Query(DATA_AS_OF_SQL, {}, (), 1)


def _paged(sql: str, params: dict[str, Any], limit: int | None, offset: int) -> tuple[str, dict[str, Any]]:
    if limit is None:
        return sql, params
    return sql + " limit $limit offset $offset", params | {"limit": int(limit), "offset": int(offset)}


def runs_sql(scope: Scope) -> Query:
    """Every run, the latest first; the message of a run that did not succeed."""
    return _query(scope, f"""
select {RUN_COLUMNS}, case when status <> 'succeeded' then message end as message
from etl_runs
order by started desc nulls last, finished desc nulls last, run_id desc
""")


def latest_run_sql(scope: Scope, succeeded: bool = False) -> Query:
    """The latest run (at most one row); with `succeeded`, the latest that succeeded (what the dashboards show)."""
    where = "where status = 'succeeded'" if succeeded else ""
    return _query(scope, f"""
select {RUN_COLUMNS}, message
from etl_runs
{where}
order by finished desc nulls last, started desc nulls last
limit 1
""")


def run_totals_sql(scope: Scope, run_id: str) -> Query:
    """The run's own totals (files, rows read, loaded, rejected, blank)."""
    return _query(scope, f"select {TOTALS} from etl_runs where run_id = $run_id", {"run_id": run_id})


def files_sum_sql(scope: Scope, run_id: str) -> Query:
    """The same totals summed over the run's files, to check the run against."""
    return _query(scope, """
select count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
       sum(rows_rejected) as rows_rejected, sum(rows_blank) as rows_blank
from etl_files
where run_id = $run_id
""", {"run_id": run_id})


def _files_params(run_id: str, search: str, problems_only: bool) -> dict[str, Any]:
    return {"run_id": run_id, "search": (search or "").strip(), "problems_only": bool(problems_only)}


def files_sql(scope: Scope, run_id: str, search: str = "", problems_only: bool = False, sort: dict | None = None,
              limit: int | None = None, offset: int = 0) -> Query:
    """The files of a run matching the filter (`search` in name, layout, target or message; problems only), in a
    known sort (FILE_SORTS), with whether each balances and has a problem."""
    sort = sort or DEFAULT_FILE_SORT
    column = FILE_SORTS.get(sort.get("column"), "source_file")
    direction = "desc" if sort.get("descending") else "asc"
    sql = f"""
select source_file, layout, target, encoding, rows_read, rows_loaded, rows_rejected, rows_blank,
       rows_read is not distinct from rows_loaded + rows_rejected + rows_blank as balanced,
       coalesce(message, '') as message, {FILE_PROBLEM_SQL} as problem
from etl_files
{FILES_WHERE}
order by {column} {direction} nulls last, source_file"""
    return _query(scope, *_paged(sql, _files_params(run_id, search, problems_only), limit, offset))


def file_totals_sql(scope: Scope, run_id: str, search: str = "", problems_only: bool = False) -> Query:
    return _query(scope, f"""
select count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
       sum(rows_rejected) as rows_rejected, sum(rows_blank) as rows_blank,
       count(*) filter (where rows_read is distinct from rows_loaded + rows_rejected + rows_blank) as unbalanced
from etl_files
{FILES_WHERE}
""", _files_params(run_id, search, problems_only))


def rejected_files_sql(scope: Scope, run_id: str) -> Query:
    """The run's files with rejected rows, most rejected first."""
    return _query(scope, """
select source_file, target, rows_read, rows_rejected
from etl_files
where run_id = $run_id and rows_rejected > 0
order by rows_rejected desc, source_file
""", {"run_id": run_id})


def files_per_target_sql(scope: Scope, run_id: str) -> Query:
    return _query(scope, """
select target, count(*) as files
from etl_files
where run_id = $run_id and target is not null
group by target
""", {"run_id": run_id})


def rejects_count_sql(scope: Scope, run_id: str, search: str = "") -> Query:
    return _query(scope, f"select count(*) as n from etl_rejects {REJECTS_WHERE}",
                  {"run_id": run_id, "search": (search or "").strip()})


def rejects_sql(scope: Scope, run_id: str, search: str = "", limit: int | None = None, offset: int = 0) -> Query:
    """The run's rejected records matching `search` (file or reason), by file and record number."""
    sql = f"""
select source_file, source_row, reason, raw
from etl_rejects
{REJECTS_WHERE}
order by source_file, source_row"""
    return _query(scope, *_paged(sql, {"run_id": run_id, "search": (search or "").strip()}, limit, offset))


def reject_categories_sql(scope: Scope, run_id: str) -> Query:
    """The run's rejected records per kind of reason, with an example reason of each."""
    return _query(scope, f"""
select category, count(*) as records, count(distinct source_file) as files, min(reason) as example
from (select {REASON_CATEGORY_SQL} as category, source_file, reason from etl_rejects where run_id = $run_id)
group by category
order by records desc, category
""", {"run_id": run_id})

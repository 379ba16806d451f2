"""Reading the warehouse outside the web app (reports, tools): a read-only DuckDB connection and a Query's rows.

The app keeps its own connection (dashboards/warehouse.py, which follows the file across publishes); a report run
is short, so it opens the file read-only once and closes it. Read-only: any number of report runs and app workers
read the same published file at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from query.compiler import Query
from query.periods import DATA_AS_OF_SQL


class WarehouseMissing(FileNotFoundError):
    """No warehouse at the path given; str() says what to run."""


@contextmanager
def read_only(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    if not path.is_file():
        raise WarehouseMissing(f"no warehouse at {path}: build one with python -m etl build --sources FOLDER "
                               f"--warehouse {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, query: Query | str, params: dict[str, Any] | None = None) -> list[dict]:
    """A query's rows as dicts of plain Python values (None for NULL); a Query brings its own parameters."""
    sql, bound = (query.sql, query.params) if isinstance(query, Query) else (query, params or {})
    result = con.execute(sql, bound)
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def data_as_of(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The as-of date of the latest successful load (etl_runs); None for a warehouse with no load records."""
    try:
        found = rows(con, DATA_AS_OF_SQL)
    except duckdb.CatalogException:  # a warehouse built by hand, with no load records
        return None
    value = found[0]["data_as_of"] if found else None
    return dt.date.fromisoformat(str(value)[:10]) if value else None

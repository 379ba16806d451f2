"""DuckDB results as the query layer's callers get them: a list of dicts, one per row."""

from __future__ import annotations


def dict_rows(con, sql: str, params=None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rows_of(con):
    """A `rows(sql, params)` function over `con`, as query.compiler.run takes."""
    return lambda sql, params: dict_rows(con, sql, params)

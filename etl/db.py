"""Small DuckDB helpers.

DuckDB 2 keeps a result open until it is fetched to the end, and refuses some work on the connection meanwhile
(registering an Arrow table, for one); so single values are read with fetchall(), which always finishes.
"""

from __future__ import annotations


def scalar(con, sql: str, params: dict | list | None = None):
    """The first column of the first row, or None when there is no row."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0][0] if rows else None

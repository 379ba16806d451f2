"""Read-only access to the published warehouse for the pages.

The ETL publishes a new warehouse by os.replace, so the file at the path can change under a running app. Each
Warehouse keeps one in-memory DuckDB instance with the file ATTACHed read-only, and opens a fresh instance when the
file's identity (device, inode, mtime, size) changes. A query in flight keeps its cursor on the old instance, which
stays alive (and the old file readable) until that cursor is done. ATTACH is used instead of duckdb.connect(path)
because DuckDB's per-process instance cache would hand back the old file while any cursor still holds it.

Pages call current() inside a request, then query() or rows() with bound parameters only.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import flask
import pandas as pd

EXTENSION = "borough_insight_warehouse"
BUILD_HINT = "python -m etl build --sources FOLDER --warehouse PATH"
log = logging.getLogger(__name__)


class WarehouseUnavailable(Exception):
    """The warehouse cannot answer; str(exc) is a plain message fit for the page (no paths, no traceback)."""


class Warehouse:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int, int] | None = None

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one SELECT with bound parameters ($name placeholders); the rows as a DataFrame (for charts)."""
        return self._run(sql, params, lambda result: result.df())

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The same, as a list of dicts of plain Python values (None for NULL)."""
        def fetch(result):
            names = [column[0] for column in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        return self._run(sql, params, fetch)

    def _run(self, sql, params, fetch):
        cursor = self._cursor()
        try:
            cursor.execute("use wh")
            return fetch(cursor.execute(sql, params or {}))
        except (duckdb.CatalogException, duckdb.BinderException) as exc:
            log.warning("warehouse %s lacks what a page needs: %s", self.path, exc)
            raise WarehouseUnavailable(
                f"The warehouse was built by another version and lacks what this page needs. Rebuild it: {BUILD_HINT}"
            ) from exc
        finally:
            cursor.close()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current file for a longer read (a report's several queries, all on one file even if a
        new one is published meanwhile); a file that cannot be read is WarehouseUnavailable."""
        cursor = self._cursor()
        try:
            cursor.execute("use wh")
            yield cursor
        except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as exc:
            log.warning("warehouse %s cannot be read: %s", self.path, exc)
            raise WarehouseUnavailable(f"The warehouse cannot be read. Rebuild it: {BUILD_HINT}") from exc
        finally:
            cursor.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the current file (made under the lock: a shared connection is not thread-safe)."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise WarehouseUnavailable(
                f"No warehouse yet: run make run for the demo, or {BUILD_HINT} to load your files.") from None
        except OSError as exc:
            log.warning("cannot stat warehouse %s: %s", self.path, exc)
            raise WarehouseUnavailable(
                f"The warehouse cannot be read. Check its path, or rebuild it: {BUILD_HINT}") from exc
        stamp = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp or self._con is None:
                self._con, self._stamp = self._open(), stamp  # the old instance lives on in cursors still using it
            return self._con.cursor()

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        try:
            con.execute("attach $path as wh (read_only)", {"path": str(self.path)})
        except duckdb.Error as exc:
            con.close()
            log.warning("cannot open warehouse %s: %s", self.path, exc)
            raise WarehouseUnavailable(
                f"The warehouse cannot be read: it is not a complete warehouse file. Rebuild it: {BUILD_HINT}"
            ) from exc
        return con


def install(server: flask.Flask, warehouse: Warehouse) -> None:
    server.extensions[EXTENSION] = warehouse


def current() -> Warehouse:
    """The warehouse of the app serving this request."""
    return flask.current_app.extensions[EXTENSION]

"""The application database for tests: SQLite beside a warehouse, or the real PostgreSQL server the suite starts
(tests/conftest.py: postgres_url), emptied first since the session shares that server."""

from __future__ import annotations

import sqlalchemy as sa

from app_db import AppDatabase
from app_db.schema import metadata


def emptied(url: str) -> None:
    """Every table of the schema and Alembic's own dropped."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.execute(sa.text("drop table if exists alembic_version"))
    engine.dispose()


def a_database(kind: str, request, tmp_path) -> AppDatabase:
    """An empty application database of this kind ('sqlite' or 'postgresql'), not yet migrated."""
    if kind == "sqlite":
        return AppDatabase.beside(tmp_path / "warehouse.duckdb")
    url = request.getfixturevalue("postgres_url")
    emptied(url)
    return AppDatabase(url)

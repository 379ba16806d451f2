"""Each app_db test runs on SQLite and on PostgreSQL, from an empty database brought to the latest schema."""

from __future__ import annotations

import pytest
from app_databases import a_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    db = a_database(request.param, request, tmp_path)
    db.upgrade()
    yield db
    db.engine.dispose()

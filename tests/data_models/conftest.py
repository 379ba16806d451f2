"""Fixtures of the data_models tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def services_con():
    """The repairs, care and parking build database of services_fixture.py, built once per test module."""
    from services_fixture import services_db

    return services_db()

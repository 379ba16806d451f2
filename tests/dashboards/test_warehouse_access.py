"""The warehouse module: read-only, bound parameters, reopened when the ETL replaces the file."""

from __future__ import annotations

import os

import duckdb
import pytest

from dashboards.warehouse import Warehouse, WarehouseUnavailable


def _publish(path, value: int) -> None:
    """Publish as the ETL does: write a new file beside it, then os.replace."""
    new = path.with_name("new.duckdb")
    with duckdb.connect(str(new)) as con:
        con.execute("create table t as select $v as v", {"v": value})
    os.replace(new, path)


def test_reopens_after_replace_without_failing_a_query_in_flight(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _publish(path, 1)
    warehouse = Warehouse(path)
    assert warehouse.rows("select v from t") == [{"v": 1}]
    in_flight = warehouse._cursor()
    in_flight.execute("use wh")
    _publish(path, 2)
    assert warehouse.rows("select v from t where v = $v", {"v": 2}) == [{"v": 2}]
    assert in_flight.execute("select v from t").fetchall() == [(1,)]  # the old file, still readable
    in_flight.close()
    assert warehouse.query("select v from t")["v"].tolist() == [2]


def test_opens_read_only(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _publish(path, 1)
    with pytest.raises(duckdb.Error, match="read-only"):
        Warehouse(path).rows("create table u as select 1")


def test_unavailable_messages(tmp_path):
    with pytest.raises(WarehouseUnavailable, match="No warehouse yet"):
        Warehouse(tmp_path / "missing.duckdb").rows("select 1")
    (tmp_path / "junk.duckdb").write_text("junk" * 100)
    with pytest.raises(WarehouseUnavailable, match="cannot be read"):
        Warehouse(tmp_path / "junk.duckdb").rows("select 1")
    _publish(tmp_path / "old.duckdb", 1)
    with pytest.raises(WarehouseUnavailable, match="another version"):
        Warehouse(tmp_path / "old.duckdb").rows("select * from dim_service")

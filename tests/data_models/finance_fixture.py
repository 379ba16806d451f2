"""A small build database for testing the finance, service and reference models.

It holds exactly what docs/architecture.md says models can read: every `valid_<target>` table (typed as the build
creates it, from the layouts), the seed tables (schemas from etl.seeds) and build_info; tests put a handful of
hand-made rows in them, run the models with the project's runner and check the model YAML tests.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import checks, models
from etl.layouts import load_targets
from etl.seeds import SEED_SCHEMAS
from etl.validate import create_valid_table_sql

MODELS_DIR = models.MODELS_DIR

FINANCE_MODELS = {
    "dim_date", "dim_ward", "dim_directorate", "dim_service", "dim_service_kpi", "dim_cost_centre",
    "dim_supplier", "dim_organisation", "dim_contravention", "dim_vehicle_category",
    "fact_spend", "fact_budget_monthly", "fact_service_kpi_monthly", "fact_care_finance",
}

# A tiny catalogue: two directorates, three services, three KPIs.
DIRECTORATES = [
    {"directorate_code": "SUP", "directorate_name": "Supporting Communities"},
    {"directorate_code": "COR", "directorate_name": "Corporate Services"},
]
SERVICES = [
    {"service_code": "HOU-REP", "slug": "housing-repairs", "service_name": "Housing Repairs",
     "directorate_code": "SUP", "owner": "Head of Repairs", "description": "Responsive repairs"},
    {"service_code": "PARK", "slug": "parking", "service_name": "Parking & Enforcement",
     "directorate_code": "SUP", "owner": "Head of Parking", "description": "Parking"},
    {"service_code": "FIN", "slug": "finance", "service_name": "Financial Services",
     "directorate_code": "COR", "owner": "Director of Finance", "description": "Finance"},
]
SERVICE_KPIS = [
    {"service_code": "HOU-REP", "kpi_code": "RP02", "label": "Repairs in target", "format": "percent",
     "direction": "higher", "target": 90.0, "by_ward": True, "description": "RP02"},
    {"service_code": "PARK", "kpi_code": "PCN-ISSUED", "label": "PCNs issued", "format": "count",
     "direction": "lower", "target": None, "by_ward": False, "description": "PCNs"},
    {"service_code": "FIN", "kpi_code": "INV-30", "label": "Invoices paid in 30 days", "format": "percent",
     "direction": "higher", "target": 95.0, "by_ward": False, "description": "Prompt payment"},
]
# England & Wales bank holidays of 2025, written out by hand (not computed by the code under test).
BANK_HOLIDAYS_2025 = [
    (dt.date(2025, 1, 1), "New Year's Day"), (dt.date(2025, 4, 18), "Good Friday"),
    (dt.date(2025, 4, 21), "Easter Monday"), (dt.date(2025, 5, 5), "May Day"),
    (dt.date(2025, 5, 26), "Spring Bank Holiday"), (dt.date(2025, 8, 25), "Late Summer Bank Holiday"),
    (dt.date(2025, 12, 25), "Christmas Day"), (dt.date(2025, 12, 26), "Boxing Day"),
]


def ward_seed_rows() -> list[dict]:
    from etl.seeds import ward_rows

    return ward_rows()


def new_build_db(seeds: dict[str, list[dict]] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory build database: empty valid_* tables for every target, seed tables, build_info."""
    con = duckdb.connect()
    for target in load_targets():
        con.execute(create_valid_table_sql(target))
    given = {
        "seed_wards": ward_seed_rows(),
        "seed_repair_priorities": [],
        "seed_bank_holidays": [{"holiday_date": d, "holiday_name": n} for d, n in BANK_HOLIDAYS_2025],
        "seed_directorates": DIRECTORATES,
        "seed_services": SERVICES,
        "seed_service_kpis": SERVICE_KPIS,
        **(seeds or {}),
    }
    for name, schema in SEED_SCHEMAS.items():
        rows = given.get(name, [])
        table = pa.Table.from_pylist([{f: row.get(f) for f in schema.names} for row in rows], schema=schema)
        con.register("seed_rows", table)
        con.execute(f"create or replace table {name} as select * from seed_rows")
        con.unregister("seed_rows")
    con.execute("create table build_info as select 'test' as run_id, timestamp '2026-01-01 00:00:00' as built_at, "
                "date '2025-12-31' as data_as_of")
    return con


def insert_valid(con: duckdb.DuckDBPyConnection, target: str, rows: list[dict], source_file: str = "test.csv",
                 layout: str = "test_layout") -> None:
    """Insert rows into valid_<target>; source_row counts from 1 unless a row gives its own source_file/row."""
    columns = [c[0] for c in con.execute(f"describe valid_{target}").fetchall()]
    for number, row in enumerate(rows, start=1):
        values = {"source_file": source_file, "source_row": number, "layout": layout, **row}
        unknown = set(values) - set(columns)
        assert not unknown, f"valid_{target} has no column(s) {unknown}"
        names = list(values)
        con.execute(f"insert into valid_{target} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                    [values[n] for n in names])


def run_finance_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    return models.run_models(con, MODELS_DIR, only=FINANCE_MODELS)


def failing_checks(con: duckdb.DuckDBPyConnection, names: set[str] | None = None) -> list[str]:
    """Messages of the YAML data tests that fail, for the finance models (or `names`)."""
    all_models = models.load_models(MODELS_DIR)
    wanted = {n: all_models[n] for n in (names or FINANCE_MODELS) if n in all_models}
    return [r.message() for r in checks.run_model_checks(con, wanted) if not r.passed]


def models_path() -> Path:
    return MODELS_DIR

"""Reference configuration loaded into seed_* tables before the SQL models run."""

from __future__ import annotations

from pathlib import Path

import holidays
import pyarrow as pa
import yaml

SEEDS_DIR = Path(__file__).resolve().parent.parent / "data_models" / "seeds"
FIRST_YEAR, LAST_YEAR = 2013, 2028  # dim_date spans FY 2013-14 to FY 2027-28


def ward_rows(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    config = yaml.safe_load((seeds_dir / "wards.yaml").read_text(encoding="utf-8"))
    return [{"ward_code": w["code"], "ward_name": w["name"], "population": int(w["population"]),
             "council_homes": int(w["council_homes"])} for w in config["wards"]]


def repair_priority_rows(seeds_dir: Path = SEEDS_DIR) -> list[dict]:
    config = yaml.safe_load((seeds_dir / "repair_priorities.yaml").read_text(encoding="utf-8"))
    return [{"code": p["code"], "name": p["name"], "target_hours": p.get("target_hours"),
             "target_working_days": p.get("target_working_days"), "rp02_group": p["rp02_group"],
             "sort": p["sort"]} for p in config["priorities"]]


def bank_holiday_rows(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[dict]:
    """England & Wales bank holidays, computed offline by the holidays package."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return [{"holiday_date": day, "holiday_name": name} for day, name in sorted(calendar.items())]


def catalogue_rows() -> dict[str, list[dict]]:
    from data_models.service_catalogue import load_catalogue, seed_rows

    directorates, services, kpis = seed_rows(load_catalogue())
    return {"seed_directorates": directorates, "seed_services": services, "seed_service_kpis": kpis}


SEED_SCHEMAS = {
    "seed_wards": pa.schema([("ward_code", pa.string()), ("ward_name", pa.string()),
                             ("population", pa.int64()), ("council_homes", pa.int64())]),
    "seed_repair_priorities": pa.schema([("code", pa.string()), ("name", pa.string()), ("target_hours", pa.int64()),
                                         ("target_working_days", pa.int64()), ("rp02_group", pa.string()),
                                         ("sort", pa.int64())]),
    "seed_bank_holidays": pa.schema([("holiday_date", pa.date32()), ("holiday_name", pa.string())]),
    "seed_directorates": pa.schema([("directorate_code", pa.string()), ("directorate_name", pa.string())]),
    "seed_services": pa.schema([("service_code", pa.string()), ("slug", pa.string()), ("service_name", pa.string()),
                                ("directorate_code", pa.string()), ("owner", pa.string()),
                                ("description", pa.string())]),
    "seed_service_kpis": pa.schema([("service_code", pa.string()), ("kpi_code", pa.string()), ("label", pa.string()),
                                    ("format", pa.string()), ("direction", pa.string()), ("target", pa.float64()),
                                    ("by_ward", pa.bool_()), ("description", pa.string())]),
}


def load_seeds(con) -> dict[str, int]:
    """Create every seed table; returns row counts."""
    tables = {"seed_wards": ward_rows(), "seed_repair_priorities": repair_priority_rows(),
              "seed_bank_holidays": bank_holiday_rows(), **catalogue_rows()}
    counts = {}
    for name, rows in tables.items():
        schema = SEED_SCHEMAS[name]
        table = pa.Table.from_pylist([{f: row.get(f) for f in schema.names} for row in rows], schema=schema)
        con.register("seed_rows", table)
        con.execute(f"create or replace table {name} as select * from seed_rows")
        con.unregister("seed_rows")
        counts[name] = len(rows)
    return counts

"""The finance, care finance and reference marts over the real published files, built with the project's engine.

Expected numbers are counted here straight from the CSV files with the csv module, not read from the warehouse.
"""

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[dict]:
    with path.open(newline="", encoding=encoding) as handle:
        return list(csv.DictReader(handle))


def first(row: dict, *names: str) -> str:
    for name in names:
        if name in row:
            return (row[name] or "").strip()
    raise KeyError(names)


@pytest.fixture(scope="module")
def warehouse(real_samples, tmp_path_factory, pseudonym_key):
    from etl.build import build
    from etl.settings import build_settings

    sources = tmp_path_factory.mktemp("real") / "sources"
    shutil.copytree(real_samples, sources)
    target = tmp_path_factory.mktemp("real-warehouse") / "warehouse.duckdb"
    build(sources, target, build_settings())
    con = duckdb.connect(str(target), read_only=True)
    yield con
    con.close()


def spend_files(real_samples: Path) -> list[list[dict]]:
    return [read_csv(p) for p in sorted((real_samples / "spend").glob("*.csv"))]


def test_every_payment_line_is_a_fact_and_the_money_adds_up(warehouse, real_samples):
    payments = [r for f in spend_files(real_samples) for r in f
                if first(r, "Paid Date", "paid_date") and first(r, "Amount", "amount")]
    facts, total = warehouse.execute("select count(*), sum(amount_pounds) from fact_spend").fetchall()[0]
    assert facts == len(payments)
    assert total == sum(Decimal(first(r, "Amount", "amount").replace(",", "")) for r in payments)


def test_redacted_payees_are_one_supplier(warehouse, real_samples):
    redacted = [r for f in spend_files(real_samples) for r in f
                if "redacted" in first(r, "Supplier Name", "supplier_name").lower()]
    assert len(redacted) > 100
    found = warehouse.execute(
        "select s.supplier_name, s.supplier_natural_key, count(*) from fact_spend f "
        "join dim_supplier s using (supplier_key) where s.is_redacted group by all").fetchall()
    assert found == [("Redacted", "redacted", len(redacted))]


def test_oxford_payments_are_not_given_camden_services(warehouse):
    rows = warehouse.execute(
        "select o.organisation_name, count(*) filter (where f.service_key <> -1) from fact_spend f "
        "join dim_organisation o using (organisation_key) group by 1").fetchall()
    assert rows == [("Oxford City Council", 0)]


def test_camden_cells_of_the_national_care_finance_return(warehouse, real_samples):
    cells = read_csv(real_samples / "social-care" / "pss-exp-2015-16-fin-act.csv")
    camden = [c for c in cells if c["Council Code"].strip() == "702"]
    with_value = [c for c in camden if c["Value"].strip() not in ("", "-")]
    assert len(camden) == 125
    got = warehouse.execute(
        "select count(*), count(reported_value), sum(reported_value), min(financial_year), "
        "count(distinct council_name) from fact_care_finance where is_home_council").fetchall()[0]
    assert got[:2] == (len(camden), len(with_value))
    assert got[2] == pytest.approx(sum(float(c["Value"]) for c in with_value))
    assert got[3:] == ("2015-16", 1)
    assert warehouse.execute("select count(*) from fact_care_finance").fetchall()[0][0] == len(cells)


def test_contravention_codes_one_row_per_listed_code(warehouse, real_samples):
    listed = {r["ccode"].strip() for r in read_csv(real_samples / "parking" / "camden-contravention-codes.csv")
              if r["ccode"] and r["ccode"].strip()}
    got = {r[0] for r in warehouse.execute(
        "select contravention_code from dim_contravention where in_reference_list").fetchall()}
    assert got == listed
    base = warehouse.execute("select description from dim_contravention where contravention_code = '1'").fetchall()
    assert base == [("Parked in a restricted street during prescribed hours",)]


def test_vehicle_categories_all_listed(warehouse, real_samples):
    listed = [r["vcat"] for r in read_csv(real_samples / "parking" / "camden-vehicle-categories.csv")]
    got = [r[0] for r in warehouse.execute(
        "select vehicle_category from dim_vehicle_category where in_reference_list").fetchall()]
    assert sorted(got) == sorted(v.strip() for v in listed)

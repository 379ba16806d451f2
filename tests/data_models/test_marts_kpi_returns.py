"""Catalogue dimensions and the monthly service KPI fact, on hand-made returns."""

import datetime as dt

import pytest
from duckdb_rows import dict_rows as rows
from finance_fixture import (
    DIRECTORATES,
    SERVICE_KPIS,
    SERVICES,
    failing_checks,
    insert_valid,
    new_build_db,
    run_finance_models,
    ward_seed_rows,
)

KINGS_CROSS = "E05013666"

RETURNS = [
    # 1 borough-wide value
    {"service_code": "HOU-REP", "period": dt.date(2025, 5, 1), "kpi_code": "RP02", "ward_code": "ALL", "value": 91.5},
    # 2 a ward by ONS code
    {"service_code": "HOU-REP", "period": dt.date(2025, 5, 1), "kpi_code": "RP02", "ward_code": KINGS_CROSS,
     "value": 88.0, "numerator": 44.0, "denominator": 50.0},
    # 3 the same ward by name, spelt without the apostrophe, lower-case codes, a mid-month date
    {"service_code": "hou-rep", "period": dt.date(2025, 6, 17), "kpi_code": "rp02", "ward_code": "Kings Cross",
     "value": 90.0},
    # 4 a pre-2022 Camden ward code: not a current ward, not a borough total
    {"service_code": "HOU-REP", "period": dt.date(2025, 5, 1), "kpi_code": "RP02", "ward_code": "E05000128",
     "value": 70.0},
    # 5 no ward column at all: borough-wide
    {"service_code": "FIN", "period": dt.date(2025, 5, 1), "kpi_code": "INV-30", "ward_code": None, "value": 96.0},
    # 6 a KPI the catalogue does not list, of a listed service
    {"service_code": "FIN", "period": dt.date(2025, 5, 1), "kpi_code": "NEW-KPI", "ward_code": "ALL", "value": 1.0},
    # 7 a service the catalogue does not list, before the calendar
    {"service_code": "ZOO", "period": dt.date(2010, 1, 1), "kpi_code": "VISITS", "ward_code": "ALL", "value": 5.0},
    # 8 a ward with "&" written "and"
    {"service_code": "HOU-REP", "period": dt.date(2025, 5, 1), "kpi_code": "RP02",
     "ward_code": "Holborn and Covent Garden", "value": 80.0},
]


@pytest.fixture(scope="module")
def con():
    con = new_build_db()
    insert_valid(con, "service_kpi", RETURNS, source_file="returns/hou-rep-2025-26.csv")
    run_finance_models(con)
    return con


def returned(con, row: int) -> dict:
    found = rows(con, "select * from fact_service_kpi_monthly where source_row = ?", [row])
    assert len(found) == 1
    return found[0]


def ward_key(code: str) -> int:
    codes = sorted(w["ward_code"] for w in ward_seed_rows())
    return codes.index(code) + 1


def test_catalogue_dimensions(con):
    directorates = rows(con, "select * from dim_directorate order by directorate_key")
    assert [(d["directorate_key"], d["directorate_code"]) for d in directorates] == [(-1, None), (1, "COR"), (2, "SUP")]
    assert len(directorates) == len(DIRECTORATES) + 1
    services = {s["service_code"]: s for s in rows(con, "select * from dim_service")}
    assert set(services) == {s["service_code"] for s in SERVICES} | {None}
    # keys in code order: FIN, HOU-REP, PARK
    assert [services[c]["service_key"] for c in ("FIN", "HOU-REP", "PARK")] == [1, 2, 3]
    assert services["PARK"]["directorate_name"] == "Supporting Communities"
    assert services["PARK"]["match_name"] == "parking and enforcement"
    assert services[None]["service_key"] == -1 and services[None]["directorate_key"] == -1
    kpis = rows(con, "select * from dim_service_kpi where kpi_key > 0 order by kpi_key")
    assert [(k["service_code"], k["kpi_code"]) for k in kpis] == sorted(
        (k["service_code"], k["kpi_code"]) for k in SERVICE_KPIS)
    rp02 = next(k for k in kpis if k["kpi_code"] == "RP02")
    assert rp02["service_key"] == services["HOU-REP"]["service_key"] and rp02["target"] == 90.0 and rp02["by_ward"]


def test_every_return_is_carried_and_the_yaml_tests_pass(con):
    assert rows(con, "select count(*) as n from fact_service_kpi_monthly")[0]["n"] == len(RETURNS)
    assert failing_checks(con) == []


def test_borough_totals_are_flagged_not_given_a_ward(con):
    for row in (1, 5, 6, 7):
        fact = returned(con, row)
        assert fact["is_borough_total"] and fact["ward_key"] == -1, row
    old_ward = returned(con, 4)
    assert not old_ward["is_borough_total"] and old_ward["ward_key"] == -1
    assert old_ward["ward_as_returned"] == "E05000128"


def test_wards_by_code_or_by_name(con):
    assert returned(con, 2)["ward_key"] == ward_key(KINGS_CROSS)
    assert returned(con, 3)["ward_key"] == ward_key(KINGS_CROSS)
    assert returned(con, 8)["ward_key"] == ward_key("E05013662")  # Holborn & Covent Garden
    assert not returned(con, 2)["is_borough_total"]


def test_services_kpis_and_months(con):
    def key(table, column, where, params):
        return rows(con, f"select {column} from {table} where {where}", params)[0][column]

    rp02 = key("dim_service_kpi", "kpi_key", "kpi_code = ?", ["RP02"])
    fin = key("dim_service", "service_key", "service_code = ?", ["FIN"])
    first = returned(con, 1)
    assert (first["kpi_key"], first["month_key"], first["kpi_value"]) == (rp02, 20250501, 91.5)
    assert returned(con, 2)["numerator"] == 44.0 and returned(con, 2)["denominator"] == 50.0
    lower_case = returned(con, 3)
    assert lower_case["kpi_key"] == rp02 and lower_case["month_key"] == 20250601
    new_kpi = returned(con, 6)
    assert new_kpi["kpi_key"] == -1 and new_kpi["service_key"] == fin
    zoo = returned(con, 7)
    assert (zoo["service_key"], zoo["kpi_key"], zoo["month_key"]) == (-1, -1, -1)
    assert zoo["service_code"] == "ZOO" and zoo["kpi_code"] == "VISITS"

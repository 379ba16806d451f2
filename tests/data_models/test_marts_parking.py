"""Parking marts on the hand-made build database (services_fixture.py), and the real Manchester parking account."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import pytest
from duckdb_rows import dict_rows as rows
from services_fixture import BELSIZE, CAMDEN, HOLBORN, KINGS_CROSS, MANCHESTER, by, ward_key

from etl.build import build
from etl.settings import build_settings

# ---------------------------------------------------------------------------------------------------------------
# parking
# ---------------------------------------------------------------------------------------------------------------

def pcns(services_con) -> dict:
    return {(r["layout"], r["source_row"]): r for r in rows(services_con, "select * from fact_pcn")}


def key_of(services_con, table: str, key: str, column: str, value: str) -> int:
    return services_con.execute(f"select {key} from {table} where {column} = ?", [value]).fetchall()[0][0]


def test_pcn_status_groups_from_both_vocabularies(services_con):
    got = {key: r["status_group"] for key, r in pcns(services_con).items()}
    assert got == {
        ("pcn_camden", 1): "paid",           # Paid/Closed
        ("pcn_camden", 2): "open",           # Outstanding
        ("pcn_camden", 3): "written_off",    # WrittenOff
        ("pcn_camden", 4): "cancelled",
        ("pcn_camden", 5): "part_paid",      # Outstanding with £30 paid and £50 outstanding
        ("pcn_camden", 6): "challenged",
        ("pcn_camden", 7): "appealed",
        ("pcn_camden", 8): "open",
        ("pcn_manchester", 1): "paid",       # Post NtO, -£35.00 paid, nothing outstanding
        ("pcn_manchester", 2): "open",       # Pre-NtO Discount, nothing paid
        ("pcn_manchester", 3): "part_paid",  # Post NtO, £30 paid, £30 outstanding
        ("pcn_manchester", 4): "cancelled",
        ("pcn_manchester", 5): "open",       # no status, no amounts
        ("pcn_manchester", 6): "open",       # Pre-NtO Full Rate
    }
    assert [k for k, r in pcns(services_con).items() if not r["is_status_recognised"]] == [("pcn_manchester", 5)]


def test_pcn_payments_are_positive_pounds(services_con):
    p = pcns(services_con)
    assert p[("pcn_manchester", 1)]["amount_paid_pounds"] == Decimal("35.00")
    assert p[("pcn_manchester", 3)]["amount_paid_pounds"] == Decimal("30.00")
    assert p[("pcn_manchester", 3)]["amount_outstanding_pounds"] == Decimal("30.00")
    assert p[("pcn_camden", 1)]["amount_paid_pounds"] == Decimal("80.00")
    assert p[("pcn_camden", 1)]["amount_charged_pounds"] == Decimal("160.00")
    assert services_con.execute("select sum(amount_paid_pounds) from fact_pcn").fetchall()[0][0] == Decimal("175.00")


def test_pcn_keys(services_con):
    p = pcns(services_con)
    camden = key_of(services_con, "dim_organisation", "organisation_key", "organisation_name", CAMDEN)
    manchester = key_of(services_con, "dim_organisation", "organisation_key", "organisation_name", MANCHESTER)
    code = {c: key_of(services_con, "dim_contravention", "contravention_key", "contravention_code", c)
            for c in ("1", "12", "21", "34")}
    car = key_of(services_con, "dim_vehicle_category", "vehicle_category_key", "vehicle_category", "Car")
    van = key_of(services_con, "dim_vehicle_category", "vehicle_category_key", "vehicle_category", "Van")
    keys = {k: (r["organisation_key"], r["contravention_key"], r["vehicle_category_key"], r["ward_key"])
            for k, r in p.items()}
    assert keys[("pcn_camden", 1)] == (camden, code["1"], car, ward_key(services_con, BELSIZE))      # '01' is code 1
    assert keys[("pcn_camden", 2)] == (camden, code["34"], -1, -1)                           # Camden, no ward
    assert keys[("pcn_camden", 3)] == (camden, code["12"], van, ward_key(services_con, KINGS_CROSS))  # '12r'; 'van'
    assert keys[("pcn_camden", 4)][1] == code["21"]                                           # listed twice
    assert keys[("pcn_camden", 8)][3] == ward_key(services_con, HOLBORN)     # an old ward code, found by name
    assert keys[("pcn_manchester", 1)] == (manchester, code["21"], -1, -2)                  # Deansgate
    assert keys[("pcn_manchester", 6)][3] == -2                     # Manchester's 'Belsize' is not Camden's
    assert p[("pcn_camden", 1)]["issued_date_key"] == 20251103 and p[("pcn_camden", 1)]["issued_hour"] == 8
    assert p[("pcn_camden", 2)]["issued_hour"] == 17
    assert p[("pcn_manchester", 2)]["issued_date_key"] == 20200301


def test_pcn_ticket_type_and_on_street(services_con):
    p = pcns(services_con)
    assert p[("pcn_camden", 2)]["ticket_type_group"] == "Bus lane"
    assert p[("pcn_manchester", 2)]["ticket_type_group"] == "Bus lane"      # code 34
    assert p[("pcn_manchester", 1)]["ticket_type_group"] == "Parking"
    assert p[("pcn_manchester", 5)]["ticket_type_group"] == "Parking"       # an unknown code, still a PCN
    assert p[("pcn_manchester", 4)]["on_street"] is False                   # a car park
    assert p[("pcn_manchester", 1)]["on_street"] is True
    assert p[("pcn_manchester", 2)]["on_street"] is None                    # a bus lane is not a parking place


def test_permit_processing_times(services_con):
    permits = by(services_con, "fact_permit", "permit_number")
    assert (permits["PM1"]["channel"], permits["PM1"]["processing_minutes"]) == ("Online", 12.5)
    assert permits["PM2"]["channel"] == "Paper"
    assert (permits["PM2"]["processing_minutes"], permits["PM2"]["processing_days"]) == (7200.0, 5.0)
    assert permits["PM2"]["processing_working_days"] == 1      # Good Friday and Easter Monday are not working days
    assert (permits["PM3"]["is_issued"], permits["PM3"]["days_awaiting_issue"]) == (False, 8)
    assert permits["PM4"]["processing_minutes"] is None        # issued before applied: not measured
    assert permits["PM4"]["channel"] == "Kiosk"
    assert (permits["PM1"]["ward_key"], permits["PM2"]["ward_key"]) == (ward_key(services_con, BELSIZE), -1)
    assert (permits["PM1"]["is_valid_at_as_of"], permits["PM2"]["is_valid_at_as_of"]) == (True, False)


def test_suspensions(services_con):
    s = by(services_con, "fact_suspension", "suspension_ref")
    assert (s["SU1"]["days_suspended"], s["SU1"]["bay_days_suspended"], s["SU1"]["notice_days"]) == (3, 9, 9)
    assert s["SU1"]["is_active_at_as_of"] is False
    assert (s["SU2"]["days_suspended"], s["SU2"]["is_active_at_as_of"]) == (None, True)
    assert (s["SU1"]["start_date_key"], s["SU2"]["ward_key"]) == (20251110, -1)


def test_bay_sessions(services_con):
    s = by(services_con, "fact_bay_session", "event_id")
    e1 = s["E1"]
    assert (e1["minutes_stayed"], e1["is_overstay"], e1["overstay_minutes"]) == (105.0, True, 45.0)
    assert (e1["arrival_date_key"], e1["arrival_hour"], e1["arrival_weekday"]) == (20251127, 23, 4)
    assert e1["departure_date_key"] == 20251128
    assert (s["E2"]["is_overstay"], s["E2"]["overstay_minutes"]) == (False, 0.0)
    assert (s["E3"]["is_ongoing"], s["E3"]["minutes_stayed"], s["E3"]["is_overstay"]) == (True, None, None)
    assert (s["E4"]["is_departure_before_arrival"], s["E4"]["minutes_stayed"]) == (True, None)
    assert (s["E5"]["minutes_stayed"], s["E5"]["is_overstay"]) == (60.0, False)


def test_bay_occupancy_splits_stays_across_hours(services_con):
    got = {(r["zone"], r["date_key"], r["hour_of_day"]): (r["occupied_bay_minutes"], r["stays_present"],
                                                           r["arrivals"], r["bays_observed"], r["occupancy_rate"])
           for r in rows(services_con, "select * from agg_bay_occupancy_hourly")}
    assert got == {
        ("CA-F", 20251127, 23): (30.0, 1, 1, 2, 0.25),
        ("CA-F", 20251128, 0): (90.0, 2, 1, 2, 0.75),     # 60 from E1, 30 from E2
        ("CA-F", 20251128, 1): (15.0, 1, 0, 2, 0.125),
        ("CA-F", 20251128, 9): (60.0, 1, 1, 2, 0.5),
    }


# ---------------------------------------------------------------------------------------------------------------
# the real Manchester parking account (March 2020), built by the engine
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def manchester_warehouse(real_samples, pseudonym_key, tmp_path_factory):
    sources = tmp_path_factory.mktemp("real") / "sources"
    shutil.copytree(real_samples / "parking", sources / "parking")
    warehouse = sources.parent / "warehouse.duckdb"
    build(sources, warehouse, build_settings())
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def test_real_manchester_pcns(manchester_warehouse):
    con = manchester_warehouse
    # 20,293 records: 13 blank and a totals row that says -£343,404.00 paid; the rest are notices
    count, paid, negative = con.execute(
        "select count(*), sum(amount_paid_pounds), count(*) filter (where amount_paid_pounds < 0) from fact_pcn"
    ).fetchall()[0]
    assert (count, paid, negative) == (20_279, Decimal("343404.00"), 0)
    assert con.execute("select distinct ward_key from fact_pcn").fetchall() == [(-2,)]   # Deansgate, City Centre...
    by_group = dict(con.execute("select status_group, count(*) from fact_pcn group by 1").fetchall())
    assert by_group["cancelled"] == 726                  # the file's 'Cancelled' rows
    assert set(by_group) <= {"paid", "part_paid", "cancelled", "open"}
    assert con.execute("select count(*) from fact_pcn where not is_status_recognised").fetchall()[0][0] == 0
    # contravention 34 (bus lane) is on 10,034 of the file's notices
    assert con.execute("select count(*) from fact_pcn where ticket_type_group = 'Bus lane'").fetchall()[0][0] == 10_034

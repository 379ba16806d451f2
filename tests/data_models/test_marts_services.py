"""Repairs, adult social care and parking marts on a small hand-made build database.

The build database is the project's test one (finance_fixture.new_build_db: every valid_* table typed from the
layouts, the seed tables, build_info); the models run with the project's runner, together with the conformed
dimensions they need. The records are a handful of awkward cases; every expected value below was worked out by hand
from the calendar (England & Wales bank holidays) and the rules in the models' YAML, none by running the models.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import duckdb
import pytest
from finance_fixture import failing_checks, insert_valid, new_build_db, rows

from etl import models
from etl.build import build
from etl.settings import build_settings

OUR_MODELS = {
    "stg_repairs_job", "stg_care_event", "stg_pcn", "stg_permit", "stg_suspension", "stg_bay_session",
    "dim_repair_priority", "dim_age_band", "dim_care_support_reason",
    "fact_repairs_job", "fact_care_event", "fact_care_service_episode", "fact_pcn", "fact_permit",
    "fact_suspension", "fact_bay_session", "agg_bay_occupancy_hourly",
}
DATA_AS_OF = dt.date(2025, 11, 28)  # a Friday

# England & Wales bank holidays, written out by hand
BANK_HOLIDAYS = [
    (dt.date(2025, 1, 1), "New Year's Day"), (dt.date(2025, 4, 18), "Good Friday"),
    (dt.date(2025, 4, 21), "Easter Monday"), (dt.date(2025, 5, 5), "Early May bank holiday"),
    (dt.date(2025, 5, 26), "Spring bank holiday"), (dt.date(2025, 8, 25), "Summer bank holiday"),
    (dt.date(2025, 12, 25), "Christmas Day"), (dt.date(2025, 12, 26), "Boxing Day"),
    (dt.date(2026, 1, 1), "New Year's Day"), (dt.date(2026, 4, 3), "Good Friday"),
    (dt.date(2026, 4, 6), "Easter Monday"), (dt.date(2026, 5, 4), "Early May bank holiday"),
    (dt.date(2026, 5, 25), "Spring bank holiday"), (dt.date(2026, 8, 31), "Summer bank holiday"),
    (dt.date(2026, 12, 25), "Christmas Day"), (dt.date(2026, 12, 28), "Boxing Day (substitute day)"),
]
PRIORITIES = [
    {"code": "EMERGENCY", "name": "Emergency", "target_hours": 24, "rp02_group": "emergency", "sort": 1},
    {"code": "URGENT", "name": "Urgent", "target_working_days": 5, "rp02_group": "non-emergency", "sort": 2},
    {"code": "ROUTINE", "name": "Routine", "target_working_days": 20, "rp02_group": "non-emergency", "sort": 3},
    {"code": "PLANNED", "name": "Planned", "target_working_days": 90, "rp02_group": "non-emergency", "sort": 4},
]
BELSIZE, HOLBORN, KINGS_CROSS, ST_PANCRAS = "E05013652", "E05013662", "E05013666", "E05013669"


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


REPAIRS = [
    # 1. urgent, raised the Thursday before Easter (Good Friday 18 Apr, Easter Monday 21 Apr 2025):
    #    5 working days = Tue 22, Wed 23, Thu 24, Fri 25, Mon 28 Apr -> due end of Mon 28 Apr; completed that day
    {"job_ref": "J1", "ward_name": "Holborn and Covent Garden", "trade": "Plumbing", "priority": "Urgent",
     "raised_at": ts("2025-04-17 10:00"), "completed_at": ts("2025-04-28 16:00"), "status": "Completed",
     "contractor": "Acme", "cost": Decimal("180.50"), "first_time_fix": True, "recall": False, "satisfaction": 5,
     "description": "Leak under sink, tenant Mrs Smith"},
    # 2. emergency completed in 25 hours (target 24), attended in 2 hours; satisfaction 9 is off the 1-5 scale
    {"job_ref": "J2", "ward_name": "King’s Cross", "trade": "Electrical", "priority": "EMERGENCY",
     "raised_at": ts("2025-06-02 08:00"), "attended_at": ts("2025-06-02 10:00"),
     "completed_at": ts("2025-06-03 09:00"), "status": "Completed", "cost": Decimal("95.00"), "satisfaction": 9},
    # 3. damp and mould, open, nothing done: investigation due Mon 17 Nov (10 working days from Mon 3 Nov),
    #    summary due Thu 20 Nov, safety / preventative work due Thu 27 Nov; all missed at Fri 28 Nov.
    #    Routine target 20 working days -> Mon 1 Dec: not overdue yet. 25 days open.
    {"job_ref": "J3", "ward_name": "belsize", "trade": "Damp & Mould", "priority": "Routine",
     "hazard_category": "Damp and mould growth", "raised_at": ts("2025-11-03 09:00"), "status": "Open"},
    # 4. damp and mould found from the hazard (trade carpentry): raised Wed 5 Nov, investigation due Wed 19 Nov (done
    #    Fri 14 Nov: met); summary due 3 working days after 14 Nov = Wed 19 Nov (issued Fri 21 Nov: missed); safety
    #    work due 5 working days after the investigation (14 Nov) = Fri 21 Nov (not done by data_as_of: missed);
    #    preventative work due the same day, started Tue 25 Nov: missed
    {"job_ref": "J4", "ward_name": "St. Pancras & Somers Town", "trade": "Carpentry", "priority": "Routine",
     "hazard_category": "Damp and mould", "raised_at": ts("2025-11-05 09:00"),
     "investigated_at": ts("2025-11-14 11:00"), "summary_issued_at": ts("2025-11-21 15:00"),
     "preventative_work_started_at": ts("2025-11-25 08:00"), "status": "In Progress"},
    # 5. cancelled; a ward that is not the borough's; priority in lower case
    {"job_ref": "J5", "ward_name": "Narnia", "trade": "Roofing", "priority": "planned",
     "raised_at": ts("2025-03-03 12:00"), "status": "Cancelled"},
    # 6. a priority not in the seed; open 211 days (1 May -> 28 Nov 2025)
    {"job_ref": "J6", "trade": "Gas", "priority": "P9", "raised_at": ts("2025-05-01 09:00"), "status": "Open"},
    # 7. urgent raised Fri 21 Nov: due Fri 28 Nov = data_as_of, so not overdue yet; 7 days open
    {"job_ref": "J7", "ward_name": "Belsize", "trade": "Plumbing", "priority": "Urgent",
     "raised_at": ts("2025-11-21 15:00"), "status": "Open"},
    # 8. urgent raised Thu 20 Nov: due Thu 27 Nov, overdue at 28 Nov; 8 days open
    {"job_ref": "J8", "ward_name": "Belsize", "trade": "Plumbing", "priority": "Urgent",
     "raised_at": ts("2025-11-20 15:00"), "status": "Open"},
    # 9. urgent raised on the Saturday of the August bank holiday weekend (Mon 25 Aug 2025): counts from Tue 26;
    #    due Mon 1 Sep; completed Fri 29 Aug = 4 working days after the Saturday
    {"job_ref": "J9", "ward_name": "Belsize", "trade": "Plumbing", "priority": "Urgent",
     "raised_at": ts("2025-08-23 10:00"), "completed_at": ts("2025-08-29 17:00"), "status": "Completed"},
]
# the same job again in an earlier month's export, completed a day late
REPAIRS_APRIL = [
    {"job_ref": "J1", "ward_name": "Holborn and Covent Garden", "trade": "Plumbing", "priority": "Urgent",
     "raised_at": ts("2025-04-17 10:00"), "completed_at": ts("2025-04-29 09:00"), "status": "Completed"},
]

PERSON_A, PERSON_B, PERSON_C, PERSON_D = "a1a1a1a1a1a1a1a1", "b2b2b2b2b2b2b2b2", "c3c3c3c3c3c3c3c3", "d4d4d4d4d4d4d4d4"
BORN_A, BORN_B = dt.date(1950, 6, 15), dt.date(1940, 11, 29)
CARE = [
    # person A: two requests, then an assessment 19 days after the later one; home care since 10 Mar 2025
    {"person_id": PERSON_A, "date_of_birth": BORN_A, "ward_code": BELSIZE,
     "primary_support_reason": "Physical Support: Personal Care Support", "event_type": "Request",
     "event_reference": "R1", "event_start_date": dt.date(2025, 1, 10), "event_end_date": dt.date(2025, 1, 10),
     "event_outcome": "Progress to Assessment"},
    {"person_id": PERSON_A, "date_of_birth": BORN_A, "ward_code": BELSIZE, "event_type": "Request",
     "event_reference": "R4", "event_start_date": dt.date(2025, 2, 1), "event_end_date": dt.date(2025, 2, 1),
     "event_outcome": "Progress to Assessment"},
    {"person_id": PERSON_A, "date_of_birth": BORN_A, "ward_code": BELSIZE,
     "primary_support_reason": "Physical Support: Personal Care Support", "event_type": "Assessment",
     "event_reference": "A1", "event_start_date": dt.date(2025, 2, 20), "event_end_date": dt.date(2025, 3, 1),
     "event_outcome": "Progress to Support Planning / Services"},
    {"person_id": PERSON_A, "date_of_birth": BORN_A, "ward_code": BELSIZE, "event_type": "Service",
     "event_reference": "S1", "event_start_date": dt.date(2025, 3, 10), "service_type": "Home Care",
     "service_component": "Personal care", "delivery_mechanism": "CASSR Managed Personal Budget",
     "unit_cost": Decimal("25.00"), "cost_frequency": "Hourly", "planned_units_per_week": 10.0},
    # person B (born 29 Nov 1940, so 84 until 29 Nov 2025): waiting for assessment since 1 Oct; residential care
    # last reviewed 1 Sep 2024, so overdue a review since 1 Sep 2025
    {"person_id": PERSON_B, "date_of_birth": BORN_B, "ward_code": ST_PANCRAS, "event_type": "Request",
     "event_reference": "R2", "event_start_date": dt.date(2025, 10, 1), "event_end_date": dt.date(2025, 10, 1),
     "event_outcome": "Progress to Assessment"},
    {"person_id": PERSON_B, "date_of_birth": BORN_B, "ward_code": ST_PANCRAS, "event_type": "Request",
     "event_reference": "R3", "event_start_date": dt.date(2025, 11, 28), "event_end_date": dt.date(2025, 11, 28),
     "event_outcome": "Universal services / signposted to other services"},
    {"person_id": PERSON_B, "date_of_birth": BORN_B, "ward_code": ST_PANCRAS, "event_type": "Service",
     "event_reference": "S2", "event_start_date": dt.date(2023, 6, 1), "service_type": "Residential Care",
     "unit_cost": Decimal("1200.00"), "cost_frequency": "Weekly", "planned_units_per_week": 1.0},
    {"person_id": PERSON_B, "date_of_birth": BORN_B, "ward_code": ST_PANCRAS, "event_type": "Review",
     "event_reference": "V1", "event_start_date": dt.date(2024, 8, 20), "event_end_date": dt.date(2024, 9, 1),
     "review_reason": "Planned"},
    # person C: no birth date; a ward code of another area; a direct payment that has ended; reablement
    {"person_id": PERSON_C, "ward_code": "E05011234", "event_type": "Service", "event_reference": "S3",
     "event_start_date": dt.date(2024, 1, 1), "event_end_date": dt.date(2025, 6, 30),
     "service_type": "Direct Payment", "unit_cost": Decimal("520.00"), "cost_frequency": "Monthly"},
    {"person_id": PERSON_C, "event_type": "Service", "event_reference": "S4", "event_start_date": dt.date(2025, 11, 1),
     "service_type": "Reablement", "unit_cost": Decimal("400.00"), "cost_frequency": "4 Weekly"},
    {"person_id": PERSON_C, "ward_code": "E05011234", "event_type": "Assessment", "event_reference": "A2",
     "event_start_date": dt.date(2025, 5, 5), "event_end_date": dt.date(2025, 5, 9)},
    # person D: a one-off cost with an unrecognisable ward code, and an event type CLD does not have
    {"person_id": PERSON_D, "ward_code": "XYZ", "event_type": "Service", "event_reference": "S5",
     "event_start_date": dt.date(2025, 9, 1), "event_end_date": dt.date(2025, 9, 1), "service_type": "Equipment",
     "unit_cost": Decimal("300.00"), "cost_frequency": "One-off"},
    {"person_id": PERSON_D, "event_type": "Contact", "event_reference": "C1", "event_start_date": dt.date(2025, 9, 1)},
    # a request whose SALT-style outcome (long-term support) is reached through an assessment, not yet held
    {"person_id": PERSON_D, "event_type": "Request", "event_reference": "R5", "event_start_date": dt.date(2025, 11, 20),
     "event_end_date": dt.date(2025, 11, 20), "event_outcome": "Long Term Support"},
]

CAMDEN, MANCHESTER = "London Borough of Camden", "Manchester City Council"
CODES = [
    {"code": "1", "description": "Parked in a restricted street during prescribed hours"},
    {"code": "2", "description": "Parked or loading/unloading in a restricted street"},
    {"code": "12", "description": "Parked in a residents' or shared use parking place without a permit"},
    {"code": "21", "description": "Parked wholly or partly in a suspended bay or space"},
    {"code": "21", "description": "Parked wholly or partly in a suspended bay or space - residents' bay"},
    {"code": "34", "description": "Being in a bus lane"},
]
VEHICLES = [{"category": "Car"}, {"category": "Van"}]
PCNS_CAMDEN = [
    {"organisation": CAMDEN, "issued_at": ts("2025-11-03 08:15"), "ticket_type": "Parking",
     "contravention_code": "01", "vehicle_category": "Car", "status": "Paid/Closed", "ward_code": BELSIZE,
     "street": "SOUTH END ROAD", "zone": "CA-F", "amount_charged": Decimal("160.00"), "amount_paid": Decimal("80.00"),
     "amount_outstanding": Decimal("0.00")},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-03 17:59"), "ticket_type": "Bus Lane",
     "contravention_code": "34", "status": "Outstanding"},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-04 09:00"), "contravention_code": "12r",
     "vehicle_category": "van", "status": "WrittenOff", "ward_code": KINGS_CROSS.lower()},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-04 10:00"), "contravention_code": "21", "status": "Cancelled",
     "ward_code": ST_PANCRAS},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-05 11:00"), "contravention_code": "21", "status": "Outstanding",
     "amount_charged": Decimal("160.00"), "amount_paid": Decimal("30.00"), "amount_outstanding": Decimal("50.00")},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-05 12:00"), "contravention_code": "2",
     "status": "Informal Challenge"},
    {"organisation": CAMDEN, "issued_at": ts("2025-11-06 13:00"), "contravention_code": "2",
     "status": "Appeal lodged"},
    # a pre-2022 ward code: found by the ward name instead
    {"organisation": CAMDEN, "issued_at": ts("2025-11-06 14:00"), "contravention_code": "1", "status": "Outstanding",
     "ward_code": "E05000128", "ward_name": "Holborn and Covent Garden"},
]
# Manchester's parking account: money paid is recorded negative; its wards are Manchester's
PCNS_MANCHESTER = [
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-01 00:28"), "amount_paid": Decimal("-35.00"),
     "status": "Post NtO", "street": "Peter Street", "ward_name": "Deansgate", "zone": "Pay and Display Parking",
     "amount_outstanding": Decimal("0.00"), "contravention_code": "21",
     "contravention_description": "Parked in a suspended bay/space or part of bay/space"},
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-01 00:12"), "amount_paid": Decimal("0.00"),
     "status": "Pre-NtO Discount", "street": "Oxford Road", "ward_name": "City Centre", "zone": "Bus Lane",
     "amount_outstanding": Decimal("35.00"), "contravention_code": "34"},
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-02 10:00"), "amount_paid": Decimal("-30.00"),
     "status": "Post NtO", "street": "King Street", "ward_name": "Deansgate", "zone": "Limited Waiting",
     "amount_outstanding": Decimal("30.00"), "contravention_code": "30"},
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-02 11:00"), "amount_paid": Decimal("0.00"),
     "status": "Cancelled", "street": "Bridge Street Car Park", "ward_name": "Deansgate", "zone": "Car Park",
     "amount_outstanding": Decimal("0.00"), "contravention_code": "83"},
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-03 12:00"), "contravention_code": "999"},
    # a Manchester ward with the name of one of Camden's is still outside the borough
    {"organisation": MANCHESTER, "issued_at": ts("2020-03-03 13:00"), "ward_name": "Belsize",
     "status": "Pre-NtO Full Rate", "amount_paid": Decimal("0.00"), "amount_outstanding": Decimal("70.00"),
     "contravention_code": "1"},
]

PERMITS = [
    {"permit_number": "PM1", "permit_type": "Resident", "zone": "CA-F", "ward_code": BELSIZE, "channel": "web",
     "applied_at": ts("2025-11-03 09:00:00"), "issued_at": ts("2025-11-03 09:12:30"),
     "valid_from": dt.date(2025, 11, 3), "valid_to": dt.date(2026, 11, 2), "price": Decimal("150.00")},
    # applied the Thursday before Easter, issued the Tuesday after: 5 calendar days, 1 working day
    {"permit_number": "PM2", "permit_type": "Business", "channel": "Paper form",
     "applied_at": ts("2025-04-17 10:00"), "issued_at": ts("2025-04-22 10:00"),
     "valid_from": dt.date(2025, 4, 22), "valid_to": dt.date(2025, 10, 21)},
    {"permit_number": "PM3", "permit_type": "Visitor", "channel": "Phone", "applied_at": ts("2025-11-20 10:00")},
    {"permit_number": "PM4", "permit_type": "Visitor", "channel": "Kiosk", "applied_at": ts("2025-11-21 10:00"),
     "issued_at": ts("2025-11-20 10:00")},
]

SUSPENSIONS = [
    {"suspension_ref": "SU1", "zone": "CA-F", "ward_code": BELSIZE, "reason": "Skip", "bays_suspended": 3,
     "applied_on": dt.date(2025, 11, 1), "start_date": dt.date(2025, 11, 10), "end_date": dt.date(2025, 11, 12),
     "fee": Decimal("120.00")},
    {"suspension_ref": "SU2", "reason": "Filming", "bays_suspended": 2, "start_date": dt.date(2025, 11, 20)},
]

BAY_SESSIONS = [
    # crosses midnight: 30 min in 23:00 on Thu 27 Nov, 60 in 00:00 and 15 in 01:00 on 28 Nov; 105 min, max 60
    {"event_id": "E1", "bay_id": "B1", "zone": "CA-F", "ward_code": BELSIZE,
     "arrival_at": ts("2025-11-27 23:30"), "departure_at": ts("2025-11-28 01:15"), "max_stay_minutes": 60},
    {"event_id": "E2", "bay_id": "B2", "zone": "CA-F", "arrival_at": ts("2025-11-28 00:10"),
     "departure_at": ts("2025-11-28 00:40"), "max_stay_minutes": 120},
    {"event_id": "E3", "bay_id": "B3", "arrival_at": ts("2025-11-28 10:00")},
    {"event_id": "E4", "bay_id": "B2", "zone": "CA-F", "arrival_at": ts("2025-11-28 12:00"),
     "departure_at": ts("2025-11-28 11:00")},
    # exactly one clock hour: nothing spills into 10:00
    {"event_id": "E5", "bay_id": "B1", "zone": "CA-F", "arrival_at": ts("2025-11-28 09:00"),
     "departure_at": ts("2025-11-28 10:00"), "max_stay_minutes": 60},
]


@pytest.fixture(scope="module")
def con():
    con = new_build_db(seeds={
        "seed_repair_priorities": PRIORITIES,
        "seed_bank_holidays": [{"holiday_date": d, "holiday_name": n} for d, n in BANK_HOLIDAYS],
    })
    con.execute("update build_info set data_as_of = ?", [DATA_AS_OF])
    insert_valid(con, "repairs_job", REPAIRS, source_file="repairs/jobs-2025-11.csv", layout="repairs_jobs_export")
    insert_valid(con, "repairs_job", REPAIRS_APRIL, source_file="repairs/jobs-2025-04.csv",
                 layout="repairs_jobs_export")
    insert_valid(con, "care_event", CARE, source_file="social-care/cld-2025-q3.csv", layout="cld_events")
    insert_valid(con, "contravention_code", CODES, source_file="parking/codes.csv", layout="contravention_codes")
    insert_valid(con, "vehicle_category", VEHICLES, source_file="parking/vt.csv", layout="vehicle_categories")
    insert_valid(con, "pcn", PCNS_CAMDEN, source_file="parking/pcn-camden.csv", layout="pcn_camden")
    insert_valid(con, "pcn", PCNS_MANCHESTER, source_file="parking/parking_account_march_20.csv",
                 layout="pcn_manchester")
    insert_valid(con, "permit", PERMITS, source_file="permits/2025-11.csv", layout="permits_camden")
    insert_valid(con, "suspension", SUSPENSIONS, source_file="suspensions/2025-11.csv", layout="suspensions_camden")
    insert_valid(con, "bay_session", BAY_SESSIONS, source_file="sensors/2025-11.csv", layout="bay_sensor_events")
    order = models.run_models(con, models.MODELS_DIR, only=OUR_MODELS)
    assert OUR_MODELS <= set(order)
    return con


def ward_key(con, ward_code: str) -> int:
    return con.execute("select ward_key from dim_ward where ward_code = ?", [ward_code]).fetchall()[0][0]


def by(con, table: str, key: str) -> dict:
    return {row[key]: row for row in rows(con, f"select * from {table}")}


def test_yaml_tests_pass(con):
    assert failing_checks(con, OUR_MODELS) == []


@pytest.mark.parametrize("target, facts", [
    ("repairs_job", ["fact_repairs_job"]),
    ("care_event", ["fact_care_event", "fact_care_service_episode"]),
    ("pcn", ["fact_pcn"]),
    ("permit", ["fact_permit"]),
    ("suspension", ["fact_suspension"]),
    ("bay_session", ["fact_bay_session"]),
])
def test_facts_hold_exactly_the_loaded_rows(con, target, facts):
    loaded = sorted(con.execute(f"select source_file, source_row from valid_{target}").fetchall())
    carried = sorted(r for fact in facts for r in con.execute(f"select source_file, source_row from {fact}").fetchall())
    assert carried == loaded


def test_every_fact_names_its_source(con):
    specs = models.load_models(models.MODELS_DIR)
    assert {name: specs[name].source for name in OUR_MODELS if name.startswith("fact_")} == {
        "fact_repairs_job": "repairs_job", "fact_care_event": "care_event",
        "fact_care_service_episode": "care_event", "fact_pcn": "pcn", "fact_permit": "permit",
        "fact_suspension": "suspension", "fact_bay_session": "bay_session",
    }


# ---------------------------------------------------------------------------------------------------------------
# repairs
# ---------------------------------------------------------------------------------------------------------------

def repairs(con) -> dict:
    """Jobs by job_ref; the April re-export of J1 as 'J1 (April)'."""
    return {r["job_ref"] + (" (April)" if r["source_file"].endswith("2025-04.csv") else ""): r
            for r in rows(con, "select * from fact_repairs_job")}


def test_repair_priority_dimension_follows_the_seed_and_has_an_unknown_member(con):
    got = rows(con, "select priority_key, priority_code, target_hours, target_working_days, rp02_group "
                    "from dim_repair_priority order by priority_key")
    assert got == [
        {"priority_key": -1, "priority_code": "UNKNOWN", "target_hours": None, "target_working_days": None,
         "rp02_group": "unknown"},
        {"priority_key": 1, "priority_code": "EMERGENCY", "target_hours": 24.0, "target_working_days": None,
         "rp02_group": "emergency"},
        {"priority_key": 2, "priority_code": "URGENT", "target_hours": None, "target_working_days": 5,
         "rp02_group": "non-emergency"},
        {"priority_key": 3, "priority_code": "ROUTINE", "target_hours": None, "target_working_days": 20,
         "rp02_group": "non-emergency"},
        {"priority_key": 4, "priority_code": "PLANNED", "target_hours": None, "target_working_days": 90,
         "rp02_group": "non-emergency"},
    ]


def test_repairs_ward_priority_and_date_keys(con):
    jobs = repairs(con)
    assert jobs["J1"]["ward_key"] == ward_key(con, HOLBORN)       # 'and' for '&'
    assert jobs["J2"]["ward_key"] == ward_key(con, KINGS_CROSS)   # a curly apostrophe
    assert jobs["J3"]["ward_key"] == ward_key(con, BELSIZE)       # lower case
    assert jobs["J4"]["ward_key"] == ward_key(con, ST_PANCRAS)    # 'St.' with a full stop
    assert jobs["J5"]["ward_key"] == -1                           # not a ward of the borough
    assert jobs["J6"]["ward_key"] == -1                           # no ward given
    assert (jobs["J2"]["priority_key"], jobs["J5"]["priority_key"], jobs["J6"]["priority_key"]) == (1, 4, -1)
    assert (jobs["J1"]["raised_date_key"], jobs["J1"]["completed_date_key"]) == (20250417, 20250428)
    assert jobs["J2"]["attended_date_key"] == 20250602
    assert jobs["J3"]["completed_date_key"] is None and jobs["J3"]["attended_date_key"] is None
    assert jobs["J1"]["is_duplicate_job_ref"] and jobs["J1 (April)"]["is_duplicate_job_ref"]
    assert not jobs["J2"]["is_duplicate_job_ref"]
    assert jobs["J2"]["satisfaction_score"] is None
    assert jobs["J1"]["satisfaction_score"] == 5
    assert jobs["J1"]["cost_pounds"] == Decimal("180.50")
    assert "description" not in jobs["J1"]                       # free text can name tenants


def test_working_day_targets_skip_weekends_and_bank_holidays(con):
    jobs = repairs(con)
    assert jobs["J1"]["target_due_at"] == ts("2025-04-29 00:00")   # the end of Mon 28 April
    assert jobs["J1"]["target_due_date_key"] == 20250428
    assert jobs["J1"]["completed_within_target"] is True
    assert jobs["J1 (April)"]["completed_within_target"] is False
    assert (jobs["J1"]["working_days_to_complete"], jobs["J1"]["days_to_complete"]) == (5, 11)
    assert jobs["J9"]["target_due_date_key"] == 20250901
    assert jobs["J9"]["working_days_to_complete"] == 4
    assert jobs["J9"]["completed_within_target"] is True
    assert jobs["J3"]["target_due_date_key"] == 20251201


def test_emergency_target_is_24_hours_from_raising(con):
    job = repairs(con)["J2"]
    assert job["rp02_group"] == "emergency"
    assert job["target_due_at"] == ts("2025-06-03 08:00")
    assert job["hours_to_complete"] == 25.0
    assert job["completed_within_target"] is False
    assert job["attended_within_target"] is True


def test_open_backlog_overdue_and_age_bands_at_data_as_of(con):
    jobs = repairs(con)
    expected = {  # job: (status group, is_open, is_overdue, days_open, backlog band)
        "J3": ("open", True, False, 25, "8-30 days"),
        "J5": ("cancelled", False, False, None, None),
        "J6": ("open", True, None, 211, "over 180 days"),   # no target for an unknown priority
        "J7": ("open", True, False, 7, "0-7 days"),
        "J8": ("open", True, True, 8, "8-30 days"),
        "J2": ("completed", False, False, None, None),
    }
    got = {job: (jobs[job]["job_status_group"], jobs[job]["is_open"], jobs[job]["is_overdue"],
                 jobs[job]["days_open"], jobs[job]["backlog_age_band"]) for job in expected}
    assert got == expected
    assert jobs["J7"]["working_days_open"] == 5     # Mon 24 .. Fri 28 Nov after Fri 21 Nov


def test_awaabs_law_clocks(con):
    jobs = repairs(con)
    open_case = jobs["J3"]
    assert open_case["is_damp_mould"] and open_case["awaabs_law_applies"]
    assert [open_case[c] for c in ("investigation_due_date", "summary_due_date", "safety_work_due_date",
                                   "preventative_work_due_date")] == [
        dt.date(2025, 11, 17), dt.date(2025, 11, 20), dt.date(2025, 11, 24), dt.date(2025, 11, 24)]
    assert [open_case[c] for c in ("investigation_clock", "summary_clock", "safety_work_clock",
                                   "preventative_work_clock")] == ["missed", "missed", "missed", "missed"]
    assert open_case["is_awaab_overdue"] is True

    case = jobs["J4"]
    assert case["is_damp_mould"]
    assert (case["investigation_due_date"], case["investigation_clock"]) == (dt.date(2025, 11, 19), "met")
    assert (case["summary_due_date"], case["summary_clock"]) == (dt.date(2025, 11, 19), "missed")
    assert (case["safety_work_due_date"], case["safety_work_clock"]) == (dt.date(2025, 11, 21), "missed")
    assert (case["preventative_work_due_date"], case["preventative_work_clock"]) == (dt.date(2025, 11, 21), "missed")
    assert case["is_awaab_overdue"] is True  # safety work still not done, past its due date

    plumbing = jobs["J7"]
    assert not plumbing["is_damp_mould"] and not plumbing["awaabs_law_applies"]
    assert plumbing["investigation_clock"] is None and plumbing["is_awaab_overdue"] is None


# ---------------------------------------------------------------------------------------------------------------
# adult social care
# ---------------------------------------------------------------------------------------------------------------

def test_no_mart_carries_the_date_of_birth(con):
    marts = {name for name in OUR_MODELS if name.startswith(("dim_", "fact_"))}
    columns = [c for c in con.execute("select table_name, column_name from information_schema.columns").fetchall()
               if c[0] in marts]
    assert columns and not [c for c in columns if "birth" in c[1] or c[1].startswith("age_at")]
    for table in ("fact_care_event", "fact_care_service_episode"):
        values = {v for row in con.execute(f"select * from {table}").fetchall() for v in row}
        assert not values & {BORN_A, BORN_B, BORN_A.isoformat(), BORN_B.isoformat()}


def test_requests_assessments_and_waits(con):
    events = by(con, "fact_care_event", "event_reference")
    assert set(events) == {"R1", "R4", "A1", "R2", "R3", "V1", "A2", "C1", "R5"}
    assert events["C1"]["event_type_group"] == "other"
    assert events["A1"]["person_key"] == PERSON_A
    assert events["A1"]["request_event_reference"] == "R4"      # the later of A's two requests
    assert events["A1"]["days_waited_for_assessment"] == 19     # 1 Feb -> 20 Feb
    assert events["A2"]["days_waited_for_assessment"] is None   # no request before it
    assert events["R1"]["is_awaiting_assessment"] is False
    assert (events["R2"]["is_awaiting_assessment"], events["R2"]["days_waiting_at_as_of"]) == (True, 58)
    assert (events["R3"]["is_progressed_to_assessment"], events["R3"]["is_awaiting_assessment"]) == (False, False)
    assert events["R3"]["days_waiting_at_as_of"] is None
    assert (events["R5"]["is_awaiting_assessment"], events["R5"]["days_waiting_at_as_of"]) == (True, 8)
    assert events["R2"]["request_outcome"] == "Progress to Assessment"
    assert events["A1"]["request_outcome"] is None
    assert (events["A1"]["event_start_date_key"], events["A1"]["event_end_date_key"]) == (20250220, 20250301)


def test_ages_wards_and_support_reasons(con):
    events = by(con, "fact_care_event", "event_reference")
    bands = dict(con.execute("select age_band_key, age_band from dim_age_band").fetchall())
    assert bands[events["A1"]["age_band_key"]] == "65-74"      # 74 on 20 Feb 2025
    assert bands[events["R3"]["age_band_key"]] == "75-84"      # 84 on 28 Nov 2025, 85 the next day
    assert events["A2"]["age_band_key"] == -1                  # no birth date
    assert events["A1"]["ward_key"] == ward_key(con, BELSIZE)
    assert events["R2"]["ward_key"] == ward_key(con, ST_PANCRAS)
    assert events["A2"]["ward_key"] == -2                      # a ward code of another area
    assert events["C1"]["ward_key"] == -1
    reasons = by(con, "dim_care_support_reason", "support_reason_key")
    assert reasons[events["R1"]["support_reason_key"]]["support_reason_group"] == "Physical support"
    assert events["R4"]["support_reason_key"] == -1


def test_review_overdue_flags(con):
    events = by(con, "fact_care_event", "event_reference")
    assert (events["V1"]["next_review_due_date"], events["V1"]["is_next_review_overdue"]) == (
        dt.date(2025, 9, 1), True)
    episodes = by(con, "fact_care_service_episode", "event_reference")
    assert (episodes["S2"]["review_due_date"], episodes["S2"]["is_review_overdue"]) == (dt.date(2025, 9, 1), True)
    # never reviewed: due 12 months from the start
    assert (episodes["S1"]["review_due_date"], episodes["S1"]["is_review_overdue"]) == (dt.date(2026, 3, 10), False)
    assert episodes["S4"]["requires_annual_review"] is False        # reablement
    assert episodes["S3"]["is_review_overdue"] is False             # ended


def test_service_episodes_weekly_cost_and_activity(con):
    episodes = by(con, "fact_care_service_episode", "event_reference")
    expected = {  # weekly cost, one-off cost, active at 28 Nov 2025
        "S1": (Decimal("250.00"), None, True),      # £25 an hour x 10 hours
        "S2": (Decimal("1200.00"), None, True),
        "S3": (Decimal("120.00"), None, False),     # £520 a month x 12 / 52; ended 30 Jun 2025
        "S4": (Decimal("100.00"), None, True),      # £400 every 4 weeks
        "S5": (None, Decimal("300.00"), False),     # one-off on 1 Sep 2025
    }
    got = {ref: (e["weekly_cost_pounds"], e["one_off_cost_pounds"], e["is_active"]) for ref, e in episodes.items()}
    assert got == expected
    assert (episodes["S1"]["start_date_key"], episodes["S1"]["end_date_key"]) == (20250310, None)
    assert (episodes["S3"]["ward_key"], episodes["S5"]["ward_key"]) == (-2, -1)
    assert (episodes["S1"]["service_type"], episodes["S1"]["delivery_mechanism"]) == (
        "Home Care", "CASSR Managed Personal Budget")


# ---------------------------------------------------------------------------------------------------------------
# parking
# ---------------------------------------------------------------------------------------------------------------

def pcns(con) -> dict:
    return {(r["layout"], r["source_row"]): r for r in rows(con, "select * from fact_pcn")}


def key_of(con, table: str, key: str, column: str, value: str) -> int:
    return con.execute(f"select {key} from {table} where {column} = ?", [value]).fetchall()[0][0]


def test_pcn_status_groups_from_both_vocabularies(con):
    got = {key: r["status_group"] for key, r in pcns(con).items()}
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
    assert [k for k, r in pcns(con).items() if not r["is_status_recognised"]] == [("pcn_manchester", 5)]


def test_pcn_payments_are_positive_pounds(con):
    p = pcns(con)
    assert p[("pcn_manchester", 1)]["amount_paid_pounds"] == Decimal("35.00")
    assert p[("pcn_manchester", 3)]["amount_paid_pounds"] == Decimal("30.00")
    assert p[("pcn_manchester", 3)]["amount_outstanding_pounds"] == Decimal("30.00")
    assert p[("pcn_camden", 1)]["amount_paid_pounds"] == Decimal("80.00")
    assert p[("pcn_camden", 1)]["amount_charged_pounds"] == Decimal("160.00")
    assert con.execute("select sum(amount_paid_pounds) from fact_pcn").fetchall()[0][0] == Decimal("175.00")


def test_pcn_keys(con):
    p = pcns(con)
    camden = key_of(con, "dim_organisation", "organisation_key", "organisation_name", CAMDEN)
    manchester = key_of(con, "dim_organisation", "organisation_key", "organisation_name", MANCHESTER)
    code = {c: key_of(con, "dim_contravention", "contravention_key", "contravention_code", c)
            for c in ("1", "12", "21", "34")}
    car = key_of(con, "dim_vehicle_category", "vehicle_category_key", "vehicle_category", "Car")
    van = key_of(con, "dim_vehicle_category", "vehicle_category_key", "vehicle_category", "Van")
    keys = {k: (r["organisation_key"], r["contravention_key"], r["vehicle_category_key"], r["ward_key"])
            for k, r in p.items()}
    assert keys[("pcn_camden", 1)] == (camden, code["1"], car, ward_key(con, BELSIZE))      # '01' is code 1
    assert keys[("pcn_camden", 2)] == (camden, code["34"], -1, -1)                           # Camden, no ward
    assert keys[("pcn_camden", 3)] == (camden, code["12"], van, ward_key(con, KINGS_CROSS))  # '12r'; 'van'
    assert keys[("pcn_camden", 4)][1] == code["21"]                                           # listed twice
    assert keys[("pcn_camden", 8)][3] == ward_key(con, HOLBORN)     # an old ward code, found by name
    assert keys[("pcn_manchester", 1)] == (manchester, code["21"], -1, -2)                  # Deansgate
    assert keys[("pcn_manchester", 6)][3] == -2                     # Manchester's 'Belsize' is not Camden's
    assert p[("pcn_camden", 1)]["issued_date_key"] == 20251103 and p[("pcn_camden", 1)]["issued_hour"] == 8
    assert p[("pcn_camden", 2)]["issued_hour"] == 17
    assert p[("pcn_manchester", 2)]["issued_date_key"] == 20200301


def test_pcn_ticket_type_and_on_street(con):
    p = pcns(con)
    assert p[("pcn_camden", 2)]["ticket_type_group"] == "Bus lane"
    assert p[("pcn_manchester", 2)]["ticket_type_group"] == "Bus lane"      # code 34
    assert p[("pcn_manchester", 1)]["ticket_type_group"] == "Parking"
    assert p[("pcn_manchester", 5)]["ticket_type_group"] == "Parking"       # an unknown code, still a PCN
    assert p[("pcn_manchester", 4)]["on_street"] is False                   # a car park
    assert p[("pcn_manchester", 1)]["on_street"] is True
    assert p[("pcn_manchester", 2)]["on_street"] is None                    # a bus lane is not a parking place


def test_permit_processing_times(con):
    permits = by(con, "fact_permit", "permit_number")
    assert (permits["PM1"]["channel"], permits["PM1"]["processing_minutes"]) == ("Online", 12.5)
    assert permits["PM2"]["channel"] == "Paper"
    assert (permits["PM2"]["processing_minutes"], permits["PM2"]["processing_days"]) == (7200.0, 5.0)
    assert permits["PM2"]["processing_working_days"] == 1      # Good Friday and Easter Monday are not working days
    assert (permits["PM3"]["is_issued"], permits["PM3"]["days_awaiting_issue"]) == (False, 8)
    assert permits["PM4"]["processing_minutes"] is None        # issued before applied: not measured
    assert permits["PM4"]["channel"] == "Kiosk"
    assert (permits["PM1"]["ward_key"], permits["PM2"]["ward_key"]) == (ward_key(con, BELSIZE), -1)
    assert (permits["PM1"]["is_valid_at_as_of"], permits["PM2"]["is_valid_at_as_of"]) == (True, False)


def test_suspensions(con):
    s = by(con, "fact_suspension", "suspension_ref")
    assert (s["SU1"]["days_suspended"], s["SU1"]["bay_days_suspended"], s["SU1"]["notice_days"]) == (3, 9, 9)
    assert s["SU1"]["is_active_at_as_of"] is False
    assert (s["SU2"]["days_suspended"], s["SU2"]["is_active_at_as_of"]) == (None, True)
    assert (s["SU1"]["start_date_key"], s["SU2"]["ward_key"]) == (20251110, -1)


def test_bay_sessions(con):
    s = by(con, "fact_bay_session", "event_id")
    e1 = s["E1"]
    assert (e1["minutes_stayed"], e1["is_overstay"], e1["overstay_minutes"]) == (105.0, True, 45.0)
    assert (e1["arrival_date_key"], e1["arrival_hour"], e1["arrival_weekday"]) == (20251127, 23, 4)
    assert e1["departure_date_key"] == 20251128
    assert (s["E2"]["is_overstay"], s["E2"]["overstay_minutes"]) == (False, 0.0)
    assert (s["E3"]["is_ongoing"], s["E3"]["minutes_stayed"], s["E3"]["is_overstay"]) == (True, None, None)
    assert (s["E4"]["is_departure_before_arrival"], s["E4"]["minutes_stayed"]) == (True, None)
    assert (s["E5"]["minutes_stayed"], s["E5"]["is_overstay"]) == (60.0, False)


def test_bay_occupancy_splits_stays_across_hours(con):
    got = {(r["zone"], r["date_key"], r["hour_of_day"]): (r["occupied_bay_minutes"], r["stays_present"],
                                                           r["arrivals"], r["bays_observed"], r["occupancy_rate"])
           for r in rows(con, "select * from agg_bay_occupancy_hourly")}
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

"""Repairs, adult social care and parking records for the marts tests (test_marts_repairs.py, test_marts_care.py,
test_marts_parking.py, test_marts_services.py), on a small hand-made build database.

The build database is the project's test one (finance_fixture.new_build_db: every valid_* table typed from the
layouts, the seed tables, build_info); the models run with the project's runner, together with the conformed
dimensions they need. The records are a handful of awkward cases; every expected value below was worked out by hand
from the calendar (England & Wales bank holidays) and the rules in the models' YAML, none by running the models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from duckdb_rows import dict_rows as rows
from finance_fixture import insert_valid, new_build_db

from etl import models

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


def services_db():
    """A build database with the records above loaded and the repairs, care and parking models run on it."""
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

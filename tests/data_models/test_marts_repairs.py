"""Repairs marts on the hand-made build database (services_fixture.py): keys, working-day targets, backlog,
Awaab's Law."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from duckdb_rows import dict_rows as rows
from services_fixture import BELSIZE, HOLBORN, KINGS_CROSS, ST_PANCRAS, ts, ward_key

# ---------------------------------------------------------------------------------------------------------------
# repairs
# ---------------------------------------------------------------------------------------------------------------

def repairs(services_con) -> dict:
    """Jobs by job_ref; the April re-export of J1 as 'J1 (April)'."""
    return {r["job_ref"] + (" (April)" if r["source_file"].endswith("2025-04.csv") else ""): r
            for r in rows(services_con, "select * from fact_repairs_job")}


def test_repair_priority_dimension_follows_the_seed_and_has_an_unknown_member(services_con):
    got = rows(services_con, "select priority_key, priority_code, target_hours, target_working_days, rp02_group "
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


def test_repairs_ward_priority_and_date_keys(services_con):
    jobs = repairs(services_con)
    assert jobs["J1"]["ward_key"] == ward_key(services_con, HOLBORN)       # 'and' for '&'
    assert jobs["J2"]["ward_key"] == ward_key(services_con, KINGS_CROSS)   # a curly apostrophe
    assert jobs["J3"]["ward_key"] == ward_key(services_con, BELSIZE)       # lower case
    assert jobs["J4"]["ward_key"] == ward_key(services_con, ST_PANCRAS)    # 'St.' with a full stop
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


def test_working_day_targets_skip_weekends_and_bank_holidays(services_con):
    jobs = repairs(services_con)
    assert jobs["J1"]["target_due_at"] == ts("2025-04-29 00:00")   # the end of Mon 28 April
    assert jobs["J1"]["target_due_date_key"] == 20250428
    assert jobs["J1"]["completed_within_target"] is True
    assert jobs["J1 (April)"]["completed_within_target"] is False
    assert (jobs["J1"]["working_days_to_complete"], jobs["J1"]["days_to_complete"]) == (5, 11)
    assert jobs["J9"]["target_due_date_key"] == 20250901
    assert jobs["J9"]["working_days_to_complete"] == 4
    assert jobs["J9"]["completed_within_target"] is True
    assert jobs["J3"]["target_due_date_key"] == 20251201


def test_emergency_target_is_24_hours_from_raising(services_con):
    job = repairs(services_con)["J2"]
    assert job["rp02_group"] == "emergency"
    assert job["target_due_at"] == ts("2025-06-03 08:00")
    assert job["hours_to_complete"] == 25.0
    assert job["completed_within_target"] is False
    assert job["attended_within_target"] is True


def test_open_backlog_overdue_and_age_bands_at_data_as_of(services_con):
    jobs = repairs(services_con)
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


def test_awaabs_law_clocks(services_con):
    jobs = repairs(services_con)
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

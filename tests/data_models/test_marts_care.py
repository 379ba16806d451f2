"""Adult social care marts on the hand-made build database (services_fixture.py): requests, waits, ages, reviews,
costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from services_fixture import BELSIZE, BORN_A, BORN_B, OUR_MODELS, PERSON_A, ST_PANCRAS, by, ward_key

# ---------------------------------------------------------------------------------------------------------------
# adult social care
# ---------------------------------------------------------------------------------------------------------------

def test_no_mart_carries_the_date_of_birth(services_con):
    marts = {name for name in OUR_MODELS if name.startswith(("dim_", "fact_"))}
    sql = "select table_name, column_name from information_schema.columns"
    columns = [c for c in services_con.execute(sql).fetchall()
               if c[0] in marts]
    assert columns and not [c for c in columns if "birth" in c[1] or c[1].startswith("age_at")]
    for table in ("fact_care_event", "fact_care_service_episode"):
        values = {v for row in services_con.execute(f"select * from {table}").fetchall() for v in row}
        assert not values & {BORN_A, BORN_B, BORN_A.isoformat(), BORN_B.isoformat()}


def test_requests_assessments_and_waits(services_con):
    events = by(services_con, "fact_care_event", "event_reference")
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


def test_ages_wards_and_support_reasons(services_con):
    events = by(services_con, "fact_care_event", "event_reference")
    bands = dict(services_con.execute("select age_band_key, age_band from dim_age_band").fetchall())
    assert bands[events["A1"]["age_band_key"]] == "65-74"      # 74 on 20 Feb 2025
    assert bands[events["R3"]["age_band_key"]] == "75-84"      # 84 on 28 Nov 2025, 85 the next day
    assert events["A2"]["age_band_key"] == -1                  # no birth date
    assert events["A1"]["ward_key"] == ward_key(services_con, BELSIZE)
    assert events["R2"]["ward_key"] == ward_key(services_con, ST_PANCRAS)
    assert events["A2"]["ward_key"] == -2                      # a ward code of another area
    assert events["C1"]["ward_key"] == -1
    reasons = by(services_con, "dim_care_support_reason", "support_reason_key")
    assert reasons[events["R1"]["support_reason_key"]]["support_reason_group"] == "Physical support"
    assert events["R4"]["support_reason_key"] == -1


def test_review_overdue_flags(services_con):
    events = by(services_con, "fact_care_event", "event_reference")
    assert (events["V1"]["next_review_due_date"], events["V1"]["is_next_review_overdue"]) == (
        dt.date(2025, 9, 1), True)
    episodes = by(services_con, "fact_care_service_episode", "event_reference")
    assert (episodes["S2"]["review_due_date"], episodes["S2"]["is_review_overdue"]) == (dt.date(2025, 9, 1), True)
    # never reviewed: due 12 months from the start
    assert (episodes["S1"]["review_due_date"], episodes["S1"]["is_review_overdue"]) == (dt.date(2026, 3, 10), False)
    assert episodes["S4"]["requires_annual_review"] is False        # reablement
    assert episodes["S3"]["is_review_overdue"] is False             # ended


def test_service_episodes_weekly_cost_and_activity(services_con):
    episodes = by(services_con, "fact_care_service_episode", "event_reference")
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

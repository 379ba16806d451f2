"""dim_date and dim_ward, checked against values worked out here by hand or with Python's datetime."""

import datetime as dt

import pytest
from duckdb_rows import dict_rows as rows
from finance_fixture import BANK_HOLIDAYS_2025, failing_checks, new_build_db, run_finance_models, ward_seed_rows

FIRST_DAY, LAST_DAY = dt.date(2013, 4, 1), dt.date(2028, 3, 31)


@pytest.fixture(scope="module")
def con():
    con = new_build_db()
    run_finance_models(con)
    return con


def day(con, date: dt.date) -> dict:
    found = rows(con, "select * from dim_date where full_date = ?", [date])
    assert len(found) == 1, date
    return found[0]


def test_one_row_per_day_of_the_fifteen_financial_years_plus_unknown(con):
    days = (LAST_DAY - FIRST_DAY).days + 1
    assert days == 5479  # 15 years, 4 of them (2016, 2020, 2024, 2028) with a 29 February inside the range
    assert rows(con, "select count(*) as n from dim_date where date_key > 0")[0]["n"] == days
    assert rows(con, "select min(full_date) as lo, max(full_date) as hi from dim_date")[0] == {
        "lo": FIRST_DAY, "hi": LAST_DAY}
    unknown = rows(con, "select * from dim_date where date_key = -1")
    assert len(unknown) == 1 and unknown[0]["full_date"] is None and unknown[0]["financial_year"] == "Unknown"


def test_date_key_is_yyyymmdd(con):
    assert day(con, dt.date(2025, 4, 1))["date_key"] == 20250401
    assert day(con, dt.date(2013, 4, 1))["date_key"] == 20130401
    assert day(con, dt.date(2024, 2, 29))["date_key"] == 20240229


@pytest.mark.parametrize("date, fy, fy_start, quarter, fy_month, label", [
    (dt.date(2025, 3, 31), "2024-25", 2024, "Q4", 12, "Mar 2025"),
    (dt.date(2025, 4, 1), "2025-26", 2025, "Q1", 1, "Apr 2025"),
    (dt.date(2025, 6, 30), "2025-26", 2025, "Q1", 3, "Jun 2025"),
    (dt.date(2025, 7, 1), "2025-26", 2025, "Q2", 4, "Jul 2025"),
    (dt.date(2025, 12, 31), "2025-26", 2025, "Q3", 9, "Dec 2025"),
    (dt.date(2026, 1, 1), "2025-26", 2025, "Q4", 10, "Jan 2026"),
    (dt.date(2026, 3, 31), "2025-26", 2025, "Q4", 12, "Mar 2026"),
    (dt.date(2013, 4, 1), "2013-14", 2013, "Q1", 1, "Apr 2013"),
    (dt.date(2028, 3, 31), "2027-28", 2027, "Q4", 12, "Mar 2028"),
    (dt.date(2019, 12, 15), "2019-20", 2019, "Q3", 9, "Dec 2019"),
])
def test_financial_year_runs_april_to_march(con, date, fy, fy_start, quarter, fy_month, label):
    row = day(con, date)
    assert (row["financial_year"], row["financial_year_start"], row["fy_quarter"], row["fy_month_number"],
            row["month_label"]) == (fy, fy_start, quarter, fy_month, label)
    assert row["fy_quarter_label"] == f"{fy} {quarter}"
    assert row["month_start"] == date.replace(day=1)
    assert row["month_start_key"] == int(date.replace(day=1).strftime("%Y%m%d"))
    assert (row["calendar_year"], row["calendar_month"], row["day_of_month"]) == (date.year, date.month, date.day)


def test_weekdays_and_weekends(con):
    monday = day(con, dt.date(2025, 5, 12))
    sunday = day(con, dt.date(2025, 5, 18))
    assert (monday["iso_weekday"], monday["day_name"], monday["is_weekend"]) == (1, "Monday", False)
    assert (sunday["iso_weekday"], sunday["day_name"], sunday["is_weekend"]) == (7, "Sunday", True)
    assert sunday["week_start"] == dt.date(2025, 5, 12)


def test_bank_holidays_come_from_the_seed(con):
    may_day = day(con, dt.date(2025, 5, 5))
    assert may_day["is_bank_holiday"] and may_day["bank_holiday_name"] == "May Day"
    assert not may_day["is_working_day"]
    assert not day(con, dt.date(2025, 5, 6))["is_bank_holiday"]


def test_working_days_in_may_2025_are_20(con):
    # May 2025 starts on a Thursday: 31 days, 9 weekend days (3-4, 10-11, 17-18, 24-25, 31) leave 22 weekdays,
    # less the two bank holidays (5 May, 26 May) = 20 working days.
    may = [dt.date(2025, 5, d) for d in range(1, 32)]
    weekdays = [d for d in may if d.weekday() < 5]
    assert len(weekdays) == 22
    holidays = {h for h, _ in BANK_HOLIDAYS_2025}
    assert len([d for d in weekdays if d in holidays]) == 2
    counted = rows(con, "select count(*) filter (where is_working_day) as n from dim_date "
                        "where full_date between '2025-05-01' and '2025-05-31'")[0]["n"]
    assert counted == 20
    # working days between two dates is a subtraction: after 30 April up to and including 31 May
    assert day(con, dt.date(2025, 5, 31))["working_day_number"] - day(con, dt.date(2025, 4, 30))[
        "working_day_number"] == 20
    # April 2025 has Good Friday and Easter Monday: 22 weekdays - 2 = 20 as well; June 2025 has none: 21
    assert rows(con, "select count(*) filter (where is_working_day) as n from dim_date "
                     "where month_start = '2025-06-01'")[0]["n"] == 21


def test_working_day_number_matches_a_python_count_over_a_year(con):
    holidays = {h for h, _ in BANK_HOLIDAYS_2025}
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    by_date = {r["full_date"]: r for r in rows(
        con, "select full_date, is_working_day, working_day_number from dim_date "
             "where full_date between ? and ?", [start, end])}
    base = by_date[start]["working_day_number"] - (1 if by_date[start]["is_working_day"] else 0)
    running, current = 0, start
    while current <= end:
        working = current.weekday() < 5 and current not in holidays
        running += working
        assert by_date[current]["is_working_day"] == working, current
        assert by_date[current]["working_day_number"] - base == running, current
        current += dt.timedelta(days=1)
    assert running == 261 - 8  # 261 weekdays in 2025, all 8 bank holidays fall on weekdays


def test_two_holiday_names_on_one_day_give_one_row():
    con = new_build_db({"seed_bank_holidays": [
        {"holiday_date": dt.date(2025, 12, 25), "holiday_name": "Christmas Day"},
        {"holiday_date": dt.date(2025, 12, 25), "holiday_name": "Another name"},
    ]})
    run_finance_models(con)
    christmas = rows(con, "select * from dim_date where date_key = 20251225")
    assert len(christmas) == 1 and christmas[0]["bank_holiday_name"] == "Another name; Christmas Day"


def test_real_bank_holidays_from_the_holidays_package():
    from etl.seeds import bank_holiday_rows

    real = bank_holiday_rows()
    con = new_build_db({"seed_bank_holidays": real})
    run_finance_models(con)
    in_range = {r["holiday_date"] for r in real if FIRST_DAY <= r["holiday_date"] <= LAST_DAY}
    flagged = {r["full_date"] for r in rows(con, "select full_date from dim_date where is_bank_holiday")}
    assert flagged == in_range
    # the Queen's funeral (19 Sep 2022) was a one-off bank holiday
    assert dt.date(2022, 9, 19) in flagged
    assert failing_checks(con, {"dim_date"}) == []


def test_dim_date_yaml_tests_pass(con):
    assert failing_checks(con, {"dim_date", "dim_ward"}) == []


def test_wards_are_keyed_in_code_order_with_special_members(con):
    seed = sorted(ward_seed_rows(), key=lambda w: w["ward_code"])
    wards = rows(con, "select * from dim_ward where ward_key > 0 order by ward_key")
    assert len(wards) == 20
    assert [w["ward_key"] for w in wards] == list(range(1, 21))
    assert [w["ward_code"] for w in wards] == [w["ward_code"] for w in seed]
    assert [w["population"] for w in wards] == [w["population"] for w in seed]
    specials = {r["ward_key"]: r for r in rows(con, "select * from dim_ward where ward_key < 0")}
    assert specials[-1]["ward_name"] == "Unknown" and specials[-2]["ward_name"] == "Outside the borough"
    assert specials[-2]["is_in_borough"] is False


@pytest.mark.parametrize("name, match_name", [
    ("King's Cross", "kings cross"),
    ("Regent's Park", "regents park"),
    ("Holborn & Covent Garden", "holborn and covent garden"),
    ("St Pancras & Somers Town", "st pancras and somers town"),
    ("West Hampstead", "west hampstead"),
])
def test_ward_match_names_unify_ampersands_and_apostrophes(con, name, match_name):
    assert rows(con, "select match_name from dim_ward where ward_name = ?", [name]) == [{"match_name": match_name}]

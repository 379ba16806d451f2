"""Spend and budget marts on a hand-made build database: keys, unknown members and money worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from duckdb_rows import dict_rows as rows
from finance_fixture import failing_checks, insert_valid, new_build_db, run_finance_models

CAMDEN, OXFORD = "London Borough of Camden", "Oxford City Council"

SPEND = [
    # 1 a Camden payment by a catalogue service, to a named supplier
    {"organisation": CAMDEN, "department": "Housing Repairs", "purpose": "Repairs", "payment_date": dt.date(2025, 5, 7),
     "transaction_id": "may-25-1", "amount": Decimal("1200.50"), "irrecoverable_vat": Decimal("10.00"),
     "beneficiary": "Acme Building Ltd"},
    # 2 same supplier, another spelling; department spelt differently from the catalogue ("&", case)
    {"organisation": CAMDEN, "department": "parking and enforcement", "purpose": "Signs",
     "payment_date": dt.date(2025, 5, 8), "transaction_id": "may-25-2", "amount": Decimal("800.00"),
     "beneficiary": "ACME BUILDING LIMITED"},
    # 3 a Camden redacted payee
    {"organisation": CAMDEN, "department": "Adult Social Care", "purpose": "Direct payment",
     "payment_date": dt.date(2025, 5, 9), "transaction_id": "may-25-3", "amount": Decimal("650.00"),
     "beneficiary": "xxxxREDACTEDxxxx"},
    # 4 an Oxford redacted payee with a one-off supplier id; "Financial Services" is a Camden catalogue name too
    {"organisation": OXFORD, "department": "Financial Services", "purpose": "Grants", "expenditure_code": "d3701",
     "payment_date": dt.date(2015, 4, 7), "transaction_id": "46285340_1", "amount": Decimal("1054.11"),
     "capital_or_revenue": "Revenue", "supplier_id": "20000000_46285340", "beneficiary": "Redacted personal data"},
    # 5 Oxford credit note to a named supplier who is also a Camden supplier
    {"organisation": OXFORD, "department": "Direct Services", "purpose": "Refund",
     "payment_date": dt.date(2015, 4, 8), "transaction_id": "46285341_1", "amount": Decimal("-35.00"),
     "capital_or_revenue": "Capital", "supplier_id": "20016114", "beneficiary": "Acme  Building Ltd."},
    # 6 Oxford line with a supplier id but no name (the 2016 edition prints these)
    {"organisation": OXFORD, "department": "General Fund", "purpose": "AR Refunds",
     "payment_date": dt.date(2016, 9, 9), "transaction_id": "46291042 - 1", "amount": Decimal("1000"),
     "capital_or_revenue": "REV", "supplier_id": "36023051", "beneficiary": None},
    # 7 no organisation, no supplier at all, a date before the calendar, an odd capital/revenue value
    {"organisation": None, "department": None, "purpose": None, "payment_date": dt.date(2012, 1, 5),
     "transaction_id": None, "amount": Decimal("500.00"), "capital_or_revenue": "Both", "beneficiary": None},
    # 8 Camden payment, plain REDACTED
    {"organisation": CAMDEN, "department": "Housing Repairs", "purpose": "Repairs",
     "payment_date": dt.date(2025, 6, 2), "transaction_id": "jun-25-1", "amount": Decimal("999.99"),
     "beneficiary": "REDACTED"},
]


def line(con, transaction_id_or_row) -> dict:
    if isinstance(transaction_id_or_row, int):
        found = rows(con, "select * from fact_spend where source_row = ?", [transaction_id_or_row])
    else:
        found = rows(con, "select * from fact_spend where transaction_id = ?", [transaction_id_or_row])
    assert len(found) == 1
    return found[0]


def key_of(con, table, key, where, params):
    found = rows(con, f"select {key} from {table} where {where}", params)
    assert len(found) == 1, (table, where, params, found)
    return found[0][key]


@pytest.fixture(scope="module")
def spend_db():
    con = new_build_db()
    insert_valid(con, "spend", SPEND, source_file="spend/spend.csv")
    run_finance_models(con)
    return con


def test_every_spend_line_is_carried_once(spend_db):
    facts = rows(spend_db, "select source_file, source_row from fact_spend order by source_row")
    assert facts == [{"source_file": "spend/spend.csv", "source_row": n} for n in range(1, len(SPEND) + 1)]
    total = rows(spend_db, "select sum(amount_pounds) as total from fact_spend")[0]["total"]
    assert total == sum(r["amount"] for r in SPEND)


def test_spend_yaml_tests_pass(spend_db):
    assert failing_checks(spend_db) == []


def test_organisations(spend_db):
    orgs = {r["organisation_name"]: r for r in rows(spend_db, "select * from dim_organisation")}
    assert set(orgs) == {CAMDEN, OXFORD, "Unknown"}
    assert orgs[CAMDEN]["organisation_key"] == 1 and orgs[CAMDEN]["is_home_council"]
    assert orgs[CAMDEN]["pss_council_code"] == "702"
    assert not orgs[OXFORD]["is_home_council"]
    assert orgs["Unknown"]["organisation_key"] == -1
    assert line(spend_db, "may-25-1")["organisation_key"] == 1
    assert line(spend_db, "46285340_1")["organisation_key"] == orgs[OXFORD]["organisation_key"]
    assert line(spend_db, 7)["organisation_key"] == -1


def test_redacted_payees_are_one_supplier_that_keeps_no_published_text(spend_db):
    redacted = rows(spend_db, "select * from dim_supplier where is_redacted")
    assert len(redacted) == 1
    supplier = redacted[0]
    assert supplier["supplier_name"] == "Redacted"
    for published in ("xxxx", "REDACTED", "personal", "Personal"):
        assert published not in supplier["supplier_natural_key"]
    for transaction in ("may-25-3", "46285340_1", "jun-25-1"):
        fact = line(spend_db, transaction)
        assert fact["supplier_key"] == supplier["supplier_key"]
        assert fact["supplier_id"] is None  # the one-off id of a redacted payee is not kept
        assert fact["beneficiary_name"] == "Redacted"  # nor its published text
    names = {r["supplier_name"] for r in rows(spend_db, "select supplier_name from dim_supplier")}
    assert not {"xxxxREDACTEDxxxx", "Redacted personal data", "REDACTED"} & names


def test_spellings_of_one_supplier_are_one_supplier(spend_db):
    acme = [r for r in rows(spend_db, "select * from dim_supplier") if "acme" in r["supplier_natural_key"]]
    assert len(acme) == 1
    keys = {line(spend_db, t)["supplier_key"] for t in ("may-25-1", "may-25-2", "46285341_1")}
    assert keys == {acme[0]["supplier_key"]}
    # three spellings used once each: the alphabetically first wins the tie
    assert acme[0]["supplier_name"] == sorted(["Acme Building Ltd", "ACME BUILDING LIMITED", "Acme Building Ltd."])[0]


def test_a_supplier_given_only_by_id_and_one_given_by_nothing(spend_db):
    by_id = line(spend_db, "46291042 - 1")
    supplier = rows(spend_db, "select * from dim_supplier where supplier_key = ?", [by_id["supplier_key"]])[0]
    assert supplier["supplier_name"] == "Not named (supplier id 36023051)" and not supplier["is_named"]
    assert line(spend_db, 7)["supplier_key"] == -1


def test_service_only_for_the_home_councils_catalogue_departments(spend_db):
    repairs = key_of(spend_db, "dim_service", "service_key", "service_code = ?", ["HOU-REP"])
    parking = key_of(spend_db, "dim_service", "service_key", "service_code = ?", ["PARK"])
    assert line(spend_db, "may-25-1")["service_key"] == repairs
    assert line(spend_db, "may-25-2")["service_key"] == parking  # "parking and enforcement" = "Parking & Enforcement"
    assert line(spend_db, "may-25-3")["service_key"] == -1  # Adult Social Care is not in this catalogue
    assert line(spend_db, "46285340_1")["service_key"] == -1  # Oxford's Financial Services is not Camden's
    assert line(spend_db, "46285340_1")["department_name"] == "Financial Services"


def test_payment_dates_and_values(spend_db):
    first = line(spend_db, "may-25-1")
    assert first["payment_date_key"] == 20250507
    assert first["amount_pounds"] == Decimal("1200.50") and first["irrecoverable_vat_pounds"] == Decimal("10.00")
    before_calendar = line(spend_db, 7)
    assert before_calendar["payment_date_key"] == -1 and before_calendar["payment_date"] == dt.date(2012, 1, 5)
    assert line(spend_db, "46285341_1")["amount_pounds"] == Decimal("-35.00")
    assert line(spend_db, "46285340_1")["expenditure_code"] == "D3701"


def test_capital_or_revenue_is_normalised(spend_db):
    got = {r["source_row"]: r["capital_or_revenue"] for r in rows(spend_db, "select * from fact_spend")}
    assert got == {1: "unknown", 2: "unknown", 3: "unknown", 4: "revenue", 5: "capital", 6: "revenue", 7: "other",
                   8: "unknown"}


# ---------------------------------------------------------------------------------------------------------- budget

def budget_line(fy, period, cc, subjective, actual, *, budget=Decimal("12000"), service="Housing repairs",
                directorate="Supporting Communities", name=None, variance=None, forecast=None):
    return {"financial_year": fy, "period": period, "directorate": directorate, "service": service,
            "cost_centre": cc, "cost_centre_name": name, "subjective": subjective, "annual_budget": budget,
            "budget_to_date": None, "actual_to_date": actual, "forecast_outturn": forecast, "variance": variance}


BUDGET = [
    # C100 Employees: periods 1, 2, 3 -> in month 100, 150, 350
    budget_line("2025-26", 1, "C100", "Employees", Decimal("100"), name="Repairs team",
                forecast=Decimal("12500")),
    budget_line("2025-26", 2, "C100", "Employees", Decimal("250"), name="Repairs team"),
    budget_line("2025-26", 3, "c100 ", "Employees", Decimal("600"), name="Repairs team (new name)"),
    # C100 Premises: appears first in period 3, while period 2 was loaded -> in month = its actual to date
    budget_line("2025-26", 3, "C100", "Premises", Decimal("75")),
    # period 5 with no period 4 loaded at all -> in month unknown
    budget_line("2025-26", 5, "C100", "Employees", Decimal("900")),
    # January and March are periods 10 and 12 of FY 2025-26, in calendar 2026
    budget_line("2025/26", 10, "C200", "Supplies & Services", Decimal("40"), service="Corporate Finance",
                directorate="Corporate Services", variance=Decimal("-5")),
    budget_line("2025-2026", 12, "C200", "Supplies and Services", Decimal("55"), service="Corporate Finance",
                directorate="Corporate Services"),
    # an adjustment period outside 1-12
    budget_line("2025-26", 13, "C200", "Supplies & Services", Decimal("60"), service="FIN",
                directorate="Corporate Services"),
    # the previous year's period 12: not the previous period of 2025-26 period 1
    budget_line("2024-25", 12, "C100", "Employees", Decimal("11000"), name="Repairs team"),
]


@pytest.fixture(scope="module")
def budget_db():
    con = new_build_db()
    insert_valid(con, "budget_line", BUDGET, source_file="budget/p.xlsx#Supporting")
    run_finance_models(con)
    return con


def fact(con, row: int) -> dict:
    found = rows(con, "select * from fact_budget_monthly where source_row = ?", [row])
    assert len(found) == 1
    return found[0]


def test_every_budget_line_is_carried_once(budget_db):
    assert rows(budget_db, "select count(*) as n from fact_budget_monthly")[0]["n"] == len(BUDGET)
    assert failing_checks(budget_db) == []


def test_actual_in_month_is_the_difference_from_the_previous_period(budget_db):
    assert fact(budget_db, 1)["actual_in_month_pounds"] == Decimal("100")  # period 1: its own year to date
    assert fact(budget_db, 2)["actual_in_month_pounds"] == Decimal("250") - Decimal("100")
    assert fact(budget_db, 3)["actual_in_month_pounds"] == Decimal("600") - Decimal("250")  # code spelt "c100 "
    assert fact(budget_db, 4)["actual_in_month_pounds"] == Decimal("75")  # new line in period 3
    assert fact(budget_db, 5)["actual_in_month_pounds"] is None  # period 4 never loaded
    assert fact(budget_db, 6)["actual_in_month_pounds"] is None  # period 9 of 2025-26 never loaded
    assert fact(budget_db, 9)["actual_in_month_pounds"] is None  # 2024-25 period 11 never loaded
    # period 13 follows period 12, whose subjective is spelt "Supplies and Services" rather than "&"
    assert fact(budget_db, 8)["actual_in_month_pounds"] == Decimal("60") - Decimal("55")


def test_month_key_is_the_first_day_of_the_period(budget_db):
    assert fact(budget_db, 1)["month_key"] == 20250401
    assert fact(budget_db, 3)["month_key"] == 20250601
    assert fact(budget_db, 6)["month_key"] == 20260101
    assert fact(budget_db, 7)["month_key"] == 20260301
    assert fact(budget_db, 8)["month_key"] == -1
    assert fact(budget_db, 9)["month_key"] == 20250301


def test_financial_year_spellings_are_one_year(budget_db):
    assert {fact(budget_db, r)["financial_year"] for r in (1, 6, 7)} == {"2025-26"}
    assert fact(budget_db, 9)["financial_year"] == "2024-25"


def test_variance_is_published_or_forecast_minus_budget(budget_db):
    assert fact(budget_db, 6)["variance_pounds"] == Decimal("-5")
    assert fact(budget_db, 1)["variance_pounds"] == Decimal("12500") - Decimal("12000")
    assert fact(budget_db, 2)["variance_pounds"] is None


def test_cost_centres_and_their_services(budget_db):
    centres = {r["cost_centre_code"]: r for r in rows(budget_db, "select * from dim_cost_centre")}
    assert set(centres) == {"C100", "C200"}
    repairs = key_of(budget_db, "dim_service", "service_key", "service_code = ?", ["HOU-REP"])
    finance = key_of(budget_db, "dim_service", "service_key", "service_code = ?", ["FIN"])
    corporate = key_of(budget_db, "dim_directorate", "directorate_key", "directorate_code = ?", ["COR"])
    # C100's latest line (2025-26 period 5) has no name: the latest named one is period 3's
    assert centres["C100"]["cost_centre_name"] == "Repairs team (new name)"
    assert centres["C100"]["service_key"] == repairs  # "Housing repairs" matched to "Housing Repairs"
    # C200's latest line (period 13) names its service by code
    assert centres["C200"]["service_key"] == finance and centres["C200"]["directorate_key"] == corporate
    # a line whose service is not in the catalogue keeps its directorate, matched by name
    assert fact(budget_db, 6)["service_key"] == -1 and fact(budget_db, 6)["directorate_key"] == corporate
    assert fact(budget_db, 3)["cost_centre_key"] == centres["C100"]["cost_centre_key"]


def test_the_builds_accounting_check_holds(spend_db, budget_db):
    from finance_fixture import MODELS_DIR

    from etl import checks, models

    all_models = models.load_models(MODELS_DIR)
    for con, target in ((spend_db, "spend"), (budget_db, "budget_line")):
        results = checks.source_accounting(con, all_models, [target])
        assert len(results) == 1 and results[0].passed, results

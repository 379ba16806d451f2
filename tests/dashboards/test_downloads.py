"""The server's downloads as each user gets them through the app (the sign-in form, the access guard, the audit
log): the budget pack with the selections of the link, within the user's scope, and any chart card's rows as Excel,
numbers checked against plain SQL over the warehouse."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from signing_in import signed_in_client

from app_db import AppDatabase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == XLSX and "attachment" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.data), data_only=True)


def cover(book) -> dict:
    return {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}


def line_services(book) -> set[str]:
    return {sheet.cell(row, 1).value for sheet in book.worksheets[2:] for row in range(6, sheet.max_row + 1)
            if sheet.cell(row, 3).value and str(sheet.cell(row, 3).value)[:3].isalpha()
            and str(sheet.cell(row, 3).value)[3:].isdigit()}


def first_and_third_columns(sheet) -> dict:
    """{code: figure} of a card's workbook: its code column and its first measure, under the header row."""
    return {sheet.cell(row, 1).value: sheet.cell(row, 3).value for row in range(6, sheet.max_row + 1)}


def spend_by_directorate(con, where: str, params: list) -> dict:
    """The home council's spend by directorate in plain SQL, for the rows `where` (bound parameters) picks."""
    return dict(con.execute(f"""
        select d.directorate_code, sum(f.amount_pounds) from fact_spend f
        join dim_organisation o using (organisation_key)
        join dim_service s on s.service_key = f.service_key
        join dim_directorate d on d.directorate_key = s.directorate_key
        join dim_date t on t.date_key = f.payment_date_key
        where o.is_home_council and {where} group by 1""", params).fetchall())


def downloads_of(warehouse, username: str, filename: str):
    events, _ = AppDatabase.beside(warehouse).events(username=username, event="download", limit=500)
    return [e for e in events if e.detail == filename]


def test_finance_downloads_the_pack_with_the_selections_of_the_link(app, demo_warehouse, con):
    client = signed_in_client(app, "finance")
    response = client.get("/download/budget-pack.xlsx?directorate=ADH&financial_year=2026-27&month=2026-09")
    book = workbook(response)
    assert 'filename="budget-pack-2026-09.xlsx"' in response.headers["Content-Disposition"]
    assert cover(book)["Period"] == "September 2026 (period 6 of 2026-27)"
    assert cover(book)["Selections applied"] == "Directorate: Adults and Health"
    assert cover(book)["Run by"] == "finance"
    assert book.sheetnames == ["Cover", "Summary", "Adults and Health"]
    expected = con.execute("""select sum(annual_budget_pounds) from fact_budget_monthly f
        join dim_directorate d on d.directorate_key = f.directorate_key
        where d.directorate_code = 'ADH' and f.month_key = 20260901""").fetchall()[0][0]
    assert book["Summary"].cell(5, 4).value == pytest.approx(float(expected), abs=0.005)
    [event] = downloads_of(demo_warehouse, "finance", "budget-pack-2026-09.xlsx")
    assert event.path == "/download/budget-pack.xlsx" and "directorate=ADH" in event.selections


def test_a_year_without_a_month_gives_that_years_latest_complete_month(app):
    book = workbook(signed_in_client(app, "finance").get("/download/budget-pack.xlsx?financial_year=2024-25"))
    assert cover(book)["Period"] == "March 2025 (period 12 of 2024-25)"


def test_a_managers_pack_holds_only_their_services_whatever_the_link_asks(app):
    client = signed_in_client(app, "repairs-manager")
    book = workbook(client.get("/download/budget-pack.xlsx"))
    assert line_services(book) == {"HSG-REP", "HSG-DMP"}
    # asking for another directorate's lines gives nothing of them
    response = client.get("/download/budget-pack.xlsx?directorate=ADH")
    assert response.status_code == 404 and "no budget lines" in response.get_data(as_text=True)


def test_the_pdf_pack_is_a_pdf(app):
    response = signed_in_client(app, "finance").get("/download/budget-pack.pdf?directorate=CEX")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")


@pytest.mark.parametrize(("username", "path", "status", "words"), [
    ("councillor", "/download/budget-pack.xlsx", 403, "outside your access"),
    ("finance", "/download/budget-pack.docx", 404, "No such pack format"),
    ("finance", "/download/budget-pack.xlsx?month=2031-01", 404, "no complete month of budget monitoring"),
    ("finance", "/download/budget/no-such-card.xlsx", 404, "No such table"),
    ("finance", "/download/no-such-page/drill.xlsx", 404, "No such table"),
    ("parking-manager", "/download/care/requests-by-outcome.xlsx", 403, "outside your access"),
])
def test_refusals_are_plain_sentences_with_a_4xx(app, username, path, status, words):
    response = signed_in_client(app, username).get(path)
    assert response.status_code == status
    assert words in response.get_data(as_text=True) and response.headers["Content-Type"].startswith("text/plain")


def test_without_a_session_nothing_is_downloaded(app):
    response = app.server.test_client().get("/download/budget-pack.xlsx")
    assert response.status_code in (302, 401) and not response.data.startswith(b"PK")


def test_a_cards_rows_as_excel_equal_the_warehouse(app, demo_warehouse, con):
    client = signed_in_client(app, "finance")
    book = workbook(client.get("/download/budget/spend-by-directorate.xlsx?financial_year=2025-26"))
    sheet = book.active
    assert sheet.cell(2, 1).value == "Selections: Financial year: 2025-26"
    header = [cell.value for cell in sheet[5]]
    assert header[:3] == ["Directorate (code)", "Directorate", "Spend"]
    found = first_and_third_columns(sheet)
    expected = spend_by_directorate(con, "t.financial_year = ?", ["2025-26"])
    assert set(found) == set(expected)
    for code, value in found.items():
        assert isinstance(value, float) and Decimal(str(value)) == pytest.approx(expected[code], abs=Decimal("0.01"))
    assert "£#,##0" in openpyxl.load_workbook(io.BytesIO(
        client.get("/download/budget/spend-by-directorate.xlsx").data)).active.cell(6, 3).number_format
    assert downloads_of(demo_warehouse, "finance", "budget-spend-by-directorate.xlsx")


def every_card():
    import dashboards.pages  # noqa: F401 - the pages declare their specs when the app is made
    from dashboards.components.spec import SPECS

    return [(spec.name, chart.name) for spec in SPECS.values() for chart in spec.charts]


def test_every_cards_table_downloads_as_excel(app):
    """Every chart card of every page, as the admin: a workbook whose rows are the card's (a title Excel cannot
    take as a sheet name, with ':' or over 31 characters, once gave a 500)."""
    from dashboards.components.spec import SPECS

    client = signed_in_client(app, "admin")
    cards = every_card()
    assert len(cards) > 30
    for page, card in cards:
        response = client.get(f"/download/{page}/{card}.xlsx")
        book = workbook(response)
        assert book.active.cell(1, 1).value == f"{SPECS[page].title}: {SPECS[page].chart(card).title}"


def test_a_managers_card_excel_holds_only_their_rows(app, con):
    book = workbook(signed_in_client(app, "repairs-manager").get("/download/budget/spend-by-directorate.xlsx"))
    found = first_and_third_columns(book.active)
    expected = spend_by_directorate(con, "s.service_code in (?, ?)", ["HSG-REP", "HSG-DMP"])
    assert set(found) == set(expected) and len(found) == 1
    assert found == pytest.approx({k: float(v) for k, v in expected.items()}, abs=0.01)

"""The Budget and spend page in headless Chromium over the demo warehouse: it opens on the current financial year at
the latest complete month (removable chips; removed, they stay removed on reload; "Clear all" comes back to them);
a click on a directorate's bar drills into its services, a click on a service's into its cost centres; the KPI
tiles and filter lists follow, the selection is in the URL (reload, other pages)."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_bar
from playwright.sync_api import expect

from dashboards.components.data import fmt

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
ANNUAL = "#budget-kpi-budget_annual-value"
VARIANCE = "#budget-kpi-budget_forecast_variance-value"
DRILL = "#budget-drill"


def _latest_sum(warehouse, column: str, where: str = "true") -> float:
    """A budget amount at each financial year's latest period among the lines matching `where` (plain SQL)."""
    sql = f"""
        with lines as (
            select f.* from fact_budget_monthly f
            left join dim_directorate r on r.directorate_key = f.directorate_key
            left join dim_service s on s.service_key = f.service_key
            where {where}
        )
        select sum({column}) from lines
        where month_key = (select max(month_key) from lines l where l.financial_year = lines.financial_year)"""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return float(con.execute(sql).fetchall()[0][0])


def _figures(warehouse, where: str = "true") -> tuple[str, str]:
    return (fmt(_latest_sum(warehouse, "annual_budget_pounds", where), "pounds"),
            fmt(_latest_sum(warehouse, "variance_pounds", where), "pounds"))


def _expect_figures(page, figures: tuple[str, str]) -> None:
    expect(page.locator(ANNUAL)).to_have_text(figures[0])
    expect(page.locator(VARIANCE)).to_have_text(figures[1])


def _month_figures(warehouse, year: str, month_key: int) -> tuple[str, str]:
    """The budget position at one month: that month's lines (every line of a period carries its year to date)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        budget, variance = con.execute(
            "select sum(annual_budget_pounds), sum(variance_pounds) from fact_budget_monthly "
            "where financial_year = ? and month_key = ?", [year, month_key]).fetchall()[0]
    return fmt(float(budget), "pounds"), fmt(float(variance), "pounds")


def test_the_page_opens_on_the_current_year_and_latest_complete_month(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        # the demo's budget monitoring ends at its data's as-of date, 31 Oct 2026: period 7 of 2026-27
        year, month_key = con.execute("select financial_year, max(month_key) from fact_budget_monthly "
                                      "group by 1 order by 1 desc limit 1").fetchall()[0]
    assert (year, month_key) == ("2026-27", 20261001)
    at_default, everything = _month_figures(demo_warehouse, year, month_key), _figures(demo_warehouse)
    assert at_default != everything
    chips = page.locator("#selection-bar .chip")
    note = page.locator("#selection-default-note")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/budget")
        expect(chips).to_have_count(2)
        expect(page.locator(".chip[data-dimension='financial_year']")).to_contain_text("2026-27 (default)")
        expect(page.locator(".chip[data-dimension='month']")).to_contain_text("Oct 2026 (default)")
        expect(note).to_contain_text("opens on the current financial year at the latest complete month")
        _expect_figures(page, at_default)

        # the defaults are ordinary chips: removed, the page shows every year, and a reload keeps them removed
        page.locator(".chip[data-dimension='month'] .chip-remove").click()
        expect(chips).to_have_count(1)
        expect(note).to_have_count(0)
        page.locator(".chip[data-dimension='financial_year'] .chip-remove").click()
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        expect(page).to_have_url(re.compile(r"/budget\?all=financial_year&all=month$"))
        _expect_figures(page, everything)
        page.reload()
        expect(page.locator(ANNUAL)).to_have_text(everything[0])
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        expect(chips).to_have_count(0)

        # "Clear all" goes back to the page's default, and says so
        page.locator("#selection-clear").click()
        expect(chips).to_have_count(2)
        expect(note).to_be_visible()
        _expect_figures(page, at_default)
        expect(page).to_have_url(re.compile(r"/budget\?financial_year=2026-27&month=2026-10$"))

        # another year picked on the default view: that year at its own latest month (the default month let go)
        page.locator("#budget-filter-financial_year [data-value='2025-26']").click()
        expect(chips).to_have_count(1)
        expect(page.locator(".chip[data-dimension='financial_year']")).to_contain_text("2025-26")
        expect(note).to_have_count(0)
        expect(page).to_have_url(re.compile(r"/budget\?financial_year=2025-26$"))

        # a year selected elsewhere is kept, and no default month of another year is added to it
        page.goto(url + "/budget?financial_year=2024-25")
        expect(page.locator(".chip[data-dimension='financial_year']")).to_contain_text("2024-25")
        expect(chips).to_have_count(1)
        expect(note).to_have_count(0)
    assert page.errors == []


def test_budget_drill_down_flow(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    everything = _figures(demo_warehouse)
    adults = _figures(demo_warehouse, "r.directorate_code = 'ADH'")
    access = _figures(demo_warehouse, "r.directorate_code = 'ADH' and s.service_code = 'ASC-ACC'")
    assert len({everything, adults, access}) == 3
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from fact_budget_monthly f join dim_service s using (service_key) "
                           "join dim_directorate r on r.directorate_key = f.directorate_key "
                           "where s.service_code = 'ASC-ACC' and r.directorate_code <> 'ADH'").fetchall()[0][0] == 0
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/budget?all=financial_year&all=month")   # every year: the page's defaults removed
        expect(page).to_have_title("Budget and spend · Borough Insight")
        expect(page.locator("#budget-data-as-of")).to_contain_text("Data as of 31 Oct 2026")
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        _expect_figures(page, everything)
        for card in ("drill", "position", "variance-by-month", "by-year", "by-subjective", "spend-by-month",
                     "spend-by-directorate", "spend-by-category", "top-suppliers"):
            expect(page.locator(f"#budget-{card}")).to_contain_text("Download CSV")
        expect(page.locator(f"{DRILL} [data-level]")).to_have_attribute("data-level", "directorate")
        expect(page.locator(f"{DRILL} .bars path")).to_have_count(5)

        # a click on the first directorate's bar (directorates in code order: ADH first) drills into its services
        click_bar(page, "budget-drill", 0, TIMEOUT)
        chips = page.locator("#selection-bar .chip")
        expect(chips).to_have_count(1)
        expect(chips).to_contain_text("Directorate: Adults and Health")
        expect(page.locator(f"{DRILL} [data-level]")).to_have_attribute("data-level", "service")
        expect(page.locator(DRILL)).to_contain_text("Reablement")
        expect(page.locator(DRILL)).not_to_contain_text("Housing repairs")
        _expect_figures(page, adults)
        expect(page).to_have_url(re.compile(r"/budget\?directorate=ADH&all=financial_year&all=month$"))
        directorates = page.locator("#budget-filter-directorate")
        expect(directorates.locator("[data-value='ADH']")).to_have_attribute("data-state", "selected")
        expect(directorates.locator("[data-value='CEX']")).to_have_attribute("data-state", "possible")

        # a second click (services in code order: ASC-ACC first) drills into its cost centres
        click_bar(page, "budget-drill", 0, TIMEOUT)
        expect(chips).to_have_count(2)
        expect(page.locator("#selection-bar .chip[data-dimension='service']")).to_contain_text(
            "Adult social care access and assessment")
        expect(page.locator(f"{DRILL} [data-level]")).to_have_attribute("data-level", "cost_centre")
        expect(page.locator(DRILL)).to_contain_text("ADH101")
        _expect_figures(page, access)
        # the service's own directorate stays selected; no other directorate has that service's lines
        expect(directorates.locator("[data-value='ADH']")).to_have_attribute("data-state", "selected")
        expect(directorates.locator("[data-value='CEX']")).to_have_attribute("data-state", "excluded")
        centres = page.locator("#budget-filter-cost_centre")
        expect(centres.locator("[data-value='ADH101']")).to_have_attribute("data-state", "possible")
        expect(centres.locator("[data-value='ADH102']")).to_have_attribute("data-state", "excluded")
        page.mouse.move(0, 0)  # no hover label or mode bar over the charts in the screenshot
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(artifacts / "budget.png"), full_page=True)

        # the selection survives a reload and follows to the repairs page
        page.reload()
        expect(chips).to_have_count(2)
        _expect_figures(page, access)
        page.get_by_role("link", name="Repairs", exact=True).click()
        expect(page.locator("#repairs-title")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/repairs\?.*directorate=ADH"))
        expect(page.locator("#selection-bar .chip[data-dimension='directorate']")).to_contain_text(
            "Adults and Health")
    assert page.errors == []


def test_the_pack_and_a_tables_excel_download_with_the_selections_shown(demo_warehouse, live_app, page, tmp_path):
    import openpyxl

    expect.set_options(timeout=TIMEOUT)
    page.sign_in_as = "finance"
    status = page.locator("#download-status")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/budget")
        expect(page.locator("#budget-pack-xlsx")).to_have_attribute(
            "href", "/download/budget-pack.xlsx?financial_year=2026-27&month=2026-10")
        click_bar(page, "budget-drill", 0, TIMEOUT)   # Adults and Health
        expect(page.locator("#budget-pack-xlsx")).to_have_attribute("href", re.compile(r"directorate=ADH"))
        with page.expect_download() as download:
            page.locator("#budget-pack-xlsx").click()
        expect(status).to_contain_text("Downloaded budget-pack-2026-10.xlsx")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        cover = {row[0]: row[1] for row in openpyxl.load_workbook(saved)["Cover"].iter_rows(values_only=True)
                 if row[0]}
        assert cover["Selections applied"] == "Directorate: Adults and Health"
        assert cover["Period"] == "October 2026 (period 7 of 2026-27)" and cover["Run by"] == "finance"

        with page.expect_download() as download:
            page.locator("#budget-position-xlsx").click()
        assert download.value.suggested_filename == "budget-position.xlsx"
        saved = tmp_path / "position.xlsx"
        download.value.save_as(saved)
        sheet = openpyxl.load_workbook(saved).active
        assert sheet.cell(5, 1).value == "Service (code)"   # the drill's level the card shows
        assert sheet.cell(2, 1).value.startswith("Selections: Directorate: Adults and Health")
    assert page.errors == []


def test_a_download_refused_says_why_on_the_page(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/budget?month=2031-01")
        expect(page.locator("#budget-pack-pdf")).to_have_attribute("href", re.compile(r"month=2031-01"))
        page.locator("#budget-pack-pdf").click()
        expect(page.locator("#download-status")).to_contain_text(
            "Could not prepare the budget monitoring pack (PDF): no complete month of budget monitoring")
    assert [e for e in page.errors if "404" not in e] == []   # the browser logs the refused fetch itself

"""The generic service page in headless Chromium over the demo warehouse (Parking, returned by ward): a ward pressed
in the ward table and a point clicked on the trend select them, the selection bar shows them, and the key figures
change to what plain SQL says for that ward and month; a service without ward data and an unknown
address say so plainly."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_centre
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 45_000  # generous: a shared, loaded test machine took up to 16 s to draw the page
# Parking: PRK01 (a count) and PRK05 (a percent) are returned by ward, PRK03 for the borough only, and PRK02 is
# computed from the PCN records (test_kpi_agreement.py checks computed figures)
PRK01, PRK05, PRK03 = "#service-kpi-prk01-value", "#service-kpi-prk05-value", "#service-kpi-prk03-value"


def _values(warehouse, ward: str | None = None) -> dict[str, dict[str, float]]:
    """{kpi_code: {month: value}} of Parking: the borough's returns, or one ward's."""
    where = "not f.is_borough_total and w.ward_name = $ward" if ward else "f.is_borough_total"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"""
            select f.kpi_code, strftime(d.month_start, '%Y-%m'), f.kpi_value
            from fact_service_kpi_monthly f
            join dim_date d on d.date_key = f.month_key
            left join dim_ward w on w.ward_key = f.ward_key
            where f.service_code = 'PRK' and {where}""", {"ward": ward} if ward else {}).fetchall()
    values: dict[str, dict[str, float]] = {}
    for code, month, value in rows:
        values.setdefault(code, {})[month] = value
    return values


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _count(value: float) -> str:
    return f"{round(value):,}"


def _click_point(page, index: int) -> None:
    """Click a marker of the first KPI's line."""
    points = page.locator("#service-trend .js-plotly-plot .scatterlayer .trace").first.locator(".points path")
    click_centre(page, points.nth(index), TIMEOUT, visible=False)


def test_service_page_ward_and_month_selection(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    borough, belsize = _values(demo_warehouse), _values(demo_warehouse, "Belsize")
    months = sorted(belsize["PRK01"])
    latest = months[-1]
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/services/parking")
        expect(page).to_have_title("Parking services · Borough Insight")
        expect(page.locator("#service-title")).to_have_text("Parking services")
        expect(page.locator("#service-data-as-of")).to_contain_text("Data as of 31 Oct 2026")
        expect(page.locator(PRK01)).to_have_text(_count(borough["PRK01"][latest]))
        expect(page.locator(PRK05)).to_have_text(_pct(borough["PRK05"][latest]))
        expect(page.locator("#service-kpi-prk01-source")).to_have_text("Returned by the service")
        expect(page.locator("#service-kpi-prk02-source")).to_have_text("Computed from the service's records")
        expect(page.locator("#service-wards-rows tbody tr")).to_have_count(20)
        expect(page.locator("#service-trend")).to_contain_text("Download CSV")

        # a ward pressed in the ward table: a chip, and the ward's own returns in the key figures
        page.locator("#service-wards-rows [data-pick-value='Belsize']").click()
        chip = page.locator("#selection-bar .chip[data-dimension='ward']")
        expect(chip).to_contain_text("Ward: Belsize")
        expect(chip).to_have_attribute("data-applicable", "true")
        expect(page).to_have_url(re.compile(r"/services/parking\?ward=Belsize$"))
        expect(page.locator(PRK01)).to_have_text(_count(belsize["PRK01"][latest]))
        expect(page.locator(PRK05)).to_have_text(_pct(belsize["PRK05"][latest]))
        assert _count(belsize["PRK01"][latest]) != _count(borough["PRK01"][latest])
        expect(page.locator(PRK03)).to_have_text("–")
        expect(page.locator("#service-kpi-prk03-month")).to_have_text("Not returned by ward")
        expect(page.locator("#service-wards-rows [data-pick-value='Belsize']")).to_have_attribute(
            "aria-pressed", "true")

        # a point clicked on the trend selects its month: the key figures are that month's
        index = 50
        _click_point(page, index)
        month = months[index]
        expect(page.locator("#selection-bar .chip[data-dimension='month']")).to_be_visible()
        expect(page.locator(PRK01)).to_have_attribute("data-month", month)
        expect(page.locator(PRK01)).to_have_text(_count(belsize["PRK01"][month]))
        expect(page.locator(PRK05)).to_have_text(_pct(belsize["PRK05"][month]))
        expect(page.locator("#service-wards-month")).to_have_attribute("data-month", month)
        page.locator("#service-trend summary").click()
        expect(page.locator("#service-trend-table table")).to_be_visible()
        page.screenshot(path=str(artifacts / "service.png"), full_page=True)

        # a selection this page cannot use is marked so
        page.goto(url + "/services/parking?trade=Gas")
        expect(page.locator("#selection-bar .chip[data-dimension='trade']")).to_contain_text("not applicable here")
        expect(page.locator(PRK01)).to_have_text(_count(borough["PRK01"][latest]))
    assert page.errors == []


def test_service_without_ward_data_and_unknown_address(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        loans = con.execute("""
            select kpi_value from fact_service_kpi_monthly
            where service_code = 'LIB' and kpi_code = 'LIB02' and is_borough_total
            order by month_key desc limit 1""").fetchall()[0][0]
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/services/libraries")
        expect(page.locator("#service-title")).to_have_text("Libraries")
        expect(page.locator("#service-kpi-lib02-value")).to_have_text(f"{round(loans):,}")
        expect(page.locator("#service-wards-none")).to_contain_text("no ward breakdown")
        expect(page.locator("#service-filter-ward")).to_have_count(0)

        page.goto(url + "/services/no-such-service")
        expect(page.locator("#service-title")).to_have_text("No such service")
        expect(page).to_have_title("No such service · Borough Insight")
        page.locator("#service-home-link").click()
        expect(page.locator("#home-title")).to_be_visible()
    assert page.errors == []

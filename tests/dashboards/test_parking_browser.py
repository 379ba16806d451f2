"""The Parking page in headless Chromium over the demo warehouse: a bar click and a heat-map cell click select, the
KPIs and filter lists follow, back/forward step through, and the selection follows to /repairs and survives a
reload. Expected numbers are counted in plain SQL."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_at, click_bar, in_view, settle
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 60_000  # a page of eleven cards on a busy machine
ISSUED = "#parking-kpi-pcns_issued-value"
HOME_PCNS = ("from fact_pcn f join dim_organisation o using (organisation_key) "
             "left join dim_date d on d.date_key = f.issued_date_key "
             "left join dim_contravention c using (contravention_key) where o.is_home_council")
HEAT_ROW, HEAT_COLUMN = 9, 0  # 09:00 on Monday: rows are the hours 00:00-23:00, columns Monday-Sunday
WEEKDAYS, HOURS = 7, 24
BUSES = ("f.vehicle_category_key in (select vehicle_category_key from dim_vehicle_category "
         "where vehicle_group = 'Bus or coach')")
CARDS = ("by-month", "by-status", "by-vehicle", "by-ward-map", "by-zone", "by-contravention", "occupancy",
         "overstays", "suspensions", "permits-by-channel", "permits-by-type")


def _pcns(warehouse, where: str = "true") -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return f"{con.execute(f'select count(*) {HOME_PCNS} and {where}').fetchall()[0][0]:,}"


def _click_heat_cell(page, row: int, column: int) -> None:
    """A real mouse click in the middle of one cell of the heat map's plot area (every cell has data)."""
    in_view(page, "parking-occupancy", TIMEOUT)
    area = page.locator("#parking-occupancy .js-plotly-plot .nsewdrag").first
    expect(area).to_be_visible(timeout=TIMEOUT)
    settle(page, TIMEOUT)   # heat-map and hbar heights follow their rows: a cell's place is known once all are drawn
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    click_at(page, box["x"] + (column + 0.5) * box["width"] / WEEKDAYS,
             box["y"] + (row + 0.5) * box["height"] / HOURS)


def test_parking_selection_flow(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    everything = _pcns(demo_warehouse)
    buses = _pcns(demo_warehouse, BUSES)
    buses_monday_9 = _pcns(demo_warehouse, f"{BUSES} and d.day_name = 'Monday' and f.issued_hour = 9")
    assert len({everything, buses, buses_monday_9}) == 3
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        codes = con.execute(f"select c.contravention_code, count(*) filter (where {BUSES}) {HOME_PCNS} "
                            "group by 1").fetchall()
    excluded = sorted(code for code, n in codes if n == 0)
    possible = sorted(code for code, n in codes if n > 0)
    assert excluded and possible
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/parking")
        expect(page).to_have_title("Parking · Borough Insight")
        expect(page.locator(ISSUED)).to_have_text(everything)
        expect(page.locator("#parking-data-as-of")).to_contain_text("Data as of 31 Oct 2026")
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        for card in CARDS:
            expect(page.locator(f"#parking-{card}")).to_contain_text("Download CSV")

        # a bar click (vehicle types in name order: Bus or coach first) selects the vehicle type
        click_bar(page, "parking-by-vehicle", 0, TIMEOUT, settled=True)
        chips = page.locator("#selection-bar .chip")
        expect(chips).to_have_count(1)
        expect(chips).to_contain_text("Vehicle type: Bus or coach")
        expect(page.locator(ISSUED)).to_have_text(buses)
        expect(page).to_have_url(re.compile(r"/parking\?vehicle_group=Bus%20or%20coach$"))
        vehicles = page.locator("#parking-filter-vehicle_group")
        expect(vehicles.locator("[data-value='Bus or coach']")).to_have_attribute("data-state", "selected")
        expect(vehicles.locator("[data-value='Car']")).to_have_attribute("data-state", "possible")
        contraventions = page.locator("#parking-filter-contravention")
        for code in excluded:
            expect(contraventions.locator(f"[data-value='{code}']")).to_have_attribute("data-state", "excluded")
        for code in possible:
            expect(contraventions.locator(f"[data-value='{code}']")).to_have_attribute("data-state", "possible")

        # a heat-map cell selects its hour and its day together
        _click_heat_cell(page, HEAT_ROW, HEAT_COLUMN)
        expect(chips).to_have_count(3)
        expect(page.locator("#selection-bar .chip[data-dimension='hour']")).to_contain_text("9")
        expect(page.locator("#selection-bar .chip[data-dimension='weekday']")).to_contain_text("Monday")
        expect(page).to_have_url(re.compile(r"\?hour=9&vehicle_group=Bus%20or%20coach&weekday=Monday$"))
        expect(page.locator(ISSUED)).to_have_text(buses_monday_9)
        expect(page.locator("#parking-occupancy .js-plotly-plot .shapelayer path")).to_have_count(1)
        settle(page, TIMEOUT)
        page.screenshot(path=str(artifacts / "parking.png"), full_page=True)
        page.locator("#parking-occupancy summary").click()
        expect(page.locator("#parking-occupancy-table table")).to_contain_text("Monday")

        # back and forward step through the selections (each step once the page has redrawn, as a reader would)
        settle(page, TIMEOUT)
        page.go_back()
        expect(chips).to_have_count(1)
        expect(page.locator(ISSUED)).to_have_text(buses)
        settle(page, TIMEOUT)
        page.go_forward()
        expect(chips).to_have_count(3)
        settle(page, TIMEOUT)
        page.locator("#selection-back").click()
        expect(chips).to_have_count(1)
        settle(page, TIMEOUT)
        page.locator("#selection-forward").click()
        expect(chips).to_have_count(3)
        expect(page.locator(ISSUED)).to_have_text(buses_monday_9)
        settle(page, TIMEOUT)

        # the selection follows to /repairs (where a vehicle type does not apply) and survives a reload
        page.get_by_role("link", name="Repairs", exact=True).click()
        expect(page.locator("#repairs-title")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/repairs\?hour=9&vehicle_group=Bus%20or%20coach&weekday=Monday$"))
        expect(chips).to_have_count(3)
        expect(page.locator("#selection-bar .chip[data-dimension='vehicle_group']")).to_contain_text(
            "not applicable here")
        page.reload()
        expect(chips).to_have_count(3)
        page.get_by_role("link", name="Parking", exact=True).click()
        expect(page.locator(ISSUED)).to_have_text(buses_monday_9)
    assert page.errors == []

"""The Housing repairs page in headless Chromium over the demo warehouse: a chart click selects, every chart and
filter list follows, the selection is in the URL (reload, other pages) and back/forward step through it."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_bar, in_view, settle
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
RAISED = "#repairs-kpi-repairs_raised-value"


def _count(warehouse, where: str = "true") -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return f"{con.execute(f'select count(*) from fact_repairs_job where {where}').fetchall()[0][0]:,}"


PICKED_FILL = r"fill: rgb\(213, 94, 0\)"   # cards.PICKED, #D55E00


def test_repairs_selection_flow(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    everything = _count(demo_warehouse)
    carpentry = _count(demo_warehouse, "trade = 'Carpentry'")
    carpentry_emergency = _count(demo_warehouse, "trade = 'Carpentry' and priority_code = 'EMERGENCY'")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        expect(page).to_have_title("Housing repairs · Borough Insight")
        expect(page.locator(RAISED)).to_have_text(everything)
        expect(page.locator("#repairs-data-as-of")).to_contain_text("Data as of 31 Oct 2026")
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        for card in ("by-month", "by-priority", "by-age", "by-trade", "by-contractor", "overdue"):
            expect(page.locator(f"#repairs-{card}")).to_contain_text("Download CSV")

        # a bar click (trades are in name order: Carpentry first) selects the trade
        click_bar(page, "repairs-by-trade", 0, TIMEOUT)
        chip = page.locator("#selection-bar .chip")
        expect(chip).to_have_count(1)
        expect(chip).to_contain_text("Trade: Carpentry")
        expect(page.locator(RAISED)).to_have_text(carpentry)
        assert carpentry != everything
        expect(page).to_have_url(re.compile(r"/repairs\?trade=Carpentry$"))
        bars = page.locator("#repairs-by-trade .js-plotly-plot .bars path")
        expect(bars.first).to_have_attribute("style", re.compile(PICKED_FILL))   # the chart redrew the pick
        trade = page.locator("#repairs-filter-trade")
        expect(trade.locator("[data-value='Carpentry']")).to_have_attribute("data-state", "selected")
        expect(trade.locator("[data-value='Gas']")).to_have_attribute("data-state", "possible")
        contractors = page.locator("#repairs-filter-contractor [data-state='excluded']")
        expect(contractors.first).to_be_visible()
        excluded_contractor = contractors.first.get_attribute("data-value")
        with duckdb.connect(str(demo_warehouse), read_only=True) as con:
            assert con.execute("select count(*) from fact_repairs_job where trade = 'Carpentry' and contractor = $c",
                               {"c": excluded_contractor}).fetchall()[0][0] == 0

        # a filter-list value adds a second selection
        page.locator("#repairs-filter-priority [data-value='EMERGENCY']").click()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        expect(page.locator(RAISED)).to_have_text(carpentry_emergency)
        page.locator("#repairs-by-trade summary").click()
        expect(page.locator("#repairs-by-trade-table table")).to_be_visible()
        page.screenshot(path=str(artifacts / "repairs.png"), full_page=True)

        # back and forward step through the selections
        page.go_back()
        expect(page.locator("#selection-bar .chip")).to_have_count(1)
        expect(page.locator(RAISED)).to_have_text(carpentry)
        page.go_forward()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        expect(page.locator(RAISED)).to_have_text(carpentry_emergency)
        page.locator("#selection-back").click()
        expect(page.locator("#selection-bar .chip")).to_have_count(1)
        page.locator("#selection-forward").click()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)

        # the selection follows to the home page and survives a reload
        page.get_by_role("link", name="Home", exact=True).click()
        expect(page.locator("#home-title")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/\?priority=EMERGENCY&trade=Carpentry$"))
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        page.reload()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        page.get_by_role("link", name="Repairs", exact=True).click()
        expect(page.locator(RAISED)).to_have_text(carpentry_emergency)

        # a chip's remove button and clear all
        page.get_by_role("button", name=re.compile("^Remove Repair priority")).click()
        expect(page.locator(RAISED)).to_have_text(carpentry)
        page.locator("#selection-clear").click()
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        expect(page.locator(RAISED)).to_have_text(everything)
        in_view(page, "repairs-by-trade", TIMEOUT)   # a chart out of view is drawn when scrolled near
        expect(bars.first).not_to_have_attribute("style", re.compile(PICKED_FILL))

        # the same bar again: selected again (a chart's click is a new pick each time)
        click_bar(page, "repairs-by-trade", 0, TIMEOUT)
        expect(page.locator("#selection-bar .chip")).to_contain_text("Trade: Carpentry")
        expect(page.locator(RAISED)).to_have_text(carpentry)
    assert page.errors == []


def test_a_chart_out_of_view_is_drawn_as_it_nears_the_view_with_the_latest_selection(demo_warehouse, live_app, page):
    """Charts far below the window wait (page_view.js): a selection made meanwhile is what they show once scrolled
    to, and printing draws them all first."""
    expect.set_options(timeout=TIMEOUT)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        contractors = con.execute("select count(distinct contractor) from fact_repairs_job "
                                  "where trade = 'Carpentry'").fetchall()[0][0]
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        settle(page, TIMEOUT)
        contractor_chart = page.locator('#repairs-by-contractor [data-draw="waiting"]')
        expect(contractor_chart).to_have_count(1)          # far below the first screen: not drawn yet
        expect(page.locator("#repairs-by-contractor .main-svg")).to_have_count(0)
        page.locator("#repairs-filter-trade [data-value='Carpentry']").click()
        expect(page.locator("#selection-bar .chip")).to_contain_text("Trade: Carpentry")
        in_view(page, "repairs-by-contractor", TIMEOUT)
        expect(page.locator("#repairs-by-contractor .js-plotly-plot .bars path")).to_have_count(contractors)

        page.goto(url + "/repairs?trade=Gas")
        settle(page, TIMEOUT)
        expect(page.locator('[data-draw="waiting"]').first).to_be_attached()
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        expect(page.locator('[data-draw="waiting"]')).to_have_count(0)
        page.wait_for_function("() => [...document.querySelectorAll('#main-content .chart-graph')]"
                               ".every(g => g.querySelector('.main-svg'))", timeout=TIMEOUT)
    assert page.errors == []


def test_repairs_link_reproduces_the_view(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    gas = _count(demo_warehouse, "trade = 'Gas'")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs?trade=Gas&contravention=12")
        expect(page.locator(RAISED)).to_have_text(gas)
        chip = page.locator("#selection-bar .chip[data-dimension='contravention']")
        expect(chip).to_contain_text("not applicable here")
        expect(page.locator("#repairs-kpis")).to_contain_text("Not applicable here")

        # the keyboard selects too, and focus stays on the value in the redrawn list
        page.locator("#repairs-filter-ward [data-value='Belsize']").focus()
        page.keyboard.press("Enter")
        belsize = page.locator("#repairs-filter-ward [data-value='Belsize']")
        expect(belsize).to_have_attribute("data-state", "selected")
        expect(belsize).to_be_focused()
        expect(page).to_have_url(re.compile(r"ward=Belsize"))
    assert page.errors == []


def test_a_table_sorts_by_a_heading_in_the_browser(demo_warehouse, live_app, page):
    """A heading sorts its table where it is (assets/page_view.js): no request, the other cards as they were,
    keyboard focus kept on the heading pressed."""
    expect.set_options(timeout=TIMEOUT)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        wards = [r[0] for r in con.execute("""
            select w.ward_name from fact_repairs_job f join dim_ward w using (ward_key)
            where f.is_overdue group by 1 order by 1""").fetchall()]
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        table = page.locator("#repairs-overdue-rows")
        heading = table.locator("th").first
        expect(heading).to_have_attribute("aria-sort", "none")
        settle(page, TIMEOUT)
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "_dash-update-component" in r.url else None)
        heading.locator("button").click()       # the ward column: names A to Z, then Z to A
        expect(heading).to_have_attribute("aria-sort", "ascending")
        expect(table.locator("tbody th")).to_have_text(sorted(wards))
        assert page.evaluate("document.activeElement.getAttribute('data-sort-col')") == "label"
        heading.locator("button").click()
        expect(heading).to_have_attribute("aria-sort", "descending")
        expect(table.locator("tbody th")).to_have_text(sorted(wards, reverse=True))
        assert requests == []
        assert page.errors == []


def test_qliks_selection_rules(demo_warehouse, live_app, page):
    """docs/selection-rules.md as one session: an excluded value clicked is selected and clears the selection that
    excluded it (Back undoes it); excluded values show no count and come after the possible ones; another value of
    a field already selected in adds to it (alternative)."""
    expect.set_options(timeout=TIMEOUT)
    april_2021 = _count(demo_warehouse, "raised_date_key between 20210401 and 20210430")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs?financial_year=2026-27")
        months = page.locator("#repairs-filter-month .filter-value")
        april = page.locator("#repairs-filter-month [data-value='2021-04']")
        expect(april).to_have_attribute("data-state", "excluded")
        expect(april).to_have_attribute("data-pick-clears", "financial_year")
        expect(april.locator(".filter-count")).to_have_count(0)
        states = months.evaluate_all("els => els.map(e => e.getAttribute('data-state'))")
        assert states == sorted(states, key=["selected", "possible", "excluded"].index) and "possible" in states
        assert months.first.get_attribute("data-value") > months.nth(1).get_attribute("data-value")  # newest first

        april.click()
        expect(page).to_have_url(re.compile(r"/repairs\?month=2021-04$"))
        expect(page.locator("#selection-bar .chip")).to_have_count(1)
        expect(page.locator("#selection-bar .chip[data-dimension='month']")).to_contain_text("Apr 2021")
        expect(page.locator(RAISED)).to_have_text(april_2021)
        expect(april).to_have_attribute("data-state", "selected")

        page.go_back()
        expect(page.locator("#selection-bar .chip[data-dimension='financial_year']")).to_contain_text("2026-27")
        expect(page.locator("#selection-bar .chip")).to_have_count(1)

        # alternative: another year of the field selected in stays selectable and adds to the selection
        page.locator("#repairs-filter-financial_year [data-value='2025-26']").click()
        expect(page.locator("#selection-bar .chip[data-dimension='financial_year']")).to_contain_text(
            "2025-26, 2026-27")
    assert page.errors == []


def test_named_selections_in_the_lists(demo_warehouse, live_app, page, artifacts):
    """One session: 'Last complete month' and 'Kentish Town' picked in the lists stay named in the URL, the chips
    say what they cover, the tiles count those jobs (plain SQL), and a click on a real month the name covers
    unselects the name. The data is as of 31 Oct 2026, so the last complete month is October."""
    expect.set_options(timeout=TIMEOUT)
    october = "raised_date_key between 20261001 and 20261031"
    kentish = ("ward_key in (select ward_key from dim_ward where ward_name in "
               "('Kentish Town North', 'Kentish Town South'))")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        named_month = page.locator("#repairs-filter-month .filter-value").first
        expect(named_month).to_have_attribute("data-value", "@last-complete-month")
        expect(named_month).to_contain_text("Last complete month (Oct 2026)")
        named_month.click()
        expect(page).to_have_url(re.compile(r"/repairs\?month=%40last-complete-month$"))
        expect(page.locator("#selection-bar .chip[data-dimension='month']")).to_contain_text(
            "Last complete month (Oct 2026)")
        expect(page.locator(RAISED)).to_have_text(_count(demo_warehouse, october))
        expect(named_month).to_have_attribute("data-state", "selected")
        covered = page.locator("#repairs-filter-month [data-value='2026-10']")
        expect(covered).to_have_attribute("data-state", "selected")

        page.locator("#repairs-filter-ward [data-value='@kentish-town']").click()
        expect(page.locator("#selection-bar .chip[data-dimension='ward']")).to_contain_text("Kentish Town (2 wards)")
        expect(page.locator(RAISED)).to_have_text(_count(demo_warehouse, f"{october} and {kentish}"))
        expect(page.locator("#repairs-filter-ward [data-value='Kentish Town South']")).to_have_attribute(
            "data-state", "selected")
        page.locator("#repairs-filter-ward").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "named-selections.png"))  # docs/screenshots/ holds a copy

        covered.click()   # selected by the name: the click unselects the name
        expect(page.locator("#selection-bar .chip[data-dimension='month']")).to_have_count(0)
        expect(page.locator(RAISED)).to_have_text(_count(demo_warehouse, kentish))
    assert page.errors == []

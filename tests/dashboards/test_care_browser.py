"""The Adult social care page in headless Chromium over the demo warehouse: a bar click selects, the tiles and filter
lists follow, every card draws, and the selection follows to Housing repairs (where care-only selections are marked
not applicable) and survives a reload."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_bar
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
REQUESTS = "#care-kpi-care_requests-value"
PEOPLE = "#care-kpi-care_people_in_long_term_support-value"
WARD = "Kilburn"
IN_WARD = f"ward_key = (select ward_key from dim_ward where ward_name = '{WARD}')"
CARDS = ("requests-by-month", "requests-by-outcome", "lts-by-support-type", "lts-by-age", "lts-map", "lts-by-reason",
         "lts-by-ward", "assessments-by-ward", "waiting-by-ward", "budget-by-year", "spend-by-month")


def _count(warehouse, sql: str) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return f"{con.execute(sql).fetchall()[0][0]:,}"


def _requests(warehouse, where: str = "true") -> str:
    return _count(warehouse, f"select count(*) from fact_care_event where event_type_group = 'request' and {where}")


def _every_card_drawn(page, or_empty: bool = False) -> None:
    """Every card has its data (a CSV link) or, when allowed, the plain empty message; none failed."""
    drawn = re.compile("Download CSV|Nothing matches the current selections" if or_empty else "Download CSV")
    for card in CARDS:
        expect(page.locator(f"#care-{card}")).to_contain_text(drawn)
    expect(page.locator("#care-page")).not_to_contain_text("Loading…")
    expect(page.locator("#care-page .error-message")).to_have_count(0)


def test_care_selection_flow(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    everything = _requests(demo_warehouse)
    long_term = _requests(demo_warehouse, "request_outcome = 'Long Term Support'")
    long_term_in_ward = _requests(demo_warehouse, f"request_outcome = 'Long Term Support' and {IN_WARD}")
    people_in_ward = _count(demo_warehouse, "select count(distinct person_key) from fact_care_service_episode "
                                            f"where is_active and service_type like 'Long Term Support%' and {IN_WARD}")
    repairs_in_ward = _count(demo_warehouse, f"select count(*) from fact_repairs_job where {IN_WARD}")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/adult-social-care")
        expect(page).to_have_title("Adult social care · Borough Insight")
        expect(page.locator(REQUESTS)).to_have_text(everything)
        expect(page.locator("#care-data-as-of")).to_contain_text("Data as of 31 Oct 2026")
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        _every_card_drawn(page)

        # a bar click (outcomes are in name order: Long Term Support first) selects the request outcome
        click_bar(page, "care-requests-by-outcome", 0, TIMEOUT)
        chip = page.locator("#selection-bar .chip")
        expect(chip).to_have_count(1)
        expect(chip).to_contain_text("Request outcome: Long Term Support")
        expect(page.locator(REQUESTS)).to_have_text(long_term)
        assert long_term != everything
        expect(page).to_have_url(re.compile(r"/adult-social-care\?request_outcome=Long(\+|%20)Term(\+|%20)Support$"))
        outcomes = page.locator("#care-filter-request_outcome")
        expect(outcomes.locator("[data-value='Long Term Support']")).to_have_attribute("data-state", "selected")
        types = page.locator("#care-filter-care_event_type")
        expect(types.locator("[data-value='request']")).to_have_attribute("data-state", "possible")
        expect(types.locator("[data-value='assessment']")).to_have_attribute("data-state", "excluded")
        expect(types.locator("[data-value='review']")).to_have_attribute("data-state", "excluded")

        # a ward from its filter list: the request and people tiles follow it
        page.locator(f"#care-filter-ward [data-value='{WARD}']").click()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        expect(page.locator(f"#care-filter-ward [data-value='{WARD}']")).to_have_attribute("data-state", "selected")
        expect(page.locator(REQUESTS)).to_have_text(long_term_in_ward)
        expect(page.locator(PEOPLE)).to_have_text(people_in_ward)
        expect(page.locator("#care-kpi-care_people_in_long_term_support")).to_contain_text(
            "Not applicable here: Request outcome")
        _every_card_drawn(page, or_empty=True)
        page.screenshot(path=str(artifacts / "care.png"), full_page=True)

        # the selection follows to Housing repairs: the ward applies there, the request outcome does not
        page.get_by_role("link", name="Repairs", exact=True).click()
        expect(page.locator("#repairs-title")).to_be_visible()
        expect(page).to_have_url(re.compile(rf"/repairs\?request_outcome=Long.*&ward={WARD}$"))
        ward_chip = page.locator("#selection-bar .chip[data-dimension='ward']")
        outcome_chip = page.locator("#selection-bar .chip[data-dimension='request_outcome']")
        expect(ward_chip).to_have_attribute("data-applicable", "true")
        expect(outcome_chip).to_contain_text("(not applicable here)")
        expect(page.locator("#repairs-kpi-repairs_raised-value")).to_have_text(repairs_in_ward)
        page.reload()
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        expect(outcome_chip).to_contain_text("(not applicable here)")
        expect(page.locator("#repairs-kpi-repairs_raised-value")).to_have_text(repairs_in_ward)
    assert page.errors == []

"""The selection bar across pages in headless Chromium: back and forward are disabled where there is no step to
take, the site name keeps the selection, chips name values by their labels, and a page that reads no fact marks
every selection "not applicable here"."""

from __future__ import annotations

import re

import duckdb
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


def test_back_and_forward_are_disabled_at_the_ends(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    back, forward = page.locator("#selection-back"), page.locator("#selection-forward")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        expect(page.locator("#repairs-filter-ward [data-value='Belsize']")).to_be_visible()
        expect(back).to_be_disabled()
        expect(forward).to_be_disabled()

        page.locator("#repairs-filter-ward [data-value='Belsize']").click()
        expect(page).to_have_url(re.compile(r"ward=Belsize"))
        expect(back).to_be_enabled()
        expect(forward).to_be_disabled()

        back.click()
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        expect(back).to_be_disabled()
        expect(forward).to_be_enabled()
        forward.click()
        expect(page.locator("#selection-bar .chip")).to_have_count(1)
        expect(forward).to_be_disabled()
    assert page.errors == []


def test_the_site_name_keeps_the_selection_and_chips_show_names(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        emergency = con.execute("select priority_name from dim_repair_priority where priority_code = 'EMERGENCY'"
                                ).fetchall()[0][0]
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs?priority=EMERGENCY&ward=Belsize")
        chip = page.locator("#selection-bar .chip[data-dimension='priority']")
        expect(chip.locator(".chip-values")).to_have_text(emergency)
        assert emergency != "EMERGENCY"
        brand = page.locator("#site-brand")
        expect(brand).to_have_attribute("href", "/?priority=EMERGENCY&ward=Belsize")

        page.goto(url + "/data-quality?ward=Belsize")
        ward = page.locator("#selection-bar .chip[data-dimension='ward']")
        expect(ward).to_have_attribute("data-applicable", "false")
        expect(ward).to_contain_text("not applicable here")
    assert page.errors == []


def test_long_filter_values_wrap_instead_of_being_cut_off(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/adult-social-care")
        reasons = page.locator("#care-filter-primary_support_reason .filter-value")
        expect(reasons.first).to_be_visible()
        clipped = reasons.evaluate_all("els => els.filter(e => e.scrollHeight > e.clientHeight + 1)"
                                       ".map(e => e.textContent)")
        assert reasons.count() >= 5 and clipped == []
    assert page.errors == []

"""Bookmarks in headless Chromium, one session as the repairs manager: select on the repairs page, save the view,
see it on Home in words, open it, and get the same chips and tiles (the tile recomputed with plain SQL); then
delete it. No console errors."""

from __future__ import annotations

import re

import duckdb
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 30_000
RAISED = "#repairs-kpi-repairs_raised-value"
NAME = "Carpentry emergencies"


def _raised(warehouse, where: str) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return f"{con.execute(f'select count(*) from fact_repairs_job where {where}').fetchall()[0][0]:,}"


def _chips(page) -> list[str]:
    return [text.replace("×", "").strip() for text in page.locator("#selection-bar .chip").all_inner_texts()]


def test_save_a_view_see_it_on_home_open_it_and_delete_it(demo_warehouse, live_app, page, artifacts, tmp_path):
    expect.set_options(timeout=TIMEOUT)
    page.sign_in_as = "repairs-manager"
    expected = _raised(demo_warehouse, "trade = 'Carpentry' and priority_code = 'EMERGENCY'")
    config = {"warehouse": demo_warehouse, "app_db_url": f"sqlite:///{tmp_path / 'app.sqlite'}"}
    with live_app(config) as url:
        page.goto(url + "/repairs?trade=Carpentry")
        page.locator("#repairs-filter-priority [data-value='EMERGENCY']").click()   # the browser's own selection
        expect(page.locator("#selection-bar .chip")).to_have_count(2)
        expect(page.locator(RAISED)).to_have_text(expected)
        chips, search = _chips(page), page.evaluate("window.location.search")

        page.get_by_text("Save view", exact=True).click()
        page.get_by_label("Name this view").fill(NAME)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#bookmark-status")).to_have_text(f"Saved '{NAME}'. Home lists your saved views.")
        expect(page.get_by_label("Name this view")).to_have_value("")
        page.screenshot(path=str(artifacts / "bookmark-saved.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 300})
        page.get_by_role("button", name="Save", exact=True).click()   # no name: said, nothing saved
        expect(page.locator("#bookmark-status")).to_have_text("Give the view a name.")

        page.goto(url + "/")
        rows = page.locator("#home-bookmarks-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first.locator("th")).to_have_text(NAME)
        for chip in chips:   # the selection in words, as the chips name it
            expect(rows.first).to_contain_text(chip)
        expect(rows.first.get_by_role("link", name="Page address")).to_have_attribute("href", "/repairs" + search)
        page.get_by_text("Save view", exact=True).click()   # the control open, for the picture
        page.get_by_label("Name this view").fill("Belsize this year")
        page.screenshot(path=str(artifacts / "bookmarks.png"), full_page=False)
        page.get_by_text("Save view", exact=True).click()

        rows.first.get_by_role("link", name=NAME).click()
        expect(page).to_have_url(re.compile(re.escape("/repairs" + search) + "$"))
        expect(page.locator("#selection-bar .chip")).to_have_count(len(chips))
        assert _chips(page) == chips
        expect(page.locator(RAISED)).to_have_text(expected)

        page.goto(url + "/")
        page.get_by_role("button", name=f"Delete the saved view {NAME}").click()
        expect(page.locator("#home-bookmarks-status")).to_have_text(f"Deleted '{NAME}'.")
        expect(page.locator("#home-bookmarks-none")).to_be_visible()
    assert page.errors == []

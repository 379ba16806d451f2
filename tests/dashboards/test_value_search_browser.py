"""Search and keyboard in Chromium (docs/selection-rules.md, "Search and keyboard"), on the repairs page over the
small demo: a list's search filters its values, Enter selects the matches as one selection (one history entry),
the text survives the redraw and Escape clears it; the list is a listbox walked with keys; the selection bar's
search across fields lists matches by field and selects one; axe finds nothing serious. Figures against plain SQL."""

from __future__ import annotations

import re

import duckdb
import pytest
from axe_checks import axe_violations, failing
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 20_000
RAISED = "#repairs-kpi-repairs_raised-value"
WARD_JOINED = "from fact_repairs_job f join dim_ward w using (ward_key)"


def _sql(warehouse, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def _jobs(warehouse, where: str, params=None) -> str:
    return f"{_sql(warehouse, f'select count(*) {WARD_JOINED} where {where}', params)[0][0]:,}"


def test_pick_many_adds_the_values_not_yet_selected(selection_js):
    state = {"ward": ["Belsize"]}
    event = {"pick": {"dimension": "ward", "values": ["Kilburn", "Belsize", "Frognal"]}}
    assert selection_js("nextState", state, event, {}) == {"ward": ["Belsize", "Frognal", "Kilburn"]}
    assert selection_js("nextState", state, {"pick": {"dimension": "ward", "values": ["Belsize"]}}, {}) is None
    # over a page's untouched default, the matches replace it as a click would
    assert selection_js("nextState", {"month": ["2026-10"]}, {"pick": {"dimension": "month", "values": [
        "2026-09", "2026-08"]}}, {"month": ["2026-10"]}) == {"month": ["2026-08", "2026-09"]}


def test_search_and_keys_on_the_repairs_page(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    kentish = [r[0] for r in _sql(demo_warehouse, f"select distinct w.ward_name {WARD_JOINED} "
                                                  "where w.ward_name ilike '%kentish%' order by 1")]
    kentish_jobs = _jobs(demo_warehouse, "w.ward_name ilike '%kentish%'")
    contractor = _sql(demo_warehouse, "select contractor from fact_repairs_job where contractor is not null "
                                      "group by 1 order by count(*) desc limit 1")[0][0]
    both = _jobs(demo_warehouse, "w.ward_name ilike '%kentish%' and f.contractor = $c", {"c": contractor})
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs")
        wards = page.locator("#repairs-filter-ward [role='option']")
        expect(wards.first).to_be_visible()
        listbox = page.locator("#repairs-filter-ward-values")
        expect(listbox).to_have_attribute("role", "listbox")
        expect(listbox).to_have_attribute("aria-multiselectable", "true")

        # type to filter: only values whose label contains the text are shown, with no request
        search = page.get_by_label("Search Ward", exact=True)
        search.fill("kentish")
        shown = page.locator("#repairs-filter-ward [role='option']:visible")
        labels = shown.locator(".filter-label").all_inner_texts()
        assert set(kentish) <= set(labels) and all("kentish" in label.lower() for label in labels)
        assert wards.count() > len(labels)

        # Enter selects the matches: one new URL, one history entry
        search.press("Enter")
        chip = page.locator("#selection-bar .chip[data-dimension='ward']")
        for ward in kentish:
            expect(chip).to_contain_text(ward)
        expect(chip).not_to_contain_text("2 wards")   # the wards, not also the group that covers them
        expect(page.locator(RAISED)).to_have_text(kentish_jobs)
        for ward in kentish:
            expect(page.locator(f"#repairs-filter-ward [data-value='{ward}']")).to_have_attribute(
                "aria-selected", "true")
        expect(search).to_have_value("kentish")   # the text and the filtering survive the list's redraw
        expect(shown).to_have_count(len(labels))
        page.go_back()
        expect(page).to_have_url(re.compile(r"/repairs$"))
        page.go_forward()
        expect(page.locator(RAISED)).to_have_text(kentish_jobs)

        # Escape clears the search; the list is one tab stop, walked with keys
        search.press("Escape")
        expect(search).to_have_value("")
        expect(shown).to_have_count(wards.count())
        search.press("Tab")
        focused = page.locator("#repairs-filter-ward [role='option']:focus")
        expect(focused).to_have_attribute("aria-selected", "true")   # the tab stop is the first selected value
        assert listbox.locator("[tabindex='0']").count() == 1
        page.keyboard.press("Home")
        expect(focused).to_have_attribute("data-value", wards.first.get_attribute("data-value"))
        page.keyboard.press("ArrowDown")
        expect(focused).to_have_attribute("data-value", wards.nth(1).get_attribute("data-value"))
        page.keyboard.press("End")
        expect(focused).to_have_attribute("data-value", wards.last.get_attribute("data-value"))
        expect(focused).to_have_attribute("data-state", "excluded")   # excluded values stay focusable
        target = next(label for label in wards.locator(".filter-label").all_inner_texts()
                      if label.lower().startswith("hi"))
        page.keyboard.type("hi")   # type-ahead by first letters
        expect(focused.locator(".filter-label")).to_have_text(target)
        page.keyboard.press("Space")   # toggles the focused value, which keeps the focus after the redraw
        expect(chip).to_contain_text(target)
        expect(focused.locator(".filter-label")).to_have_text(target)
        expect(focused).to_have_attribute("aria-selected", "true")
        page.keyboard.press("Enter")
        expect(chip).not_to_contain_text(target)

        # one search across every field: matches grouped by field, each with its state; choosing one selects it
        everywhere = page.get_by_label("Search every field's values")
        everywhere.fill("kentish")
        results = page.locator("#value-search-results")
        ward_results = results.locator("[data-dimension='ward'] [data-pick-dimension='ward']")
        expect(ward_results).to_have_count(len(kentish))
        expect(results.locator("[data-dimension='ward'] .value-search-group")).to_have_text("Ward")
        for ward in kentish:
            expect(results.locator(f"[data-value='{ward}']")).to_have_attribute("data-state", "selected")
        search.fill("kentish")
        everywhere.fill(contractor[:6])
        picked = results.locator(f"[data-pick-dimension='contractor'][data-value='{contractor}']")
        expect(picked).to_have_attribute("data-state", "possible")
        page.set_viewport_size({"width": 1280, "height": 1150})   # the bar's results and the ward list in one view
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / "list-search.png"))
        violations = axe_violations(page)
        assert failing(violations) == [], failing(violations)
        picked.click()
        expect(page.locator("#selection-bar .chip[data-dimension='contractor']")).to_contain_text(contractor)
        expect(page.locator(RAISED)).to_have_text(both)
        expect(results).to_be_hidden()
        expect(everywhere).to_be_focused()
    assert page.errors == []

"""The Housing repairs page in headless Chromium over the demo warehouse: a chart click selects, every chart and
filter list follows, the selection is in the URL (reload, other pages) and back/forward step through it."""

from __future__ import annotations

import re

import duckdb
import pytest
from browser_actions import click_bar, in_view, settle
from playwright.sync_api import expect

from dashboards.components.data import fmt

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


# docs/selection-rules.md's table, recomputed in plain SQL: each field the test selects in, as a column of the jobs
# joined to their raised date and ward (what the semantic layer says, written out again independently)
JOBS = ("from fact_repairs_job f left join dim_date d on d.date_key = f.raised_date_key "
        "left join dim_ward w on w.ward_key = f.ward_key")
COLUMNS = {"financial_year": "d.financial_year", "month": "strftime(d.full_date, '%Y-%m')", "ward": "w.ward_name",
           "priority": "f.priority_code", "trade": "f.trade", "contractor": "f.contractor"}


def _where(selections: dict[str, list[str]]) -> tuple[str, list[str]]:
    conditions, params = ["true"], []
    for field, values in selections.items():
        conditions.append(f"{COLUMNS[field]} in ({', '.join('?' for _ in values)})")
        params += values
    return " and ".join(conditions), params


class Jobs:
    """The rules' outcomes over the warehouse in plain SQL: counts, a list's states, what a click clears."""

    def __init__(self, con):
        self.con = con

    def count(self, selections: dict[str, list[str]]) -> str:
        where, params = _where(selections)
        return f"{self.con.execute(f'select count(*) {JOBS} where {where}', params).fetchall()[0][0]:,}"

    def possible(self, field: str, selections: dict[str, list[str]]) -> set[str]:
        """The field's values some job has under every selection in the OTHER fields."""
        where, params = _where({f: v for f, v in selections.items() if f != field})
        rows = self.con.execute(f"select distinct {COLUMNS[field]} {JOBS} where {where}", params).fetchall()
        return {str(value) for (value,) in rows if value is not None}

    def states(self, field: str, selections: dict[str, list[str]], values: list[str]) -> dict[str, str]:
        possible = self.possible(field, selections)
        return {v: "selected" if v in selections.get(field, []) else "possible" if v in possible else "excluded"
                for v in values}

    def clears(self, field: str, value: str, selections: dict[str, list[str]]) -> list[str]:
        """Qlik's rule: the other fields whose selection alone leaves the value no job; all the others when the
        value still has no job under the rest together."""
        others = {f: v for f, v in selections.items() if f != field}
        mine = {field: [value]}
        alone = [f for f, v in others.items() if self.count({**mine, f: v}) == "0"]
        rest = {f: v for f, v in others.items() if f not in alone}
        return sorted(alone if self.count({**mine, **rest}) != "0" else others)


def _check(page, jobs: Jobs, selections: dict[str, list[str]], line: str = "") -> None:
    """The page shows `selections` as Qlik would: one chip per field, the tile's count, the ward and trade lists'
    states (excluded values without a count) and the line saying what the last click cleared."""
    chips = page.locator("#selection-bar .chip")
    expect(chips).to_have_count(len(selections))
    expect(page.locator(RAISED)).to_have_text(jobs.count(selections))
    for field in selections:
        expect(page.locator(f"#selection-bar .chip[data-dimension='{field}']")).to_be_visible()
    expect(page.locator("#selection-cleared")).to_have_text(line)
    for field in ("ward", "trade"):
        # a named value (@kentish-town: a group of wards, query/named_selections.py) is not a value of the data
        values = page.locator(f"#repairs-filter-{field} .filter-value:not([data-value^='@'])")
        shown = dict(zip(values.evaluate_all("els => els.map(e => e.dataset.value)"),
                         values.evaluate_all("els => els.map(e => e.dataset.state)"), strict=True))
        assert shown == jobs.states(field, selections, list(shown)), field
        states = list(shown.values())
        assert states == sorted(states, key=["selected", "possible", "excluded"].index), field
    expect(page.locator(".filter-value[data-state='excluded'] .filter-count")).to_have_count(0)


def _ward_order(page) -> list[str]:
    return page.locator("#repairs-filter-ward .filter-value:not([data-value^='@'])").evaluate_all(
        "els => els.map(e => e.dataset.value)")


def _expect_by_count(page, jobs: Jobs, selections: dict[str, list[str]]) -> None:
    """The ward list by count: selected, possible, excluded, and within the possible ones each ward's count (its
    jobs under the selections) no smaller than the next one's."""
    expect(page.locator(RAISED)).to_have_text(jobs.count(selections))
    wards = page.locator("#repairs-filter-ward .filter-value:not([data-value^='@'])")
    states = wards.evaluate_all("els => els.map(e => e.dataset.state)")
    assert states == sorted(states, key=["selected", "possible", "excluded"].index)
    possible = [w for w, state in zip(_ward_order(page), states, strict=True) if state == "possible"]
    counts = [int(jobs.count({**selections, "ward": [w]}).replace(",", "")) for w in possible]
    assert counts == sorted(counts, reverse=True) and len(set(counts)) > 1, counts
    shown = wards.locator(".filter-count").all_inner_texts()
    assert [int(text.replace(",", "")) for text in shown] == counts   # no ward selected: the possible ones' counts


def test_qliks_selection_rules(demo_warehouse, live_app, page):
    """docs/selection-rules.md's table in one session on the repairs page, each row against plain SQL: a possible
    value, another value of a field selected in (alternative), an excluded value that one field excludes, Back
    undoing it (and Forward redoing it), an excluded value only the selections together exclude, a chip's x; and
    on the budget page, which opens on defaults, Clear all going back to them."""
    expect.set_options(timeout=TIMEOUT)
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    jobs = Jobs(con)
    years, ward = ["2025-26", "2026-27"], "Highgate"
    line = page.locator("#selection-cleared")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/repairs?financial_year=2026-27")
        _check(page, jobs, {"financial_year": ["2026-27"]})
        expect(line).to_have_attribute("role", "status")   # announced politely when it changes
        months = page.locator("#repairs-filter-month .filter-value")
        assert months.first.get_attribute("data-value") > months.nth(1).get_attribute("data-value")  # newest first

        # a possible value: added to the selection
        pick = page.locator(f"#repairs-filter-ward [data-value='{ward}']")
        expect(pick).to_have_attribute("data-state", "possible")
        pick.click()
        _check(page, jobs, {"financial_year": ["2026-27"], "ward": [ward]})

        # alternative: another value of the field selected in is possible, and adds to it
        other_year = page.locator("#repairs-filter-financial_year [data-value='2025-26']")
        expect(other_year).to_have_attribute("data-state", "possible")
        other_year.click()
        selected = {"financial_year": years, "ward": [ward]}
        _check(page, jobs, selected)
        expect(page.locator("#selection-bar .chip[data-dimension='financial_year']")).to_contain_text(
            "2025-26, 2026-27")

        # an excluded value the years alone exclude: selected, the years cleared, the ward kept, the line says so
        april = page.locator("#repairs-filter-month [data-value='2021-04']")
        expect(april).to_have_attribute("data-state", "excluded")
        assert jobs.clears("month", "2021-04", selected) == ["financial_year"]
        expect(april).to_have_attribute("data-pick-clears", "financial_year")
        april.click()
        cleared = "Selecting Apr 2021 cleared Financial year 2025-26, 2026-27"
        _check(page, jobs, {"month": ["2021-04"], "ward": [ward]}, cleared)
        expect(page).to_have_url(re.compile(r"/repairs\?month=2021-04&ward=Highgate$"))

        # Back undoes the click, line and all; Forward brings both back
        page.go_back()
        _check(page, jobs, selected)
        page.go_forward()
        _check(page, jobs, {"month": ["2021-04"], "ward": [ward]}, cleared)
        page.go_back()
        _check(page, jobs, selected)

        # an excluded value neither selection excludes alone, only both together: both are cleared
        lifts = page.locator("#repairs-filter-trade [data-value='Lifts']")
        expect(lifts).to_have_attribute("data-state", "excluded")
        for field in selected:   # each alone leaves Lifts some job: not the simple case
            assert jobs.count({"trade": ["Lifts"], field: selected[field]}) != "0"
        assert jobs.clears("trade", "Lifts", selected) == ["financial_year", "ward"]
        expect(lifts).to_have_attribute("data-pick-clears", "financial_year,ward")
        lifts.click()
        _check(page, jobs, {"trade": ["Lifts"]},
               "Selecting Lifts cleared Financial year 2025-26, 2026-27 and Ward Highgate")

        # a possible click clears nothing and takes the line away; a chip's x removes its field
        emergency = page.locator("#repairs-filter-priority [data-value='EMERGENCY']")
        expect(emergency).to_have_attribute("data-state", "possible")
        emergency.click()
        _check(page, jobs, {"trade": ["Lifts"], "priority": ["EMERGENCY"]})
        page.locator("#selection-bar .chip[data-dimension='trade'] .chip-remove").click()
        _check(page, jobs, {"priority": ["EMERGENCY"]})

        # a list by count: its states first, then the largest counts (each recomputed), with no request; the
        # order is kept in the URL through selections, and Back returns to the list by name
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "_dash-update-component" in r.url else None)
        by_count = page.locator("#repairs-filter-ward button[data-order-key]")
        expect(by_count).to_have_attribute("aria-pressed", "false")
        by_name = _ward_order(page)
        by_count.click()
        expect(by_count).to_have_attribute("aria-pressed", "true")
        expect(page).to_have_url(re.compile(r"order-ward=count"))
        _expect_by_count(page, jobs, {"priority": ["EMERGENCY"]})
        assert requests == []
        page.locator("#repairs-filter-trade [data-value='Gas']").click()
        expect(page).to_have_url(re.compile(r"\?priority=EMERGENCY&trade=Gas&order-ward=count$"))
        _expect_by_count(page, jobs, {"priority": ["EMERGENCY"], "trade": ["Gas"]})
        page.go_back()
        page.go_back()
        expect(by_count).to_have_attribute("aria-pressed", "false")
        assert _ward_order(page) == by_name

        # Clear all on a page that opens on defaults (the latest year at its latest month): back to them
        year, month_key, budget = con.execute(
            "select financial_year, month_key, sum(annual_budget_pounds) from fact_budget_monthly "
            "group by all order by month_key desc limit 1").fetchall()[0]
        page.goto(url + "/budget")
        chips, annual = page.locator("#selection-bar .chip"), page.locator("#budget-kpi-budget_annual-value")
        expect(chips).to_have_count(2)
        expect(annual).to_have_text(fmt(float(budget), "pounds"))
        page.locator(".chip[data-dimension='month'] .chip-remove").click()
        page.locator(".chip[data-dimension='financial_year'] .chip-remove").click()
        expect(page.locator("#selection-bar")).to_contain_text("No selections")
        expect(annual).not_to_have_text(fmt(float(budget), "pounds"))
        page.locator("#selection-clear").click()
        expect(page.locator(".chip[data-dimension='financial_year']")).to_contain_text(f"{year} (default)")
        expect(page.locator(".chip[data-dimension='month']")).to_contain_text("(default)")
        expect(page).to_have_url(re.compile(rf"/budget\?financial_year={year}&month={str(month_key)[:4]}-"
                                            rf"{str(month_key)[4:6]}$"))
        expect(annual).to_have_text(fmt(float(budget), "pounds"))
        expect(line).to_have_text("")
    con.close()
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
        page.evaluate("window.scrollTo(0, 0)")   # the chips and the period lists' named entries
        page.screenshot(path=str(artifacts / "named-selections.png"))  # docs/screenshots/ holds a copy

        covered.click()   # selected by the name: the click unselects the name
        expect(page.locator("#selection-bar .chip[data-dimension='month']")).to_have_count(0)
        expect(page.locator(RAISED)).to_have_text(_count(demo_warehouse, kentish))
    assert page.errors == []

"""One figure per KPI in Chromium (issue 21): emergency repairs within target (REP01, the measure
rp02_emergency_within_target_pct) for Oct 2026 reads the same on the Repairs dashboard's tile, the Housing repairs
service page and Home, with the same status, and is the figure plain SQL over the job records gives."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
TIMEOUT = 45_000
MONTH = "2026-10"


def _expected(warehouse) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        value = con.execute("""
            select avg(case when completed_within_target then 100.0 else 0 end)
            from fact_repairs_job f join dim_date d on d.date_key = f.completed_date_key
            where f.rp02_group = 'emergency' and f.completed_within_target is not null
              and strftime(d.month_start, '%Y-%m') = $m""", {"m": MONTH}).fetchone()[0]
    return f"{value:.1f}%"


def test_rep01_reads_the_same_on_the_dashboard_the_service_page_and_home(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    expected = _expected(demo_warehouse)
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(f"{url}/repairs?month={MONTH}")
        tile = page.locator("#repairs-kpi-rp02_emergency_within_target_pct")
        expect(tile.locator(".kpi-value")).to_have_text(expected)
        status = tile.locator(".rag").first.inner_text()

        page.goto(f"{url}/services/housing-repairs?month={MONTH}")
        expect(page.locator("#service-kpi-rep01-value")).to_have_text(expected)
        expect(page.locator("#service-kpi-rep01 .rag")).to_have_text(status)
        expect(page.locator("#service-kpi-rep01-source")).to_have_text("Computed from the service's records")
        expect(page.locator("#service-kpi-rep01")).to_contain_text("Target 98.0%")
        expect(page.locator("#service-wards-rows tbody tr").first).to_be_visible()
        page.screenshot(path=str(artifacts / "service-computed.png"), full_page=True)

        page.goto(f"{url}/?month={MONTH}")
        cell = page.locator("#home-service-hsg-rep-value")
        expect(cell).to_have_text(expected)
        expect(cell).to_have_attribute("data-source", "computed")
        expect(page.locator("#home-service-hsg-rep-status")).to_have_text(status)
        page.locator("#home-service-hsg-rep").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "home-computed.png"))
    assert page.errors == []

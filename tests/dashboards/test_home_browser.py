"""The home page in headless Chromium over the demo warehouse: what a user sees, and no errors in the console."""

from __future__ import annotations

import re

import duckdb
import pytest
from playwright.sync_api import expect

from data_models.service_catalogue import load_catalogue

pytestmark = pytest.mark.browser
TIMEOUT = 45_000  # the catalogue is filled by a callback after the page loads (slow on a loaded machine)


def _expected(warehouse) -> tuple[list[tuple[str, int]], int, dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        directorates = con.execute(
            "select directorate_name, count(*) from dim_service where service_key <> -1 "
            "group by directorate_name order by directorate_name").fetchall()
        services = con.execute("select count(*) from dim_service where service_key <> -1").fetchall()[0][0]
        run = con.execute("select rows_read, rows_loaded, rows_rejected, rows_blank, files from etl_runs "
                          "order by finished desc limit 1").fetchall()[0]
    return directorates, services, dict(zip(("rows-read", "rows-loaded", "rows-rejected", "rows-blank", "files"),
                                            run, strict=True))


def _headline(warehouse) -> float:
    """Housing repairs' first KPI (REP01, computed from the job records: RP02 emergency within target) for the
    borough in the latest month the returns have reached."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""
            select avg(case when completed_within_target then 100.0 else 0 end)
            from fact_repairs_job f join dim_date d on d.date_key = f.completed_date_key
            where f.rp02_group = 'emergency' and f.completed_within_target is not null
              and d.month_start = (select max(m.month_start) from fact_service_kpi_monthly r
                                   join dim_date m on m.date_key = r.month_key)""").fetchall()[0][0]


def test_home_page(demo_warehouse, live_app, page, artifacts):
    expect.set_options(timeout=TIMEOUT)
    directorates, services, run = _expected(demo_warehouse)
    headline = _headline(demo_warehouse)
    target = load_catalogue().service("HSG-REP").kpis[0].target  # a percent, higher is better: amber within 5 points
    status = "On target" if headline >= target else ("Near target" if headline >= target - 5 else "Off target")
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/")
        expect(page.locator("#home-title")).to_be_visible()
        expect(page).to_have_title("Borough Insight")
        assert page.locator("html[lang=en]").count() == 1
        for name, count in directorates:
            expect(page.get_by_role("heading", name=name, exact=True, level=3)).to_be_visible()
            expect(page.get_by_role("region", name=name, exact=True).locator("tbody tr")).to_have_count(count)
        expect(page.locator("#home-services-count")).to_contain_text(f"{services:,} services")
        for key, value in run.items():
            expect(page.locator(f"#home-{key}")).to_have_text(f"{value:,}")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
        # each service's headline KPI (its first) in the latest month, the status in words
        expect(page.locator("#home-headline-month")).to_have_attribute("data-month", "2026-10")
        expect(page.locator("#home-service-hsg-rep-value")).to_have_text(f"{headline:.1f}%")
        expect(page.locator("#home-service-hsg-rep-status")).to_have_text(status)
        page.screenshot(path=str(artifacts / "home.png"), full_page=True)

        # a service's name goes to its page
        page.get_by_role("link", name="Housing repairs", exact=True).click()
        expect(page).to_have_url(re.compile(r"/services/housing-repairs$"))
        expect(page.locator("#service-title")).to_have_text("Housing repairs")
        expect(page.locator("#service-kpi-rep01-value")).to_have_text(f"{headline:.1f}%")
    assert page.errors == []


def test_home_marks_selections_it_cannot_use(demo_warehouse, live_app, page):
    expect.set_options(timeout=TIMEOUT)
    with live_app({"warehouse": demo_warehouse}) as url:
        page.goto(url + "/?trade=Gas&financial_year=2024-25")
        expect(page.locator("#selection-bar .chip[data-dimension='trade']")).to_contain_text("not applicable here")
        expect(page.locator("#selection-bar .chip[data-dimension='financial_year']")).to_have_attribute(
            "data-applicable", "true")
        expect(page.locator("#home-headline-month")).to_have_attribute("data-month", "2025-03")
    assert page.errors == []


def test_home_without_warehouse(tmp_path, live_app, page):
    with live_app({"warehouse": tmp_path / "missing.duckdb"}) as url:
        page.goto(url + "/")
        expect(page.locator("#home-unavailable")).to_contain_text("No warehouse yet")
        expect(page).to_have_title("Borough Insight")
    assert page.errors == []

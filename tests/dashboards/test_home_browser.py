"""The home page in headless Chromium over the demo warehouse: what a user sees, and no errors in the console."""

from __future__ import annotations

import duckdb
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


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


def test_home_page(demo_warehouse, live_app, page, artifacts):
    directorates, services, run = _expected(demo_warehouse)
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
        page.screenshot(path=str(artifacts / "home.png"), full_page=True)
    assert page.errors == []


def test_home_without_warehouse(tmp_path, live_app, page):
    with live_app({"warehouse": tmp_path / "missing.duckdb"}) as url:
        page.goto(url + "/")
        expect(page.locator("#home-unavailable")).to_contain_text("No warehouse yet")
        expect(page).to_have_title("Borough Insight")
    assert page.errors == []

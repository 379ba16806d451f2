"""The Data quality page in headless Chromium over the demo warehouse: it loads without console errors, the
searches narrow the tables server-side, the files table sorts, and a screenshot is kept for review."""

from __future__ import annotations

import re

import duckdb
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _expected(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        run_id, files = con.execute("select run_id, files from etl_runs where status = 'succeeded' "
                                    "order by finished desc limit 1").fetchall()[0]
        rejects = con.execute("select count(*) from etl_rejects where run_id = $r", {"r": run_id}).fetchall()[0][0]
        spend = con.execute("select count(*) from etl_rejects where run_id = $r and "
                            "(source_file ilike '%spend/%' or reason ilike '%spend/%')", {"r": run_id}).fetchall()[0][0]
        runs = con.execute("select count(*) from etl_runs").fetchall()[0][0]
        most = con.execute("select max(rows_read) from etl_files where run_id = $r", {"r": run_id}).fetchall()[0][0]
    return {"files": files, "rejects": rejects, "spend": spend, "runs": runs, "most_read": most}


def test_data_quality_page(demo_warehouse, live_app, page, artifacts):
    expected = _expected(demo_warehouse)
    assert 0 < expected["spend"] < expected["rejects"], "the demo should have spend rejects and others"
    with live_app({"warehouse": demo_warehouse}) as url:
        from dashboards.pages.data_quality import PAGE_SIZE  # loaded by the app (a page registers only inside an app)

        page.goto(url + "/data-quality")
        expect(page.get_by_role("heading", name="Data quality", level=1)).to_be_visible()
        expect(page).to_have_title("Data quality · Borough Insight")
        expect(page.locator("#data-quality-runs-table tbody tr")).to_have_count(expected["runs"])
        expect(page.locator("#data-quality-files-range")).to_have_text(f"Rows 1–{PAGE_SIZE} of {expected['files']:,}")
        expect(page.locator("#data-quality-files-body tr")).to_have_count(min(PAGE_SIZE, expected["files"]))

        rejects = page.locator("#data-quality-rejects-table tbody tr")
        expect(rejects).to_have_count(min(PAGE_SIZE, expected["rejects"]))
        search = page.get_by_label("Search rejected records by file or reason")
        search.fill("spend/")
        expect(rejects).to_have_count(expected["spend"])
        for cell in rejects.locator("td:first-child").all_inner_texts():
            assert cell.startswith("spend/")
        search.fill("x' or '1'='1")
        expect(page.locator("#data-quality-rejects-empty")).to_have_text("No rejected record matches “x' or '1'='1”.")
        search.fill("spend/")
        expect(rejects).to_have_count(expected["spend"])

        page.get_by_role("button", name="Read", exact=True).click()
        page.get_by_role("button", name=re.compile(r"^Read\s*\(sorted ascending\)$")).click()
        expect(page.locator("#data-quality-files-body tr").first.locator("td").nth(4)).to_have_text(
            f"{expected['most_read']:,}")
        expect(page.locator("th[aria-sort=descending]")).to_have_count(1)

        page.get_by_label("Filter files (file, layout, target or message)").fill("spend")
        expect(page.locator("#data-quality-files-range")).to_contain_text("Rows 1–")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download these rejected records (CSV)").click()
        assert download.value.suggested_filename.startswith("rejects-")
        page.screenshot(path=str(artifacts / "data-quality.png"), full_page=True)
    assert page.errors == []


def test_data_quality_without_warehouse(tmp_path, live_app, page):
    with live_app({"warehouse": tmp_path / "missing.duckdb"}) as url:
        page.goto(url + "/data-quality")
        expect(page.locator("#data-quality-unavailable")).to_contain_text("No warehouse yet")
    assert page.errors == []

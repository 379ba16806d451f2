"""WCAG 2.2 AA: axe-core finds no serious or critical violation on any page, each page is in English and starts
with a skip link. axe-core comes inside the pinned axe-playwright-python wheel (axe.min.js): nothing is fetched.

Every page in dash.page_registry is checked, so a page added to dashboards/ is covered without touching this file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from axe_checks import FAILING_IMPACTS, axe_violations, describe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 45_000  # a wait, not a timing: a busy 2-core CI machine draws the long pages slowly
# A desktop window, and 320 CSS px wide: what WCAG 1.4.10 (reflow) asks a page to work at, where wide tables scroll.
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "narrow": {"width": 320, "height": 800}}


def _page_paths() -> list[str]:
    """The registry's pages, read at collection: building an app registers them (it opens no warehouse)."""
    import dash

    from app import create_app

    create_app({"warehouse": Path(tempfile.gettempdir()) / "unused-at-collection.duckdb"})
    pages = sorted(dash.page_registry.values(), key=lambda page: (page.get("order") is None, page.get("order") or 0))
    # a page of many paths (/services/<slug>) names one of them when it registers: example_path=...
    return [page.get("example_path") or page["relative_path"] if page.get("path_template") else page["relative_path"]
            for page in pages]


PAGE_PATHS = _page_paths()


@pytest.fixture(scope="module")
def app_url(demo_warehouse, live_app):
    with live_app({"warehouse": demo_warehouse}) as url:
        yield url


def _load(page, url: str) -> None:
    """Open `url` and wait until Dash has rendered the page: no loading markers left, the page's content in main."""
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(
        """() => !document.querySelector('._dash-loading, [data-dash-is-loading="true"]')
                 && document.querySelector('main #_pages_content > *')
                 && document.querySelector('main h1')""",
        timeout=RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")


def test_every_page_is_checked():
    import dash

    assert "/" in PAGE_PATHS, PAGE_PATHS
    templates = [page for page in dash.page_registry.values() if page.get("path_template")]
    assert all(page.get("example_path") for page in templates), "a path-template page needs example_path="


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", PAGE_PATHS)
def test_no_serious_or_critical_axe_violation(path, viewport, app_url, page):
    page.set_viewport_size(VIEWPORTS[viewport])
    _load(page, app_url + path)
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    others = [describe(v) for v in violations if v["impact"] not in FAILING_IMPACTS]
    if others:
        print(f"{path} ({viewport}): minor or moderate axe findings (not failing):\n  " + "\n  ".join(others))
    if failing:
        pytest.fail(f"{path} ({viewport}): {len(failing)} serious or critical axe violation(s):\n  "
                    + "\n  ".join(describe(v) for v in failing), pytrace=False)


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_language_and_skip_link(path, app_url, page):
    _load(page, app_url + path)
    assert page.locator("html[lang=en]").count() == 1, "the page's language is not declared as en"

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to main content")
    expect(skip).to_be_visible()  # hidden until focused, shown on focus
    target = skip.get_attribute("href")
    assert target and target.startswith("#"), f"the skip link goes to {target!r}, not a place on the page"
    expect(page.locator(f"main{target}")).to_have_count(1)

    page.keyboard.press("Enter")
    expect(page.locator(f"main{target}")).to_be_focused()

"""The published pages in Chromium: open to the public without signing in when the council enables it (and not
when it does not), linking all 20 ward pages and the open-data files, no serious or critical axe-core violation at
desktop width and at 320 px, the keyboard's skip link, and printing to PDF with the print stylesheet."""

from __future__ import annotations

import io

import pytest
from axe_checks import axe_violations, failing
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = ["/published/", "/published/wards/holborn-and-covent-garden", "/published/open-data",
         "/published/accessibility", "/published/2026-10/"]   # the last withdrawn: its 410 page
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "narrow": {"width": 320, "height": 800}}


@pytest.fixture(scope="module")
def public_url(published, live_app):
    with live_app({"warehouse": published, "public_views": True}) as url:
        yield url


@pytest.fixture
def visitor(browser):
    """A page with no session (never signed in); visitor.errors collects console errors."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_the_public_reads_the_summary_and_every_ward_without_signing_in(public_url, visitor):
    visitor.goto(public_url + "/published/")
    expect(visitor.locator("h1")).to_have_text("Camden in October 2026")
    links = visitor.locator("#published-ward-list a")
    expect(links).to_have_count(20)
    hrefs = [links.nth(n).get_attribute("href") for n in range(20)]
    for href in hrefs:
        assert visitor.request.get(public_url + href).status == 200, href
    links.filter(has_text="Kilburn").click()
    expect(visitor.locator("h1")).to_have_text("Kilburn in October 2026")
    expect(visitor.locator("#published-repairs-by-ward")).to_contain_text("Borough average")
    visitor.locator("svg.ward-map a[aria-label^='Belsize']").click()   # the map's wards are links too
    expect(visitor.locator("h1")).to_have_text("Belsize in October 2026")
    assert visitor.errors == []


def test_the_open_data_files_are_linked_and_served(public_url, visitor):
    visitor.goto(public_url + "/published/open-data")
    files = visitor.locator("#published-current-files a")
    assert files.count() >= 8
    for n in range(files.count()):
        href = files.nth(n).get_attribute("href")
        answer = visitor.request.get(public_url + href)
        assert answer.status == 200 and answer.headers["content-type"].startswith(("text/csv", "application/json"))
    assert visitor.request.get(public_url + "/published/api").json()["current"] == "2026-10-v2"


def test_not_public_the_published_pages_ask_to_sign_in(published, live_app, browser):
    with live_app({"warehouse": published, "public_views": False}) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/published/")
        assert page.url.startswith(url + "/login")
        expect(page.locator("h1")).to_have_text("Sign in")
        context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_axe_violation(path, viewport, public_url, visitor):
    visitor.set_viewport_size(VIEWPORTS[viewport])
    visitor.goto(public_url + path)
    problems = failing(axe_violations(visitor))
    assert not problems, f"{path} ({viewport}):\n  " + "\n  ".join(problems)


def test_the_keyboard_reaches_the_skip_link_then_the_main_content(public_url, visitor):
    visitor.goto(public_url + "/published/wards/belsize")
    visitor.keyboard.press("Tab")
    expect(visitor.locator(":focus")).to_have_text("Skip to main content")
    visitor.keyboard.press("Enter")
    expect(visitor.locator("main#main-content")).to_be_focused()
    visitor.keyboard.press("Tab")
    assert visitor.evaluate("document.activeElement.tagName") == "A"   # the next stop is a link in the page


def test_a_page_prints_to_pdf_with_the_print_stylesheet(public_url, visitor):
    from pypdf import PdfReader

    visitor.goto(public_url + "/published/")
    visitor.emulate_media(media="print")
    expect(visitor.locator(".site-nav")).to_be_hidden()
    pdf = PdfReader(io.BytesIO(visitor.pdf(format="A4")))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Camden in October 2026" in text and "Headlines" in text and "Housing repairs by ward" in text
    assert "Skip to main content" not in text and "Download as PDF" not in text
    assert 1 < len(pdf.pages) < 12


@pytest.fixture(scope="module")
def months_url(demo_warehouse, tmp_path_factory, live_app):
    """Three months published (public) beside a copy of the demo warehouse, served: a ward page with its trend."""
    import shutil

    from reports.publishing import publish

    warehouse = tmp_path_factory.mktemp("trend-browser") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)
    for month in ("2026-08", "2026-09", "2026-10"):
        publish(warehouse, published_by="data-team", month=month, public=True)
    with live_app({"warehouse": warehouse, "public_views": True}) as url:
        yield url


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_ward_pages_trend_fits_the_screen_reads_to_axe_and_prints(months_url, visitor, viewport):
    from pypdf import PdfReader

    visitor.set_viewport_size(VIEWPORTS[viewport])
    visitor.goto(months_url + "/published/wards/kilburn")
    trend = visitor.locator("#published-trend-parking-by-ward")
    expect(trend.locator("thead th")).to_have_text(["Measure", "Trend", "Aug 2026", "Sep 2026", "Oct 2026"])
    lines = visitor.locator("table.trend svg.sparkline circle")
    assert lines.count() > 10 and lines.first.bounding_box()["width"] > 0   # the dots are drawn
    # the page never scrolls sideways: a wide table scrolls inside its own region
    assert visitor.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    problems = failing(axe_violations(visitor))
    assert not problems, "\n  ".join(problems)
    visitor.emulate_media(media="print")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(visitor.pdf(format="A4"))).pages)
    assert "Kilburn month by month" in text and "Sep 2026" in text

"""Access control as a person meets it, in Chromium: signing in and out, a manager's navigation and catalogue holding
only their services, a page outside their access saying so, the sign-in page's accessibility, and a chart's CSV
saved in the browser reaching the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from access.login import app_db
from app import create_app

pytestmark = pytest.mark.browser
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def app(demo_warehouse, tmp_path_factory):
    import shutil

    warehouse = tmp_path_factory.mktemp("access") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)   # its own audit log beside it
    return create_app({"warehouse": warehouse})


@pytest.fixture(scope="module")
def url(app, live_app):
    with live_app(app) as base:
        yield base


def test_signing_in_and_out(page, url):
    page.sign_in_as = None   # this test signs in itself
    page.goto(url + "/repairs?ward=Belsize&trade=Gas")
    expect(page).to_have_url(url + "/login?next=%2Frepairs%3Fward%3DBelsize%26trade%3DGas")
    page.fill("#login-username", "repairs-manager")
    page.fill("#login-password", "wrong")
    page.click("#login-submit")
    expect(page.locator("#login-message")).to_have_text("The username or password is not right.")
    expect(page.locator("#login-username")).to_have_value("repairs-manager")
    assert page.errors == ["Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"]
    page.errors.clear()   # the refused form is answered 401, which Chromium notes; nothing else may be
    page.fill("#login-password", "demo")
    page.click("#login-submit")
    expect(page.locator("#repairs-title")).to_have_text("Housing repairs", timeout=TIMEOUT)
    assert page.url == url + "/repairs?ward=Belsize&trade=Gas"
    expect(page.locator("#signed-in-as")).to_have_text("Head of housing repairs (demo)")
    assert page.errors == []
    page.click("#sign-out")
    expect(page).to_have_url(url + "/login")
    page.goto(url + "/repairs")
    expect(page).to_have_url(url + "/login?next=%2Frepairs")   # (a request in flight at sign-out may get a 401)


def test_a_manager_sees_only_their_services(page, url):
    page.sign_in_as = "parking-manager"
    page.goto(url + "/")
    nav = page.locator(".site-nav .nav-link")
    expect(nav).to_have_text(["Home", "Parking", "Budget and spend", "Published figures"], timeout=TIMEOUT)
    services = page.locator("#home-catalogue th[scope=row] a")
    expect(services).to_have_count(1, timeout=TIMEOUT)
    expect(services).to_have_text("Parking services")
    expect(page.locator("#home-rejected-files")).to_have_count(0)   # the data team's
    page.goto(url + "/adult-social-care")
    expect(page.locator("#care-no-access")).to_contain_text("outside your access", timeout=TIMEOUT)
    expect(page.locator(".kpi-tile")).to_have_count(0)
    page.goto(url + "/services/adult-social-care-access")
    expect(page.locator("#service-no-access")).to_be_visible(timeout=TIMEOUT)
    assert page.errors == []


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 320, "height": 800}])
def test_the_sign_in_page_passes_the_accessibility_checks(page, url, viewport):
    from axe_playwright_python.sync_playwright import Axe

    page.sign_in_as = None
    page.set_viewport_size(viewport)
    page.goto(url + "/login")
    page.fill("#login-username", "x")
    page.click("#login-submit")   # with its message shown too
    expect(page.locator("#login-message")).to_be_visible()
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a",
                                                     "wcag22aa"]}, "resultTypes": ["violations"]}
    violations = Axe().run(page, options=options).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    assert page.locator("html[lang=en]").count() == 1 and page.locator("h1").inner_text() == "Sign in"


def test_a_chart_csv_saved_in_the_browser_is_in_the_audit_log(page, url, app):
    page.goto(url + "/repairs?trade=Gas")
    link = page.locator("#repairs-by-priority-csv a.csv-link")
    expect(link).to_be_visible(timeout=TIMEOUT)
    with page.expect_request_finished(lambda request: request.url.endswith("/audit/downloaded")), \
            page.expect_download() as download:
        link.click()
    filename = download.value.suggested_filename
    with app.server.app_context():
        found = app_db().events(event="download", username="admin")[0]
    assert [(e.path, e.selections, e.detail) for e in found] == [("/repairs", "?trade=Gas", filename)]

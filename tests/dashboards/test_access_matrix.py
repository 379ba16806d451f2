"""Every role x every page x every server callback x every download, by replay: the admin's browser opens each page
(and asks each data-quality download), every callback request it sends is recorded, and each is sent again with
each demo user's session. A user gets data only for a page the security model gives them; for any other the answer
holds none of the admin's figures (an empty 204, or the page's "not in your access" notice). Without a session
every request is 401.

The pages each role may open are written out here from the brief (docs/security.md), not read from the app."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import duckdb
import pytest
from playwright.sync_api import expect
from signing_in import signed_in_client

from app import create_app

pytestmark = pytest.mark.browser

PAGES = ["/", "/repairs", "/adult-social-care", "/parking", "/budget", "/data-quality", "/audit-log", "/publishing",
         "/services/housing-repairs", "/services/adult-social-care-access", "/services/parking"]
ALLOWED = {
    "admin": set(PAGES),
    "finance": {"/", "/budget"},
    "councillor": {"/"},
    "repairs-manager": {"/", "/repairs", "/budget", "/services/housing-repairs"},
    "care-manager": {"/", "/adult-social-care", "/budget", "/services/adult-social-care-access"},
    "parking-manager": {"/", "/parking", "/budget", "/services/parking"},
}
DOWNLOADS = ["files", "rejects", "categories", "runs", "freshness"]
PAGE_ROUTER = "_pages_content"
SAVE_VIEW = "bookmark-status.children"
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d{4,}")   # 1,234 or 12345: a figure, not a day of the month


@pytest.fixture(scope="module")
def app(demo_warehouse, tmp_path_factory):
    """Over a copy of the demo warehouse: the admin's publishing, and its replays, write beside it."""
    import shutil

    warehouse = tmp_path_factory.mktemp("access-matrix") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)
    return create_app({"warehouse": warehouse})


@pytest.fixture(scope="module")
def recorded(app, live_app, browser):
    """{page: [callback request bodies the admin's browser sent there]}."""
    from signing_in import sign_in_browser

    bodies: dict[str, list[dict]] = defaultdict(list)
    with live_app(app) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 2400})
        page = context.new_page()
        sign_in_browser(page, url, "admin")
        current = {"path": None}
        page.on("request", lambda r: bodies[current["path"]].append(json.loads(r.post_data))
                if "_dash-update-component" in r.url and r.post_data else None)
        for path in PAGES:
            current["path"] = path
            page.goto(url + path, wait_until="networkidle")
            page.wait_for_function("() => document.querySelector('main h1')")
            if path == "/data-quality":   # its tables answer a search; its downloads a button
                for table in ("files", "rejects"):
                    page.fill(f"#data-quality-{table}-search", "a")
                    page.wait_for_load_state("networkidle")
                for name in DOWNLOADS:
                    with page.expect_download():
                        page.click(f"#data-quality-{name}-download-button")
            if path == "/publishing":   # a month chosen, published, made public (confirmed), then withdrawn
                page.locator("#publishing-month").select_option(index=2)   # 0: dbc.Select's placeholder; 1: the default
                page.click("#publishing-publish-button")
                expect(page.locator("#publishing-publish-status")).to_contain_text("Published", timeout=60_000)
                page.once("dialog", lambda dialog: dialog.accept())
                page.get_by_role("button", name=re.compile("^Make public")).first.click()
                expect(page.locator("#publishing-make-public-status")).to_contain_text("Made", timeout=30_000)
                page.fill("#publishing-reason", "replayed by the access matrix")
                page.click("#publishing-withdraw-button")
                expect(page.locator("#publishing-withdraw-status")).to_contain_text("Withdrew", timeout=30_000)
            if path == "/repairs":   # the selection bar's search across the page's fields answers a text
                page.fill("#value-search-input", "kentish")
                expect(page.locator("#value-search-results .value-search-group").first).to_be_visible(timeout=30_000)
            if path == "/repairs":   # a view saved as a bookmark (Home's list of them is asked on "/")
                page.get_by_text("Save view", exact=True).click()
                page.fill("#bookmark-name", "Replayed by the access matrix")
                page.click("#bookmark-save")
                expect(page.locator("#bookmark-status")).to_contain_text("Saved", timeout=30_000)
            if path == "/audit-log":
                with page.expect_download():
                    page.click("#audit-log-download-button")
            page.wait_for_load_state("networkidle")
        context.close()
    return dict(bodies)


def outputs(body: dict) -> str:
    return body["output"]


def figures(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def answered_nothing(response) -> bool:
    """Dash's empty answers: 204 (PreventUpdate), or no output in the response (every item of an ALL output left
    as it was)."""
    return response.status_code == 204 or (response.status_code == 200 and response.get_json()["response"] == {})


def replay(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body), headers={"Content-Type": "application/json"})


def test_every_server_callback_was_recorded(app, recorded):
    dependencies = json.loads(signed_in_client(app).get("/_dash-dependencies").data)
    server_side = {d["output"] for d in dependencies if not d.get("clientside_function")}
    seen = {outputs(body) for bodies in recorded.values() for body in bodies}
    assert server_side <= seen, f"callbacks never asked by the admin's browser: {server_side - seen}"


def test_without_a_session_every_recorded_request_is_401(app, recorded):
    client = app.server.test_client()
    for bodies in recorded.values():
        for body in bodies:
            response = replay(client, body)
            assert response.status_code == 401 and not figures(response.get_data(as_text=True))


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_each_role_gets_data_only_where_it_may(app, recorded, username):
    admin, user = signed_in_client(app, "admin"), signed_in_client(app, username)
    for path, bodies in recorded.items():
        for body in bodies:
            theirs = replay(user, body)
            assert theirs.status_code in (200, 204), (username, path, outputs(body), theirs.status_code)
            text = theirs.get_data(as_text=True)
            if path in ALLOWED[username]:
                continue   # what they see there is checked against plain SQL by the page's own tests
            if PAGE_ROUTER in outputs(body):
                assert "Not in your access" in text, (username, path)
            elif SAVE_VIEW in outputs(body):   # saving the page as a bookmark: refused in a sentence, saving nothing
                assert "outside your access, so it cannot be bookmarked" in text, (username, path)
            else:
                assert answered_nothing(theirs), (username, path, outputs(body), text[:300])
            admins = figures(replay(admin, body).get_data(as_text=True))
            assert not figures(text) & admins, (username, path, outputs(body), sorted(figures(text) & admins)[:5])


def test_the_admin_gets_every_page_s_data(app, recorded):
    admin = signed_in_client(app, "admin")
    for path in PAGES:
        answers = [replay(admin, body) for body in recorded[path]]
        assert all(a.status_code in (200, 204) for a in answers), path
        assert any(figures(a.get_data(as_text=True)) for a in answers), f"no figure came back for {path}"


def test_a_parking_manager_replaying_the_care_page_gets_no_care_figure(app, recorded):
    """The brief's replay: the admin's requests on adult social care sent with a parking manager's session."""
    admin, parking = signed_in_client(app, "admin"), signed_in_client(app, "parking-manager")
    care_figures, returned = set(), ""
    for body in recorded["/adult-social-care"]:
        care_figures |= figures(replay(admin, body).get_data(as_text=True))
        returned += replay(parking, body).get_data(as_text=True)
    assert len(care_figures) > 20
    assert not figures(returned) & care_figures
    assert "Not in your access" in returned


@pytest.mark.parametrize("username", sorted(set(ALLOWED) - {"admin"}))
def test_home_says_no_figure_of_the_load_but_to_the_data_team(app, recorded, username):
    """The admin's Home requests (the page and its catalogue) sent with another role's session: Home is open to
    them, but the latest load's figures (the data team's load records) are in none of the answers."""
    from dashboards.warehouse import EXTENSION

    with duckdb.connect(str(app.server.extensions[EXTENSION].path), read_only=True) as con:
        run = con.execute("select files, rows_read, rows_loaded, rows_rejected, rows_blank from etl_runs "
                          "order by finished desc limit 1").fetchone()
    load = figures(" ".join(f"{value:,}" for value in run if value is not None))
    admin, user = signed_in_client(app, "admin"), signed_in_client(app, username)
    assert load and load <= set().union(*(figures(replay(admin, b).get_data(as_text=True)) for b in recorded["/"]))
    said = " ".join(replay(user, body).get_data(as_text=True) for body in recorded["/"])
    assert not figures(said) & load and "Rows read" not in said


@pytest.mark.parametrize("username", sorted(ALLOWED))
def test_a_draft_s_addresses_answer_only_those_who_may_publish(app, username):
    """A draft's pages, PDF and files (dashboards.published.pages): the data team's, as /publishing is; anyone else
    gets 404, as for a snapshot that does not exist (a draft is never confirmed); without a session, sign in."""
    from dashboards.warehouse import EXTENSION
    from reports.published_store import PublishedStore
    from reports.publishing import publish

    store = PublishedStore.beside(app.server.extensions[EXTENSION].path)
    draft = next((s for s in store.snapshots() if not s.released and not s.withdrawn), None) or publish(
        app.server.extensions[EXTENSION].path, published_by="data-team", month="2026-09")
    base = f"/published/drafts/{draft.id}/"
    addresses = [base, f"{base}wards/belsize", f"{base}data/{draft.tables[-1].name}.csv"]
    may = "/publishing" in ALLOWED[username]
    user, nobody = signed_in_client(app, username), app.server.test_client()
    for address in addresses:
        assert user.get(address).status_code == (200 if may else 404), (username, address)
        assert "/login" in nobody.get(address).headers["Location"]

"""The Publishing page over a copy of the small demo warehouse (the published store goes beside the copy): the data
team publishes a month as a draft, previews it (a councillor and the public get 404 there), makes it public after
confirming, and withdraws a snapshot in Chromium; its callbacks, called as Dash calls them, write the
store and the same audit rows as the command line; a second publish while one runs is refused; a month that cannot
be published is its one-line message; every other user gets no page, and their POSTs to its callbacks write nothing.
"""

from __future__ import annotations

import json
import re

import dash
import pytest
from axe_checks import axe_violations, failing
from component_tree import find
from component_tree import joined_text as text
from dash import html
from playwright.sync_api import expect
from signing_in import signed_in, signed_in_client

from app import create_app
from reports import publish_audit
from reports.__main__ import main as reports_cli
from reports.published_store import PublishedStore

MONTH = "2026-10"   # the small demo's data end on 31 Oct 2026: its latest complete month
PAGE = "dashboards.pages.publishing"
OTHERS = ["finance", "councillor", "repairs-manager", "care-manager", "parking-manager"]


@pytest.fixture
def app(warehouse_copy):
    return create_app({"warehouse": warehouse_copy})


@pytest.fixture
def pub(app):
    """The page module as this app loaded it (Dash runs a page's module at each app's creation)."""
    import dashboards.pages.publishing as module
    return module


def as_user(app, function, *args, username: str = "admin"):
    with signed_in(app, "/_dash-update-component", username):
        return function(*args)


def page_layout(app, username: str = "admin"):
    with signed_in(app, "/publishing", username):
        return dash.page_registry[PAGE]["layout"]()


def publish_events(app) -> list:
    from access.login import DB_EXTENSION

    events, _ = app.server.extensions[DB_EXTENSION].events(event=publish_audit.EVENT)
    return events


def rows_text(body: list) -> list[str]:
    return [text(row) for row in body]


# ------------------------------------------------------------------------------------------------------- the page

def test_the_page_is_registered_for_the_data_team_and_opens_on_the_latest_complete_month(app, pub):
    page = dash.page_registry[PAGE]
    assert (page["path"], page["name"], page["capability"]) == ("/publishing", "Publishing", "data_quality")
    layout = page_layout(app)
    assert text(find(layout, "publishing-title")) == "Publishing"
    assert find(layout, "publishing-month").value == MONTH
    assert text(find(layout, "publishing-publish-button")) == "Publish October 2026"
    assert "Nothing has been published yet." in text(find(layout, "publishing-snapshots-body"))
    assert find(layout, "publishing-withdraw-id").options == []
    assert signed_in_client(app).get("/publishing").status_code == 200
    assert as_user(app, pub.show_month, "2026-09") == "Publish September 2026"
    assert as_user(app, pub.show_month, "not a month") == "Publish"


def test_publish_make_public_then_withdraw_write_the_store_and_the_audit_rows_the_command_line_writes(
        app, pub, warehouse_copy):
    store = PublishedStore.beside(warehouse_copy)
    message, style, body, caption, options, chosen = as_user(app, pub.publish_month, 1, MONTH)
    snapshot = store.get(MONTH)
    assert (snapshot.published_by, snapshot.period, snapshot.draft, store.current()) == ("admin", MONTH, True, None)
    assert message == (f"Published draft {MONTH} ({len(snapshot.tables)} tables) for October 2026: not public yet. "
                       "Preview it, then make it public, in the list below.")
    assert style == pub.OK and caption.endswith("(1 snapshot)") and chosen == MONTH
    assert [o["value"] for o in options] == [MONTH]
    (row,) = rows_text(body)
    assert row.startswith(f"{MONTH}October 2026{snapshot.name}") and "Draft: not public" in row
    assert find(html.Tbody(body), {"type": pub.MAKE_PUBLIC, "snapshot": MONTH}) is not None
    assert f"href='/published/drafts/{MONTH}/'" in repr(body)   # its Preview

    answer = post(signed_in_client(app), ask_body(app, MONTH)).get_json()["response"]   # the button asks first
    assert answer["publishing-confirm"]["displayed"] is True and answer["publishing-chosen"]["data"] == MONTH
    assert answer["publishing-confirm"]["message"].startswith(f"Make {MONTH}, the figures for October 2026, public?")
    assert store.current() is None   # asking made nothing public
    message, style, body, *_ = as_user(app, pub.make_public, 1, MONTH)
    assert (message, style) == (f"Made {MONTH} (October 2026) public: now the current snapshot.", pub.OK)
    assert store.current().id == MONTH and store.get(MONTH).made_public.by == "admin"
    (row,) = rows_text(body)
    assert "Current" in row and find(html.Tbody(body), {"type": pub.MAKE_PUBLIC, "snapshot": MONTH}) is None
    message, style, *_ = as_user(app, pub.make_public, 2, MONTH)
    assert message == f"Nothing was made public: snapshot {MONTH} is already public since " \
        f"{store.get(MONTH).made_public.at}" and style == pub.PROBLEM

    message, style, reason, body, caption, options, chosen = as_user(app, pub.withdraw_snapshot, 1, MONTH,
                                                                     "  a ward was misnamed ")
    assert (message, style, reason) == (f"Withdrew {MONTH}: a ward was misnamed.", pub.OK, "")
    assert store.current() is None and store.get(MONTH).withdrawn.reason == "a ward was misnamed"
    assert (options, chosen) == ([], None)
    assert re.search(r"Withdrawn on \d{1,2} \w{3} \d{4}: a ward was misnamed", rows_text(body)[0])

    # the command line publishes the month again (a new version) with its own row
    assert reports_cli(["publish", "--warehouse", str(warehouse_copy), "--period", MONTH]) == 0
    names = ", ".join(t.name for t in snapshot.tables)
    rows = [(e.username, e.event, e.path, e.detail) for e in reversed(publish_events(app))]
    assert rows[:3] == [("admin", "publish", "/publishing", f"published draft {MONTH}: {names}"),
                        ("admin", "publish", "/publishing", f"made public {MONTH} ({MONTH})"),
                        ("admin", "publish", "/publishing", f"withdrew {MONTH}: a ward was misnamed")]
    assert rows[3][1:] == ("publish", "python -m reports publish", f"published draft {MONTH}-v2: {names}")


def test_a_second_publish_while_one_runs_is_refused(app, pub, warehouse_copy):
    with pub.PUBLISHING:   # a publish under way in this process
        message, style, *_ = as_user(app, pub.publish_month, 1, MONTH)
    assert message.startswith("A publish is already running") and style == pub.PROBLEM
    assert PublishedStore.beside(warehouse_copy).snapshots() == [] and publish_events(app) == []
    message, *_ = as_user(app, pub.publish_month, 2, MONTH)   # and once it is done, it may
    assert message.startswith(f"Published draft {MONTH} ") and message.endswith("in the list below.")
    message, *_ = as_user(app, pub.publish_month, 3, MONTH)   # again, while the draft waits: its next version
    assert message.startswith(f"Published draft {MONTH}-v2 ")
    as_user(app, pub.make_public, 1, MONTH)
    as_user(app, pub.publish_month, 4, "2026-09")
    message, *_ = as_user(app, pub.make_public, 2, "2026-09")   # an earlier month is not the current one
    assert message == f"Made 2026-09 (September 2026) public: {MONTH}, a later snapshot, stays the current one."


@pytest.mark.parametrize(("month", "said"), [
    ("2026-11", "Nothing was published: November 2026 has not ended by the data's as-of date (31 October 2026)"),
    ("1999-01", "Nothing was published: no figures for January 1999 in the warehouse"),
    ("2026-13", "Choose the month to publish."), (None, "Choose the month to publish."),
    ({"a": 1}, "Choose the month to publish."),
])
def test_a_month_that_cannot_be_published_is_one_line_and_nothing_is_written(app, pub, warehouse_copy, month, said):
    message, style, *_ = as_user(app, pub.publish_month, 1, month)
    assert message.startswith(said) and "\n" not in message and "Traceback" not in message, message
    assert style == pub.PROBLEM
    assert PublishedStore.beside(warehouse_copy).snapshots() == [] and publish_events(app) == []


def test_a_withdrawal_needs_a_snapshot_and_a_reason(app, pub, warehouse_copy):
    as_user(app, pub.publish_month, 1, MONTH)
    as_user(app, pub.make_public, 1, MONTH)
    for snapshot_id, reason, said in [(MONTH, "  ", "Say why it is withdrawn"), (None, "why", "Choose the snapshot"),
                                      (MONTH, "x" * 501, "Say why it is withdrawn"),
                                      ("2020-01", "why", "Nothing was withdrawn: no published snapshot '2020-01'")]:
        message, style, reason_value, *_ = as_user(app, pub.withdraw_snapshot, 1, snapshot_id, reason)
        assert message.startswith(said) and style == pub.PROBLEM and reason_value is dash.no_update, message
    assert PublishedStore.beside(warehouse_copy).current().id == MONTH
    as_user(app, pub.withdraw_snapshot, 1, MONTH, "wrong month")
    message, *_ = as_user(app, pub.withdraw_snapshot, 2, MONTH, "again")
    assert message.startswith(f"Nothing was withdrawn: snapshot {MONTH} was already withdrawn")
    assert [e.detail for e in publish_events(app)][0] == f"withdrew {MONTH}: wrong month"


# ------------------------------------------------------------------------------------------------------- access

def request_body(app, asks, inputs: list, changed: str, state: list[dict]) -> dict:
    """The request Dash's renderer sends for the callback whose dependency `asks` (its output names from
    /_dash-dependencies)."""
    dependencies = json.loads(signed_in_client(app).get("/_dash-dependencies").data)
    dependency = next(d for d in dependencies if asks(d))
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True))
               for name in dependency["output"].strip(".").split("...")]
    return {"output": dependency["output"], "outputs": outputs, "changedPropIds": [changed], "inputs": inputs,
            "state": state}


def callback_body(app, button: str, state: list[dict]) -> dict:
    """The request when `button` is clicked."""
    return request_body(app, lambda d: d["inputs"] == [{"id": button, "property": "n_clicks"}],
                        [{"id": button, "property": "n_clicks", "value": 1}], f"{button}.n_clicks", state)


def ask_body(app, snapshot_id: str) -> dict:
    """The request when a draft row's Make public is clicked (its pattern-matching id)."""
    button = {"snapshot": snapshot_id, "type": "publishing-make-public"}
    return request_body(app, lambda d: "publishing-make-public" in json.dumps(d["inputs"]),
                        [[{"id": button, "property": "n_clicks", "value": 1}]],
                        json.dumps(button, separators=(",", ":")) + ".n_clicks", [])


def confirm_body(app, snapshot_id: str) -> dict:
    """The request when Make public's confirmation is accepted, with the draft chosen."""
    confirm = {"id": "publishing-confirm", "property": "submit_n_clicks"}
    return request_body(app, lambda d: d["inputs"] == [confirm], [confirm | {"value": 1}],
                        "publishing-confirm.submit_n_clicks",
                        [{"id": "publishing-chosen", "property": "data", "value": snapshot_id}])


def post(client, body: dict):
    return client.post("/_dash-update-component", data=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("username", OTHERS)
def test_a_user_without_the_capability_gets_no_page_and_their_posts_write_nothing(app, warehouse_copy, username):
    layout = page_layout(app, username)
    assert find(layout, "publishing-no-access") is not None and find(layout, "publishing-month") is None
    with signed_in(app, "/", username):
        nav = json.dumps(app.layout().to_plotly_json(), default=str)
    assert '"/publishing"' not in nav
    store = PublishedStore.beside(warehouse_copy)
    publishing = callback_body(app, "publishing-publish-button", [{"id": "publishing-month", "property": "value",
                                                                   "value": MONTH}])
    theirs = signed_in_client(app, username)
    response = post(theirs, publishing)
    assert response.status_code == 204 and store.snapshots() == [] and publish_events(app) == []

    assert post(signed_in_client(app, "admin"), publishing).status_code == 200   # the same request, as the data team
    assert store.get(MONTH).draft and store.current() is None
    assert post(theirs, ask_body(app, MONTH)).status_code == 204   # not even the question
    making_public = confirm_body(app, MONTH)
    response = post(theirs, making_public)
    assert response.status_code == 204 and store.current() is None
    assert post(signed_in_client(app, "admin"), making_public).status_code == 200
    assert store.current().id == MONTH
    withdrawing = callback_body(app, "publishing-withdraw-button", [
        {"id": "publishing-withdraw-id", "property": "value", "value": MONTH},
        {"id": "publishing-reason", "property": "value", "value": "not theirs to withdraw"}])
    response = post(theirs, withdrawing)
    assert response.status_code == 204 and store.current().id == MONTH
    assert [e.username for e in publish_events(app)] == ["admin", "admin"]


# ------------------------------------------------------------------------------------------------------ browser

@pytest.mark.browser
def test_the_data_team_publishes_a_draft_previews_it_makes_it_public_and_withdraws_in_the_browser(
        warehouse_copy, live_app, page, artifacts):
    store = PublishedStore.beside(warehouse_copy)
    app = create_app({"warehouse": warehouse_copy, "public_views": True})   # as the demo: the public read /published
    with live_app(app) as url:
        page.goto(url + "/publishing")   # signed in as the admin, the demo's data team
        expect(page.get_by_role("heading", name="Publishing", level=1)).to_be_visible()
        expect(page).to_have_title("Publishing · Borough Insight")
        expect(page.get_by_label("Month", exact=True)).to_have_value(MONTH)
        button = page.get_by_role("button", name="Publish October 2026")
        expect(page.locator("#publishing-snapshots-body")).to_have_text("Nothing has been published yet.")
        # the button is disabled while the publish runs: watched from before the click, so however quick
        button.evaluate("""b => { window.wasDisabled = false; new MutationObserver(() => {
            if (b.disabled) window.wasDisabled = true; }).observe(b, {attributes: true}); }""")
        button.click()
        status = page.locator("#publishing-publish-status")
        expect(status).to_have_text(re.compile(rf"^Published draft {MONTH} \(\d+ tables\) for October 2026: not public "
                                               r"yet\. Preview it, then make it public, in the list below\.$"),
                                    timeout=30_000)
        assert page.evaluate("window.wasDisabled") is True
        expect(button).to_be_enabled()
        snapshot = store.get(MONTH)
        assert snapshot.draft and store.current() is None and f"({len(snapshot.tables)} tables)" in status.inner_text()
        row = page.locator("#publishing-snapshots-body tr")
        expect(row).to_have_count(1)
        expect(row.locator("td").nth(0)).to_have_text(MONTH)
        expect(row.locator("td").nth(4)).to_have_text("admin")
        expect(row.locator("td").nth(7)).to_have_text("Draft: not public")
        preview = row.get_by_role("link", name=f"Preview of {MONTH}")
        expect(preview).to_have_attribute("href", f"/published/drafts/{MONTH}/")
        expect(row.get_by_role("link", name=f"Pages of {MONTH}")).to_have_count(0)   # no public address yet
        page.screenshot(path=str(artifacts / "publishing-draft.png"), full_page=True)
        assert failing(axe_violations(page)) == []   # with a draft listed, its button and the message shown

        # the draft is the data team's alone: a councillor and the public get the page a missing snapshot gets
        draft = f"/published/drafts/{MONTH}/"
        for reader in (signed_in_client(app, "councillor"), app.server.test_client()):
            for address in (draft, f"{draft}wards/belsize", f"{draft}data/repairs-by-ward.csv", f"/published/{MONTH}/",
                            f"/published/api/{MONTH}", f"/published/data/{MONTH}/repairs-by-ward.csv"):
                answer = reader.get(address)
                assert answer.status_code == 404 and "Draft" not in answer.get_data(as_text=True), address
        assert "Nothing is published yet" in app.server.test_client().get("/published/").get_data(as_text=True)

        preview.click()   # the admin's preview: the same pages, with the banner, never cached
        expect(page.locator("#published-draft")).to_contain_text("Draft: not public.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Camden in October 2026")
        page.screenshot(path=str(artifacts / "published-draft.png"), full_page=True)
        assert failing(axe_violations(page)) == []   # the banner included
        preview_response = signed_in_client(app).get(draft)
        assert preview_response.status_code == 200 and preview_response.headers["Cache-Control"] == "private, no-store"
        page.go_back()

        dialogs = []   # Make public asks first, naming the month; dismissed, nothing changes
        page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        make_public = page.get_by_role("button", name=f"Make public of {MONTH}")
        make_public.click()
        expect(page.locator("#publishing-snapshots-body tr td").nth(7)).to_have_text("Draft: not public")
        page.wait_for_timeout(500)
        assert dialogs and dialogs[0].startswith(f"Make {MONTH}, the figures for October 2026, public?")
        assert store.current() is None
        page.once("dialog", lambda dialog: dialog.accept())
        make_public.click()
        expect(page.locator("#publishing-make-public-status")).to_have_text(
            f"Made {MONTH} (October 2026) public: now the current snapshot.", timeout=30_000)
        expect(row.locator("td").nth(7)).to_have_text("Current")
        expect(row.get_by_role("link", name=f"Pages of {MONTH}")).to_have_attribute("href", f"/published/{MONTH}/")
        expect(row.get_by_role("button", name=re.compile("Make public"))).to_have_count(0)
        public = app.server.test_client().get(f"/published/{MONTH}/")   # now anyone's, without the banner
        assert public.status_code == 200 and "published-draft" not in public.get_data(as_text=True)
        assert app.server.test_client().get(draft).status_code == 404
        assert signed_in_client(app).get(draft).headers["Location"].endswith(f"/published/{MONTH}/")

        expect(page.get_by_label("Snapshot", exact=True)).to_have_value(MONTH)
        withdraw = page.get_by_role("button", name="Withdraw", exact=True)
        withdraw.click()
        expect(page.locator("#publishing-withdraw-status")).to_contain_text("Say why it is withdrawn")
        page.get_by_label("Reason (shown with it)").fill("a ward was misnamed")
        withdraw.click()
        expect(page.locator("#publishing-withdraw-status")).to_have_text(f"Withdrew {MONTH}: a ward was misnamed.")
        expect(row.locator("td").nth(7)).to_have_text(re.compile(r"^Withdrawn on .+: a ward was misnamed$"))
        expect(page.get_by_label("Reason (shown with it)")).to_have_value("")
        expect(page.locator("#publishing-withdraw-id option:not([disabled])")).to_have_count(0)
        page.screenshot(path=str(artifacts / "publishing.png"), full_page=True)
        assert failing(axe_violations(page)) == []   # with a snapshot listed and every message shown
    assert store.current() is None and store.get(MONTH).withdrawn.by == "admin"
    assert [(e.username, e.path, e.detail.split(":")[0]) for e in publish_events(app)] == [
        ("admin", "/publishing", f"withdrew {MONTH}"), ("admin", "/publishing", f"made public {MONTH} ({MONTH})"),
        ("admin", "/publishing", f"published draft {MONTH}")]
    assert page.errors == []

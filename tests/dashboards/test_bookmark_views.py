"""Bookmarks through the app, as a browser's requests and an attacker's forged ones reach it, on the real
application database (SQLite and PostgreSQL): save a view (checked, audited), list it on Home, open it by its
address (audited, a redirect to the page with its query string), delete it; and no one else can list, open or
delete it, whatever ids they send, nor can another site make the browser do it."""

from __future__ import annotations

import json

import pytest
from app_databases import a_database
from signing_in import signed_in_client

from app import create_app
from app_db import bookmarks as stored
from app_db.schema import audit_events
from dashboards.bookmarks import query_problem, registered_page

RELATIVE = "month=%40last-complete-month&ward=Belsize"
DIMENSIONS = ("month", "ward", "financial_year")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, demo_warehouse, tmp_path_factory):
    database = a_database(request.param, request, tmp_path_factory.mktemp("app-db"))
    return create_app({"warehouse": demo_warehouse, "app_db_url": database.url})


@pytest.fixture
def db(app):
    database = app.server.extensions["borough_insight_app_db"]
    with database.engine.begin() as connection:   # each test starts with no bookmarks and an empty log
        connection.execute(stored.bookmarks.delete())
        connection.execute(audit_events.delete())
    return database


def callback(app, client, output: str, inputs: list, state: list, changed: list[str]):
    """Post one callback request as Dash's renderer does (the request checks refuse anything else)."""
    key = next(key for key in app.callback_map if output in key)
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": changed}
    return client.post("/_dash-update-component", data=json.dumps(body), headers={"Content-Type": "application/json"})


def save(app, client, name, pathname="/repairs", search="?" + RELATIVE):
    response = callback(app, client, "bookmark-status.children",
                        [{"id": "bookmark-save", "property": "n_clicks", "value": 1},
                         {"id": "bookmark-name", "property": "n_submit", "value": None}],
                        [{"id": "bookmark-name", "property": "value", "value": name},
                         {"id": "bi-url", "property": "pathname", "value": pathname},
                         {"id": "bi-url", "property": "search", "value": search}], ["bookmark-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]["bookmark-status"]["children"]


def home_list(app, client, delete_ids=(), pressed=None):
    ids = [{"type": "home-bookmark-delete", "bookmark": i} for i in delete_ids]
    presses = [{"id": i, "property": "n_clicks", "value": 1 if i["bookmark"] == pressed else None} for i in ids]
    changed = ([json.dumps({"bookmark": pressed, "type": "home-bookmark-delete"}, separators=(",", ":")) +
                ".n_clicks"] if pressed is not None else ["bookmark-status.children"])
    response = callback(app, client, "home-bookmarks-list.children",
                        [{"id": "bookmark-status", "property": "children", "value": None}, presses], [], changed)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json()["response"])


def events(database, event):
    return database.events(event=event)[0]


def test_a_saved_view_is_listed_on_home_opened_by_its_address_and_deleted(app, db):
    manager = signed_in_client(app, "repairs-manager")
    assert save(app, manager, "Belsize last month") == "Saved 'Belsize last month'. Home lists your saved views."
    [saved] = stored.owned_by(db, "repairs-manager")
    assert (saved.page, saved.query_string) == ("/repairs", RELATIVE)   # the named month stays relative
    listed = home_list(app, manager)
    assert "Belsize last month" in listed and "Ward: Belsize" in listed and "Housing repairs" in listed
    assert "Last complete month" in listed   # in words as its chip says it, resolved now, kept relative
    assert f"/bookmarks/{saved.bookmark_id}" in listed and f"/repairs?{RELATIVE}" in listed
    opened = manager.get(f"/bookmarks/{saved.bookmark_id}")
    assert opened.status_code == 302 and opened.headers["Location"] == f"/repairs?{RELATIVE}"
    listed = home_list(app, manager, [saved.bookmark_id], pressed=saved.bookmark_id)
    assert "Deleted 'Belsize last month'." in listed and "No saved views yet" in listed
    for event in ("bookmark-saved", "bookmark-opened", "bookmark-deleted"):
        [row] = events(db, event)
        assert (row.username, row.path, row.selections) == ("repairs-manager", "/repairs", RELATIVE), event
        assert row.detail == f"bookmark {saved.bookmark_id}: Belsize last month"


@pytest.mark.parametrize("name, pathname, search, says", [
    ("", "/repairs", "", "Give the view a name"),
    ("x" * 81, "/repairs", "", "at most 80"),
    ("Off site", "https://evil.example/", "", "no page of the dashboards"),
    ("Made up", "/no-such-page", "", "no page of the dashboards"),
    ("Not mine", "/adult-social-care", "", "outside your access"),
    ("Data team's", "/data-quality", "", "outside your access"),
    ("Unknown name", "/repairs", "?month=%40next-decade", "not a named value"),
    ("Raw space", "/repairs", "?ward=King's Cross", "not a query string"),
    ("Not text", "/repairs", 12, "cannot be read"),
])
def test_a_view_the_page_would_refuse_is_not_saved(app, db, name, pathname, search, says):
    manager = signed_in_client(app, "repairs-manager")
    assert says in save(app, manager, name, pathname, search)
    assert stored.owned_by(db, "repairs-manager") == []
    assert events(db, "bookmark-saved") == []


def test_the_same_name_twice_says_so(app, db):
    manager = signed_in_client(app, "repairs-manager")
    save(app, manager, "Weekly")
    assert "already have a view named 'Weekly'" in save(app, manager, "Weekly", search="?ward=Holborn")


def test_another_user_cannot_list_open_or_delete_my_bookmarks(app, db):
    owner, attacker = signed_in_client(app, "repairs-manager"), signed_in_client(app, "care-manager")
    save(app, owner, "Mine")
    [mine] = stored.owned_by(db, "repairs-manager")
    assert "Mine" not in home_list(app, attacker) and "No saved views yet" in home_list(app, attacker)
    for forged in (mine.bookmark_id, mine.bookmark_id + 1, 0, 10**12):   # the owner's id, and made-up ones
        response = attacker.get(f"/bookmarks/{forged}")
        assert response.status_code == 404 and "someone else's" in response.get_data(as_text=True)
    for path in ("/bookmarks/-1", "/bookmarks/abc", "/bookmarks/1%20or%201=1", f"/bookmarks/{mine.bookmark_id}.0"):
        response = attacker.get(path)   # not an id: no bookmark route, so Dash's shell and its "page not found"
        assert response.status_code in (200, 404) and "Location" not in response.headers
    for forged in (mine.bookmark_id, str(mine.bookmark_id), [mine.bookmark_id], None, True):
        listed = home_list(app, attacker, [forged], pressed=forged)
        assert "someone else's" in listed or "Deleted" not in listed
    assert stored.owned_by(db, "repairs-manager") == [mine]
    assert events(db, "bookmark-deleted") == [] and events(db, "bookmark-opened") == []
    denied = [e for e in events(db, "denied") if e.username == "care-manager"]
    assert len(denied) == 4   # every forged open is in the log, under who tried


def test_signed_out_and_cross_site_requests_do_nothing(app, db):
    owner = signed_in_client(app, "repairs-manager")
    save(app, owner, "Mine")
    [mine] = stored.owned_by(db, "repairs-manager")
    stranger = app.server.test_client()
    assert stranger.get(f"/bookmarks/{mine.bookmark_id}").status_code == 302   # to sign in
    assert callback(app, stranger, "home-bookmarks-list.children", [], [], []).status_code == 401
    # the only request another site can make a browser send without asking is a form post: not JSON, so refused
    # before any callback runs (and SameSite=Lax keeps the session cookie off it anyway)
    body = json.dumps({"output": next(k for k in app.callback_map if "home-bookmarks-list" in k)})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = owner.post("/_dash-update-component", data=body, headers={"Content-Type": content_type})
        assert response.status_code == 400
    assert stored.owned_by(db, "repairs-manager") == [mine]
    assert owner.get_cookie("session").same_site == "Lax"


def test_a_shared_address_opens_within_the_openers_scope(app, db):
    """The link to share is the page's address: a colleague who may not open the page gets "Not in your access"."""
    save(app, signed_in_client(app, "repairs-manager"), "Mine")
    [mine] = stored.owned_by(db, "repairs-manager")
    parking = signed_in_client(app, "parking-manager")
    assert parking.get(mine.href).status_code == 200   # the shell: the page's layout decides what is shown
    layout = callback(app, parking, "_pages_content.children",
                      [{"id": "_pages_location", "property": "pathname", "value": mine.page},
                       {"id": "_pages_location", "property": "search", "value": "?" + mine.query_string}],
                      [], ["_pages_location.pathname"])
    assert layout.status_code == 200 and "repairs-no-access" in layout.get_data(as_text=True)


def test_which_query_strings_and_pages_may_be_bookmarked():
    assert query_problem("", DIMENSIONS) is None and query_problem("?" + RELATIVE, DIMENSIONS) is None
    assert query_problem("show-by-trade=repairs_raised&all=month&utm=x", DIMENSIONS) is None   # as a page reads it
    assert "not a named value" in query_problem("month=%40tomorrow", DIMENSIONS)
    assert "not a query string" in query_problem("ward=a\nb", DIMENSIONS)
    assert "not a query string" in query_problem("ward=a#b", DIMENSIONS)
    assert query_problem(None, DIMENSIONS) == "This selection cannot be read."
    pages = [{"path": "/repairs", "name": "Housing repairs"},
             {"path": "/services", "path_template": "/services/<slug>", "name": "Service"}]
    assert registered_page("/repairs", pages)["name"] == "Housing repairs"
    assert registered_page("/services/parking", pages)["name"] == "Service"
    for path in ("/services", "/repairs/x", "repairs", "//evil.example/repairs", None, 3):
        assert registered_page(path, pages) is None

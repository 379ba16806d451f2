"""The audit log as the app writes it: sign-ins (and failed ones, with the name tried, never a password), sign-outs,
refused requests, downloads reported by the page, and the admin's audit page and its CSV; nobody else's."""

from __future__ import annotations

import pytest
from signing_in import CSRF, sign_in, signed_in, signed_in_client

from access.login import app_db
from app import create_app


@pytest.fixture
def app(warehouse_copy):
    return create_app({"warehouse": warehouse_copy})   # its own app.sqlite beside its own warehouse copy


@pytest.fixture
def audit_log(app):
    """The page's module, as Dash imported it for the app."""
    import sys

    return sys.modules["dashboards.pages.audit_log"]


def events(app, **filters):
    with app.server.app_context():
        return app_db().events(**filters, limit=1000)[0]


def test_sign_ins_failures_and_sign_outs_are_logged_without_passwords(app):
    client = app.server.test_client()
    assert sign_in(client, "parking-manager", "correct-horse-battery").status_code == 401
    assert sign_in(client, "parking-manager", "demo").status_code == 302
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/logout", data={"csrf": token})
    logged = [(e.event, e.username) for e in reversed(events(app))]
    assert logged == [("failed-sign-in", "parking-manager"), ("sign-in", "parking-manager"),
                      ("sign-out", "parking-manager")]
    sign_in(client, "no-such-user", "x")
    assert events(app, event="failed-sign-in")[0].username is None   # a name that is nobody's is filed under none
    failed = events(app, event="failed-sign-in")[-1]
    assert '"parking-manager"' in failed.detail and failed.address == "127.0.0.1"
    everything = " ".join(str(value) for e in events(app) for value in e.__dict__.values())
    assert "correct-horse" not in everything and "demo" not in everything


def test_requests_without_a_session_are_logged_as_refused(app):
    app.server.test_client().get("/_dash-layout")
    refused = events(app, event="denied")
    assert [(e.username, e.path, e.detail) for e in refused] == [(None, "/_dash-layout", "no session")]


def test_a_download_made_in_the_browser_is_logged_with_its_selections(app):
    client = signed_in_client(app, "repairs-manager")
    response = client.post("/audit/downloaded", json={"filename": "jobs-by-trade.csv", "path": "/repairs",
                                                      "search": "?ward=Belsize"})
    assert response.status_code == 204
    [download] = events(app, event="download")
    assert (download.username, download.path, download.selections, download.detail) == \
        ("repairs-manager", "/repairs", "?ward=Belsize", "jobs-by-trade.csv")
    assert client.post("/audit/downloaded", json={"path": "/x"}).status_code == 400
    assert app.server.test_client().post("/audit/downloaded", json={"filename": "x.csv"}).status_code == 401


def test_the_admin_reads_filters_and_downloads_the_log(app, audit_log):
    sign_in(app.server.test_client(), "finance", "nope")
    signed_in_client(app, "finance")
    with signed_in(app, "/audit-log", "admin"):
        table, shown, page, newer_disabled, older_disabled = audit_log.show("finance", "every", None, None,
                                                                            None, None, 0)
        assert "of 2, newest first" in shown and page == 0 and newer_disabled and older_disabled
        _table, shown, *_ = audit_log.show("", "failed-sign-in", None, None, None, None, 0)
        assert "of 1," in shown
        _table, shown, *_ = audit_log.show("", "every", "2000-01-01", "2000-01-02", None, None, 0)
        assert shown == "No event matches."
        sent = audit_log.download(1, None, "finance", "every", None, None)
    lines = sent["content"].splitlines()
    assert lines[0].lstrip("\ufeff").startswith("When (UTC),User,Event") and len(lines) == 3
    assert events(app, event="download")[0].detail == "audit-log.csv"


@pytest.mark.parametrize("username", ["finance", "councillor", "care-manager"])
def test_nobody_else_reads_the_log(app, audit_log, username):
    with signed_in(app, "/audit-log", username):
        assert "Not in your access" in str(audit_log.layout())
    client = signed_in_client(app, username)
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "/audit-log" not in layout and "/data-quality" not in layout

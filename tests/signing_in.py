"""Signing in as the tests' users do: through the app's own sign-in (access/login.py), never around it. Imported by
tests in tests/ and its folders, as view_data is. Every demo user's password is "demo" (access/demo_users.yaml)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

DEMO_PASSWORD = "demo"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client, username: str = "admin", password: str = DEMO_PASSWORD, next_path: str = "/"):
    """Sign a Flask test client in with the sign-in form; the response to the form's POST."""
    page = client.get(f"/login?next={next_path}").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    return client.post("/login", data={"csrf": token, "username": username, "password": password,
                                       "next": next_path})


def signed_in_client(app, username: str = "admin"):
    client = app.server.test_client()
    response = sign_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@contextmanager
def signed_in(app, path: str = "/", username: str = "admin"):
    """A request context for `path` as `username`'s requests have it: signed in, and the app's request hooks (the
    access guard among them) run, so flask.g holds the user and their scope."""
    from flask_login import login_user

    from access.login import SignedIn, app_db, users

    with app.server.test_request_context(path):
        login_user(SignedIn(users().get(username), app_db().start_session(username)))
        assert app.server.preprocess_request() is None
        yield


def sign_in_browser(page, base_url: str, username: str = "admin", password: str = DEMO_PASSWORD) -> None:
    """Sign a Playwright page in with the sign-in form, as a person does."""
    if urlsplit(page.url).path != "/login":
        page.goto(base_url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    with page.expect_navigation():
        page.click("#login-submit")


def signed_in_opener(base_url: str, username: str = "admin", password: str = DEMO_PASSWORD):
    """A urllib opener holding the session cookie of `username`, signed in with the form (for a served app)."""
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(base_url + "/login", timeout=30) as response:
        token = CSRF.search(response.read().decode("utf-8")).group(1)
    form = urllib.parse.urlencode({"csrf": token, "username": username, "password": password, "next": "/"})
    with opener.open(base_url + "/login", data=form.encode(), timeout=30) as response:
        assert urlsplit(response.url).path == "/", f"signing in as {username} failed"
    return opener


@contextmanager
def acting_as(app, username: str = "admin"):
    """An app context (no request) whose flask.g holds `username` and their scope as the access guard puts them,
    for module-wide fixtures that must still be able to create other apps (Dash refuses inside a request)."""
    import flask

    from access.login import users

    with app.server.app_context():
        user = users().get(username)
        flask.g.user, flask.g.scope = user, users().scope(user)
        yield

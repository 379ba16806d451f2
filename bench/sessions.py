"""Signing the benchmarks in as a user does: with the app's sign-in form (access/login.py), untimed. The demo's
users all have the password "demo" (access/demo_users.yaml); benchmarks run as the admin, who sees every page."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar

USER, PASSWORD = "admin", "demo"
# a session is bound to its browser (Flask-Login's strong protection: address and user agent), so every request of a
# simulated user sends the user agent it signed in with
USER_AGENT = "borough-insight-bench"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in_page(page, base_url: str, username: str = USER) -> None:
    """A Playwright page signed in with the form."""
    page.goto(base_url + "/login")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-submit")


def session_cookie(base_url: str, username: str = USER) -> str:
    """The Cookie header of a fresh signed-in session (each simulated user of the load test has their own)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(base_url + "/login", timeout=30) as response:
        token = CSRF.search(response.read().decode("utf-8")).group(1)
    form = urllib.parse.urlencode({"csrf": token, "username": username, "password": PASSWORD, "next": "/"})
    opener.open(base_url + "/login", data=form.encode(), timeout=30).close()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


@contextmanager
def signed_in_context(app, path: str = "/", username: str = USER):
    """A request context as a signed-in user's request has it: the app's request hooks (the access guard) run."""
    from flask_login import login_user

    from access.login import SignedIn, app_db, users

    with app.server.test_request_context(path):
        login_user(SignedIn(users().get(username), app_db().start_session(username)))
        if app.server.preprocess_request() is not None:
            raise RuntimeError(f"the app refused {username}'s request for {path}")
        yield

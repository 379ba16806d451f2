"""Sign-in, sessions and the guard every request passes.

Every request but the sign-in page and static files (the app's assets and Dash's component bundles) needs a signed-in
user: a page is redirected to /login, anything else (Dash's /_dash-layout, /_dash-dependencies,
/_dash-update-component, a CSV) gets 401 and no data. A signed-in user's scope (query.scope) is put on flask.g from
the server-side users file before any page or callback runs; the query layer applies it to every query. The browser
holds only a signed session cookie naming the user (HttpOnly, SameSite=Lax, Secure in production); a session idle
for longer than the timeout is ended.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from access.pages import LOGIN_PAGE
from access.users import Capability, User, Users
from query.scope import NOTHING, Scope

log = logging.getLogger(__name__)
EXTENSION = "borough_insight_access"
LOGIN_PATH, LOGOUT_PATH = "/login", "/logout"
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")
OPEN_PATHS = (LOGIN_PATH, "/_favicon.ico", "/favicon.ico")
SEEN_KEY, CSRF_KEY = "seen", "csrf"
WRONG = "The username or password is not right."


@dataclass(frozen=True)
class AccessSettings:
    idle_minutes: int = 30
    production: bool = False
    login_limit: str = "10 per minute"   # failed sign-in attempts per address, and per username (flask-limiter)
    limiter_storage: str = "memory://"   # redis://... to count across workers


class SignedIn(UserMixin):
    """Flask-Login's user: the users file's entry, looked up on every request by the name in the session."""

    def __init__(self, user: User):
        self.user = user

    def get_id(self) -> str:
        return self.user.username


def users() -> Users:
    return flask.current_app.extensions[EXTENSION]


def signed_in_user() -> User | None:
    """The user of this request (set by the guard), or None."""
    return getattr(flask.g, "user", None)


def current_scope() -> Scope:
    return getattr(flask.g, "scope", NOTHING)


def user_can(capability: Capability) -> bool:
    user = signed_in_user()
    return user is not None and user.can(capability)


def install(server: flask.Flask, known_users: Users, settings: AccessSettings) -> None:
    server.extensions[EXTENSION] = known_users
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=settings.production, REMEMBER_COOKIE_DURATION=0)
    manager = LoginManager(server)
    manager.session_protection = "strong"   # a session cookie moved to another browser is dropped
    manager.user_loader(lambda username: SignedIn(u) if (u := known_users.get(username)) else None)
    limiter = Limiter(get_remote_address, app=server, storage_uri=settings.limiter_storage, default_limits=[])
    server.before_request(lambda: _guard(settings))
    _routes(server, limiter, settings)


def _guard(settings: AccessSettings):
    request = flask.request
    path = request.path
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    user = current_user.user if current_user.is_authenticated else None
    now = int(time.time())
    if user is not None and now - int(flask.session.get(SEEN_KEY, 0)) > settings.idle_minutes * 60:
        logout_user()   # idle too long: sign in again
        flask.session.pop(SEEN_KEY, None)
        user = None
    if user is None:
        if request.method == "GET" and not path.startswith("/_"):
            return flask.redirect(f"{LOGIN_PATH}?next={flask.request.full_path.rstrip('?')}")
        return flask.Response("Sign in first.", 401, {"Content-Type": "text/plain; charset=utf-8"})
    flask.session[SEEN_KEY] = now
    flask.g.user = user
    flask.g.scope = users().scope(user)
    return None


def csrf_token() -> str:
    token = flask.session.get(CSRF_KEY)
    if not token:
        token = flask.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    sent = flask.request.form.get(CSRF_KEY, "")
    return bool(sent) and hmac.compare_digest(sent, flask.session.get(CSRF_KEY, ""))


def _attempted_username() -> str:
    return "user:" + flask.request.form.get("username", "").strip().lower()[:100]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this app only (never another site: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in (LOGIN_PATH, LOGOUT_PATH):
        return "/"
    return target


def _routes(server: flask.Flask, limiter: Limiter, settings: AccessSettings) -> None:
    def login_page(message: str = "", status: int = 200, username: str = ""):
        html = flask.render_template_string(
            LOGIN_PAGE, title=server.config.get("BOROUGH_INSIGHT_TITLE", "Borough Insight"), message=message,
            csrf=csrf_token(), next=safe_next(flask.request.values.get("next")), username=username)
        return flask.Response(html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})

    # failed attempts only count (a guess at a password), per address and per username tried
    @limiter.limit(settings.login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                   error_message="Too many sign-in attempts from here. Wait a minute and try again.")
    @limiter.limit(settings.login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                   key_func=_attempted_username,
                   error_message="Too many sign-in attempts for this user. Wait a minute and try again.")
    def login():
        if flask.request.method == "GET":
            return login_page()
        if not _csrf_ok():
            return login_page("The form had expired. Please sign in again.", 400)
        username = flask.request.form.get("username", "").strip().lower()[:100]
        user = users().get(username)
        if user is None or not user.password_matches(flask.request.form.get("password", "")):
            log.info("failed sign-in for %r", username)
            return login_page(WRONG, 401, username)
        flask.session.clear()   # a new session: nothing from before signing in carries over
        login_user(SignedIn(user))
        flask.session[SEEN_KEY] = int(time.time())
        return flask.redirect(safe_next(flask.request.form.get("next")))

    def logout():
        if not _csrf_ok():
            return flask.Response("The sign-out form had expired; reload the page.", 400,
                                  {"Content-Type": "text/plain; charset=utf-8"})
        logout_user()
        flask.session.clear()
        return flask.redirect(LOGIN_PATH)

    server.add_url_rule(LOGIN_PATH, "login", login, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "logout", logout, methods=["POST"])
    server.jinja_env.globals["csrf_token"] = csrf_token

"""Sign-in, sessions and the guard every request passes.

Every request but the sign-in page and static files (the app's assets and Dash's component bundles) needs a signed-in
user: a page is redirected to /login, anything else (Dash's /_dash-layout, /_dash-dependencies,
/_dash-update-component, a CSV) gets 401 and no data. A signed-in user's scope (query.scope) is put on flask.g from
the server-side users file before any page or callback runs; the query layer applies it to every query.

Sessions are kept server side (app_db: the sessions table): the browser's signed cookie (HttpOnly, SameSite=Lax,
Secure in production) holds a random token whose hash names the session row. Signing out or idling past the timeout
ends the row, so a copied cookie is refused afterwards, by every worker. Sign-ins, failed sign-ins, sign-outs, page
views and refused requests are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from access import oidc
from access.pages import LOGIN_PAGE
from access.users import Capability, User, Users
from app_db import AppDatabase
from query.scope import NOTHING, Scope

log = logging.getLogger(__name__)
EXTENSION, DB_EXTENSION = "borough_insight_access", "borough_insight_app_db"
LOGIN_PATH, LOGOUT_PATH, DOWNLOADED_PATH = "/login", "/logout", "/audit/downloaded"
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")
PUBLISHED = "/published"   # the published views: open without a session when the council makes them public
PUBLIC_VIEWS = "BOROUGH_INSIGHT_PUBLIC_VIEWS"
OPEN_PATHS = (LOGIN_PATH, oidc.START_PATH, oidc.CALLBACK_PATH, "/_favicon.ico", "/favicon.ico")
CSRF_KEY = "csrf"
CALLBACK_PATH, PAGE_ROUTER = "/_dash-update-component", "_pages_content"
TOUCH_AFTER = dt.timedelta(seconds=60)   # a session's last_seen_at is written at most this often
WRONG = "The username or password is not right."


@dataclass(frozen=True)
class AccessSettings:
    idle_minutes: int = 30
    production: bool = False
    login_limit: str = "10 per minute"   # failed sign-in attempts per address, and per username (flask-limiter)
    limiter_storage: str = "memory://"   # redis://... to count across workers
    oidc: oidc.OidcSettings | None = None   # sign-in through the council's identity provider
    public_views: bool = False   # /published/... open to anyone (the published views hold no warehouse rows)


class SignedIn(UserMixin):
    """Flask-Login's user: the users file's entry and the server-side session it signed in with. The cookie holds
    the session's token (get_id); each request looks the session up, then the user by the session's username."""

    def __init__(self, user: User, token: str):
        self.user, self.token = user, token

    def get_id(self) -> str:
        return self.token


def users() -> Users:
    return flask.current_app.extensions[EXTENSION]


def app_db() -> AppDatabase:
    return flask.current_app.extensions[DB_EXTENSION]


def audit(event: str, path: str | None = None, selections: str | None = None, detail: str | None = None,
          username: str | None = None) -> None:
    """Write one event of this request to the audit log: who (the signed-in user unless named), what, where."""
    user = signed_in_user()
    app_db().record(event, username or (user.username if user else None), path, selections, detail,
                    flask.request.remote_addr if flask.has_request_context() else None)


def signed_in_user() -> User | None:
    """The user of this request (set by the guard), or None."""
    return getattr(flask.g, "user", None)


def current_scope() -> Scope:
    """The signed-in user's scope for this request (put on flask.g by the guard from the server-side session);
    NOTHING when there is none, outside a request included (fail closed)."""
    return getattr(flask.g, "scope", NOTHING) if flask.has_app_context() else NOTHING


def use_scope(scope: Scope) -> None:
    """Carry a request's scope into a worker thread's own app context (the page view computes its parts side by
    side): the thread has no request, so no guard runs there."""
    flask.g.scope = scope


def user_can(capability: Capability) -> bool:
    user = signed_in_user()
    return user is not None and user.can(capability)


def install(server: flask.Flask, known_users: Users, settings: AccessSettings, database: AppDatabase) -> None:
    server.extensions[EXTENSION] = known_users
    server.extensions[DB_EXTENSION] = database
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=settings.production, REMEMBER_COOKIE_DURATION=0)
    manager = LoginManager(server)
    manager.session_protection = "strong"   # a session cookie moved to another browser is dropped
    idle = dt.timedelta(minutes=settings.idle_minutes)

    @manager.user_loader
    def load(token: str):
        user = known_users.get(database.session_user(token, idle, TOUCH_AFTER))
        return SignedIn(user, token) if user else None   # a user removed from the file is signed out too

    limiter = Limiter(get_remote_address, app=server, storage_uri=settings.limiter_storage, default_limits=[])
    server.config[PUBLIC_VIEWS] = settings.public_views
    server.before_request(_guard)
    _routes(server, limiter, settings)


def _public(path: str) -> bool:
    return flask.current_app.config.get(PUBLIC_VIEWS, False) and (path == PUBLISHED or
                                                                   path.startswith(PUBLISHED + "/"))


def _guard():
    request = flask.request
    path = request.path
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return None
    user = current_user.user if current_user.is_authenticated else None
    if user is None and _public(path):
        flask.g.scope = NOTHING   # the published views read the published store, never the warehouse
        return None
    if user is None:
        if request.method == "GET" and not path.startswith("/_"):
            return flask.redirect(f"{LOGIN_PATH}?{urlencode({'next': flask.request.full_path.rstrip('?')})}")
        audit("denied", path, detail="no session")
        return flask.Response("Sign in first.", 401, {"Content-Type": "text/plain; charset=utf-8"})
    flask.g.user = user
    flask.g.scope = users().scope(user)
    if path == CALLBACK_PATH and request.method == "POST":
        _audit_page_view(request.get_json(silent=True))
    return None


def _audit_page_view(body) -> None:
    """Dash's page router answers a page being opened (or its address changing): that is a page view."""
    if not isinstance(body, dict) or PAGE_ROUTER not in str(body.get("output", "")):
        return
    inputs = {(i.get("property")): i.get("value") for i in body.get("inputs", []) if isinstance(i, dict)}
    path, search = inputs.get("pathname"), inputs.get("search")
    audit("page-view", path if isinstance(path, str) else None, search if isinstance(search, str) and search else None)


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
    provider = settings.oidc

    def login_page(message: str = "", status: int = 200, username: str = ""):
        html = flask.render_template_string(
            LOGIN_PAGE, title=server.config.get("BOROUGH_INSIGHT_TITLE", "Borough Insight"), message=message,
            csrf=csrf_token(), next=safe_next(flask.request.values.get("next")), username=username,
            oidc=provider.name if provider else None, passwords=not (provider and provider.only))
        return flask.Response(html, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})

    def start_session(user: User, how: str, next_path: str):
        flask.session.clear()   # a new session: nothing from before signing in carries over
        login_user(SignedIn(user, app_db().start_session(user.username)))
        audit("sign-in", LOGIN_PATH, username=user.username, detail=how)
        return flask.redirect(safe_next(next_path))

    if provider:
        def refuse(message: str, status: int, detail: str):
            audit("failed-sign-in", oidc.CALLBACK_PATH, detail=detail)
            return login_page(message, status)

        oidc.install(server, provider, safe_next=safe_next, refuse=refuse,
                     sign_in=lambda email, next_path: (start_session(user, "oidc", next_path)
                                                       if (user := users().by_email(email)) else None))

    # failed attempts only count (a guess at a password), per address and per username tried
    @limiter.limit(settings.login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                   error_message="Too many sign-in attempts from here. Wait a minute and try again.")
    @limiter.limit(settings.login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                   key_func=_attempted_username,
                   error_message="Too many sign-in attempts for this user. Wait a minute and try again.")
    def login():
        if flask.request.method == "GET":
            return login_page()
        if provider and provider.only:
            return login_page(f"Sign in with {provider.name}.", 403)
        if not _csrf_ok():
            return login_page("The form had expired. Please sign in again.", 400)
        username = flask.request.form.get("username", "").strip().lower()[:100]
        user = users().get(username)
        if user is None or not user.password_matches(flask.request.form.get("password", "")):
            log.info("failed sign-in for %r", username)
            # filed under the user when the name is one (an admin looks for attempts on an account), and the name
            # tried in the detail either way; never the password
            audit("failed-sign-in", LOGIN_PATH, detail=json.dumps({"username": username}),
                  username=user.username if user else None)
            return login_page(WRONG, 401, username)
        return start_session(user, "password", flask.request.form.get("next"))

    def logout():
        if not _csrf_ok():
            return flask.Response("The sign-out form had expired; reload the page.", 400,
                                  {"Content-Type": "text/plain; charset=utf-8"})
        if current_user.is_authenticated:
            app_db().end_session(current_user.token)
            audit("sign-out", LOGOUT_PATH, username=current_user.user.username)
        logout_user()
        flask.session.clear()
        return flask.redirect(LOGIN_PATH)

    def downloaded():
        """A chart's CSV is saved in the browser from data it already has (no request for the file), so the page
        tells this route what was saved, for the audit log (assets/page_view.js)."""
        body = flask.request.get_json(silent=True, force=True)
        if not isinstance(body, dict) or not isinstance(body.get("filename"), str):
            return flask.Response("A download needs a filename.", 400, {"Content-Type": "text/plain; charset=utf-8"})
        path, search = body.get("path"), body.get("search")
        audit("download", path if isinstance(path, str) else None, search if isinstance(search, str) else None,
              detail=body["filename"])
        return flask.Response(status=204)

    server.add_url_rule(DOWNLOADED_PATH, "downloaded", downloaded, methods=["POST"])
    server.add_url_rule(LOGIN_PATH, "login", login, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "logout", logout, methods=["POST"])
    server.jinja_env.globals["csrf_token"] = csrf_token

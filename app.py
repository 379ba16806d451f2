"""Borough Insight: the Dash app factory and the command line that serves it.

    python app.py --host 127.0.0.1 --port 8050 --warehouse demo/warehouse.duckdb
    gunicorn app:server          # or 'app:wsgi()'; the warehouse from BOROUGH_INSIGHT_WAREHOUSE

Importing this module opens nothing: the warehouse is read per request by the pages (dashboards/).
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from werkzeug.middleware.proxy_fix import ProxyFix

import access
import dashboards.pages  # noqa: F401 - the package of Dash's page modules (dashboards.pages.<name>), imported first
from access.hardening import harden
from access.oidc import OidcSettings
from app_db import AppDatabase
from dashboards import components, downloads, open_data, page_access, ui
from dashboards.components import bookmark_views
from dashboards.published import pages as published_pages
from dashboards.request_checks import refuse_malformed_callbacks
from dashboards.warehouse import Warehouse, install
from reports.published_store import PublishedStore

REPO = Path(__file__).resolve().parent
WAREHOUSE_ENV = "BOROUGH_INSIGHT_WAREHOUSE"
CACHE_REDIS_ENV = "BOROUGH_INSIGHT_CACHE_REDIS_URL"   # redis://host:6379/0: one query cache for every worker
USERS_ENV = "BOROUGH_INSIGHT_USERS"            # the users file (default: the demo's, refused in production)
SECRET_ENV = "BOROUGH_INSIGHT_SECRET_KEY"      # signs the session cookies; required in production
PUBLIC_VIEWS_ENV = "BOROUGH_INSIGHT_PUBLIC_VIEWS"   # 1: the published views are open to the public, unsigned
PRODUCTION_ENV = "BI_ENV"                      # BI_ENV=production: no demo passwords, secrets from the environment
APP_DB_ENV = "BOROUGH_INSIGHT_APP_DB_URL"      # sessions and audit log (default: SQLite beside the warehouse)
PROXY_HOPS_ENV = "BOROUGH_INSIGHT_PROXY_HOPS"  # load balancers in front that set X-Forwarded-For/-Proto (0: none)
OIDC_ENV = "BOROUGH_INSIGHT_OIDC_"             # _ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME, _ONLY (docs/security.md)
DEV_SECRET_FILE = REPO / "instance" / "secret.key"
PAGES = REPO / "dashboards" / "pages"

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def default_warehouse() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or REPO / "demo" / "warehouse.duckdb")


@dataclass(frozen=True)
class AppConfig:
    warehouse: Path = field(default_factory=default_warehouse)
    title: str = "Borough Insight"
    cache_redis_url: str | None = field(default_factory=lambda: os.environ.get(CACHE_REDIS_ENV) or None)
    users_file: Path | None = field(default_factory=lambda: _path_or_none(os.environ.get(USERS_ENV)))
    secret_key: str | None = field(default_factory=lambda: os.environ.get(SECRET_ENV) or None)
    production: bool = field(default_factory=lambda: os.environ.get(PRODUCTION_ENV, "").lower() == "production")
    session_idle_minutes: int = 30
    app_db_url: str | None = field(default_factory=lambda: os.environ.get(APP_DB_ENV) or None)
    proxy_hops: int = field(default_factory=lambda: int(os.environ.get(PROXY_HOPS_ENV) or 0))
    # sign-in through the council's identity provider (OpenID Connect), when an issuer is set
    oidc_issuer: str | None = field(default_factory=lambda: os.environ.get(OIDC_ENV + "ISSUER") or None)
    oidc_client_id: str | None = field(default_factory=lambda: os.environ.get(OIDC_ENV + "CLIENT_ID") or None)
    oidc_client_secret: str | None = field(default_factory=lambda: os.environ.get(OIDC_ENV + "CLIENT_SECRET") or None)
    oidc_name: str = field(default_factory=lambda: os.environ.get(OIDC_ENV + "NAME") or "your council account")
    oidc_only: bool = field(default_factory=lambda: os.environ.get(OIDC_ENV + "ONLY", "").lower() in ("1", "true"))
    # the published views (/published/...) for anyone, signed in or not; off unless the council enables it
    public_views: bool = field(default_factory=lambda: os.environ.get(PUBLIC_VIEWS_ENV, "").lower() in ("1", "true"))

    @classmethod
    def of(cls, config: AppConfig | dict | None) -> AppConfig:
        if config is None or isinstance(config, AppConfig):
            return config or cls()
        unknown = set(config) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown app setting(s): {', '.join(sorted(unknown))}")
        values = dict(config)
        for name in ("warehouse", "users_file"):
            if values.get(name) is not None:
                values[name] = Path(values[name])
            else:
                values.pop(name, None)
        return cls(**values)


class StartupError(RuntimeError):
    """The app cannot start as configured; the message says what to change (shown without a traceback)."""


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def secret_key(config: AppConfig) -> str:
    """From the environment; in development, a key kept in instance/ (made once, so sessions survive restarts and
    every worker of `make serve` signs alike)."""
    if config.secret_key:
        return config.secret_key
    if config.production:
        raise StartupError(f"{SECRET_ENV} must be set in production (a long random string, the same for every worker)")
    if not DEV_SECRET_FILE.exists():
        DEV_SECRET_FILE.parent.mkdir(exist_ok=True)
        DEV_SECRET_FILE.write_text(secrets.token_hex(32), encoding="utf-8")
        DEV_SECRET_FILE.chmod(0o600)
    return DEV_SECRET_FILE.read_text(encoding="utf-8").strip()


def oidc_settings(config: AppConfig) -> OidcSettings | None:
    if not config.oidc_issuer:
        return None
    if not (config.oidc_client_id and config.oidc_client_secret):
        raise StartupError(f"{OIDC_ENV}ISSUER is set: {OIDC_ENV}CLIENT_ID and {OIDC_ENV}CLIENT_SECRET are needed too")
    return OidcSettings(config.oidc_issuer, config.oidc_client_id, config.oidc_client_secret, config.oidc_name,
                        config.oidc_only)


def app_database(config: AppConfig) -> AppDatabase:
    """The application database, brought to the latest schema at start-up (Alembic)."""
    database = AppDatabase(config.app_db_url) if config.app_db_url else AppDatabase.beside(config.warehouse)
    try:
        database.upgrade()
        database.forget_old_sessions()
    except Exception as exc:  # noqa: BLE001 - any driver's error: say which database and why, then stop
        raise StartupError(f"the application database cannot be opened or migrated: {exc}") from None
    return database


def load_users(config: AppConfig) -> access.Users:
    try:
        users = access.load_users(config.users_file)
    except access.UsersFileError as exc:
        raise StartupError(str(exc)) from None
    if config.production:
        if config.users_file is None:
            raise StartupError(f"{USERS_ENV} must name the council's users file in production (not the demo's)")
        demo = users.with_demo_password()
        if demo:
            raise StartupError(f"refusing to start in production: the demo password is set for {', '.join(demo)}")
    return users


def create_app(config: AppConfig | dict | None = None) -> dash.Dash:
    config = AppConfig.of(config)
    users = load_users(config)   # at start-up: a bad users file stops here with every problem listed
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(REPO / "assets"),
        title=config.title,
        update_title=None,
        index_string=INDEX,
        suppress_callback_exceptions=True,  # page layouts are functions of the warehouse; ids are checked by tests
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config[ui.TITLE_CONFIG] = config.title
    app.server.secret_key = secret_key(config)
    # the guard runs before every other request hook: no Dash route answers an unsigned request
    access.install(app.server, users, access.AccessSettings(
        idle_minutes=config.session_idle_minutes, production=config.production,
        limiter_storage=config.cache_redis_url or "memory://", oidc=oidc_settings(config),
        public_views=config.public_views), app_database(config))
    if config.cache_redis_url:   # else each process keeps its own cache (SimpleCache)
        app.server.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=config.cache_redis_url,
                                 CACHE_KEY_PREFIX="borough-insight:")
    install(app.server, Warehouse(config.warehouse))
    downloads.install(app.server)
    published_store = PublishedStore.beside(config.warehouse)
    open_data.install(app.server, published_store)
    published_pages.install(app.server, published_store)   # their 404 for any other /published/ address
    components.register(app)
    bookmark_views.register(app)   # Save view, Home's saved views, /bookmarks/<id>
    _register_page_callbacks(app)
    refuse_malformed_callbacks(app)
    app.layout = functools.partial(_shell, config.title)   # per request: the nav shows what the user may open
    harden(app.server, app.csp_hashes, config.production)
    if config.proxy_hops:   # the client's address (rate limits, audit) and https as the balancer saw them
        app.server.wsgi_app = ProxyFix(app.server.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops,
                                       x_host=config.proxy_hops)
    return app


def _register_page_callbacks(app) -> None:
    """Pages with callbacks of their own declare them on a `callbacks` (dashboards.ui.PageCallbacks)."""
    for page in dash.page_registry.values():
        declared = getattr(sys.modules.get(page["module"]), "callbacks", None)
        if isinstance(declared, ui.PageCallbacks):
            declared.register(app)


def _shell(title: str):
    pages = sorted(dash.page_registry.values(), key=lambda page: (page.get("order") is None, page.get("order") or 0))
    # /services/<slug> is reached from Home; pages outside the user's access are not offered
    pages = [page for page in pages if not page.get("path_template") and page_access.may_open(page)]
    nav = dbc.Nav([dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"],
                                           id={"type": components.NAV, "path": page["relative_path"]}))
                   for page in pages]
                  # the published figures are pages of their own (dashboards/published/), outside Dash
                  + [dbc.NavItem(dbc.NavLink("Published figures", href="/published/", external_link=True,
                                             id="nav-published"))],
                  navbar=True)  # hrefs keep the selection: components.callbacks.nav_links
    return html.Div([
        html.A("Skip to main content", href="#main-content", className="visually-hidden-focusable skip-link"),
        html.Header(dbc.Navbar(dbc.Container([dbc.NavbarBrand(title, href="/", id=components.BRAND), nav,
                                              _signed_in_as()]),
                               color="white", className="site-nav"),
                    **{"aria-label": "Site"}),
        html.Main(dbc.Container([*components.shell_parts(), dash.page_container], className="py-3", fluid="xl"),
                  id="main-content", tabIndex="-1"),
    ])


def _signed_in_as():
    user = access.signed_in_user()
    if user is None:
        return None
    return html.Form([html.Span(user.display_name, className="small me-2 text-nowrap", id="signed-in-as"),
                      dcc.Input(type="hidden", name="csrf", value=access.csrf_token(), id="sign-out-csrf"),
                      html.Button("Sign out", type="submit", className="btn btn-sm btn-outline-secondary text-nowrap",
                                  id="sign-out")],
                     action="/logout", method="POST", className="d-flex align-items-center ms-auto")


def wsgi():
    """The Flask server for a WSGI host (gunicorn 'app:wsgi()'), configured from the environment."""
    return create_app().server


def __getattr__(name: str):
    """`app.server` (gunicorn app:server) is created on first use, never at import."""
    if name == "server":
        globals()["server"] = wsgi()
        return globals()["server"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python app.py", description="Serve the Borough Insight dashboards")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--warehouse", type=Path, help=f"warehouse file (default: ${WAREHOUSE_ENV} or demo/)")
    parser.add_argument("--debug", action="store_true", help="Dash dev tools and reloading; never in production")
    args = parser.parse_args(argv)
    try:
        app = create_app({"warehouse": args.warehouse})
    except StartupError as exc:
        sys.exit(f"cannot start: {exc}")
    app.run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()

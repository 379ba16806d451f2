"""Serving the app on a free local port and driving Debian's Chromium (no browser is downloaded)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from signing_in import sign_in_browser
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ASSETS = Path(__file__).resolve().parents[2] / "assets"


@contextmanager
def serve(config) -> Iterator[str]:
    """The app over `config` (or an app already created), served by a background thread on 127.0.0.1 and a free
    port; yields its base URL."""
    from app import create_app

    app = config if hasattr(config, "server") else create_app(config)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_app():
    """live_app(config) is a context manager serving the app; `with live_app({...}) as url:`."""
    return serve


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run make browser (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _signing_in_as(page, username: str | None):
    """page.goto signs in as `username` (with the sign-in form) when the app sends it to the sign-in page, then
    goes on to the address asked for; `page.sign_in_as = None` for a test of signing in itself."""
    go = page.goto
    page.sign_in_as = username

    def goto(address, **options):
        response = go(address, **options)
        if page.sign_in_as and urlsplit(page.url).path == "/login":
            base = "{0.scheme}://{0.netloc}".format(urlsplit(address))
            sign_in_browser(page, base, page.sign_in_as)
            response = go(address, **options)
        return response

    page.goto = goto


@pytest.fixture
def page(browser):
    """A fresh page signed in as the admin on its first visit; page.errors collects console errors and uncaught
    exceptions (a test asserts it is empty)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    _signing_in_as(page, "admin")
    yield page
    context.close()


@pytest.fixture(scope="module")
def selection_js(browser):
    """selection_js("toggle", state, "ward", "Belsize") runs a function of assets/selection_state.js (the
    selection as the browser works it out) or assets/page_view.js (how the browser lays out a page's view) in
    Chromium and returns its result; a dotted name is looked up from window ("dash_clientside.selection.nav",
    "biPageView.sortedRows"), a plain one in window.biSelection."""
    context = browser.new_context()
    blank = context.new_page()
    blank.add_script_tag(path=str(ASSETS / "selection_state.js"))
    blank.add_script_tag(path=str(ASSETS / "page_view.js"))

    def call(name: str, *args):
        return blank.evaluate("""([name, args]) => {
            const path = name.includes(".") ? name.split(".") : ["biSelection", name];
            const owner = path.slice(0, -1).reduce((object, key) => object[key], window);
            return owner[path[path.length - 1]](...args);
        }""", [name, list(args)])

    yield call
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def app(demo_warehouse):
    """The app over the session's demo warehouse, created once per test module (a module may define its own)."""
    from app import create_app

    return create_app({"warehouse": demo_warehouse})


@pytest.fixture(scope="session")
def published(demo_warehouse, tmp_path_factory):
    """A copy of the demo warehouse with two public snapshots beside it: 2026-10 (withdrawn) and 2026-10-v2
    (current)."""
    import shutil

    from reports.published_store import PublishedStore
    from reports.publishing import publish

    warehouse = tmp_path_factory.mktemp("open-data") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)
    publish(warehouse, published_by="data-team", public=True)
    publish(warehouse, published_by="data-team", public=True)
    PublishedStore.beside(warehouse).withdraw("2026-10", by="data-team", reason="a ward was misnamed")
    return warehouse


@pytest.fixture(scope="module")
def con(demo_con):
    """The page tests' plain-SQL connection: the session demo warehouse, read-only."""
    return demo_con


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real redis-server (Debian's, installed by make test) on a free port, for the session; its URL."""
    import shutil
    import socket
    import subprocess
    import time

    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server is missing: run make redis (installs Debian's redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    else:
        process.terminate()
        pytest.fail("redis-server did not answer within 10 s")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)

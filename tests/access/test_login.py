"""Signing in and the guard: every route but the sign-in page and static files needs a session (pages redirect,
everything else is 401 with no data), the form checks its token and the password, a session idle too long ends,
sign-in attempts are rate-limited, and production refuses the demo's passwords and a missing secret."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from signing_in import CSRF, sign_in, signed_in_client

from access.login import app_db
from app import AppConfig, StartupError, create_app
from app_db.schema import sessions

OPEN = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico")


@pytest.fixture(scope="module")
def app(demo_warehouse):
    return create_app({"warehouse": demo_warehouse})


def routes(app) -> list[str]:
    """Every route the server has, with a made-up value for each variable part."""
    paths = []
    for rule in app.server.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<path:{argument}>", "x/y.js").replace(f"<{argument}>", "x")
        paths.append(path)
    return sorted(set(paths))


def test_every_route_but_sign_in_and_static_files_needs_a_session(app):
    client = app.server.test_client()
    checked = 0
    for path in routes(app):
        if path.startswith(OPEN):
            continue
        for method in ("GET", "POST"):
            response = client.open(path, method=method, json={"output": "x"} if method == "POST" else None)
            assert response.status_code in (302, 401, 405), (method, path, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next=%2F")
            body = response.get_data(as_text=True)
            assert "_dash-config" not in body and "repairs" not in body.lower(), (method, path)
            checked += 1
    assert checked >= 10
    assert {"/", "/x/y.js", "/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/logout",
            "/audit/downloaded"} <= set(routes(app))


@pytest.mark.parametrize("path, status", [("/", 302), ("/adult-social-care?ward=Belsize", 302),
                                          ("/services/parking", 302), ("/_dash-layout", 401),
                                          ("/_dash-dependencies", 401)])
def test_dash_routes_answer_nothing_before_sign_in(app, path, status):
    response = app.server.test_client().get(path)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"] == "/login?" + urlencode({"next": path})


def test_a_callback_request_before_sign_in_is_401_with_no_data(app):
    response = app.server.test_client().post("/_dash-update-component", json={
        "output": "..bi-selection.data...", "outputs": [], "inputs": [], "changedPropIds": []})
    assert response.status_code == 401 and response.get_data(as_text=True) == "Sign in first."


def test_the_sign_in_page_is_open_and_static_files_too(app):
    client = app.server.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and 'for="login-username"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/assets/borough.css").status_code == 200


def test_signing_in_goes_where_the_user_was_going(app):
    client = app.server.test_client()
    response = sign_in(client, "parking-manager", next_path="/parking?ward=Belsize")
    assert response.status_code == 302 and response.headers["Location"] == "/parking?ward=Belsize"
    assert client.get("/_dash-layout").status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/logout",
                                    "javascript:alert(1)"])
def test_signing_in_never_sends_the_user_to_another_site(app, target):
    response = sign_in(app.server.test_client(), "admin", next_path=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("admin", ""), ("nobody", "demo"),
                                                ("ADMIN ", "Demo")])
def test_a_wrong_password_or_user_is_refused_with_one_message(app, username, password):
    response = sign_in(app.server.test_client(), username, password)
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "The username or password is not right." in text and 'role="alert"' in text


def test_the_username_is_not_case_sensitive(app):
    assert sign_in(app.server.test_client(), "Admin ", "demo").status_code == 302


def test_the_form_needs_its_token(app):
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": "demo"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_signing_out_ends_the_session(app):
    client = signed_in_client(app, "admin")
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout", data={}).status_code == 400   # no token: a page elsewhere cannot sign you out
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/logout", data={"csrf": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401


def test_a_session_idle_too_long_ends(app):
    client = signed_in_client(app, "admin")
    assert client.get("/_dash-dependencies").status_code == 200
    with app.server.app_context(), app_db().engine.begin() as connection:   # the session was last seen 31 min ago
        earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
        connection.execute(sessions.update().values(last_seen_at=earlier))
    assert client.get("/_dash-dependencies").status_code == 401
    assert client.get("/repairs").status_code == 302


def test_a_cookie_copied_before_signing_out_is_refused_after(app):
    client = signed_in_client(app, "care-manager")
    cookie = client.get_cookie("session").value
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    thief = app.server.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/_dash-layout").status_code == 401


def test_failed_sign_in_attempts_are_rate_limited(demo_warehouse):
    app = create_app({"warehouse": demo_warehouse})   # its own limiter's count
    client = app.server.test_client()
    for _ in range(3):
        assert sign_in(client, "finance", "demo").status_code == 302   # signing in is not a failed attempt
    statuses = [sign_in(client, "admin", "guess").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert sign_in(client, "admin", "demo").status_code == 429   # even the right password waits


def test_a_malformed_callback_request_when_signed_in_is_400(app):
    client = signed_in_client(app, "admin")
    response = client.post("/_dash-update-component", data=json.dumps({"nope": 1}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_production_refuses_the_demo_passwords(demo_warehouse, tmp_path):
    with pytest.raises(StartupError, match="BOROUGH_INSIGHT_USERS must name"):
        create_app(AppConfig(warehouse=demo_warehouse, production=True, secret_key="s" * 64))
    demo_copy = tmp_path / "users.yaml"
    demo_copy.write_text((AppConfig().users_file or __import__("access").users.DEMO_USERS).read_text())
    with pytest.raises(StartupError, match="demo password is set for admin, finance"):
        create_app(AppConfig(warehouse=demo_warehouse, production=True, secret_key="s" * 64, users_file=demo_copy))


def test_production_needs_a_secret_from_the_environment(demo_warehouse, tmp_path):
    from access.users import hash_password

    users = tmp_path / "users.yaml"
    users.write_text(f'users:\n  - username: ops\n    role: admin\n    password_hash: "{hash_password("long-pass")}"\n')
    with pytest.raises(StartupError, match="BOROUGH_INSIGHT_SECRET_KEY must be set"):
        create_app(AppConfig(warehouse=demo_warehouse, production=True, users_file=users))
    app = create_app(AppConfig(warehouse=demo_warehouse, production=True, users_file=users, secret_key="k" * 64))
    response = sign_in(app.server.test_client(), "ops", "long-pass")
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    over_tls = app.server.test_client().get("/login", base_url="https://borough.example")   # behind the balancer
    assert "max-age=" in over_tls.headers["Strict-Transport-Security"]


def test_a_bad_users_file_stops_the_start_with_its_problems(demo_warehouse, tmp_path):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - username: x\n    role: boss\n")
    with pytest.raises(StartupError, match=r"users\[0\]\.role \(line 3\)"):
        create_app(AppConfig(warehouse=demo_warehouse, users_file=users))


def test_every_response_carries_the_security_headers(app):
    client = signed_in_client(app, "admin")
    for path in ("/login", "/", "/_dash-layout", "/assets/borough.css"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers   # development: no TLS in front


def test_the_policy_names_every_inline_script_the_page_carries(app):
    import base64
    import hashlib
    import re

    client = signed_in_client(app, "admin")
    page = client.get("/repairs")
    scripts = [body for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page.get_data(as_text=True),
                                                         re.S) if body.strip() and "application/json" not in attributes]
    assert len(scripts) >= 3
    policy = page.headers["Content-Security-Policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_behind_a_load_balancer_the_clients_address_and_tls_are_the_balancers_word(warehouse_copy):
    app = create_app(AppConfig(warehouse=warehouse_copy, proxy_hops=1))   # its own audit log
    client = app.server.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    page = client.get("/login", headers=forwarded)
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf": token, "username": "admin", "password": "x"}, headers=forwarded)
    assert response.status_code == 401
    with app.server.app_context():
        [failed] = app_db().events(event="failed-sign-in", username="admin", limit=1)[0]
    assert failed.address == "203.0.113.9"

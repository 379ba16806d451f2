"""Sign-in through an identity provider (OpenID Connect), against a real provider the suite starts on localhost
(oidc-provider-mock: authlib's OpenID provider with a form to pick the person). The app discovers it from its issuer
URL, runs the authorisation-code flow and checks the ID token; the users file's `email:` says who may come in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from oidc_provider_mock import run_server_in_thread
from signing_in import sign_in

from access.login import app_db
from app import AppConfig, StartupError, create_app


@pytest.fixture(scope="module")
def issuer():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def make_app(warehouse_copy, issuer):
    def make(**settings):
        config = {"oidc_issuer": issuer, "oidc_client_id": "borough-insight", "oidc_client_secret": "s3cret",
                  "oidc_name": "Camden account", **settings}
        return create_app(AppConfig(warehouse=warehouse_copy, **config))
    return make


def provider_answers(client, person: str | None, next_path: str = "/", deny: bool = False):
    """Start at the app, sign in at the provider as `person` (its form), come back: the app's last response."""
    start = client.get(f"/login/oidc?next={next_path}")
    assert start.status_code == 302
    form = {"action": "deny"} if deny else {"sub": person}
    answer = httpx.post(start.headers["Location"], data=form)
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def events(app, event):
    with app.server.app_context():
        return app_db().events(event=event)[0]


def test_a_known_person_signs_in_and_lands_where_they_were_going(make_app):
    app = make_app()
    client = app.server.test_client()
    landed = provider_answers(client, "care-manager@camden.example", "/adult-social-care?ward=Belsize")
    assert landed.status_code == 302 and landed.headers["Location"] == "/adult-social-care?ward=Belsize"
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Adult social care" in layout and "Parking" not in layout
    [signed] = events(app, "sign-in")
    assert (signed.username, signed.detail) == ("care-manager", "oidc")


def test_someone_the_users_file_does_not_know_is_refused(make_app):
    app = make_app()
    client = app.server.test_client()
    refused = provider_answers(client, "stranger@camden.example")
    assert refused.status_code == 403 and "has no access" in refused.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    assert "stranger@camden.example" in events(app, "failed-sign-in")[0].detail


def test_a_refusal_at_the_provider_is_a_plain_message(make_app):
    client = make_app().server.test_client()
    refused = provider_answers(client, None, deny=True)
    assert refused.status_code == 400 and "did not complete" in refused.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_a_forged_callback_is_refused(make_app):
    app = make_app()
    client = app.server.test_client()
    start = client.get("/login/oidc")
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    forged = client.get(f"/login/oidc/callback?code=made-up&state={state}x")
    assert forged.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_the_sign_in_page_offers_the_provider_beside_passwords(make_app):
    client = make_app().server.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Camden account" in page and 'id="login-password"' in page
    assert sign_in(client, "admin").status_code == 302


def test_with_the_provider_only_passwords_are_refused(make_app):
    client = make_app(oidc_only=True).server.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Camden account" in page and 'id="login-password"' not in page
    refused = client.post("/login", data={"username": "admin", "password": "demo"})
    assert refused.status_code == 403
    assert client.get("/_dash-layout").status_code == 401
    assert provider_answers(client, "admin@camden.example").status_code == 302


def test_an_issuer_without_its_client_stops_the_start(warehouse_copy, issuer):
    with pytest.raises(StartupError, match="CLIENT_ID and BOROUGH_INSIGHT_OIDC_CLIENT_SECRET are needed"):
        create_app(AppConfig(warehouse=warehouse_copy, oidc_issuer=issuer))

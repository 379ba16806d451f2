"""Sign-in through the council's identity provider (OpenID Connect: Entra ID, as councils use), by configuration.

authlib does the protocol: discovery from the issuer's /.well-known/openid-configuration, the authorisation-code
flow with state and nonce, the ID token's signature checked against the provider's keys. The provider says who the
person is (their `email`, or Entra ID's `preferred_username`); the users file says what they may see (a user's
`email:`). Someone the provider knows but the users file does not is refused, and the refusal audited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import flask
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth

log = logging.getLogger(__name__)
START_PATH, CALLBACK_PATH = "/login/oidc", "/login/oidc/callback"
NEXT_KEY = "oidc_next"
IDENTITY_CLAIMS = ("email", "preferred_username", "upn")   # the first present names the person


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    name: str = "your council account"   # the button says "Sign in with <name>"
    only: bool = False                   # local passwords are refused: the provider is the only way in


def identity(userinfo: dict) -> str | None:
    for claim in IDENTITY_CLAIMS:
        value = userinfo.get(claim)
        if isinstance(value, str) and value:
            return value
    return None


def install(server: flask.Flask, settings: OidcSettings, *, sign_in: Callable, refuse: Callable,
            safe_next: Callable[[str | None], str]) -> None:
    """sign_in(email) -> a response (or None when nobody in the users file has that email); refuse(message, status)
    -> the sign-in page with the message."""
    oauth = OAuth(server)
    provider = oauth.register(
        "council", client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"})

    def start():
        flask.session[NEXT_KEY] = safe_next(flask.request.args.get("next"))
        return provider.authorize_redirect(flask.url_for("oidc_callback", _external=True))

    def callback():
        try:
            token = provider.authorize_access_token()
        except OAuthError as exc:   # refused at the provider, a stale or forged state, a bad token
            log.info("OIDC sign-in did not complete: %s", exc)
            return refuse(f"Signing in with {settings.name} did not complete. Please try again.", 400,
                          json.dumps({"oidc": exc.error}))
        email = identity(token.get("userinfo") or {})
        response = sign_in(email, flask.session.pop(NEXT_KEY, "/")) if email else None
        if response is None:
            return refuse(f"Your {settings.name} has no access to this service. Ask the data team for it.", 403,
                          json.dumps({"oidc": email}))
        return response

    server.add_url_rule(START_PATH, "oidc_start", start, methods=["GET"])
    server.add_url_rule(CALLBACK_PATH, "oidc_callback", callback, methods=["GET"])

"""Security headers on every response (flask-talisman): a Content-Security-Policy that lets only this server's
scripts run (Dash's inline renderer and clientside scripts by their hashes, Dash.csp_hashes()), no framing by other
sites, no MIME sniffing, a strict referrer policy, and HSTS in production.

TLS itself is the load balancer's (docs/security.md), so the app does not redirect to https (behind a proxy that
would loop); in production it sends HSTS and marks the session cookie Secure.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from flask_talisman import Talisman


def content_security_policy(script_hashes: list[str]) -> dict[str, str | list[str]]:
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *script_hashes],
        # plotly.js sets styles inline on the elements it draws, as Dash's components do: inline style attributes
        # and the <style> plotly adds cannot carry hashes
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],   # KPI sparklines and plotly's mode-bar icons are data: images
        "font-src": "'self'",
        "connect-src": ["'self'", "data:"],   # plotly's map reads its (empty) base map from a data: URL
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def harden(server: flask.Flask, script_hashes: Callable[[], list[str]], production: bool) -> None:
    """script_hashes(): the hashes of the inline scripts the index page carries (Dash.csp_hashes). Read on every
    request: Dash adds the pages' own clientside script when it sets itself up, at the first request."""
    talisman = Talisman(server, content_security_policy=content_security_policy(script_hashes()), force_https=False,
                        frame_options="DENY", strict_transport_security=production, session_cookie_secure=production,
                        referrer_policy="strict-origin-when-cross-origin", x_content_type_options=True)

    @server.before_request
    def _current_hashes():
        hashes = script_hashes()
        if hashes != talisman.content_security_policy["script-src"][1:]:
            talisman.content_security_policy = content_security_policy(hashes)

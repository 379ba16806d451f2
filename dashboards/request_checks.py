"""Malformed requests get a 4xx, never a 500: a callback request naming no callback of this app, or not shaped as
Dash's renderer sends it, is refused with 400 before Dash looks it up (Dash raises KeyError or TypeError there,
which Flask turns into a 500 and a traceback in the log)."""

from __future__ import annotations

import flask

CALLBACK_PATH = "_dash-update-component"


def refuse_malformed_callbacks(app) -> None:
    path = app.config.requests_pathname_prefix + CALLBACK_PATH

    @app.server.before_request
    def _check_callback_request():
        if flask.request.path != path or flask.request.method != "POST":
            return None
        problem = callback_request_problem(flask.request.get_json(silent=True), app.callback_map)
        return (problem, 400, {"Content-Type": "text/plain; charset=utf-8"}) if problem else None


def callback_request_problem(body, callback_map: dict) -> str | None:
    """Why a callback request body cannot be answered, or None when it is well formed for this app."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    if not isinstance(body.get("output"), str) or body["output"] not in callback_map:
        return "the request names no callback of this app"
    if not isinstance(body.get("outputs"), (dict, list)):
        return "the request has no outputs"
    for key in ("inputs", "state"):
        if not isinstance(body.get(key, []), list) or not all(isinstance(i, (dict, list)) for i in body.get(key, [])):
            return f"the request's {key} must be a list of objects"
    if not isinstance(body.get("changedPropIds", []), list):
        return "the request's changedPropIds must be a list"
    callback = callback_map[body["output"]]
    for key in ("inputs", "state"):
        if len(body.get(key, [])) != len(callback.get(key, [])):
            return f"the request's {key} do not match the callback's ({len(callback.get(key, []))} expected)"
    return None

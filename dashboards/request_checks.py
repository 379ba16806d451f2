"""Malformed requests get a 4xx, never a 500: a callback request naming no callback of this app, or not shaped as
Dash's renderer sends it, is refused with 400 before Dash looks it up (Dash raises KeyError or TypeError there,
which Flask turns into a 500 and a traceback in the log). So is a selection naming a named value no dimension has
(`?month=@next-century`), in a page's address or in the selection a callback is sent, with the names it could be
(query/named_selections.py)."""

from __future__ import annotations

import flask

from dashboards.components import selection
from query import named_selections as named

CALLBACK_PATH = "_dash-update-component"
UNKNOWN_NAME = "This address selects something that does not exist: {problem}. Remove it, or choose from the lists."
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


def refuse_malformed_callbacks(app) -> None:
    path = app.config.requests_pathname_prefix + CALLBACK_PATH

    @app.server.before_request
    def _check_callback_request():
        if flask.request.method == "GET":
            problem = named_value_problem(flask.request.args.to_dict(flat=False))
            return (UNKNOWN_NAME.format(problem=problem), 400, PLAIN) if problem else None
        if flask.request.path != path or flask.request.method != "POST":
            return None
        body = flask.request.get_json(silent=True)
        problem = callback_request_problem(body, app.callback_map) or selection_problem(body)
        return (problem, 400, PLAIN) if problem else None


def named_value_problem(state) -> str | None:
    """Why a selection (a URL's arguments, the selection store) cannot be answered: an unknown named value."""
    if not isinstance(state, dict) or not any(named.PREFIX in str(values) for values in state.values()):
        return None  # the common case, with no lookup
    try:
        named.check(selection.known(state))
    except named.UnknownNamedValue as error:
        return str(error)
    return None


def selection_problem(body: dict) -> str | None:
    """An unknown named value in the selection store a (well-formed) callback request carries as an input."""
    for item in body.get("inputs", []):
        if isinstance(item, dict) and item.get("id") == selection.STORE and item.get("property") == "data":
            return named_value_problem(item.get("value"))
    return None


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

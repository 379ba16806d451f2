"""A malformed callback request gets a 400 with a plain reason; a well-formed one is still answered."""

from __future__ import annotations

import json

import pytest
from signing_in import signed_in_client

from dashboards.request_checks import callback_request_problem

CALLBACKS = {"selection-store.data": {"inputs": [{"id": "url", "property": "search"}], "state": []}}
GOOD = {"output": "selection-store.data", "outputs": {"id": "selection-store", "property": "data"},
        "inputs": [{"id": "url", "property": "search", "value": ""}], "changedPropIds": []}


@pytest.mark.parametrize("body, reason", [
    (None, "JSON object"), ([], "JSON object"), ({}, "names no callback"),
    ({**GOOD, "output": "nope.children"}, "names no callback"), ({**GOOD, "outputs": None}, "no outputs"),
    ({**GOOD, "inputs": "x"}, "inputs must be"), ({**GOOD, "state": [1]}, "state must be"),
    ({**GOOD, "changedPropIds": "x"}, "changedPropIds"),
    ({**GOOD, "inputs": []}, "inputs do not match the callback's (1 expected)"),
    ({**GOOD, "state": [{"id": "x", "property": "y", "value": 1}]}, "state do not match"),
])
def test_problems_are_named(body, reason):
    assert reason in callback_request_problem(body, CALLBACKS)


def test_a_well_formed_body_passes():
    assert callback_request_problem(GOOD, CALLBACKS) is None


def test_the_app_answers_400_not_500(app):
    client = signed_in_client(app)
    for body in (b"{not json", b"[]", json.dumps({"output": "nope.children"}).encode(),
                 json.dumps({"output": next(iter(app.callback_map)), "outputs": None}).encode()):
        response = client.post("/_dash-update-component", data=body, content_type="application/json")
        assert response.status_code == 400, body
    assert client.get("/_dash-layout").status_code == 200


# cards' "Show" choices as a browser could send them: a measure the card does not offer, one it does, made-up ids
SHOWS = [({"card": "by-contractor", "page": "repairs", "type": "bi-show"}, "pcns_issued"),
         ({"card": "by-trade", "page": "repairs", "type": "bi-show"}, "repairs_overdue"),
         ({"card": ["x"], "page": "repairs", "type": "bi-show"}, {"x": 1})]


def test_a_view_asked_for_pages_and_lists_that_do_not_exist_is_not_a_500(app):
    """The view request names its page and filter lists by ids the browser sends: made-up ones get no view or an
    error message in the list's place, never a 500."""
    view = {"page": "no-such-page", "type": "bi-page-view"}
    lists = [{"id": {"dim": "nope", "page": "repairs", "type": "bi-filter"}, "property": "id",
              "value": {"dim": "nope", "page": "repairs", "type": "bi-filter"}}]
    client = signed_in_client(app)
    for page in ("no-such-page", "repairs"):
        target = dict(view, page=page)
        body = {"output": '{"page":["ALL"],"type":"bi-page-view"}.data',
                "outputs": [{"id": target, "property": "data"}],
                "inputs": [{"id": "bi-selection", "property": "data", "value": {"ward": ["Belsize"]}},
                           [{"id": show, "property": "data", "value": value} for show, value in SHOWS]],
                "changedPropIds": ["bi-selection.data"],
                "state": [[{"id": target, "property": "id", "value": target}], lists,
                          {"id": "bi-url", "property": "pathname", "value": "/repairs"},
                          [{"id": show, "property": "id", "value": show} for show, _ in SHOWS]]}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code < 500, (page, response.status_code)
        if page == "repairs":
            answer = response.get_json()["response"]['{"page":"repairs","type":"bi-page-view"}']["data"]
            assert answer["filters"][0]["error"] and answer["tiles"][0]["value"]
            shown = {card["id"]: card["show"] for card in answer["cards"]}
            assert shown["repairs-by-contractor"] == "repairs_raised"  # not offered: the card's own
            assert shown["repairs-by-trade"] == "repairs_overdue"

"""The selection bar's search across fields (dashboards/components/value_search.py) through the app's callback
route: hostile texts (quotes, LIKE wildcards, control characters, 10 kB, not text at all) and selections get a
readable answer or a 400, never a server error; a page outside the user's access lists nothing; what is listed is
what plain SQL finds."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signing_in import signed_in_client

from app import create_app
from dashboards.components import value_search

TEXTS = st.one_of(
    st.sampled_from(["kentish", "KENTISH", "%", "_", "\\", "%_\\", "x' or '1'='1", "\u0000", "\u0007\u001b[2J",
                     "Ünïcødé ✓", "", "   ", "a" * 101]),
    st.text(max_size=30),
    st.text(min_size=1, max_size=10, alphabet="%_\\'-").map(lambda piece: (piece * 10_000)[:10_000]),
    st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                                           st.text(max_size=3)),
)
STATES = st.one_of(st.none(), st.text(max_size=5), st.dictionaries(
    st.sampled_from(["ward", "contractor", "financial_year", "made_up"]), st.lists(st.text(max_size=8), max_size=2),
    max_size=3))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def clients(demo_warehouse):
    app = create_app({"warehouse": demo_warehouse})
    return {name: signed_in_client(app, name) for name in ("parking-manager", "admin")}


def search_request(text, pathname, state=None) -> dict:
    return {"output": f"{value_search.ANSWER}.data", "outputs": {"id": value_search.ANSWER, "property": "data"},
            "inputs": [{"id": value_search.INPUT, "property": "value", "value": text}],
            "changedPropIds": [f"{value_search.INPUT}.value"],
            "state": [{"id": "bi-url", "property": "pathname", "value": pathname},
                      {"id": "bi-selection", "property": "data", "value": state}]}


def ask(client, text, pathname, state=None):
    return client.post("/_dash-update-component", data=json.dumps(search_request(text, pathname, state)),
                       headers={"Content-Type": "application/json"})


def answer_of(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"][value_search.ANSWER]["data"]


@SETTINGS
@given(text=TEXTS, state=STATES, pathname=st.sampled_from(["/repairs", "/parking", "/", "/nowhere", None]),
       user=st.sampled_from(["parking-manager", "admin"]))
def test_hostile_searches_get_a_readable_answer(clients, text, state, pathname, user):
    response = ask(clients[user], text, pathname, state)
    assert response.status_code in (200, 204, 400), response.get_data(as_text=True)[:300]
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code == 200:
        answer = answer_of(response)
        assert set(answer) == {"text", "groups", "note"}
        assert answer["note"] != value_search.FAILED
    if user == "parking-manager" and pathname == "/repairs":
        assert response.status_code in (204, 400)   # a page outside their access answers nothing


def test_what_cannot_be_searched_says_so(clients):
    assert answer_of(ask(clients["admin"], "x" * 10_000, "/repairs"))["note"] == "Search for at most 100 characters."
    assert answer_of(ask(clients["admin"], 42, "/repairs"))["note"] == "Type a word to search for."
    assert answer_of(ask(clients["admin"], "kentish", "/audit-log"))["note"] == value_search.NOT_HERE
    assert answer_of(ask(clients["admin"], "%_", "/repairs")) == {"text": "%_", "groups": [],
                                                                  "note": "Nothing matches “%_”."}
    assert answer_of(ask(clients["admin"], "k", "/repairs"))["note"] == "Type at least 2 characters to search."
    assert ask(clients["parking-manager"], "kentish", "/repairs").status_code == 204   # outside their access


def test_kentish_lists_its_wards_with_their_states(clients, demo_con):
    wards = [r[0] for r in demo_con.execute(
        "select distinct w.ward_name from fact_repairs_job f join dim_ward w using (ward_key) "
        "where w.ward_name ilike '%kentish%' order by 1").fetchall()]
    answer = answer_of(ask(clients["admin"], "  kentish\u0000", "/repairs", {"ward": [wards[0]]}))
    assert answer["text"] == "kentish"
    ward = next(g for g in answer["groups"] if g["dimension"] == "ward")
    assert ward["label"] == "Ward"
    assert [(v["value"], v["state"]) for v in ward["values"]] == [(wards[0], "selected"), (wards[1], "possible")]

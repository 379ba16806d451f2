"""Property-based (hypothesis): selections with quotes, SQL comments, unicode, 10 kB strings and made-up dimension
names get a clean answer (a view, an empty one, or a 400), never a server error, and never a row outside the user's
scope, both in the query layer and through the app's callback route."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signing_in import signed_in_client

from app import create_app
from data_models.semantic_layer import UnknownNameError, load_semantic_layer
from query.compiler import QueryError, measure_sql
from query.scope import Scope

LAYER = load_semantic_layer()
HOSTILE_TEXT = st.one_of(
    st.sampled_from(["Belsize", "King's Cross", "x' or '1'='1", "'; drop table fact_spend; --", "/* */ 1=1 --",
                     "PRK') or ('a'='a", "\u0000", "Ünïcødé ✓ 🅿️", "%", "_", "\\", '"', "NULL", ""]),
    st.text(max_size=40),
    # 10 kB: built from a short piece (hypothesis does not draw strings that long itself)
    st.text(min_size=1, max_size=10, alphabet="'-;*/ab").map(lambda piece: (piece * 10_000)[:10_000]),
)
DIMENSIONS = st.one_of(st.sampled_from(sorted(LAYER.dimensions)), st.text(min_size=1, max_size=20))
SELECTIONS = st.dictionaries(DIMENSIONS, st.lists(HOSTILE_TEXT, max_size=3), max_size=4)
# on the spend fact's own dimensions: every example's values reach the SQL
SPEND_SELECTIONS = st.dictionaries(st.sampled_from(sorted(LAYER.applicable_dimensions("fact_spend"))),
                                   st.lists(HOSTILE_TEXT, max_size=3), max_size=3)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@SETTINGS
@given(selections=SPEND_SELECTIONS)
def test_the_query_layer_keeps_a_manager_to_their_services(demo_con, selections):
    query = measure_sql(LAYER, ["spend_amount"], ["service"], selections, scope=Scope.of(services=["PRK"]))
    rows = demo_con.execute(query.sql, query.params).fetchall()
    assert {row[0] for row in rows} <= {"PRK"}
    assert all(str(value) in query.params.values() for values in selections.values() for value in values)


@SETTINGS
@given(selections=SELECTIONS)
def test_made_up_dimensions_are_a_clean_error(selections):
    try:
        measure_sql(LAYER, ["spend_amount"], ["service"], selections, scope=Scope.of(services=["PRK"]))
    except (UnknownNameError, QueryError) as error:
        assert "unknown dimension" in str(error) or "does not apply" in str(error)


@pytest.fixture(scope="module")
def clients(demo_warehouse):
    app = create_app({"warehouse": demo_warehouse})
    return {name: signed_in_client(app, name) for name in ("parking-manager", "admin")}


def view_request(page: str, state) -> dict:
    view = {"page": page, "type": "bi-page-view"}
    return {"output": '{"page":["ALL"],"type":"bi-page-view"}.data', "outputs": [{"id": view, "property": "data"}],
            "inputs": [{"id": "bi-selection", "property": "data", "value": state}],
            "changedPropIds": ["bi-selection.data"],
            "state": [[{"id": view, "property": "id", "value": view}], [],
                      {"id": "bi-url", "property": "pathname", "value": f"/{page}"}]}


@SETTINGS
@given(state=st.one_of(SELECTIONS, st.none(), st.integers(), st.text(max_size=50),
                       st.lists(st.text(max_size=5), max_size=3)),
       page=st.sampled_from(["parking", "budget", "repairs", "care"]), user=st.sampled_from(["parking-manager",
                                                                                             "admin"]))
def test_the_app_answers_hostile_selections_cleanly(clients, state, page, user):
    response = clients[user].post("/_dash-update-component", data=json.dumps(view_request(page, state)),
                                  headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 204, 400), response.get_data(as_text=True)[:300]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code == 200:
        answer = response.get_json()["response"]
        if user == "parking-manager" and page in ("repairs", "care"):
            assert answer == {}   # pages outside their access answer nothing, whatever the selection

"""Named selections in the render path: ?month=@last-complete-month, ?financial_year=@this-financial-year and
?ward=@kentish-town give the page the real values' figures (recomputed in plain SQL over the small warehouse),
chips and lists say the names, the user's scope still applies, and an unknown name is a 400."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from signing_in import signed_in, signed_in_client
from test_repairs import expected_kpis
from view_data import states

import access
from dashboards.components import data, page_view
from dashboards.components.spec import SPECS
from query.scope import Scope

KENTISH = ["Kentish Town North", "Kentish Town South"]


def spec():
    return SPECS["repairs"]  # registered when the app is made


@pytest.fixture(scope="module")
def as_of(con) -> dt.date:
    """The data's as-of date as plain SQL reads it from the latest successful load."""
    return con.execute("select data_as_of from etl_runs where status = 'succeeded' "
                       "order by finished desc limit 1").fetchone()[0]


def last_complete(as_of: dt.date) -> str:
    """Worked out apart from query.named_selections: the as-of month when it is its last day, else the one before."""
    ended = as_of if (as_of + dt.timedelta(days=1)).day == 1 else as_of.replace(day=1) - dt.timedelta(days=1)
    return ended.strftime("%Y-%m")


def view(app, state, user="admin"):
    with signed_in(app, "/repairs", user):
        data.cache.clear()
        return page_view.page_view(spec(), state)


def tiles(answer) -> dict:
    return {tile["id"]: tile["value"] for tile in answer["tiles"]}


def filter_view(answer, dimension) -> dict:
    return next(f for f in answer["filters"] if f["dimension"] == dimension)


def test_last_complete_month_gives_that_months_tiles(app, con, as_of):
    month = last_complete(as_of)
    named, real = view(app, {"month": ["@last-complete-month"]}), view(app, {"month": [month]})
    assert tiles(named) == tiles(real)
    expected = expected_kpis(con, {"month": [month]})
    with signed_in(app, "/repairs"):
        for tile in spec().kpis:
            measure = data.layer().measure(tile.measure)
            if expected[tile.measure] is not None:
                assert tiles(named)[f"repairs-kpi-{tile.measure}"] == data.fmt(expected[tile.measure], measure.format)
    assert expected["repairs_raised"] > 0 and not page_view._failed(named)
    [chip] = named["chips"]["chips"]
    label = dt.datetime.strptime(month, "%Y-%m").strftime("%b %Y")
    assert chip["values"] == f"Last complete month ({label})"
    months = filter_view(named, "month")["values"]
    assert [v["value"] for v in months[:2]] == ["@last-complete-month", "@last-12-months"]
    assert states(filter_view(named, "month"))["@last-complete-month"] == "selected"
    real_entry = next(v for v in months if v["value"] == month)
    assert real_entry["state"] == "selected" and real_entry["pick"] == "@last-complete-month"
    assert states(filter_view(named, "month"))["@last-12-months"] == "possible"


def test_this_financial_year_and_its_month_chart(app, con, as_of):
    year = f"{as_of.year if as_of.month >= 4 else as_of.year - 1}"
    year += f"-{(int(year) + 1) % 100:02d}"
    named, real = view(app, {"financial_year": ["@this-financial-year"]}), view(app, {"financial_year": [year]})
    assert tiles(named) == tiles(real) and named["cards"] == real["cards"]
    assert named["chips"]["chips"][0]["values"] == f"This financial year ({year})"
    years = filter_view(named, "financial_year")["values"]
    assert [v["value"] for v in years[:2]] == ["@this-financial-year", "@last-financial-year"]
    # a year that excludes the last complete month: that name is excluded and a click clears the year
    months = {v["value"]: v for v in filter_view(view(app, {"financial_year": ["2025-26"]}), "month")["values"]}
    assert (months["@last-complete-month"]["state"], months["@last-complete-month"]["clears"]) == (
        "excluded", "financial_year")
    assert months["@last-12-months"]["state"] == "possible"   # Nov 2025 to Mar 2026 are in 2025-26


def test_a_ward_group_is_its_wards_selected_together(app):
    named, together = view(app, {"ward": ["@kentish-town"]}), view(app, {"ward": KENTISH})
    assert tiles(named) == tiles(together) and named["cards"] == together["cards"]
    assert tiles(named) != tiles(view(app, {}))
    assert named["chips"]["chips"][0]["values"] == "Kentish Town (2 wards)"
    wards = filter_view(named, "ward")["values"]
    assert wards[0]["value"] == "@kentish-town" and wards[0]["state"] == "selected"
    assert {v["value"]: v["state"] for v in wards if v["value"] in KENTISH} == dict.fromkeys(KENTISH, "selected")


def test_the_scope_still_applies_to_a_ward_groups_wards(app, con):
    """A group's wards are read within the user's scope: every repair in them for the repairs service's manager,
    none for a scope of another service (the SQL's scope condition, not the group, decides)."""
    expected = con.execute("select count(*) from fact_repairs_job f join dim_ward w using (ward_key) "
                           "where w.ward_name in ($a, $b)", {"a": KENTISH[0], "b": KENTISH[1]}).fetchone()[0]
    assert expected > 0
    counted = {}
    for service in ("HSG-REP", "PRK"):
        with signed_in(app, "/repairs"):
            access.use_scope(Scope.of(services=[service]))
            data.cache.clear()
            rows = data.measures(["repairs_raised"], [], data.resolved({"ward": ["@kentish-town"]})).rows
            counted[service] = rows[0]["repairs_raised"] if rows else 0
    assert counted == {"HSG-REP": expected, "PRK": 0}


def view_request(state) -> dict:
    """The page's view request as the browser sends it (no Show choices)."""
    target = {"page": "repairs", "type": "bi-page-view"}
    return {"output": '{"page":["ALL"],"type":"bi-page-view"}.data', "outputs": [{"id": target, "property": "data"}],
            "inputs": [{"id": "bi-selection", "property": "data", "value": state}, []],
            "changedPropIds": ["bi-selection.data"],
            "state": [[{"id": target, "property": "id", "value": target}], [],
                      {"id": "bi-url", "property": "pathname", "value": "/repairs"}, []]}


def test_an_unknown_name_is_a_400_with_a_readable_message(app):
    client = signed_in_client(app)
    response = client.get("/repairs?month=@next-century")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "'@next-century' is not a named value of month" in text
    assert "@last-complete-month" in text and "Traceback" not in text
    assert client.get("/repairs?month=@last-complete-month").status_code == 200
    for state, status in (({"ward": ["@nowhere"]}, 400), ({"ward": ["@kentish-town"]}, 200)):
        response = client.post("/_dash-update-component", data=json.dumps(view_request(state)),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == status, response.get_data(as_text=True)[:300]


def test_a_download_link_with_a_named_value_holds_the_real_values_rows(app):
    """A card's Excel asked for with ?financial_year=@this-financial-year holds the year's rows (the link's names
    are resolved as the page resolves them, not matched as text)."""
    import openpyxl

    client = signed_in_client(app, "finance")

    def rows(query):
        response = client.get(f"/download/budget/spend-by-directorate.xlsx?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]

    with signed_in(app, "/budget"):
        year = data.resolved({"financial_year": ["@this-financial-year"]})["financial_year"][0]
    named = rows("financial_year=%40this-financial-year")
    assert len(named) > 1 and named == rows(f"financial_year={year}")


def test_home_reads_a_ward_group_as_its_wards(app):
    from component_tree import text

    from dashboards.pages import home

    with signed_in(app, "/"):
        named, together = home.catalogue({"ward": ["@kentish-town"]}), home.catalogue({"ward": KENTISH})
    assert text(named) == text(together) and "Kentish Town North" in text(named)


def test_a_named_entrys_state_follows_what_it_covers():
    from dashboards.components.named_entries import covered_by, entry

    possible = {"value": "2026-10", "state": "possible", "clears": ""}
    excluded = [{"value": "2026-10", "state": "excluded", "clears": "financial_year"},
                {"value": "2026-09", "state": "excluded", "clears": "financial_year,ward"}]
    assert entry("@m", "M", [possible], selected=True)["state"] == "selected"
    assert (entry("@m", "M", [possible, *excluded], False)["state"]) == "possible"
    shut = entry("@m", "M", excluded, False)
    assert (shut["state"], shut["clears"], shut["named"]) == ("excluded", "financial_year,ward", True)
    assert entry("@m", "M", [], False)["state"] == "excluded"   # none of its values in the data
    assert covered_by({"value": "2026-10", "label": "Oct 2026"}, "@m", "M")["pick"] == "@m"

"""The Budget and spend page's numbers against an independent recomputation in plain SQL over fact_budget_monthly and
fact_spend (not via query.compiler), its drill-down levels, RAG, filter states and plain messages.

Budget lines repeat year-to-date and whole-year amounts on every period's line, so a budget figure of a group is the
sum over the lines of the latest selected period of each financial year in that group (finance.yaml); the SQL here
finds that period with a join on max(month_key), not a window function, to check the query layer another way."""

from __future__ import annotations

import dash
import pytest
from component_tree import text as _text
from signing_in import signed_in
from view_data import states
from view_data import text as _view_text

from dashboards.components import cards, filters, kpi
from dashboards.components.spec import SPECS

SELECTIONS = [
    {},
    {"financial_year": ["2025-26"]},
    {"financial_year": ["2026-27"], "directorate": ["ADH"]},
    {"directorate": ["SCM"], "service": ["HSG-REP"]},
    {"directorate": ["SCM"], "service": ["HSG-REP"], "cost_centre": ["SCM101"]},
    # two periods in two financial years: each year's own latest period counts
    {"month": ["2026-03", "2026-04"]},
    {"month": ["2026-04", "2026-05"], "directorate": ["ADH", "COR"]},
    {"financial_year": ["2024-25", "2025-26"], "subjective": ["Income"]},
]
BUDGET_SUMS = {
    "budget_annual": "annual_budget_pounds",
    "budget_to_date": "budget_to_date_pounds",
    "budget_actual_to_date": "actual_to_date_pounds",
    "budget_forecast_outturn": "forecast_outturn_pounds",
    "budget_forecast_variance": "variance_pounds",
}
BUDGET_COLUMNS = {
    "financial_year": "f.financial_year",
    "month": "(select strftime(d.month_start, '%Y-%m') from dim_date d where d.date_key = f.month_key)",
    "directorate": "(select coalesce(r.directorate_code, 'UNKNOWN') from dim_directorate r "
                   "where r.directorate_key = f.directorate_key)",
    "service": "(select coalesce(s.service_code, 'UNKNOWN') from dim_service s where s.service_key = f.service_key)",
    "cost_centre": "(select c.cost_centre_code from dim_cost_centre c where c.cost_centre_key = f.cost_centre_key)",
    "subjective": "coalesce(f.subjective, 'Not given')",
}
SPEND_COLUMNS = {
    "financial_year": "(select d.financial_year from dim_date d where d.date_key = f.payment_date_key)",
    "month": "(select strftime(d.month_start, '%Y-%m') from dim_date d where d.date_key = f.payment_date_key)",
    # through the service's directorate key, not the directorate code copied onto dim_service
    "directorate": "(select coalesce(r.directorate_code, 'UNKNOWN') from dim_service s join dim_directorate r "
                   "on r.directorate_key = s.directorate_key where s.service_key = f.service_key)",
    "service": "(select coalesce(s.service_code, 'UNKNOWN') from dim_service s where s.service_key = f.service_key)",
    "supplier": "(select p.supplier_natural_key from dim_supplier p where p.supplier_key = f.supplier_key)",
    "expenditure_category": "coalesce(f.purpose, 'Not given')",
}
TOP = 20  # the top suppliers and categories
HOME = ("f.organisation_key in (select o.organisation_key from dim_organisation o "
        "where o.is_home_council)")
SPEND_SQL = {"spend_amount": "sum(amount_pounds)", "spend_payments": "count(*)",
             "spend_suppliers": "count(distinct supplier_key)", "spend_average_payment": "avg(amount_pounds)"}


# ------------------------------------------------------------------------------------------- plain SQL


def _where(state: dict, columns: dict) -> tuple[str, dict]:
    """The selection as plain SQL; selections on dimensions the fact does not have are left out."""
    conditions, params = ["true"], {}
    for dimension, values in state.items():
        if dimension not in columns:
            continue
        names = []
        for value in values:
            params[f"v{len(params)}"] = value
            names.append(f"$v{len(params) - 1}")
        conditions.append(f"{columns[dimension]} in ({', '.join(names)})")
    return " and ".join(conditions), params


def budget_by(con, state: dict, group: str | None = None) -> dict:
    """{group value: {measure: value}} over fact_budget_monthly at each group's and year's latest period."""
    where, params = _where(state, BUDGET_COLUMNS)
    key = BUDGET_COLUMNS[group] if group else "'all'"
    sums = ", ".join(f"sum(l.{column}) as {name}" for name, column in BUDGET_SUMS.items())
    sql = f"""
        with lines as (
            select f.*, {key} as grp from fact_budget_monthly f where {where}
        ),
        last_period as (
            select grp, financial_year, max(month_key) as month_key from lines group by grp, financial_year
        )
        select l.grp, {sums}
        from lines l join last_period p
            on p.grp = l.grp and p.financial_year = l.financial_year and p.month_key = l.month_key
        where l.grp is not null
        group by l.grp"""
    found = {}
    for row in con.execute(sql, params).fetchall():
        values = {name: None if v is None else float(v) for name, v in zip(BUDGET_SUMS, row[1:], strict=True)}
        budget = values["budget_annual"]
        variance = values["budget_forecast_variance"]
        values["budget_forecast_variance_pct"] = (None if not budget or variance is None
                                                  else 100.0 * variance / abs(budget))
        found[str(row[0])] = values
    return found


def budget_in_month(con, state: dict, group: str) -> dict:
    where, params = _where(state, BUDGET_COLUMNS)
    rows = con.execute(f"select {BUDGET_COLUMNS[group]}, sum(actual_in_month_pounds) from fact_budget_monthly f "
                       f"where {where} group by 1", params).fetchall()
    return {str(g): float(v) for g, v in rows if g is not None}


def spend_by(con, state: dict, group: str | None = None) -> dict:
    where, params = _where(state, SPEND_COLUMNS)
    key = SPEND_COLUMNS[group] if group else "'all'"
    measures = ", ".join(f"{sql} as {name}" for name, sql in SPEND_SQL.items())
    rows = con.execute(f"select {key} as grp, {measures} from fact_spend f where {HOME} and {where} "
                       "group by grp having grp is not null", params).fetchall()
    found = {str(row[0]): {name: None if v is None else float(v) for name, v in zip(SPEND_SQL, row[1:], strict=True)}
             for row in rows}
    return found


def expected_level(state: dict) -> str:
    """The drill's level, worked out here: the first of directorate, service without exactly one value."""
    for dimension in ("directorate", "service"):
        if len(state.get(dimension, [])) != 1:
            return dimension
    return "cost_centre"


def _approx(shown: dict, expected: dict, measures, what: str) -> None:
    assert set(shown) == set(expected), what
    for value, row in expected.items():
        for name in measures:
            want = row[name]
            got = shown[value][name]
            assert (got is None) if want is None else got == pytest.approx(want, rel=1e-9, abs=1e-6), \
                (what, value, name)


def _expected_rows(con, chart, state) -> dict:
    measures = chart.measures
    level = expected_level(state) if chart.drill else chart.dimension
    found = spend_by(con, state, level) if measures[0].startswith("spend_") else budget_by(con, state, level)
    if chart.where_nonzero:
        found = {value: row for value, row in found.items() if row[measures[0]]}
    if chart.top:
        # the N largest by the first measure, zeros left out; a tie at the cut goes to the first in name order
        ranked = sorted(((v, r) for v, r in found.items() if r[measures[0]]), key=lambda vr: (-vr[1][measures[0]],
                                                                                             vr[0]))
        found = dict(ranked[: chart.top])
    return found


# ------------------------------------------------------------------------------------------- KPIs


@pytest.mark.parametrize("state", SELECTIONS)
def test_kpis_equal_plain_sql(app, con, state):
    spec = SPECS["budget"]
    budget = budget_by(con, state).get("all", {})
    spend = spend_by(con, state).get("all", {})
    assert budget, "every selection here has budget lines"
    with signed_in(app, "/budget"):
        for tile in spec.kpis:
            expected = (spend if tile.measure.startswith("spend_") else budget).get(tile.measure)
            result = kpi.data.measures([tile.measure], [], state)
            shown = result.rows[0][tile.measure]
            assert shown == pytest.approx(expected, rel=1e-9), tile.measure
            measure = kpi.data.layer().measure(tile.measure)
            value = kpi.render(spec, tile, state)["value"]
            assert value == kpi.data.fmt(expected, measure.format)


@pytest.mark.parametrize("state", SELECTIONS)
def test_not_applicable_selections_are_named(app, state):
    with signed_in(app, "/budget"):
        spend = kpi.data.measures(["spend_amount"], [], state).not_applicable
        budget = kpi.data.measures(["budget_annual"], [], {**state, "supplier": ["redacted"]}).not_applicable
    assert set(spend) == {d for d in state if d in ("cost_centre", "subjective")}
    assert budget == ("supplier",)


def test_variance_rag_follows_the_share_of_budget(app, con):
    """Overspend is bad: on or under budget green, up to 5% of the budget amber, more red (worked out here)."""
    spec = SPECS["budget"]
    tile = next(k for k in spec.kpis if k.measure == "budget_forecast_variance_pct")
    seen = set()
    with signed_in(app, "/budget"):
        for year in ("2021-22", "2022-23", "2023-24", "2024-25", "2025-26", "2026-27"):
            for directorate in ("ADH", "CEX", "CHL", "COR", "SCM"):
                state = {"financial_year": [year], "directorate": [directorate]}
                pct = budget_by(con, state)["all"]["budget_forecast_variance_pct"]
                want = "green" if pct <= 0 else "amber" if pct <= 5 else "red"
                shown = _rag_of(kpi.render(spec, tile, state))
                assert shown == want, (state, pct)
                seen.add(want)
    assert {"green", "amber"} <= seen  # the demo has both under- and overspends


def _rag_of(view: dict) -> str | None:
    return None if view["rag"] == "none" else view["rag"]


# ------------------------------------------------------------------------------------------- charts


@pytest.mark.parametrize("state", SELECTIONS)
def test_charts_equal_plain_sql(app, con, state):
    spec = SPECS["budget"]
    with signed_in(app, "/budget"):
        for chart in spec.charts:
            if chart.kind == "fy_months":
                continue  # test_month_charts_compare_this_fy_with_the_last
            rows, not_applicable, truncated = cards.chart_rows(chart, state)
            assert not truncated, chart.name
            shown = {r["value"]: r for r in rows}
            _approx(shown, _expected_rows(con, chart, state), chart.measures, chart.name)


@pytest.mark.parametrize("state", [{}, {"directorate": ["ADH"]}, {"directorate": ["SCM"], "service": ["HSG-TA"]},
                                   {"directorate": ["ADH", "CEX"]}, {"service": ["HSG-REP"]}])
def test_drill_shows_the_level_below_the_single_selected_value(app, con, state):
    spec = SPECS["budget"]
    level = expected_level(state)
    where, params = _where(state, BUDGET_COLUMNS)
    members = {str(v) for (v,) in con.execute(
        f"select distinct {BUDGET_COLUMNS[level]} from fact_budget_monthly f where {where}", params).fetchall()}
    with signed_in(app, "/budget"):
        for name in ("drill", "position"):
            chart = spec.chart(name)
            assert chart.level(state) == level
            rows, _, _ = cards.chart_rows(chart, state)
            assert {r["value"] for r in rows} == members, (name, state)
            note = cards.render(spec, chart, state)["notes"][0]
            assert note["level"] == level
    if state == {"directorate": ["ADH"]}:
        assert len(members) > 1 and all(m.startswith("ASC-") for m in members)


def test_position_table_shows_rag_words_by_variance_share(app, con):
    spec = SPECS["budget"]
    state = {"financial_year": ["2026-27"]}
    expected = budget_by(con, state, "directorate")
    with signed_in(app, "/budget"):
        table = cards.render(spec, spec.chart("position"), state)
    shown = sorted(cell["rag"] for row in table["table"]["rows"] for cell in row["cells"] if cell.get("rag"))
    want = sorted("green" if r["budget_forecast_variance_pct"] <= 0 else
                  "amber" if r["budget_forecast_variance_pct"] <= 5 else "red" for r in expected.values())
    # one badge per row, the share's: the pounds variance has no status of its own (it would say red where the
    # share, and the budget pack, say amber)
    assert shown == sorted(want)


@pytest.mark.parametrize("state", [{}, {"financial_year": ["2025-26"], "directorate": ["SCM"]},
                                   {"month": ["2026-04"], "service": ["HSG-REP"]}])
def test_month_charts_compare_this_fy_with_the_last(app, con, state):
    spec = SPECS["budget"]
    this = state.get("financial_year", ["2026-27"])[-1]  # the selected year, else the latest with data
    last = f"{int(this[:4]) - 1}-{this[2:4]}"
    years = {"financial_year": [this, last]}
    others = {k: v for k, v in state.items() if k not in ("financial_year", "month")}
    expected = {
        "variance-by-month": budget_by(con, {**others, **years}, "month"),
        "spend-by-month": spend_by(con, {**others, **years}, "month"),
    }
    with signed_in(app, "/budget"):
        for name, want in expected.items():
            chart = spec.chart(name)
            rows, _, _ = cards.chart_rows(chart, state)
            _approx({r["value"]: r for r in rows}, want, chart.measures, name)
            assert {r["financial_year"] for r in rows} == {this, last}
            assert {r["series"] for r in rows if r["financial_year"] == this} == {"This FY"}


def test_top_lists_keep_the_20_largest(app, con):
    spec = SPECS["budget"]
    everything = spend_by(con, {}, "supplier")
    largest = sorted(everything.values(), key=lambda r: r["spend_amount"], reverse=True)
    assert len(everything) > 100
    with signed_in(app, "/budget"):
        rows, _, _ = cards.chart_rows(spec.chart("top-suppliers"), {})
    assert len(rows) == TOP
    assert [r["spend_amount"] for r in rows] == pytest.approx([r["spend_amount"] for r in largest[:TOP]])


def test_actual_in_month_adds_up_months(app, con):
    """The one additive budget measure, by month, against plain SQL (not on the page's charts, but in the layer
    the page reads: a monthly actual must not be read at the latest period)."""
    state = {"financial_year": ["2025-26"], "directorate": ["CHL"]}
    with signed_in(app, "/budget"):
        rows = kpi.data.measures(["budget_actual_in_month"], ["month"], state).rows
    assert {r["month"]: r["budget_actual_in_month"] for r in rows} == pytest.approx(
        budget_in_month(con, state, "month"))
    assert len(rows) == 12


# ------------------------------------------------------------------------------------------- filters and messages


def test_filter_states(app, con):
    spec = SPECS["budget"]
    state = {"directorate": ["CEX"]}
    services = {s for (s,) in con.execute(
        "select distinct s.service_code from fact_budget_monthly f join dim_service s using (service_key) "
        "join dim_directorate r on r.directorate_key = f.directorate_key where r.directorate_code = 'CEX'").fetchall()}
    with signed_in(app, "/budget"):
        service_states = states(filters.render_values(spec, "service", state))
        directorate_states = states(filters.render_values(spec, "directorate", state))
        centre_states = states(filters.render_values(spec, "cost_centre", {"service": ["HSG-REP"]}))
    assert {v for v, s in service_states.items() if s == "possible"} == services
    assert {s for v, s in service_states.items() if v not in services} == {"excluded"}
    assert directorate_states["CEX"] == "selected"
    assert set(directorate_states.values()) == {"selected", "possible"}  # other directorates stay possible
    centres = {c for (c,) in con.execute(
        "select distinct c.cost_centre_code from fact_budget_monthly f join dim_cost_centre c using (cost_centre_key) "
        "join dim_service s on s.service_key = f.service_key where s.service_code = 'HSG-REP'").fetchall()}
    assert {v for v, s in centre_states.items() if s == "possible"} == centres
    assert len(centre_states) > len(centres)


def test_every_card_renders_and_an_empty_selection_says_so(app):
    spec = SPECS["budget"]
    nothing = {"directorate": ["NOPE"]}
    with signed_in(app, "/budget"):
        for chart in spec.charts:
            content = cards.render(spec, chart, {})
            assert content["csv"]["download"] == f"{spec.name}-{chart.name}.csv", chart.name
            assert cards.render(spec, chart, nothing)["message"]["text"] == cards.EMPTY, chart.name
        na = cards.render(spec, spec.chart("top-suppliers"), {"cost_centre": ["ADH101"]})
        assert "Not applicable here: Cost centre" in _view_text(na["notes"])
        page = dash.page_registry["dashboards.pages.budget"]
        layout = page["layout"]()
    assert page["path"] == "/budget" and page["order"] == 40 and page["name"] == "Budget and spend"
    assert "Data as of 31 Oct 2026" in _text(layout)

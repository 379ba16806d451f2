"""The Parking page's numbers against an independent recomputation in plain SQL over the parking facts (written
without query.compiler), with and without selections; its filter states, heat-map CSV and plain messages."""

from __future__ import annotations

import dash
import pytest
from component_tree import text as _text
from csv_download_text import parse_download
from signing_in import signed_in
from view_data import states
from view_data import text as _view_text

from dashboards.components import cards, filters, kpi
from dashboards.components.spec import SPECS

SELECTIONS = [
    {},
    {"ward": ["Belsize"], "contravention": ["12"]},
    {"financial_year": ["2025-26"], "zone": ["CA-E", "No zone"]},
    {"hour": ["9"], "weekday": ["Monday"]},
    {"vehicle_group": ["Car"], "status_group": ["paid", "cancelled"], "month": ["2025-04", "2025-05"]},
]


def _on_date(column: str, attribute: str) -> str:
    return f"(select {attribute} from dim_date d where d.date_key = f.{column})"


def _date_columns(date_column: str) -> dict[str, str]:
    return {"financial_year": _on_date(date_column, "financial_year"),
            "month": _on_date(date_column, "strftime(month_start, '%Y-%m')"),
            "weekday": _on_date(date_column, "day_name")}


WARD = "(select ward_name from dim_ward w where w.ward_key = f.ward_key)"
# each fact: its table, the rows the page sees, and the plain SQL of every dimension it can be filtered by
FACTS = {
    "pcn": ("fact_pcn", "f.organisation_key in (select organisation_key from dim_organisation where is_home_council)",
            {**_date_columns("issued_date_key"), "ward": WARD,
             "contravention": "coalesce((select contravention_code from dim_contravention c "
                              "where c.contravention_key = f.contravention_key), 'UNKNOWN')",
             "zone": "coalesce(f.zone, 'No zone')", "ticket_type": "f.ticket_type_group",
             "vehicle_group": "(select vehicle_group from dim_vehicle_category v "
                              "where v.vehicle_category_key = f.vehicle_category_key)",
             "status_group": "f.status_group", "hour": "cast(f.issued_hour as varchar)"}),
    "permit": ("fact_permit", "true",
               {**_date_columns("issued_date_key"), "ward": WARD, "zone": "coalesce(f.zone, 'No zone')",
                "channel": "coalesce(f.channel, 'Not given')", "permit_type": "f.permit_type"}),
    "suspension": ("fact_suspension", "true",
                   {**_date_columns("start_date_key"), "ward": WARD, "zone": "coalesce(f.zone, 'No zone')",
                    "suspension_reason": "coalesce(f.reason, 'Not given')"}),
    "bay": ("fact_bay_session", "true",
            {**_date_columns("arrival_date_key"), "ward": WARD, "zone": "coalesce(f.zone, 'No zone')",
             "bay_type": "coalesce(f.bay_type, 'Not given')", "hour": "cast(f.arrival_hour as varchar)"}),
    "occupancy": ("agg_bay_occupancy_hourly", "true",
                  {**_date_columns("date_key"), "zone": "case when f.zone = 'Unknown' then 'No zone' else f.zone end",
                   "hour": "cast(f.hour_of_day as varchar)"}),
}
# the measures, in plain SQL written apart from parking.yaml
MEASURES = {
    "pcns_issued": "count(*)",
    "pcns_paid": "sum(case when f.status_group = 'paid' then 1 else 0 end)",
    "pcns_cancelled": "sum(case when f.status_group = 'cancelled' then 1 else 0 end)",
    "pcns_outstanding": "sum(case when f.status_group in ('open', 'part_paid', 'challenged', 'appealed') "
                        "then 1 else 0 end)",
    "pcn_recovery_rate_pct": "100.0 * sum(case when f.status_group = 'paid' then 1 else 0 end) "
                             "/ nullif(sum(case when f.status_group <> 'cancelled' then 1 else 0 end), 0)",
    "pcn_cancellation_rate_pct": "100.0 * sum(case when f.status_group = 'cancelled' then 1 else 0 end) "
                                 "/ nullif(count(*), 0)",
    "pcn_income": "sum(f.amount_paid_pounds)",
    "pcn_amount_outstanding": "sum(case when f.status_group in ('open', 'part_paid', 'challenged', 'appealed') "
                              "then f.amount_outstanding_pounds end)",
    "permits_issued": "sum(case when f.is_issued then 1 else 0 end)",
    "permit_average_processing_working_days": "avg(case when f.is_issued then f.processing_working_days end)",
    "permit_average_processing_minutes": "avg(case when f.is_issued then f.processing_minutes end)",
    "permit_income": "sum(case when f.is_issued then f.price_pounds end)",
    "suspensions": "count(*)",
    "suspension_bay_days": "sum(f.bay_days_suspended)",
    "suspension_income": "sum(f.fee_pounds)",
    "bay_stays": "count(*)",
    "bay_overstay_pct": "100.0 * sum(case when f.is_overstay then 1 else 0 end) "
                        "/ nullif(sum(case when f.is_overstay is not null then 1 else 0 end), 0)",
    "bay_average_minutes_stayed": "avg(f.minutes_stayed)",
    "bay_occupied_hours": "sum(f.occupied_bay_minutes) / 60.0",
}
FACT_OF = {**dict.fromkeys([m for m in MEASURES if m.startswith("pcn")], "pcn"),
           **dict.fromkeys([m for m in MEASURES if m.startswith("permit")], "permit"),
           **dict.fromkeys([m for m in MEASURES if m.startswith("suspension")], "suspension"),
           **dict.fromkeys([m for m in MEASURES if m.startswith("bay_")], "bay"),
           "bay_occupied_hours": "occupancy"}


def _where(fact: str, state: dict) -> tuple[str, dict, set[str]]:
    """(the fact's rows in the selection as plain SQL, its values, the selected dimensions it cannot use)."""
    _, own, columns = FACTS[fact]
    conditions, params, unusable = [own], {}, set()
    for dimension, values in state.items():
        if dimension not in columns:
            unusable.add(dimension)
            continue
        names = []
        for value in values:
            params[f"v{len(params)}"] = value
            names.append(f"$v{len(params) - 1}")
        conditions.append(f"{columns[dimension]} in ({', '.join(names)})")
    return " and ".join(conditions), params, unusable


def expected_total(con, measure: str, state: dict):
    fact = FACT_OF[measure]
    where, params, _ = _where(fact, state)
    value = con.execute(f"select {MEASURES[measure]} from {FACTS[fact][0]} f where {where}", params).fetchall()[0][0]
    return None if value is None else float(value)


def expected_rows(con, measures: tuple[str, ...], group: list[str], state: dict) -> dict:
    """{group value(s): (measure values...)} for rows whose group values are all known."""
    fact = FACT_OF[measures[0]]
    where, params, _ = _where(fact, state)
    columns = FACTS[fact][2]
    keys = ", ".join(f"{columns[g]} as g{i}" for i, g in enumerate(group))
    values = ", ".join(MEASURES[m] for m in measures)
    rows = con.execute(f"select {keys}, {values} from {FACTS[fact][0]} f where {where} group by all",
                       params).fetchall()
    result = {}
    for row in rows:
        key, numbers = row[:len(group)], row[len(group):]
        if any(k is None for k in key):
            continue
        result[key[0] if len(group) == 1 else tuple(key)] = tuple(None if n is None else float(n) for n in numbers)
    return result


def _plotted(rows: list[dict], measures: tuple[str, ...], heatmap: bool = False) -> dict:
    return {(r["value"], r["across"]) if heatmap else r["value"]:
            tuple(None if r[m] is None else pytest.approx(float(r[m])) for m in measures) for r in rows}


@pytest.mark.parametrize("state", SELECTIONS)
def test_kpis_equal_plain_sql(app, con, state):
    spec = SPECS["parking"]
    with signed_in(app, "/parking"):
        for tile in spec.kpis:
            expected = expected_total(con, tile.measure, state)
            value = kpi.render(spec, tile, state)["value"]
            measure = kpi.data.layer().measure(tile.measure)
            assert value == kpi.data.fmt(expected, measure.format), (tile.measure, state)
            shown = kpi.data.measures([tile.measure], [], state).rows[0][tile.measure]
            assert shown == (None if expected is None else pytest.approx(expected)), tile.measure


@pytest.mark.parametrize("state", SELECTIONS)
def test_charts_equal_plain_sql(app, con, state):
    spec = SPECS["parking"]
    with signed_in(app, "/parking"):
        for chart in spec.charts:
            if chart.kind == "fy_months":
                continue  # its own test: two financial years whatever the selection
            group = [chart.dimension] + ([chart.across] if chart.across else [])
            applied = {k: v for k, v in state.items() if k not in chart.ignore}
            expected = expected_rows(con, chart.measures, group, applied)
            if chart.where_nonzero:
                expected = {k: v for k, v in expected.items() if v[0]}
            rows, not_applicable, truncated = cards.chart_rows(chart, state)
            assert _plotted(rows, chart.measures, bool(chart.across)) == expected, (chart.name, state)
            assert set(not_applicable) == _where(FACT_OF[chart.measures[0]], applied)[2], chart.name
            assert not truncated


@pytest.mark.parametrize("state", [{}, {"ward": ["Belsize"], "contravention": ["12"]},
                                   {"financial_year": ["2024-25"], "zone": ["CA-E"]}])
def test_month_chart_compares_this_fy_with_the_last(app, con, state):
    chart = SPECS["parking"].chart("by-month")
    this_year = state.get("financial_year", [None])[0] or con.execute(
        "select max(d.financial_year) from fact_pcn f join dim_date d on d.date_key = f.issued_date_key"
    ).fetchall()[0][0]
    last_year = f"{int(this_year[:4]) - 1}-{this_year[2:4]}"
    rest = {k: v for k, v in state.items() if k != "financial_year"}
    where, params, _ = _where("pcn", rest)
    expected = {month: (float(n), fy) for month, fy, n in con.execute(
        f"select {FACTS['pcn'][2]['month']}, {FACTS['pcn'][2]['financial_year']} as fy, count(*) "
        f"from fact_pcn f where {where} and fy in ('{this_year}', '{last_year}') group by all", params).fetchall()}
    with signed_in(app, "/parking"):
        rows, _, _ = cards.chart_rows(chart, state)
    assert expected and {r["value"]: (r["pcns_issued"], r["financial_year"]) for r in rows} == expected
    assert {r["series"] for r in rows if r["financial_year"] == this_year} == {"This FY"}


def test_the_heatmap_is_hour_by_weekday_and_its_csv_lists_every_cell(app, con):
    chart = SPECS["parking"].chart("occupancy")
    expected = expected_rows(con, chart.measures, ["hour", "weekday"], {})
    with signed_in(app, "/parking"):
        rows, _, _ = cards.chart_rows(chart, {})
        figure = cards.build_figure(chart, rows, set())
        text = cards.csv_text(chart, rows)
    assert list(figure.data[0].x) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert list(figure.data[0].y)[:3] == ["00:00", "01:00", "02:00"]
    records = parse_download(text)
    assert records[0][:2] == ["hour", "weekday"]
    assert {(r[0], r[1]): (pytest.approx(float(r[-1])),) for r in records[1:]} == expected
    assert len(records) - 1 == len(expected) == 24 * 7  # the demo's sensors have stays at every hour of every day


def test_the_old_occupancy_percentage_ranks_nights_above_middays(con):
    """Why the heat map shows occupied bay-hours: agg_bay_occupancy_hourly has rows only for occupied zone-hours,
    so 'occupancy' over those rows is highest at night, when the share of all bay-hours occupied is lowest."""
    by_hour = dict(con.execute(
        "select hour_of_day, 100.0 * sum(occupied_bay_minutes) / (60.0 * sum(bays_observed)) "
        "from agg_bay_occupancy_hourly group by 1").fetchall())
    hours = dict(con.execute("select hour_of_day, sum(occupied_bay_minutes) from agg_bay_occupancy_hourly "
                             "group by 1").fetchall())
    assert by_hour[3] > by_hour[13] and hours[3] < hours[13] / 3


def _states(buttons) -> dict[str, str]:
    return states(buttons)


def test_filter_states(app, con):
    spec = SPECS["parking"]
    state = {"contravention": ["34"]}  # being in a bus lane
    zones = {z for (z,) in con.execute(
        "select distinct coalesce(zone, 'No zone') from fact_pcn f join dim_contravention c "
        "using (contravention_key) where c.contravention_code = '34'").fetchall()}
    with signed_in(app, "/parking"):
        zone_states = states(filters.render_values(spec, "zone", state))
        ticket_states = states(filters.render_values(spec, "ticket_type", state))
        contravention_states = states(filters.render_values(spec, "contravention", state))
    assert {v for v, s in zone_states.items() if s == "possible"} == zones
    assert {s for v, s in zone_states.items() if v not in zones} == {"excluded"}
    assert ticket_states == {"Bus lane": "possible", "Moving traffic": "excluded", "Parking": "excluded"}
    assert contravention_states["34"] == "selected"
    assert set(contravention_states.values()) == {"selected", "possible"}  # other codes stay possible (Qlik)


def test_every_card_renders_and_an_empty_selection_says_so(app):
    spec = SPECS["parking"]
    nothing = {"zone": ["No such zone"]}
    with signed_in(app, "/parking"):
        for chart in spec.charts:
            assert cards.render(spec, chart, {})["csv"]["download"] == f"{spec.name}-{chart.name}.csv", chart.name
            assert cards.render(spec, chart, nothing)["message"]["text"] == cards.EMPTY, chart.name
        permits = cards.render(spec, spec.chart("permits-by-channel"), {"contravention": ["12"]})
        assert "Not applicable here: Contravention" in _view_text(permits["notes"])
        layout = dash.page_registry["dashboards.pages.parking"]["layout"]()
    assert "Data as of 31 Oct 2026" in _text(layout)

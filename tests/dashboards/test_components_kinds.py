"""The chart kinds beyond one dimension: a heat map (two dimensions, a cell click selects both), a drill-down
(directorate -> service -> cost centre), pinned selections, chips showing names instead of codes, the drill path in
the selection bar and RAG words in tables. Numbers are recomputed in plain SQL over the demo warehouse."""

from __future__ import annotations

import pytest
from csv_download_text import parse_download
from signing_in import acting_as

from app import create_app
from dashboards.components import callbacks, cards, selection
from dashboards.components.spec import Chart, Kpi, PageSpec, declare

SPEND = PageSpec(name="kinds-test", path="/kinds-test", title="Kinds", fact="fact_spend")
DRILL = Chart("drill", "Spend by directorate and service", "hbar", "directorate", ("spend_amount",),
              drill=("directorate", "service"))
HEAT = Chart("heat", "Bay stays by hour and day", "heatmap", "hour", ("bay_stays",), across="weekday")
PINNED = Chart("pinned", "Adults and Health spend by month", "bar", "month", ("spend_amount",),
               pinned=(("directorate", ("ADH",)),))


@pytest.fixture(scope="module")
def app(demo_warehouse):
    app = create_app({"warehouse": demo_warehouse})
    declare(PageSpec(name=SPEND.name, path=SPEND.path, title=SPEND.title, fact=SPEND.fact,
                     charts=(DRILL, HEAT, PINNED), kpis=(Kpi("spend_amount", pinned=(("directorate", ("ADH",)),)),)))
    with acting_as(app, "admin"):
        yield app


SPEND_SQL = """
select {column}, sum(f.amount_pounds)
from fact_spend f
join dim_organisation o using (organisation_key)
left join dim_service s using (service_key)
where o.is_home_council {where}
group by 1
"""


def _spend_by(con, column: str, where: str = "", params: dict | None = None) -> dict:
    rows = con.execute(SPEND_SQL.format(column=column, where=where), params or {}).fetchall()
    return {str(key): float(total) for key, total in rows if key is not None}


def _plotted(rows, measure):
    return {r["value"]: pytest.approx(r[measure]) for r in rows}


def test_a_drill_shows_the_first_level_without_one_selected_value(app, con):
    rows, _, _ = cards.chart_rows(DRILL, {})
    assert _plotted(rows, "spend_amount") == _spend_by(con, "coalesce(s.directorate_code, 'UNKNOWN')")
    two = {"directorate": ["ADH", "SCM"]}
    assert {r["value"] for r in cards.chart_rows(DRILL, two)[0]} == {"ADH", "SCM"}


def test_one_selected_value_drills_into_the_next_level(app, con):
    rows, _, _ = cards.chart_rows(DRILL, {"directorate": ["ADH"]})
    expected = _spend_by(con, "coalesce(s.service_code, 'UNKNOWN')", "and s.directorate_code = $d", {"d": "ADH"})
    assert expected and _plotted(rows, "spend_amount") == expected


@pytest.mark.browser
def test_a_click_on_a_drilled_bar_selects_that_levels_value(app, selection_js):
    figure = cards.build_figure(cards.resolved(DRILL, {"directorate": ["ADH"]}),
                                cards.chart_rows(DRILL, {"directorate": ["ADH"]})[0], set())
    custom = figure.to_plotly_json()["data"][0]["customdata"][0]
    state = selection_js("nextState", {"directorate": ["ADH"]}, {"click": {"points": [{"customdata": custom}]}})
    assert state == {"directorate": ["ADH"], "service": [custom[0]]}


def test_the_drill_note_and_the_selection_bar_show_the_path(app, con):
    service = con.execute("select service_code, service_name from dim_service where directorate_code = 'ADH' "
                          "order by service_code limit 1").fetchall()[0]
    directorate = con.execute("select directorate_name from dim_directorate where directorate_code = 'ADH'"
                              ).fetchall()[0][0]
    state = {"directorate": ["ADH"], "service": [service[0]]}
    spec = callbacks.SPECS[SPEND.name]
    note = cards.drill_note(DRILL, {"directorate": ["ADH"]})
    assert note["text"].startswith(f"Showing by service, within {directorate}.")
    assert selection.drill_path(state, spec) == [directorate, service[1]]
    view = selection.chips(state, spec)
    assert view["path"] == f"{directorate} › {service[1]}"
    texts = [chip["values"] for chip in view["chips"]]
    assert texts == [directorate, service[1]]  # names, not the codes ADH and the service code


def test_heatmap_cells_equal_plain_sql(app, con):
    rows, _, _ = cards.chart_rows(HEAT, {"ward": ["Belsize"]})
    expected = con.execute("""
        select f.arrival_hour, d.day_name, count(*) from fact_bay_session f
        join dim_date d on d.date_key = f.arrival_date_key
        join dim_ward w on w.ward_key = f.ward_key
        where w.ward_name = 'Belsize' group by 1, 2""").fetchall()
    assert expected
    assert {(r["value"], r["across"]): r["bay_stays"] for r in rows} == {(str(h), d): n for h, d, n in expected}


@pytest.mark.browser
def test_heatmap_figure_orders_columns_and_outlines_the_selected_cell(app, selection_js):
    rows, _, _ = cards.chart_rows(HEAT, {})
    figure = cards.build_figure(HEAT, rows, {("9", "Monday")})
    assert list(figure.data[0].x) == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert len(figure.layout.shapes) == 1
    cell = {"click": {"points": [{"customdata": figure.to_plotly_json()["data"][0]["customdata"][9][0]}]}}
    state = selection_js("nextState", {}, cell)
    assert state == {"hour": ["9"], "weekday": ["Monday"]}
    assert selection_js("nextState", state, cell) == {}


def test_heatmap_csv_lists_row_column_and_value(app):
    rows, _, _ = cards.chart_rows(HEAT, {})
    lines = parse_download(cards.csv_text(HEAT, rows))
    assert lines[0][:2] == ["hour", "weekday"]
    assert len(lines) == len(rows) + 1


def test_a_pinned_selection_always_applies(app, con):
    rows, _, _ = cards.chart_rows(PINNED, {"directorate": ["SCM"]})
    expected = _spend_by(con, "strftime((select month_start from dim_date d where d.date_key = f.payment_date_key),"
                              " '%Y-%m')", "and s.directorate_code = 'ADH'")
    assert _plotted(rows, "spend_amount") == expected


def test_tables_say_the_rag_status_in_words(app):
    from data_models.semantic_layer import load_semantic_layer

    measure = next(m for m in load_semantic_layer().measures.values() if m.target is not None
                   and m.direction in ("higher", "lower"))
    chart = Chart("t", "T", "table", "ward", (measure.name,))
    worse = measure.target - 50 if measure.direction == "higher" else measure.target + 50
    cell = cards._cell({measure.name: worse}, measure.name, chart)
    assert (cell["rag_text"], cell["rag"], cell["sort"]) == ("Off target", "red", worse)
    better = measure.target + 1 if measure.direction == "higher" else measure.target - 1
    assert cards._cell({measure.name: better}, measure.name, chart)["rag_text"] == "On target"


def test_a_snapshot_kpi_has_no_monthly_sparkline(app, con):
    from dashboards.components import kpi

    snapshot = next(m for m in kpi.data.layer().measures.values() if m.date == "none")
    spec = PageSpec(name="snapshot-test", path="/snapshot-test", title="S", fact=snapshot.fact)
    view = kpi.render(spec, Kpi(snapshot.name), {"ward": ["Belsize"]})
    assert view["spark"] is None
    assert view["id"] == f"snapshot-test-kpi-{snapshot.name}" and view["value"] != "–"


def test_filter_lists_read_the_first_fact_of_the_page_that_has_the_dimension(app):
    from dashboards.components import filters

    spec = PageSpec(name="two-facts", path="/two-facts", title="T", fact="fact_budget_monthly",
                    extra_facts=("fact_spend",))
    assert filters.list_fact(spec, "cost_centre") == "fact_budget_monthly"
    assert filters.list_fact(spec, "supplier") == "fact_spend"
    assert filters.list_fact(spec, "directorate") == "fact_budget_monthly"


def test_pound_axes_carry_the_pound_sign(app):
    rows, _, _ = cards.chart_rows(DRILL, {})
    assert cards.build_figure(DRILL, rows, set()).layout.xaxis.tickprefix == "£"
    heat_rows, _, _ = cards.chart_rows(HEAT, {})
    assert cards.build_figure(HEAT, heat_rows, set()).layout.xaxis.tickprefix is None


def test_view_as_table_has_every_plotted_cell(app):
    """The card's view carries its rows as a table (the browser draws it when "View as table" is opened)."""
    spec = callbacks.SPECS[SPEND.name]
    table = cards.render(spec, HEAT, {})["table"]
    assert [c["heading"] for c in table["columns"]] == ["Hour of day", "Day of the week", "Bay stays"]
    assert len(table["rows"]) == len(cards.chart_rows(HEAT, {})[0]) == 168


def test_chips_name_fact_column_values_by_the_facts_display(app):
    parking = callbacks.SPECS["parking"]
    chips = selection.chips({"hour": ["9"], "weekday": ["Monday"]}, parking)["chips"]
    shown = {chip["dimension"]: chip["values"] for chip in chips}
    assert shown == {"hour": "09:00", "weekday": "Monday"}
    # on a page that cannot use it, the value is shown as selected
    repairs = callbacks.SPECS["repairs"]
    assert selection.chips({"hour": ["9"]}, repairs)["chips"][0]["values"] == "9"

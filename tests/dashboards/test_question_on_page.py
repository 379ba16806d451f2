"""Issue 21's manager's question answered on the page: tiles that say "No data for this selection" rather than 0
and a status, "based on n" beside shares and averages (with a caution under the semantic layer's small_base), and
the contractor and ward tables of the service's performance measures, every figure against plain SQL."""

from __future__ import annotations

import pytest
from signing_in import signed_in

from dashboards.components import kpi
from dashboards.components.spec import SPECS

NOTHING = {"trade": ["No such trade"]}


def tile_of(spec, measure):
    return next(k for k in spec.kpis if k.measure == measure)


def test_a_tile_of_a_selection_with_no_rows_says_so_without_a_status(app):
    spec = SPECS["repairs"]
    with signed_in(app, "/repairs"):
        empty = kpi.render(spec, tile_of(spec, "repairs_overdue"), NOTHING)
        some = kpi.render(spec, tile_of(spec, "repairs_overdue"), {})
    assert empty["value"] == kpi.NO_DATA and empty["no_data"]
    assert empty["status"] == "" and empty["rag"] == "none" and empty["based_on"] is None
    assert not some["no_data"] and some["status"] in kpi.RAG_WORDS.values()


def test_a_share_says_what_it_is_based_on_and_cautions_under_small_base(app, con):
    spec = SPECS["repairs"]
    tile = tile_of(spec, "rp02_emergency_within_target_pct")
    [(contractor, n)] = con.execute(
        "select contractor, count(*) from fact_repairs_job where rp02_group = 'emergency' "
        "and completed_within_target is not null group by 1 order by 2 limit 1").fetchall()
    with signed_in(app, "/repairs"):
        small_base = kpi.data.layer().settings.small_base
        shown = kpi.render(spec, tile, {"contractor": [contractor]})["based_on"]
    assert shown["n"] == n
    assert shown["text"].startswith(f"Based on {n:,} emergency repairs completed (RP02)")
    assert shown["few"] == (n < small_base) and ("read with care" in shown["text"]) == (n < small_base)


def test_a_count_shows_no_base(app):
    spec = SPECS["repairs"]
    with signed_in(app, "/repairs"):
        assert kpi.render(spec, tile_of(spec, "repairs_overdue"), {})["based_on"] is None


@pytest.mark.parametrize("small_base", [1, 10_000])
def test_the_caution_follows_the_configured_small_base(app, monkeypatch, small_base):
    spec = SPECS["repairs"]
    layer = kpi.data.layer()
    monkeypatch.setattr(kpi.data, "layer", lambda: layer.model_copy(
        update={"settings": layer.settings.model_copy(update={"small_base": small_base})}))
    with signed_in(app, "/repairs"):
        shown = kpi.render(spec, tile_of(spec, "rp02_emergency_within_target_pct"), {})["based_on"]
    assert shown["few"] == (small_base > 1)


KENTISH_TOWN_LAST_MONTH = {"month": ["2026-10"], "ward": ["Kentish Town North", "Kentish Town South"]}


def contractor_figures(con, state: dict) -> dict[str, dict]:
    """Every figure of the contractor table in plain SQL, written apart from query.compiler: raised and overdue
    by the month raised, the rest by the month completed."""
    def where(date_column):
        conditions, params = ["f.contractor is not null"], {}
        if "month" in state:
            conditions.append(f"(select strftime(month_start, '%Y-%m') from dim_date d "
                              f"where d.date_key = f.{date_column}) in (select unnest($months))")
            params["months"] = state["month"]
        if "ward" in state:
            conditions.append("(select ward_name from dim_ward w where w.ward_key = f.ward_key) "
                              "in (select unnest($wards))")
            params["wards"] = state["ward"]
        return " and ".join(conditions), params

    raised, p_raised = where("raised_date_key")
    done, p_done = where("completed_date_key")
    figures: dict[str, dict] = {}
    for contractor, jobs, overdue in con.execute(
            f"select contractor, count(*), count(*) filter (where is_overdue) from fact_repairs_job f "
            f"where {raised} group by 1", p_raised).fetchall():
        figures[contractor] = {"repairs_raised": jobs, "repairs_overdue": overdue}
    for row in con.execute(
            "select contractor, "
            "count(*) filter (where rp02_group = 'emergency' and completed_within_target), "
            "count(*) filter (where rp02_group = 'emergency' and completed_within_target is not null), "
            "count(*) filter (where rp02_group = 'non-emergency' and completed_within_target), "
            "count(*) filter (where rp02_group = 'non-emergency' and completed_within_target is not null), "
            "avg(working_days_to_complete) filter (where is_completed), count(*) filter (where is_completed) "
            f"from fact_repairs_job f where {done} group by 1", p_done).fetchall():
        contractor, e_in, e_all, n_in, n_all, days, completed = row
        figures.setdefault(contractor, {"repairs_raised": None, "repairs_overdue": None}).update({
            "rp02_emergency_within_target_pct": 100.0 * e_in / e_all if e_all else None,
            "rp02_emergency_missed_target": e_all - e_in,
            "rp02_emergency_completed": e_all,
            "rp02_non_emergency_within_target_pct": 100.0 * n_in / n_all if n_all else None,
            "rp02_non_emergency_missed_target": n_all - n_in,
            "rp02_non_emergency_completed": n_all,
            "repairs_average_working_days_to_complete": days,
            "repairs_completed": completed,
        })
    return figures


@pytest.mark.parametrize("state", [{}, KENTISH_TOWN_LAST_MONTH])
def test_every_figure_of_the_contractor_table_equals_plain_sql(app, con, state):
    from dashboards.components import cards

    spec = SPECS["repairs"]
    chart = spec.chart("contractors")
    expected = contractor_figures(con, state)
    assert len(expected) > 1
    if not state:  # the figures compared are not all zero
        assert any(e.get("rp02_emergency_missed_target") for e in expected.values())
    with signed_in(app, "/repairs"):
        view = cards.render(spec, chart, state)
        layer = kpi.data.layer()
    keys = [c["key"] for c in view["table"]["columns"]]
    assert keys == ["label", *chart.measures]
    shown = {row["value"]: row["cells"] for row in view["table"]["rows"]}
    assert set(shown) == set(expected)
    for contractor, cells in shown.items():
        for key, cell in zip(keys[1:], cells[1:], strict=True):
            want = expected[contractor].get(key)
            assert cell["sort"] == (None if want is None else pytest.approx(want)), (contractor, key)
            assert cell["text"] == kpi.data.fmt(want, layer.measure(key).format), (contractor, key)
            if layer.shows_base(key) and want is not None:
                assert cell["base"]["n"] == expected[contractor][layer.measure(key).base], (contractor, key)
    # the table is sortable in the browser and first ranks by jobs raised
    assert view["sortable"] and view["table"]["sort"] == {"col": "repairs_raised", "desc": True}


def test_a_table_ranking_on_few_cases_says_so(app):
    from dashboards.components import cards

    spec = SPECS["care"]
    with signed_in(app, spec.path):
        view = cards.render(spec, spec.chart("assessments-by-ward"), {"month": ["2026-10"]})
    few = [cell for row in view["table"]["rows"] for cell in row["cells"] if cell.get("base", {}).get("few")]
    assert few, "the demo has wards with few assessments in a month"
    assert any("too few to rank on" in n["text"] for n in view["notes"])


def test_what_a_card_offers_fits_it_and_a_choice_is_plotted_first(app):
    from dashboards.components import cards

    layer = kpi.data.layer()
    for spec in SPECS.values():
        for chart in spec.charts:
            facts = {layer.measure(m).fact for m in (*chart.measures, *chart.offers)}
            assert len(facts) == 1, (spec.name, chart.name)
    spec = SPECS["repairs"]
    chart = spec.chart("by-contractor")
    assert chart.choices[0] == "repairs_raised" and "rp02_emergency_missed_target" in chart.choices
    with signed_in(app, "/repairs"):
        view = cards.render(spec, chart, {}, "rp02_emergency_missed_target")
        other = cards.render(spec, chart, {}, "pcns_issued")  # not offered: the card's own
    assert view["show"] == "rp02_emergency_missed_target"
    assert view["figure"]["layout"]["xaxis"]["title"]["text"] == "Emergency missed target"
    assert other["show"] == "repairs_raised"

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

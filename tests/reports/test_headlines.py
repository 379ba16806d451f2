"""The borough headlines' sentences (pure), and the published headlines against the tables' borough rows and plain
SQL of the month before."""

from __future__ import annotations

import csv
import io

import pytest

from reports.headlines import previous_month, sentence
from reports.published_store import PublishedStore
from reports.publishing import publish

SAYS = "of emergency repairs were completed within 24 hours"
LABEL = "Emergency repairs completed within target"


def test_a_sentence_compares_with_the_month_before_and_names_the_target():
    assert sentence(SAYS, LABEL, "percent", "2026-10", 84.0, 79.2, 98) == (
        "84.0% of emergency repairs were completed within 24 hours in October, up from 79.2% in September; "
        "the target is 98.0%.")
    assert sentence("repairs were raised", "Raised", "count", "2026-10", 1200, 1300) == (
        "1,200 repairs were raised in October, down from 1,300 in September.")
    assert "the same as 84.0%" in sentence(SAYS, LABEL, "percent", "2026-10", 84.04, 83.96)


def test_across_a_new_year_the_months_carry_their_years():
    assert "in January 2027, up from 5 in December 2026" in sentence("x", "X", "count", "2027-01", 9, 5)
    assert previous_month("2027-01") == "2026-12"


@pytest.mark.parametrize("hidden", ["<5", "[c]"])
def test_a_hidden_figure_is_said_to_be_hidden_and_no_number_is_given(hidden):
    text = sentence(SAYS, LABEL, "percent", "2026-10", hidden, 79.2, 98)
    assert text.startswith(f"{LABEL}: the figure for October is not shown ({hidden})")
    assert "79.2" not in text and "98" not in text


def test_a_share_over_nothing_is_no_figure_not_a_hidden_one():
    assert sentence(SAYS, LABEL, "percent", "2026-10", None, 79.2, 98) == (
        f"{LABEL}: there is no figure for October (nothing to measure it over).")


def test_a_month_before_not_shown_is_left_out():
    assert sentence(SAYS, LABEL, "percent", "2026-10", 84.0, "[c]") == (
        "84.0% of emergency repairs were completed within 24 hours in October.")


@pytest.fixture(scope="module")
def tables(demo_warehouse, tmp_path_factory):
    store = PublishedStore(tmp_path_factory.mktemp("published"))
    snapshot = publish(demo_warehouse, published_by="data-team", store=store)
    return {t.name: list(csv.DictReader(io.StringIO(store.file_bytes(snapshot.id, t.name, "csv").decode())))
            for t in snapshot.tables}, snapshot


def test_headlines_are_the_tables_borough_figures(tables):
    published, snapshot = tables
    headlines = {row["Measure"]: row for row in published["borough-headlines"]}
    borough = {row["Area"]: row for row in published["repairs-by-ward"]}["Camden (the borough)"]
    assert headlines["repairs_completed"]["This month"] == borough["Repairs completed"]
    assert headlines["rp02_emergency_within_target_pct"]["This month"] == \
        borough["Emergency repairs completed within target (RP02)"]
    assert snapshot.tables[0].name == "borough-headlines"


def test_the_month_before_is_the_warehouses(tables, demo_con):
    published, snapshot = tables
    before = previous_month(snapshot.period)
    [(completed,)] = demo_con.execute("""
        select count(*) from fact_repairs_job f join dim_date d on d.date_key = f.completed_date_key
        where strftime(d.full_date, '%Y-%m') = ?""", [before]).fetchall()
    row = {r["Measure"]: r for r in published["borough-headlines"]}["repairs_completed"]
    assert row["Month before"] == str(completed) and completed > 0
    assert f"{int(row['This month']):,} council housing repairs were completed in" in row["In words"]

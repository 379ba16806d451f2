"""Home per role reads only what the role may read (the layout each role is drawn, read as text): the admin the
latest load and the catalogue, a service manager the catalogue, finance the budget position of its scope (recomputed
here in plain SQL over the demo warehouse), a councillor the current snapshot's headlines as its own file says
them and their ward's published page; no ETL figure for anyone but the data team. In Chromium too (with axe-core)
for the councillor and finance."""

from __future__ import annotations

import csv
import io
import re

import duckdb
import pytest
from axe_checks import axe_violations, failing
from component_tree import find, joined_text, text
from playwright.sync_api import expect
from signing_in import signed_in

from app import create_app
from reports import headlines
from reports.published_store import PublishedColumn, PublishedStore, PublishedTable
from reports.published_views import BOROUGH_LABEL

LOAD_WORDS = ("Latest load", "Rows read", "Rows rejected", "Files with rejected rows")
HEADLINES = (   # a figure of each format, a marker and a headline with no figure, as publishing writes them
    {"measure": "rp02_emergency_completed_pct", "headline": "Emergency repairs in 24 hours", "value": 84.0,
     "previous": 79.2, "format": "percent", "target": 98.0, "status": "Red",
     "sentence": "84.0% of emergency repairs were completed within 24 hours in October, up from 79.2% in September."},
    {"measure": "repairs_raised", "headline": "Repairs raised", "value": 1234, "previous": 1190, "format": "count",
     "target": None, "status": "", "sentence": "1,234 repairs were raised in October, up from 1,190 in September."},
    {"measure": "pcn_income", "headline": "PCN income", "value": 4970.0, "previous": None, "format": "pounds",
     "target": None, "status": "", "sentence": "£4,970 was paid for PCNs in October."},
    {"measure": "care_assessments", "headline": "Assessments", "value": "<5", "previous": "<5", "format": "count",
     "target": None, "status": "", "sentence": "Assessments: the figure for October is not shown (<5)."},
)


@pytest.fixture(scope="module")
def published_home(demo_warehouse, tmp_path_factory):
    """A copy of the demo warehouse with one public snapshot beside it: borough headlines and a table by ward
    (written through the store, so the test needs no particular month to pass disclosure control)."""
    import shutil

    warehouse = tmp_path_factory.mktemp("home-published") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        wards = [row[0] for row in con.execute("select ward_name from dim_ward where is_in_borough order by 1")
                 .fetchall()]
    by_ward = PublishedTable("repairs-by-ward", "Repairs by ward", "Repairs raised in each ward.",
                             (PublishedColumn("area", "Area", "The ward."),
                              PublishedColumn("repairs_raised", "Repairs raised", "Jobs raised.", "count")),
                             tuple({"area": w, "repairs_raised": 60} for w in [*wards, BOROUGH_LABEL]))
    table = PublishedTable(headlines.TABLE, headlines.TITLE, "The borough's headlines.", headlines.COLUMNS, HEADLINES)
    store = PublishedStore.beside(warehouse)
    snapshot = store.publish("2026-10", [table, by_ward], published_by="data-team", data_as_of=None)
    if store.current() is None:   # a store that writes drafts: made public as the data team would
        store.make_public(snapshot.id, by="data-team")
    return warehouse


@pytest.fixture(scope="module")
def app(published_home):
    return create_app({"warehouse": published_home})


def home_as(app, username: str, path: str = "/"):
    from dashboards.pages import home

    with signed_in(app, path, username):
        return home.layout()


def load_figures(warehouse) -> set[str]:
    """The latest load's figures as the admin's Home writes them (1,303), the ones a page for others must not say."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        run = con.execute("select files, rows_read, rows_loaded, rows_rejected from etl_runs "
                          "order by finished desc limit 1").fetchone()
    return {f"{value:,}" for value in run if value and value >= 10}


def no_load_figure(tree, warehouse):
    said = joined_text(tree)
    assert not [word for word in LOAD_WORDS if word in said]
    assert find(tree, "home-latest-load") is None and find(tree, "home-load-figures") is None
    assert not set(re.findall(r"\d{1,3}(?:,\d{3})+|\d+", said)) & load_figures(warehouse)


def test_the_admin_sees_the_latest_load_and_the_catalogue(app, published_home):
    tree = home_as(app, "admin")
    with duckdb.connect(str(published_home), read_only=True) as con:
        files, rows_read = con.execute("select files, rows_read from etl_runs order by finished desc limit 1"
                                       ).fetchone()
    assert text(find(tree, "home-files")) == f"{files:,}"
    assert text(find(tree, "home-rows-read")) == f"{rows_read:,}"
    assert find(tree, "home-rejected-files") is not None
    assert find(tree, "home-catalogue") is not None


def test_a_service_manager_sees_the_catalogue_and_no_load(app, published_home):
    tree = home_as(app, "repairs-manager")
    assert find(tree, "home-catalogue") is not None
    no_load_figure(tree, published_home)


def test_a_councillor_sees_the_published_headlines_exactly_and_their_ward(app, published_home):
    store = PublishedStore.beside(published_home)
    current = store.current()
    rows = list(csv.DictReader(io.StringIO(store.file_bytes(current.id, "borough-headlines", "csv").decode())))
    assert len(rows) == len(HEADLINES)
    tree = home_as(app, "councillor")
    no_load_figure(tree, published_home)
    assert find(tree, "home-catalogue") is None and find(tree, "home-budget") is None
    headlines = find(tree, "home-headlines").children
    assert len(headlines) == len(rows)
    for row, item in zip(rows, headlines, strict=True):
        said = joined_text(item)
        assert row["Headline"] in said and row["In words"] in said
        assert row["Status"] in said and ("Target" in said) == bool(row["Target"])
        shown = text(find(item, f"home-headline-{row['Measure']}"))
        if re.fullmatch(r"-?[\d.]+", row["This month"]):   # a figure: the same number, in its format
            assert float(re.sub(r"[£,%]", "", shown)) == pytest.approx(float(row["This month"]), abs=0.05)
        else:                                              # a marker or nothing, as published
            assert shown == (row["This month"] or "–")
    assert "October 2026" in text(find(tree, "home-published-heading"))
    assert find(tree, "home-published-link").href == "/published/"
    ward = find(tree, "home-ward")
    assert ward.href == "/published/wards/belsize" and "Belsize" in text(ward)


def test_a_councillor_is_told_when_nothing_is_published(warehouse_copy):
    tree = home_as(create_app({"warehouse": warehouse_copy}), "councillor")
    assert "Nothing is published yet" in text(find(tree, "home-published-none"))
    no_load_figure(tree, warehouse_copy)


def budget_position(warehouse) -> tuple[str, str, dict[str, float]]:
    """The budget page's opening position in plain SQL: the latest month of budget monitoring ended by the data's
    as-of date, its financial year, and the sums of every line of that month (each line's latest period)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of = con.execute("select data_as_of from etl_runs where status = 'succeeded' "
                            "order by finished desc limit 1").fetchone()[0]
        month, year = con.execute("""
            select strftime(d.month_start, '%Y-%m'), f.financial_year from fact_budget_monthly f
            join dim_date d on d.date_key = f.month_key
            where last_day(d.month_start) <= $as_of order by d.month_start desc limit 1""", {"as_of": as_of}).fetchone()
        sums = con.execute("""
            select sum(annual_budget_pounds), sum(actual_to_date_pounds), sum(forecast_outturn_pounds),
                   sum(variance_pounds)
            from fact_budget_monthly f join dim_date d on d.date_key = f.month_key
            where strftime(d.month_start, '%Y-%m') = $month and f.financial_year = $year""",
                           {"month": month, "year": year}).fetchone()
    names = ("budget_annual", "budget_actual_to_date", "budget_forecast_outturn", "budget_forecast_variance")
    values = dict(zip(names, (float(v) for v in sums), strict=True))
    values["budget_forecast_variance_pct"] = 100.0 * values["budget_forecast_variance"] / abs(values["budget_annual"])
    return month, year, values


def pounds(shown: str) -> float:
    return float(shown.replace("£", "").replace(",", "").replace("%", ""))


def test_finance_sees_the_budget_position_of_its_scope(app, published_home):
    month, year, expected = budget_position(published_home)
    tree = home_as(app, "finance")
    no_load_figure(tree, published_home)
    said = joined_text(tree)
    assert "No service's figures are in your access" not in said and find(tree, "home-catalogue") is None
    period = find(tree, "home-budget-period")
    assert period.to_plotly_json()["props"]["data-month"] == month and year in text(period)
    for name, value in expected.items():
        shown = text(find(tree, f"home-kpi-{name}-value"))
        tolerance = 0.05 if name.endswith("_pct") else 0.5
        assert pounds(shown) == pytest.approx(value, abs=tolerance), name
    assert find(tree, "home-budget-link").href == "/budget"


# ------------------------------------------------------------------------------------------------ in Chromium

def home_in_browser(page, url: str, username: str):
    """Home's main region as `username` sees it, signed in with the form."""
    page.sign_in_as = username
    page.goto(url + "/")
    expect(page.locator("#signed-in-as")).to_be_visible()
    expect(page.locator("#home-title")).to_be_visible()
    return page.locator("main")


@pytest.mark.browser
def test_a_councillor_s_home_in_chromium(app, published_home, live_app, page, artifacts):
    with live_app(app) as url:
        main = home_in_browser(page, url, "councillor")
        expect(main.locator("#home-headlines > li")).to_have_count(len(HEADLINES))
        for row in HEADLINES:
            expect(main.locator("#home-headlines")).to_contain_text(row["sentence"])
        expect(main.get_by_role("link", name=re.compile("^Belsize: its published figures"))).to_have_attribute(
            "href", "/published/wards/belsize")
        said = main.inner_text()
        assert not [word for word in LOAD_WORDS if word in said]
        assert not set(re.findall(r"\d{1,3}(?:,\d{3})+|\d+", said)) & load_figures(published_home)
        page.screenshot(path=str(artifacts / "home-councillor.png"), full_page=True)
        assert not failing(axe_violations(page))
    assert page.errors == []


@pytest.mark.browser
def test_finance_s_home_in_chromium(app, published_home, live_app, page, artifacts):
    _, _, expected = budget_position(published_home)
    with live_app(app) as url:
        main = home_in_browser(page, url, "finance")
        for name, value in expected.items():
            shown = main.locator(f"#home-kpi-{name}-value")
            expect(shown).to_be_visible()
            assert pounds(shown.inner_text()) == pytest.approx(value, abs=0.05 if name.endswith("_pct") else 0.5)
        said = main.inner_text()
        assert "No service's figures are in your access" not in said
        assert not [word for word in LOAD_WORDS if word in said]
        assert not set(re.findall(r"\d{1,3}(?:,\d{3})+|\d+", said)) & load_figures(published_home)
        expect(main.get_by_role("link", name=re.compile("^Open budget and spend"))).to_have_attribute("href", "/budget")
        page.screenshot(path=str(artifacts / "home-finance.png"), full_page=True)
        assert not failing(axe_violations(page))
    assert page.errors == []


def test_finance_is_told_when_the_warehouse_cannot_be_read(tmp_path):
    tree = home_as(create_app({"warehouse": tmp_path / "missing.duckdb"}), "finance")
    assert "No warehouse yet" in joined_text(find(tree, "home-budget"))

"""The app factory and the home page's numbers, checked against the warehouse read directly with duckdb."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path

import dash
import duckdb
import pytest
from component_tree import find, text
from dash import html
from signing_in import signed_in, signed_in_client

from app import AppConfig, create_app


def home_layout(app: dash.Dash):
    with signed_in(app, "/"):
        return dash.page_registry["dashboards.pages.home"]["layout"]()


def rows(component) -> int:
    body = [c for c in component.children if type(c).__name__ == "Tbody"][0]
    return len(body.children)


def home_catalogue(app: dash.Dash, state=None):
    """What Home's catalogue callback draws for a selection (the page fills it from the selection store)."""
    from dashboards.pages import home

    with signed_in(app, "/"):
        return html.Div(home.render_catalogue(state or {}))


def test_home_catalogue_counts_match_the_warehouse(demo_warehouse):
    layout = home_catalogue(create_app({"warehouse": demo_warehouse}))
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        expected = con.execute("select directorate_code, directorate_name, count(*) from dim_service "
                               "where service_key <> -1 group by all").fetchall()
        kpis = con.execute("select count(*) from dim_service_kpi where service_key <> -1").fetchall()[0][0]
    assert expected, "the demo warehouse has no services"
    shown_kpis = 0
    for code, name, count in expected:
        slug = (code or "unknown").lower()
        assert text(find(layout, f"home-directorate-{slug}")) == name
        assert text(find(layout, f"home-directorate-{slug}-count")) == f"{count:,} service{'s' * (count != 1)}"
        table = find(layout, f"home-directorate-{slug}-services")
        assert rows(table) == count
        body = [c for c in table.children if type(c).__name__ == "Tbody"][0]
        shown_kpis += sum(int(text(row.children[1])) for row in body.children)  # Service, KPIs, Headline...
    assert shown_kpis == kpis
    total = sum(count for *_, count in expected)
    assert text(find(layout, "home-services-count")).startswith(f"{total:,} services in {len(expected)} directorates")


def test_home_latest_load_matches_the_warehouse(demo_warehouse):
    layout = home_layout(create_app({"warehouse": demo_warehouse}))
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        run_id, *numbers = con.execute(
            "select run_id, files, rows_read, rows_loaded, rows_rejected, rows_blank from etl_runs "
            "order by finished desc limit 1").fetchall()[0]
        rejected = con.execute("select count(*) from etl_files where run_id = $r and rows_rejected > 0",
                               {"r": run_id}).fetchall()[0][0]
    for key, value in zip(("files", "rows-read", "rows-loaded", "rows-rejected", "rows-blank"), numbers, strict=True):
        assert text(find(layout, f"home-{key}")) == f"{value:,}", key
    assert text(find(layout, "home-run-status")) == "succeeded"
    table = find(layout, "home-rejected-files")
    assert (rows(table) if rejected else 0) == min(rejected, 10)
    if rejected > 10:
        assert text(find(layout, "home-rejected-more")).startswith(f"{rejected - 10:,} more file")


def test_home_shows_the_latest_run_even_when_it_failed(warehouse_copy):
    later = dt.datetime(2099, 1, 1, 6, 0)
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("insert into etl_runs (run_id, started, finished, status, message, files, rows_read, rows_loaded, "
                    "rows_rejected, rows_blank) values ('later', $t, $t, 'failed', 'a layout did not match', "
                    "1, 7, 0, 7, 0)", {"t": later})
    layout = home_layout(create_app({"warehouse": warehouse_copy}))
    assert text(find(layout, "home-run-status")) == "failed"
    assert text(find(layout, "home-rows-read")) == "7"
    assert "a layout did not match" in text(find(layout, "home-load-failed"))


@pytest.mark.parametrize("content, message", [(None, "No warehouse yet"), (b"not a database" * 100, "cannot be read")])
def test_home_without_a_readable_warehouse_says_so(tmp_path, content, message):
    path = tmp_path / "warehouse.duckdb"
    if content is not None:
        path.write_bytes(content)
    app = create_app({"warehouse": path})
    notice = text(find(home_layout(app), "home-unavailable"))
    assert message in notice
    assert "python -m etl build" in notice and str(tmp_path) not in notice
    page = signed_in_client(app).get("/")
    assert page.status_code == 200


def test_index_page_has_language_and_title(demo_warehouse):
    page = signed_in_client(create_app({"warehouse": demo_warehouse})).get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en">' in html and "<title>Borough Insight</title>" in html


def test_configured_title_names_the_page(tmp_path):
    app = create_app({"warehouse": tmp_path / "missing.duckdb", "title": "Islington Insight"})
    html = signed_in_client(app).get("/").get_data(as_text=True)
    assert "<title>Islington Insight</title>" in html
    assert text(find(home_layout(app), "home-title")) == "Islington Insight"


def test_navigation_is_built_from_the_page_registry(demo_warehouse):
    app = create_app({"warehouse": demo_warehouse})
    with signed_in(app, "/", "admin"):   # the admin may open every page
        links = [c for c in _walk(app.layout()) if type(c).__name__ == "NavLink"]
    assert [(link.children, link.href) for link in links] == [
        (page["name"], page["relative_path"]) for page in
        sorted(dash.page_registry.values(), key=lambda p: (p.get("order") is None, p.get("order") or 0))
        if not page.get("path_template")] + [("Published figures", "/published/")]   # outside Dash, last
    # a page of many paths (/services/<slug>) has no single link: it is reached from Home's catalogue
    assert all("<" not in link.href and link.href != "/services" for link in links)
    assert len(links) >= 6


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_config_from_dict_environment_and_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("BOROUGH_INSIGHT_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert AppConfig.of(None).warehouse == tmp_path / "env.duckdb"
    assert AppConfig.of({"warehouse": None}).warehouse == tmp_path / "env.duckdb"
    given = AppConfig.of({"warehouse": str(tmp_path / "x.duckdb"), "title": "T"})
    assert given == AppConfig(tmp_path / "x.duckdb", "T")
    monkeypatch.delenv("BOROUGH_INSIGHT_WAREHOUSE")
    assert AppConfig.of(None).warehouse.parts[-2:] == ("demo", "warehouse.duckdb")
    with pytest.raises(ValueError, match="wherehouse"):
        AppConfig.of({"wherehouse": "x"})


def test_importing_the_app_opens_no_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("BOROUGH_INSIGHT_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    monkeypatch.delitem(sys.modules, "app")
    module = importlib.import_module("app")
    assert "server" not in vars(module)
    assert module.server.name  # created on first use, over a warehouse that does not exist yet


def test_every_app_gets_each_pages_own_callbacks_once(tmp_path):
    first = create_app({"warehouse": tmp_path / "missing.duckdb"})
    second = create_app({"warehouse": tmp_path / "missing.duckdb"})
    assert set(first.callback_map) == set(second.callback_map)
    for page_output in ("home-catalogue.children", "service-kpis", "data-quality"):
        assert any(page_output in key for key in second.callback_map), page_output
    assert not dash._callback.GLOBAL_CALLBACK_LIST  # nothing left for "whichever app serves first"


def test_a_page_module_imports_by_its_name_once_the_app_has_loaded_it(tmp_path):
    """Dash loads pages as dashboards.pages.<name> without importing their package; the app imports it first, so
    `import dashboards.pages.data_quality as module` works after create_app (it failed in full-suite order)."""
    import subprocess

    # a warehouse path in a temporary folder: the app's own database is made beside it, never in the repo
    script = (f"from app import create_app; create_app({{'warehouse': {str(tmp_path / 'missing.duckdb')!r}}}); "
              "import dashboards.pages.data_quality as module; print(module.__name__)")
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=repo, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "dashboards.pages.data_quality", proc.stderr

"""The Data quality page: every number it shows equals an independent recomputation with duckdb over the demo
warehouse; the searches take values only as bound parameters; callbacks are called as plain functions."""

from __future__ import annotations

import datetime as dt
import json
from contextvars import copy_context

import dash
import duckdb
import pytest
from component_tree import find
from component_tree import joined_text as text
from csv_download_text import parse_download
from dash._callback_context import context_value
from dash._utils import AttributeDict
from signing_in import signed_in, signed_in_client

from app import create_app

INJECTION = "x' or '1'='1"


# ------------------------------------------------------------------------------------------------------- helpers

@pytest.fixture
def dq(app):
    """The page module as the latest create_app loaded it (Dash pages run the module at each app's creation)."""
    import dashboards.pages.data_quality as module
    return module


def page_layout(app: dash.Dash, **query):
    with signed_in(app, "/data-quality"):
        return dash.page_registry["dashboards.pages.data_quality"]["layout"](**query)


def in_request(app: dash.Dash, function, *args, **kwargs):
    with signed_in(app, "/_dash-update-component"):
        return function(*args, **kwargs)


def triggered(app: dash.Dash, prop_id: str, function, *args):
    """Call a callback as Dash would after `prop_id` changed (ctx.triggered_id set)."""
    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
        with signed_in(app, "/_dash-update-component"):
            return function(*args)
    return copy_context().run(run)


def part(table, name: str):
    return next(c for c in table.children if type(c).__name__ == name)


def body_rows(table) -> list[list[str]]:
    return [[text(cell) for cell in row.children] for row in part(table, "Tbody").children]


def header(table) -> list[str]:
    return [text(cell) for cell in part(table, "Thead").children.children]


def fetch(warehouse, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def latest_run(warehouse) -> tuple[str, dt.date]:
    return fetch(warehouse, "select run_id, data_as_of from etl_runs where status = 'succeeded' "
                            "order by finished desc limit 1")[0]


def n(value) -> str:
    return f"{value:,}"


def parse_csv(download: dict) -> list[list[str]]:
    return parse_download(download["content"])


@pytest.fixture
def app(demo_warehouse):
    return create_app({"warehouse": demo_warehouse})


# ------------------------------------------------------------------------------------------------------ load runs

def test_runs_table_matches_etl_runs_latest_first(app, demo_warehouse):
    layout = page_layout(app)
    expected = fetch(demo_warehouse, "select status, files, rows_read, rows_loaded, rows_rejected, rows_blank "
                                     "from etl_runs order by started desc")
    table = find(layout, "data-quality-runs-table")
    assert header(table)[:5] == ["Started", "Finished", "Status", "Data as of", "Files"]
    shown = body_rows(table)
    assert len(shown) == len(expected) >= 1
    for row, (status, *numbers) in zip(shown, expected, strict=True):
        assert row[2] == status
        assert row[4:9] == [n(v) for v in numbers]


def test_a_failed_run_is_listed_first_with_its_message_and_the_rest_uses_the_last_success(warehouse_copy, dq):
    run_id, _ = latest_run(warehouse_copy)
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("insert into etl_runs (run_id, started, finished, status, message, files, rows_read, "
                    "rows_loaded, rows_rejected, rows_blank) values ('later', $t, $t, 'failed', 'a data test failed', "
                    "3, 9, 0, 9, 0)", {"t": dt.datetime(2099, 1, 1, 6)})
    app = create_app({"warehouse": warehouse_copy})
    layout = page_layout(app)
    rows = find(layout, "data-quality-runs-table").children[2].children
    assert text(rows[0].children[2]) == "failed" and "a data test failed" in text(rows[0])
    assert rows[0].className == "table-danger"
    assert text(rows[1].children[-1]) == "–"  # a succeeded run shows no message
    assert find(layout, "data-quality-run-id").data == run_id


# ---------------------------------------------------------------------------------------------- reconciliation

FILES_SQL = """
select source_file, layout, target, encoding, rows_read, rows_loaded, rows_rejected, rows_blank,
       rows_read = rows_loaded + rows_rejected + rows_blank as balanced, coalesce(message, '')
from etl_files where run_id = $run order by source_file
"""


def all_pages(app, dq, run_id, search="", problems=False, sort=None) -> tuple[list[list[str]], list[dict]]:
    rows, views, page = [], [], 0
    while True:
        view = in_request(app, dq.files_view, run_id, search, problems, sort, page)
        views.append(view)
        assert len(view["body"]) <= dq.PAGE_SIZE
        rows += [[text(cell) for cell in row.children] for row in view["body"]]
        if view["next_disabled"]:
            return rows, views
        page += 1


def expected_file_row(row: tuple) -> list[str]:
    file, layout, target, encoding, read, loaded, rejected, blank, balanced, message = row
    shown_file = file + (message or ("not recognised" if layout is None else ""))
    return [shown_file, layout or "–", target or "–", encoding or "–", n(read), n(loaded), n(rejected), n(blank),
            "✓ yes" if balanced else "✗ no"]


def test_every_file_of_the_latest_success_is_shown_and_reconciled(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    expected = fetch(demo_warehouse, FILES_SQL, {"run": run_id})
    assert len(expected) > dq.PAGE_SIZE, "the demo should need more than one page of files"
    shown, views = all_pages(app, dq, run_id)
    assert shown == [expected_file_row(r) for r in expected]
    assert views[0]["range"] == f"Rows 1–{dq.PAGE_SIZE} of {n(len(expected))}" and views[0]["prev_disabled"]
    assert dq.PAGE_SIZE <= 100
    totals = fetch(demo_warehouse, "select count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected), "
                                   "sum(rows_blank) from etl_files where run_id = $run", {"run": run_id})[0]
    foot = [text(cell) for cell in views[0]["totals"].children]
    assert foot == [f"Total ({n(totals[0])} files)", *[n(v) for v in totals[1:]], "✓ yes"]
    assert "equal the sum of its files" in in_request(app, dq._run_check, run_id)


def test_files_filter_and_problem_only_match_an_independent_filter(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    expected = fetch(demo_warehouse, FILES_SQL, {"run": run_id})
    spend = [expected_file_row(r) for r in expected if "spend" in (r[0] + (r[1] or "") + (r[2] or "")).lower()]
    assert spend
    assert all_pages(app, dq, run_id, "  SPEND ")[0] == spend
    problems = [expected_file_row(r) for r in expected if r[9] or r[1] is None or r[6] > 0 or not r[8]]
    assert problems, "the demo has files with rejected records"
    assert all_pages(app, dq, run_id, "", True)[0] == problems
    assert all_pages(app, dq, run_id, INJECTION)[0] == []
    view = in_request(app, dq.files_view, run_id, INJECTION, False, None, 0)
    assert text(view["message"]) == "No file matches this filter." and view["totals"] is None


def test_files_sort_by_a_column_both_ways(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    expected = fetch(demo_warehouse, FILES_SQL, {"run": run_id})
    by_read = sorted(expected, key=lambda r: r[0])
    by_read = sorted(by_read, key=lambda r: r[4], reverse=True)
    shown, _ = all_pages(app, dq, run_id, sort={"column": "rows_read", "descending": True})
    assert [row[4] for row in shown] == [n(r[4]) for r in by_read]
    shown, _ = all_pages(app, dq, run_id, sort={"column": "target", "descending": False})
    assert [row[2] for row in shown] == [r[2] for r in sorted(expected, key=lambda r: (r[2], r[0]))]


def test_the_files_callback_sorts_pages_and_resets_the_page_on_a_new_filter(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    sort_id = json.dumps({"column": "rows_read", "type": "data-quality-files-sort"}, separators=(",", ":"))
    out = triggered(app, f"{sort_id}.n_clicks", dq.update_files, "", "all", [None] * 9, None, None,
                    run_id, dq.DEFAULT_FILE_SORT, 0)
    assert out[8] == {"column": "rows_read", "descending": False}
    assert out[10][4] == "ascending" and out[10][0] == "none"
    out = triggered(app, f"{sort_id}.n_clicks", dq.update_files, "", "all", [None] * 9, None, None,
                    run_id, out[8], 0)
    assert out[8] == {"column": "rows_read", "descending": True}
    most = fetch(demo_warehouse, "select max(rows_read) from etl_files where run_id = $run", {"run": run_id})[0][0]
    assert text(out[0][0].children[4]) == n(most)
    out = triggered(app, "data-quality-files-next.n_clicks", dq.update_files, "", "all", [None] * 9, None, 1,
                    run_id, out[8], 0)
    assert out[7] == 1 and out[4].startswith(f"Rows {dq.PAGE_SIZE + 1}–") and not out[5]
    out = triggered(app, "data-quality-files-search.value", dq.update_files, "spend", "all", [None] * 9, None, 1,
                    run_id, out[8], 1)
    assert out[7] == 0 and out[4].startswith("Rows 1–")


def test_unrecognised_and_unbalanced_files_are_highlighted_with_their_message(warehouse_copy, dq):
    run_id, _ = latest_run(warehouse_copy)
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("insert into etl_files values ($run, 'aaa/odd.csv', 'csv', null, null, 'utf-8', '', 3, 0, 3, 0, "
                    "'unrecognised layout: no known layout matches the columns a, b'), "
                    "($run, 'aaa/short.csv', 'csv', 'pcn_camden', 'pcn', 'utf-8', '', 5, 3, 0, 0, '')", {"run": run_id})
    app = create_app({"warehouse": warehouse_copy})
    view = in_request(app, dq.files_view, run_id, "aaa/", False, None, 0)
    odd, short = view["body"]
    assert odd.className == "table-danger" and "unrecognised layout: no known layout" in text(odd.children[0])
    assert text(odd.children[1]) == "–" and text(odd.children[-1]) == "✓ yes"
    assert short.className == "table-danger" and text(short.children[-1]) == "✗ no"
    assert text(view["totals"].children[-1]) == "✗ no (1 file)"
    assert [text(r.children[0]) for r in in_request(app, dq.files_view, run_id, "aaa/", True, None, 0)["body"]] \
        == [text(odd.children[0]), text(short.children[0])]
    assert "differ" in in_request(app, dq._run_check, run_id)  # the run's totals no longer equal its files'


def test_files_download_is_what_the_table_shows(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    sort = {"column": "rows_rejected", "descending": True}
    shown, _ = all_pages(app, dq, run_id, "spend", False, sort)
    rows = parse_csv(in_request(app, dq.download_files, 1, None, run_id, "spend", "all", sort))
    assert rows[0] == [c.label for c in dq.FILE_CSV_COLUMNS]
    assert [r[:9] for r in rows[1:]] == [[s[0], *[c.replace(",", "") for c in s[1:8]], s[8]] for s in shown]


# ------------------------------------------------------------------------------------------------------- rejects

def test_rejects_search_matches_an_independent_count_and_shows_the_raw_record(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    for search in ("", "spend", "IS NOT A DATE", "duplicate of"):
        expected = fetch(demo_warehouse, "select source_file, source_row, reason, raw from etl_rejects "
                                         "where run_id = $run and (source_file ilike $p or reason ilike $p) "
                                         "order by source_file, source_row", {"run": run_id, "p": f"%{search}%"})
        view = in_request(app, dq.rejects_view, run_id, search, 0)
        assert view["total"] == len(expected) > 0, search
        table = find(view["content"], "data-quality-rejects-table")
        assert [[r[0], r[1], r[2], r[3]] for r in body_rows(table)] == \
            [[f, n(row), reason, raw] for f, row, reason, raw in expected]
        assert f"({len(expected)} record" in text(part(table, "Caption"))


def test_rejects_search_takes_the_text_as_a_bound_value(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    for search in (INJECTION, "%", "%_%", "'); drop table etl_rejects; --"):
        view = in_request(app, dq.rejects_view, run_id, search, 0)
        assert view["total"] == 0 and view["rows"] == []
        assert text(view["content"]).startswith("No rejected record matches")
        assert parse_csv(in_request(app, dq.download_rejects, 1, None, run_id, search)) == [
            [c.label for c in dq.REJECT_COLUMNS]]
    assert fetch(demo_warehouse, "select count(*) from etl_rejects")[0][0] > 0


def test_rejects_are_paged_at_most_100_at_a_time(warehouse_copy, dq):
    run_id, _ = latest_run(warehouse_copy)
    size, total = dq.PAGE_SIZE, 4 * dq.PAGE_SIZE + 10
    assert size <= 100
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("insert into etl_rejects select $run, 'bulk/many.csv', i, 'amount ''x'' is not an amount in "
                    "pounds', '{\"amount\":\"x\"}' from range(1, $total + 1) t(i)", {"run": run_id, "total": total})
    app = create_app({"warehouse": warehouse_copy})
    pages = [in_request(app, dq.rejects_view, run_id, "bulk/", page) for page in range(5)]
    assert [len(p["rows"]) for p in pages] == [size] * 4 + [10]
    assert [p["range"] for p in pages] == [f"Rows {i * size + 1}–{min((i + 1) * size, total)} of {total}"
                                           for i in range(5)]
    assert [r["source_row"] for p in pages for r in p["rows"]] == list(range(1, total + 1))
    assert pages[0]["prev_disabled"] and not pages[0]["next_disabled"] and pages[4]["next_disabled"]
    assert in_request(app, dq.rejects_view, run_id, "bulk/", 99)["page"] == 4  # past the end: the last page
    out = triggered(app, "data-quality-rejects-next.n_clicks", dq.update_rejects, "bulk/", None, 1, run_id, 0)
    assert out[4] == 1 and out[1] == f"Rows {size + 1}–{2 * size} of {total}"
    out = triggered(app, "data-quality-rejects-prev.n_clicks", dq.update_rejects, "bulk/", 1, 1, run_id, 1)
    assert out[4] == 0 and out[2] is True
    out = triggered(app, "data-quality-rejects-search.value", dq.update_rejects, "bulk/many", 1, 2, run_id, 1)
    assert out[4] == 0 and out[1] == f"Rows 1–{size} of {total}"
    assert len(parse_csv(in_request(app, dq.download_rejects, 1, None, run_id, "bulk/"))) == total + 1  # all matches


def test_reject_summary_by_reason_kind_accounts_for_every_reject(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    table = find(page_layout(app), "data-quality-categories-table")
    shown = {row[0]: (row[1], row[2]) for row in body_rows(table)}
    total = fetch(demo_warehouse, "select count(*) from etl_rejects where run_id = $run", {"run": run_id})[0][0]
    assert sum(int(records.replace(",", "")) for records, _ in shown.values()) == total
    duplicates, files = fetch(demo_warehouse, "select count(*), count(distinct source_file) from etl_rejects "
                                              "where run_id = $run and reason like 'duplicate of %'",
                              {"run": run_id})[0]
    if duplicates:
        assert shown["Duplicate of an earlier record"] == (n(duplicates), n(files))
    assert "Other" not in shown, "every reason of the demo has a kind"
    rows = parse_csv(in_request(app, dq.download_categories, 1, None, run_id))
    assert [r[:3] for r in rows[1:]] == [[k, v[0].replace(",", ""), v[1]] for k, v in shown.items()]


def test_no_rejects_says_so(warehouse_copy, dq):
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("delete from etl_rejects")
    app = create_app({"warehouse": warehouse_copy})
    assert text(find(page_layout(app), "data-quality-categories-table")) == "No record of this load was rejected."
    view = in_request(app, dq.rejects_view, latest_run(warehouse_copy)[0], "", 0)
    assert text(view["content"]) == "No record of this load was rejected." and view["range"] == "No rows"


def test_the_search_is_prefilled_from_the_query_string(app):
    assert find(page_layout(app, search="spend"), "data-quality-rejects-search").value == "spend"


# ----------------------------------------------------------------------------------------------------- freshness

FRESHNESS_EXPECTED = {
    "pcn": "select max(issued_at)::date from fact_pcn",
    "repairs_job": "select max(raised_at)::date from fact_repairs_job",
    "spend": "select max(d.full_date) from fact_spend f join dim_date d on d.date_key = f.payment_date_key",
    "budget_line": "select last_day(max(d.full_date)) from fact_budget_monthly f join dim_date d "
                   "on d.date_key = f.month_key",
    "service_kpi": "select last_day(max(d.full_date)) from fact_service_kpi_monthly f join dim_date d "
                   "on d.date_key = f.month_key",
    "care_event": "select greatest((select max(event_start_date) from fact_care_event), "
                  "(select max(start_date) from fact_care_service_episode))",
    "bay_session": "select max(arrival_at)::date from fact_bay_session",
    "permit": "select max(applied_at)::date from fact_permit",
    "suspension": "select max(applied_on) from fact_suspension",
    "care_finance": "select max(make_date(cast(substr(financial_year, 1, 4) as integer) + 1, 3, 31)) "
                    "from fact_care_finance",
}
FRESH_WITHIN = {"care_finance": 550}   # a yearly return; every other source: 45 days


def freshness_shown(layout) -> dict[str, list[str]]:
    return {row[0]: row for row in body_rows(find(layout, "data-quality-freshness-table"))}


def test_freshness_per_source_matches_the_facts(app, demo_warehouse):
    run_id, as_of = latest_run(demo_warehouse)
    shown = freshness_shown(page_layout(app))
    files = dict(fetch(demo_warehouse, "select target, count(*) from etl_files where run_id = $run "
                                       "and target is not null group by 1", {"run": run_id}))
    assert set(files) <= set(shown)
    for target, sql in FRESHNESS_EXPECTED.items():
        latest = fetch(demo_warehouse, sql)[0][0]
        _, shown_files, _, shown_latest, days, status = shown[target]
        assert shown_files == n(files.get(target, 0)), target
        assert shown_latest == f"{latest:%-d %b %Y}", target
        assert days == n((as_of - latest).days), target
        assert status == ("fresh" if (as_of - latest).days <= FRESH_WITHIN.get(target, 45) else "stale"), target
    for reference in ("contravention_code", "vehicle_category"):
        if reference in files:
            assert shown[reference][5] == "not dated"


def test_freshness_turns_stale_after_45_days(warehouse_copy):
    run_id, as_of = latest_run(warehouse_copy)
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("update etl_runs set data_as_of = data_as_of + 46 where run_id = $run", {"run": run_id})
    shown = freshness_shown(page_layout(create_app({"warehouse": warehouse_copy})))
    latest_pcn = fetch(warehouse_copy, FRESHNESS_EXPECTED["pcn"])[0][0]
    assert shown["pcn"][4] == n((as_of + dt.timedelta(days=46) - latest_pcn).days)
    assert shown["pcn"][5] == "stale"


def test_freshness_download_is_what_the_table_shows(app, demo_warehouse, dq):
    run_id, _ = latest_run(demo_warehouse)
    shown = freshness_shown(page_layout(app))
    rows = parse_csv(in_request(app, dq.download_freshness, 1, None, run_id))
    assert rows[0] == [c.label for c in dq.FRESHNESS_COLUMNS]
    assert [r[0] for r in rows[1:]] == list(shown)
    for row in rows[1:]:
        target, files, _, latest, days, status = row
        assert shown[target][1].replace(",", "") == files and shown[target][5] == status
        assert shown[target][3] == (f"{dt.date.fromisoformat(latest):%-d %b %Y}" if latest else "–")


def test_runs_download_is_what_the_table_shows(app, demo_warehouse, dq):
    rows = parse_csv(in_request(app, dq.download_runs, 1, None))
    expected = fetch(demo_warehouse, "select status, files, rows_read from etl_runs order by started desc")
    assert rows[0][:3] == ["Started", "Finished", "Status"]
    assert [(r[2], int(r[4]), int(r[5])) for r in rows[1:]] == expected


# ---------------------------------------------------------------------------------------------------- no data

@pytest.mark.parametrize("content, message", [(None, "No warehouse yet"), (b"not a database" * 100, "cannot be read")])
def test_without_a_readable_warehouse_the_page_says_so(tmp_path, content, message, dq):
    path = tmp_path / "warehouse.duckdb"
    if content is not None:
        path.write_bytes(content)
    app = create_app({"warehouse": path})
    notice = text(find(page_layout(app), "data-quality-unavailable"))
    assert message in notice and str(tmp_path) not in notice and "Traceback" not in notice
    assert signed_in_client(app).get("/data-quality").status_code == 200
    out = triggered(app, "data-quality-rejects-search.value", dq.update_rejects, "spend", None, None, "some-run", 0)
    assert message in text(out[0])
    out = triggered(app, "data-quality-files-search.value", dq.update_files, "", "all", [None] * 9, None, None,
                    "some-run", None, 0)
    assert message in text(out[3])


def test_a_warehouse_without_the_reject_table_shows_a_message_not_a_traceback(warehouse_copy, dq):
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("drop table etl_rejects")
    app = create_app({"warehouse": warehouse_copy})
    layout = page_layout(app)
    assert "Data not available" in text(find(layout, "data-quality-categories-error"))
    assert find(layout, "data-quality-runs-table") is not None  # the rest of the page still shows
    out = triggered(app, "data-quality-rejects-search.value", dq.update_rejects, "", None, None,
                    latest_run(warehouse_copy)[0], 0)
    assert "another version" in text(out[0]) and "Traceback" not in text(out[0])


def test_only_failed_runs(warehouse_copy):
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("update etl_runs set status = 'failed', message = 'bad data'")
    layout = page_layout(create_app({"warehouse": warehouse_copy}))
    for section in ("files", "rejects", "freshness"):
        assert "No successful load" in text(find(layout, f"data-quality-{section}"))
    assert "bad data" in text(find(layout, "data-quality-runs-table"))


def test_page_is_registered_and_served(app):
    page = dash.page_registry["dashboards.pages.data_quality"]
    assert (page["path"], page["name"]) == ("/data-quality", "Data quality")
    with signed_in(app, "/data-quality"):
        assert page["title"]() == "Data quality · Borough Insight"
    assert signed_in_client(app).get("/data-quality").status_code == 200


def test_every_column_of_the_files_table_can_be_sorted(dq):
    from query.load_records import FILE_SORTS

    assert {c.key for c in dq.FILE_COLUMNS} == set(FILE_SORTS)


def test_the_excel_button_gives_the_same_rows_as_the_csv_with_numbers_and_dates(app, demo_warehouse, dq):
    import base64
    import io

    import openpyxl

    csv_rows = parse_csv(in_request(app, dq.download_runs, 1, None))
    sent = triggered(app, "data-quality-runs-download-xlsx-button.n_clicks", dq.download_runs, None, 1)
    assert sent["filename"] == "load-runs.xlsx" and sent["base64"]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(sent["content"]))).active
    assert sheet.cell(2, 1).value == "Filters: every load run"
    header = [cell.value for cell in sheet[5]]
    assert header == csv_rows[0]
    body = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    assert len(body) == len(csv_rows) - 1
    files = header.index("Files")
    assert [int(r[files]) for r in csv_rows[1:]] == [r[files] for r in body]   # numbers, not text
    assert all(isinstance(r[0], dt.datetime) for r in body)                    # dates as dates

"""The published pages, read as a reader would (the HTML the server sends): the borough summary's headlines are
the snapshot's, a page for each of the 20 wards whose figures are the warehouse's (recomputed here in plain SQL)
beside the borough average, a withdrawn snapshot's pages saying so, a councillor's own ward first, PDFs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from html_read import Page
from signing_in import signed_in_client

from app import create_app
from reports.published_store import PublishedStore

CURRENT = "2026-10-v2"      # the `published` fixture's current snapshot; 2026-10 is withdrawn
MONTH = "2026-10"
WARDS = 20
MARKERS = {"<5", "[c]"}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def public_app(published):
    return create_app({"warehouse": published, "public_views": True})


@pytest.fixture(scope="module")
def client(public_app):
    return public_app.server.test_client()


def page_of(client, path: str, status: int = 200) -> Page:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    assert answer.headers["Content-Type"].startswith("text/html")
    return Page(answer.get_data(as_text=True))


def published_csv(warehouse, table: str) -> list[dict]:
    data = PublishedStore.beside(warehouse).file_bytes(CURRENT, table, "csv")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def repairs_raised_by_ward(con) -> dict[str, int]:
    return dict(con.execute("""
        select w.ward_name, count(*) from fact_repairs_job f
        join dim_ward w on w.ward_key = f.ward_key
        join dim_date d on d.date_key = f.raised_date_key
        where strftime(d.full_date, '%Y-%m') = ? and w.is_in_borough group by 1""", [MONTH]).fetchall())


def test_the_summary_says_its_period_and_publication_and_every_headline_sentence(client, published):
    page = page_of(client, "/published/")
    assert page.headings[0] == (1, "Camden in October 2026")
    assert "Figures for October 2026, published" in page.text("published-meta")
    headlines = published_csv(published, "borough-headlines")
    assert len(headlines) >= 4
    shown = page.text("published-headlines")
    for row in headlines:
        assert row["In words"] in shown
    assert any(" in October, " in row["In words"] and "from" in row["In words"] for row in headlines)


def test_the_summary_links_every_ward_page_and_each_answers(client):
    page = page_of(client, "/published/")
    wards = [href for href, _ in page.links if href.startswith("/published/wards/")]
    assert len(set(wards)) == WARDS
    for href in sorted(set(wards)):
        ward = page_of(client, href)
        assert ward.headings[0][1].endswith("in October 2026")


def test_headings_go_down_one_level_at_a_time(client):
    for path in ("/published/", "/published/wards/belsize", "/published/open-data", "/published/accessibility"):
        levels = [level for level, _ in page_of(client, path).headings]
        assert levels[0] == 1 and levels.count(1) == 1, path
        assert all(after - before <= 1 for before, after in zip(levels, levels[1:], strict=False)), (path, levels)


def test_a_ward_page_shows_the_warehouses_figures_beside_the_borough_average(client, con):
    raised = repairs_raised_by_ward(con)
    total = sum(raised.values())
    checked = 0
    for ward, count in raised.items():
        slug = ward.lower().replace("&", "and").replace("'", "").replace(" ", "-").replace("--", "-")
        slug = "-".join(part for part in slug.split("-") if part)
        row = next(r for r in page_of(client, f"/published/wards/{slug}").tables["published-repairs-by-ward"]
                   if r[0] == "Repairs raised")
        assert row[2] == f"{total / WARDS:,.1f}"
        if row[1] not in MARKERS:
            assert row[1] == f"{count:,}"
            checked += 1
    assert checked >= 5   # the small demo hides most wards' figures; those shown are checked


def test_the_map_has_a_table_of_its_figures_and_every_ward_is_a_link(client, published):
    page = page_of(client, "/published/")
    table = {row[0]: row[1] for row in page.tables["published-map-table"][1:]}
    csv_rows = {row["Area"]: row["Repairs raised"] for row in published_csv(published, "repairs-by-ward")}
    assert len(table) == WARDS and all(table[ward] == csv_rows[ward].replace(",", "") or
                                       table[ward].replace(",", "") == csv_rows[ward] for ward in table)
    map_links = {text for href, text in page.links if href.startswith("/published/wards/") and ":" in text}
    assert map_links == {f"{ward}: {value} repairs raised" for ward, value in table.items()}   # each ward's title


def test_a_withdrawn_snapshots_pages_say_when_and_why_and_the_current_is_served(client):
    page = page_of(client, "/published/2026-10/", status=410)
    assert "withdrawn on 20" in page.text("published-withdrawn") and "a ward was misnamed" in page.text(
        "published-withdrawn")
    page_of(client, "/published/2026-10/wards/belsize", status=410)
    assert client.get("/published/2026-10/summary.pdf").status_code == 410
    assert "2026-10-v2" in [href.strip("/").split("/")[-1] for href, _ in page_of(client, "/published/").links
                            if href.startswith("/published/2026-10-v2/")][:1][0]
    page_of(client, f"/published/{CURRENT}/wards/belsize")


def test_unknown_wards_and_snapshots_are_404_pages(client):
    assert "no ward called" in page_of(client, "/published/wards/atlantis", status=404).text("published-problem")
    page_of(client, "/published/1999-01/", status=404)
    page_of(client, "/published/anything/else/here", status=404)


def test_pages_are_cached_an_hour_for_the_public_and_privately_for_those_signed_in(client, published):
    assert client.get("/published/").headers["Cache-Control"] == "public, max-age=3600"
    private = create_app({"warehouse": published, "public_views": False})
    councillor = signed_in_client(private, "councillor")
    assert councillor.get("/published/").headers["Cache-Control"].startswith("private")


@pytest.fixture(scope="module")
def kilburn_councillor(tmp_path_factory):
    """The demo's users, the councillor's ward Kilburn (not first in ward order, as the demo's Belsize is)."""
    from pathlib import Path

    users = Path(__file__).resolve().parents[2] / "access" / "demo_users.yaml"
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    path.write_text(users.read_text(encoding="utf-8").replace("ward: Belsize", "ward: Kilburn"), encoding="utf-8")
    return path


def test_not_public_the_pages_ask_to_sign_in(published):
    private = create_app({"warehouse": published, "public_views": False})
    answer = private.server.test_client().get("/published/wards/belsize")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_councillor_sees_their_ward_first(published, kilburn_councillor):
    private = create_app({"warehouse": published, "public_views": False, "users_file": kilburn_councillor})
    page = Page(signed_in_client(private, "councillor").get("/published/").get_data(as_text=True))
    assert page.text("published-own-ward") == "Kilburn: its figures beside the borough average"
    assert page.text("published-ward-list").startswith("KilburnBelsize")   # items written without spaces
    # the ward list comes first (then the map's links, "Belsize: 21 …", and the map's table, in ward order)
    wards = [text for href, text in page.links if href.startswith("/published/wards/") and ":" not in text][:WARDS]
    assert wards[0] == "Kilburn" and wards[1] == "Belsize" and len(set(wards)) == WARDS
    admin = Page(signed_in_client(private, "admin").get("/published/").get_data(as_text=True))
    assert "published-own-ward" not in admin.texts
    assert admin.text("published-ward-list").startswith("Belsize")


def test_a_pdf_is_never_one_readers_page(published, kilburn_councillor):
    """PDFs are printed once and kept for everyone: a councillor's first download must not carry their ward."""
    from pypdf import PdfReader

    public = create_app({"warehouse": published, "public_views": True, "users_file": kilburn_councillor})
    councillor = signed_in_client(public, "councillor")
    assert "published-own-ward" in Page(councillor.get("/published/").get_data(as_text=True)).texts
    answer = councillor.get(f"/published/{CURRENT}/summary.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert answer.status_code == 200 and "Camden in October 2026" in text and "Your ward" not in text


def test_signed_in_on_public_pages_nothing_is_cached_for_others(published):
    public = create_app({"warehouse": published, "public_views": True})
    answer = signed_in_client(public, "councillor").get("/published/")
    assert answer.headers["Cache-Control"].startswith("private")


def test_a_withdrawn_snapshots_page_offers_no_address_or_pdf_of_it(client):
    page = page_of(client, "/published/2026-10/", status=410)
    assert "published-meta" not in page.texts and "published-pdf" not in page.texts
    assert all(href for href, _ in page.links)


@pytest.mark.parametrize("path", ["/published//", "/published//x", f"/published//{CURRENT}/summary.pdf",
                                  "/published/wards//belsize"])
def test_an_address_with_an_empty_segment_is_a_404_page_not_the_apps_shell(client, path):
    page = page_of(client, path, status=404)
    assert page.text("published-problem") == "Nothing is published at this address."


def test_a_ward_page_downloads_as_a_pdf_of_its_figures(client):
    from pypdf import PdfReader

    answer = client.get(f"/published/{CURRENT}/wards/belsize.pdf")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Belsize in October 2026" in text and "Borough average" in text
    assert "Download as PDF" not in text and "Skip to main content" not in text   # the print stylesheet
    assert client.get(f"/published/{CURRENT}/wards/belsize.pdf").data == answer.data   # printed once, kept


def test_open_data_lists_every_table_with_definitions_and_the_licence(client, published):
    page = page_of(client, "/published/open-data")
    hrefs = {href for href, _ in page.links}
    for table in PublishedStore.beside(published).get(CURRENT).tables:
        for file_format in ("csv", "json"):
            address = f"/published/data/{CURRENT}/{table.name}.{file_format}"
            assert address in hrefs and client.get(address).status_code == 200
    assert "Open Government Licence v3.0" in [text for _, text in page.links]
    assert "/published/api" in hrefs
    statuses = {row[0]: row[3] for row in page.tables["published-snapshots"][1:]}
    assert statuses[CURRENT] == "Current" and statuses["2026-10"].startswith("Withdrawn")


def test_nothing_published_yet_is_said(warehouse_copy):
    app = create_app({"warehouse": warehouse_copy, "public_views": True})
    page = page_of(app.server.test_client(), "/published/")
    assert "has not published any figures" in page.text("published-nothing")


# --- the ward pages read right (issue 20) ---------------------------------------------------------------------

def ward_pages(client) -> dict[str, Page]:
    hrefs = sorted({href for href, _ in page_of(client, "/published/").links if href.startswith("/published/wards/")})
    return {page.headings[0][1].removesuffix(" in October 2026"): page
            for page in (page_of(client, href) for href in hrefs)}


def borough_pcn_income(con) -> float:
    [(total,)] = con.execute("""
        select sum(f.amount_paid_pounds) from fact_pcn f join dim_date d on d.date_key = f.issued_date_key
        where strftime(d.full_date, '%Y-%m') = ?""", [MONTH]).fetchall()
    return float(total)


def test_the_borough_average_is_shared_evenly_for_counts_and_amounts_and_the_boroughs_own_for_shares(
        client, con, published):
    pages = ward_pages(client)
    assert len(pages) == WARDS
    raised = sum(repairs_raised_by_ward(con).values())
    income = borough_pcn_income(con)
    borough = {row["Area"]: row for row in published_csv(published, "repairs-by-ward")}["Camden (the borough)"]
    share = borough["Emergency repairs completed within target (RP02)"]
    for ward, page in pages.items():
        repairs = {row[0]: row[2] for row in page.tables["published-repairs-by-ward"][1:]}
        parking = {row[0]: row[2] for row in page.tables["published-parking-by-ward"][1:]}
        assert repairs["Repairs raised"] == f"{raised / WARDS:,.1f}", ward
        assert parking["PCN income"] == f"£{round(income / WARDS):,}", ward   # 248.50 is £249, not the total
        assert repairs["Emergency repairs completed within target (RP02)"] == (
            share if share in MARKERS else f"{float(share):.1f}%"), ward


def test_money_has_a_pound_sign_and_separators_and_the_open_data_plain_numbers(client, con, published):
    income = borough_pcn_income(con)
    assert income >= 1000   # so that the separator is tested
    summary = page_of(client, "/published/")
    [table] = [t for t in summary.tables.values() if t[0][0] == "Area" and "PCN income" in t[0]]
    [borough] = [row for row in table if row[0] == "Camden (the borough)"]
    assert f"£{round(income):,}" in borough
    by_ward = {row["Area"]: row for row in published_csv(published, "parking-by-ward")}
    assert by_ward["Camden (the borough)"]["PCN income"] == str(round(income))   # machine-readable: no £, no comma
    document = json.loads(PublishedStore.beside(published).file_bytes(CURRENT, "parking-by-ward", "json"))
    shown = 0
    for row in document["rows"]:   # an income that would give a hidden PCN count away is hidden: "[c]"
        assert row["pcn_income"] == "[c]" or isinstance(row["pcn_income"], int)
        assert str(row["pcn_income"]) == by_ward[row["area"]]["PCN income"]
        shown += isinstance(row["pcn_income"], int)
    assert shown > 10
    for ward, page in ward_pages(client).items():
        [income_row] = [row for row in page.tables["published-parking-by-ward"] if row[0] == "PCN income"]
        published_income = by_ward[ward]["PCN income"]
        expected = "[c]" if published_income == "[c]" else f"£{int(published_income):,}"
        assert income_row[1] == expected, ward


def rows_html(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return body.split("<tr>")[1:]


def test_every_row_with_a_figure_has_its_bar(client):
    drawn = 0
    for slug in ("belsize", "kilburn", "gospel-oak", "holborn-and-covent-garden"):
        html = client.get(f"/published/wards/{slug}").get_data(as_text=True)
        page = Page(html)
        for table in ("published-repairs-by-ward", "published-adult-social-care-by-ward", "published-parking-by-ward"):
            for row, cells in zip(rows_html(html, table), page.tables[table][1:], strict=True):
                figures = [cell for cell in cells[1:3] if cell not in MARKERS and cell != "–"]
                bars = row.count("<rect")
                assert bars == len(figures), (slug, cells)
                drawn += bars
    assert drawn > 40


def test_open_data_carries_each_wards_ons_code_as_dim_ward_has_it(published, con):
    import yaml

    codes = dict(con.execute("select ward_name, ward_code from dim_ward where is_in_borough").fetchall())
    council = yaml.safe_load((REPO / "data_models" / "seeds" / "wards.yaml").read_text(encoding="utf-8"))
    assert len(codes) == WARDS
    for table in PublishedStore.beside(published).get(CURRENT).tables:
        if table.name == "borough-headlines":
            continue
        rows = {row["Area"]: row["Ward code"] for row in published_csv(published, table.name)}
        assert rows.pop("Camden (the borough)") == council["council_code"] == "E09000007"
        assert rows == codes, table.name


def test_pages_do_not_show_the_code_as_a_column(client):
    page = page_of(client, "/published/wards/belsize")
    assert all(row[0] != "Ward code" for table in page.tables.values() for row in table)
    summary = page_of(client, "/published/").tables.values()
    assert [t[0] for t in summary if t[0][0] == "Area"] and all("Ward code" not in t[0] for t in summary)


# --- the trend: the ward's figure of each month, from the published snapshots only ------------------------------

TREND_MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


@pytest.fixture(scope="module")
def months_published(demo_warehouse, tmp_path_factory):
    """Five months published (public) beside a copy of the demo warehouse, August then withdrawn."""
    import shutil

    from reports.publishing import publish

    warehouse = tmp_path_factory.mktemp("trend") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, warehouse)
    for month in TREND_MONTHS:
        publish(warehouse, published_by="data-team", month=month, public=True)
    PublishedStore.beside(warehouse).withdraw("2026-08", by="data-team", reason="tested")
    return warehouse


def snapshot_rows(store: PublishedStore, snapshot: str, table: str) -> dict[str, dict]:
    document = json.loads(store.file_bytes(snapshot, table, "json"))
    return {row["area"]: row for row in document["rows"]}


def expected_text(value, kind: str) -> str:
    """A published value as the page should write it, worked out here (not by the page's code)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "–"
    return {"count": f"{value:,}", "pounds": f"£{value:,}", "percent": f"{value:.1f}%"}[kind]


@pytest.mark.parametrize("path,months", [
    ("/published/wards/{ward}", ("2026-06", "2026-07", "2026-09", "2026-10")),
    ("/published/2026-09/wards/{ward}", ("2026-06", "2026-07", "2026-09"))])
def test_the_trend_is_each_months_snapshot_withdrawn_ones_left_out(months_published, path, months):
    store = PublishedStore.beside(months_published)
    client = create_app({"warehouse": months_published, "public_views": True}).server.test_client()
    labels = [dt.date(int(m[:4]), int(m[5:]), 1).strftime("%b %Y") for m in months]
    compared = 0
    for ward, slug in (("Kilburn", "kilburn"), ("Holborn & Covent Garden", "holborn-and-covent-garden")):
        page = page_of(client, path.format(ward=slug))
        for table in ("repairs-by-ward", "adult-social-care-by-ward", "parking-by-ward"):
            header, *rows = page.tables[f"published-trend-{table}"]
            assert header[2:] == labels
            columns = {c["label"]: c for c in json.loads(store.file_bytes(months[-1], table, "json"))["columns"]}
            for row in rows:
                column = columns[row[0]]
                expected = [expected_text(snapshot_rows(store, m, table)[ward][column["key"]], column["kind"])
                            for m in months]
                assert row[2:] == expected, (ward, table, row[0])
                compared += len(expected)
    assert compared == 2 * 12 * len(months)   # two wards, the 12 measures, every month


def test_the_trend_line_breaks_where_a_month_has_no_figure():
    from dashboards.published.content import Column
    from dashboards.published.trend import _line

    line = _line(Column("x", "X", "", "count"), [3, "<5", 6, 9, None, 12])
    assert line.shown == ("3", "<5", "6", "9", "–", "12")
    assert len(line.segments) == 1 and line.segments[0].count(",") == 2   # 6 to 9; 3 and 12 stand alone
    assert len(line.dots) == 4

"""The published pages, read as a reader would (the HTML the server sends): the borough summary's headlines are
the snapshot's, a page for each of the 20 wards whose figures are the warehouse's (recomputed here in plain SQL)
beside the borough average, a withdrawn snapshot's pages saying so, a councillor's own ward first, PDFs."""

from __future__ import annotations

import csv
import io

import pytest
from html_read import Page
from signing_in import signed_in_client

from app import create_app
from reports.published_store import PublishedStore

CURRENT = "2026-10-v2"      # the `published` fixture's current snapshot; 2026-10 is withdrawn
MONTH = "2026-10"
WARDS = 20
MARKERS = {"<5", "[c]"}


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

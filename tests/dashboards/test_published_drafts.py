"""A draft snapshot, read as each reader would (the HTML and files the server sends): the data team reads it at its
own address, the same pages drawn the same way with a "Draft: not public" banner, never cached, its PDFs kept apart;
everyone else (the public, a councillor, finance, each service manager) gets the very page a snapshot that does not
exist gets, at its own address and at every public one; made public, it is served at the public addresses and its
draft address leads there."""

from __future__ import annotations

import io
import shutil

import pytest
from html_read import Page
from signing_in import signed_in_client

from app import create_app
from reports.published_store import PublishedStore
from reports.publishing import publish

PUBLIC, DRAFT = "2026-10", "2026-10-v2"   # October made public, then published again: its next version, a draft
OTHERS = ["councillor", "finance", "repairs-manager", "care-manager", "parking-manager"]
TABLE = "repairs-by-ward"


@pytest.fixture(scope="module")
def warehouse(demo_warehouse, tmp_path_factory):
    copy = tmp_path_factory.mktemp("drafts") / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, copy)
    publish(copy, published_by="data-team", public=True)
    publish(copy, published_by="data-team")
    return copy


@pytest.fixture(scope="module")
def app(warehouse):
    return create_app({"warehouse": warehouse, "public_views": True})


@pytest.fixture(scope="module")
def admin(app):
    return signed_in_client(app, "admin")


def page_of(client, path: str, status: int = 200) -> Page:
    answer = client.get(path)
    assert answer.status_code == status, (path, answer.status_code)
    return Page(answer.get_data(as_text=True))


def draft_addresses(snapshot_id: str) -> list[str]:
    base = f"/published/drafts/{snapshot_id}/"
    return [base, f"{base}wards/belsize", f"{base}summary.pdf", f"{base}wards/belsize.pdf", f"{base}data/{TABLE}.csv",
            f"{base}data/{TABLE}.json", f"/published/{snapshot_id}/", f"/published/{snapshot_id}/wards/belsize",
            f"/published/{snapshot_id}/summary.pdf", f"/published/api/{snapshot_id}",
            f"/published/data/{snapshot_id}/{TABLE}.csv"]


def test_the_store_holds_a_public_snapshot_and_a_draft_of_the_same_month(warehouse):
    store = PublishedStore.beside(warehouse)
    assert store.current().id == PUBLIC and store.get(DRAFT).draft and not store.get(DRAFT).released


def test_the_data_team_reads_the_draft_at_its_own_address_with_its_banner_never_cached(admin):
    answer = admin.get(f"/published/drafts/{DRAFT}/")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
    page = Page(answer.get_data(as_text=True))
    assert page.text("published-draft").startswith("Draft: not public.")
    wards = [href for href, _ in page.links if "/wards/" in href]
    assert len(wards) >= 20 and all(href.startswith(f"/published/drafts/{DRAFT}/wards/") for href in wards)
    files = [href for href, _ in page.links if href.endswith((".csv", ".json"))]
    assert files and all(href.startswith(f"/published/drafts/{DRAFT}/data/") for href in files)
    assert not [href for href, _ in page.links if href.startswith((f"/published/{DRAFT}", f"/published/data/{DRAFT}"))]
    ward = admin.get(wards[0])
    assert ward.status_code == 200 and ward.headers["Cache-Control"] == "private, no-store"
    assert "Draft: not public." in Page(ward.get_data(as_text=True)).text("published-draft")


def test_the_draft_is_drawn_as_the_public_snapshot_of_the_same_figures(admin):
    """Both were published from the same warehouse: each ward's table, and the summary's, read the same."""
    for path in ("", "wards/belsize", "wards/kilburn"):
        draft = page_of(admin, f"/published/drafts/{DRAFT}/{path}")
        public = page_of(admin, f"/published/{PUBLIC}/{path}")
        assert draft.tables and draft.tables == public.tables, path
        assert draft.text("published-meta").startswith("Figures for October 2026, published")


def test_the_draft_s_files_are_its_stored_files(admin, warehouse):
    store = PublishedStore.beside(warehouse)
    for file_format in ("csv", "json"):
        answer = admin.get(f"/published/drafts/{DRAFT}/data/{TABLE}.{file_format}")
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == "private, no-store"
        assert answer.data == store.file_bytes(DRAFT, TABLE, file_format)
        assert f'filename="draft-{DRAFT}-{TABLE}.{file_format}"' in answer.headers["Content-Disposition"]
    assert admin.get(f"/published/drafts/{DRAFT}/data/nothing.csv").status_code == 404


@pytest.mark.parametrize("username", [*OTHERS, None])
def test_nobody_else_can_tell_a_draft_exists(app, username):
    """Every address of the draft answers as the same address of a snapshot that does not exist, word for word."""
    reader = signed_in_client(app, username) if username else app.server.test_client()
    for draft, missing in zip(draft_addresses(DRAFT), draft_addresses("2031-01"), strict=True):
        theirs, nothing = reader.get(draft), reader.get(missing)
        assert theirs.status_code == nothing.status_code == 404, (username, draft)
        assert theirs.get_data(as_text=True).replace(DRAFT, "2031-01") == nothing.get_data(as_text=True), draft


def test_the_public_listings_leave_the_draft_out(app):
    public = app.server.test_client()
    index = public.get("/published/api").get_json()
    assert index["current"] == PUBLIC and [s["id"] for s in index["snapshots"]] == [PUBLIC]
    assert DRAFT not in public.get("/published/open-data").get_data(as_text=True)
    assert f"/published/{PUBLIC}/" in [href for href, _ in page_of(public, "/published/").links]
    assert public.get("/published/data/latest/repairs-by-ward.csv").headers["Location"].endswith(
        f"/published/data/{PUBLIC}/{TABLE}.csv")


def test_a_draft_s_pdf_says_draft_and_is_kept_apart_from_the_public_ones(admin, warehouse):
    from pypdf import PdfReader

    answer = admin.get(f"/published/drafts/{DRAFT}/summary.pdf")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Draft: not public" in text
    root = PublishedStore.beside(warehouse).root
    assert (root / ".draft-pdf" / DRAFT / "summary.pdf").is_file() and not (root / ".pdf" / DRAFT).exists()


def test_made_public_it_is_served_publicly_and_its_draft_address_leads_there(app, admin, warehouse):
    """Last in this module: it makes the fixture's draft public."""
    PublishedStore.beside(warehouse).make_public(DRAFT, by="data-team")
    public = app.server.test_client()
    answer = public.get(f"/published/{DRAFT}/wards/belsize")
    assert answer.status_code == 200 and "Draft: not public" not in answer.get_data(as_text=True)
    assert public.get("/published/api").get_json()["current"] == DRAFT
    assert public.get(f"/published/drafts/{DRAFT}/").status_code == 404   # still the data team's address alone
    for path, there in [("", f"/published/{DRAFT}/"), ("wards/belsize", f"/published/{DRAFT}/wards/belsize"),
                        (f"data/{TABLE}.csv", f"/published/data/{DRAFT}/{TABLE}.csv")]:
        answer = admin.get(f"/published/drafts/{DRAFT}/{path}")
        assert answer.status_code == 302 and answer.headers["Location"].endswith(there), path

"""Open data through the app: the published store's tables at permanent addresses and the JSON API, open to the
public only when the council enables it, a withdrawn snapshot's addresses saying so, nothing else reachable."""

from __future__ import annotations

import csv
import io

import pytest
from signing_in import signed_in_client

from app import create_app
from reports.published_store import PublishedStore


@pytest.fixture(scope="module")
def public_app(published):
    return create_app({"warehouse": published, "public_views": True})


@pytest.fixture(scope="module")
def private_app(published):
    return create_app({"warehouse": published, "public_views": False})


def test_the_api_lists_the_snapshots_and_their_tables_to_the_public(public_app):
    answer = public_app.server.test_client().get("/published/api")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["current"] == "2026-10-v2" and body["licence"]["name"] == "Open Government Licence v3.0"
    assert [s["id"] for s in body["snapshots"]] == ["2026-10-v2", "2026-10"]
    withdrawn = body["snapshots"][1]["withdrawn"]
    assert withdrawn["reason"] == "a ward was misnamed" and withdrawn["at"]
    tables = {t["name"]: t for t in body["snapshots"][0]["tables"]}
    assert tables["repairs-by-ward"]["csv"] == "/published/data/2026-10-v2/repairs-by-ward.csv"


def test_a_table_at_its_permanent_address_is_the_file_published(public_app, published):
    client = public_app.server.test_client()
    answer = client.get("/published/data/2026-10-v2/adult-social-care-by-ward.csv")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Cache-Control"] == "public, max-age=3600"   # a withdrawal reaches readers the same day
    stored = PublishedStore.beside(published).file_bytes("2026-10-v2", "adult-social-care-by-ward", "csv")
    assert answer.data == stored
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8"))))
    assert rows[-1]["Area"] == "Camden (the borough)" and len(rows) == 21
    document = client.get("/published/data/2026-10-v2/adult-social-care-by-ward.json").get_json()
    assert document["period"] == "2026-10" and document["rows"][0]["area"] == rows[0]["Area"]


def test_latest_is_a_redirect_to_the_current_snapshots_address(public_app):
    answer = public_app.server.test_client().get("/published/data/latest/parking-by-ward.json")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        "/published/data/2026-10-v2/parking-by-ward.json")
    assert public_app.server.test_client().get("/published/api/latest").get_json()["id"] == "2026-10-v2"


def test_a_withdrawn_snapshots_address_says_it_was_withdrawn_and_when(public_app):
    answer = public_app.server.test_client().get("/published/data/2026-10/repairs-by-ward.csv")
    assert answer.status_code == 410
    text = answer.get_data(as_text=True)
    assert "withdrawn on 20" in text and "a ward was misnamed" in text


@pytest.mark.parametrize("path", ["/published/data/2026-10-v2/no-such-table.csv",
                                  "/published/data/2026-10-v2/repairs-by-ward.xlsx",
                                  "/published/data/1999-01/repairs-by-ward.csv",
                                  "/published/data/..%2F..%2Fetc/passwd.csv", "/published/api/nope",
                                  "/published/data/latest/a%0d%0aX.csv", "/published/data/latest/no-such.csv"])
def test_anything_else_is_a_404_that_serves_nothing(public_app, path):
    answer = public_app.server.test_client().get(path)
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith(("text/plain", "text/html"))
    assert b"root:" not in answer.data and b"Area," not in answer.data


def test_the_public_opens_nothing_but_the_published_views(public_app):
    """Every route of the app, as the URL map has it, without a session: only /published/ answers."""
    client = public_app.server.test_client()
    opened = []
    for rule in public_app.server.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<path:{argument}>", "x/y.js").replace(f"<{argument}>", "x")
        if path.startswith(("/assets/", "/_dash-component-suites/", "/login")) or "favicon" in path:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        answer = client.open(path, method=method)
        if answer.status_code not in (302, 401, 405):
            opened.append((path, answer.status_code))
    assert opened and all(path.startswith("/published") for path, _ in opened), opened
    assert client.get("/published").status_code == 301 and client.get("/published/").status_code == 200


def test_when_the_views_are_not_public_only_those_signed_in_read_them(private_app):
    assert private_app.server.test_client().get("/published/api").status_code == 302
    assert signed_in_client(private_app, "councillor").get("/published/api").status_code == 200


def test_a_changed_file_is_never_served(public_app, published):
    folder = PublishedStore.beside(published).root / "2026-10-v2"
    target = folder / "parking-by-ward.csv"
    saved = target.read_bytes()
    folder.chmod(0o755)
    target.chmod(0o644)
    try:
        target.write_bytes(saved.replace(b"Belsize", b"Belsize!"))
        answer = public_app.server.test_client().get("/published/data/2026-10-v2/parking-by-ward.csv")
        assert answer.status_code == 500 and b"Belsize!" not in answer.data
    finally:
        target.write_bytes(saved)

"""Bookmarks in the application database, on SQLite and PostgreSQL: the migration from the previous head keeps what
was there, names are checked, (owner, name) is unique, and no call reaches another owner's bookmark."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from app_databases import a_database

from app_db import bookmarks
from app_db.bookmarks import NAME_LIMIT, PER_OWNER, BookmarkError, clean_name
from app_db.schema import metadata

RELATIVE = "month=@last-complete-month&ward=Belsize"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_from_the_previous_head_adds_bookmarks_and_keeps_sessions_and_the_log(kind, request,
                                                                                              tmp_path):
    db = a_database(kind, request, tmp_path)
    db.upgrade("0001")
    token = db.start_session("admin")
    db.record("sign-in", "admin", "/login")
    assert "bookmarks" not in sa.inspect(db.engine).get_table_names()
    db.upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("select version_num from alembic_version")).scalar() == "0002"
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    assert db.session_user(token, dt.timedelta(minutes=30), dt.timedelta(minutes=30)) == "admin"
    assert db.events()[1] == 1
    assert bookmarks.save(db, "admin", "Mine", "/repairs", RELATIVE).bookmark_id
    db.engine.dispose()


def test_a_bookmark_keeps_its_page_and_query_string_as_given(database):
    saved = bookmarks.save(database, "repairs-manager", "  Belsize last month ", "/repairs", "?" + RELATIVE)
    assert (saved.name, saved.page, saved.query_string) == ("Belsize last month", "/repairs", RELATIVE)
    assert saved.href == f"/repairs?{RELATIVE}"   # relative values stay relative
    found = bookmarks.find(database, "repairs-manager", saved.bookmark_id)
    assert found == saved and found.created_at.tzinfo is not None
    assert bookmarks.save(database, "repairs-manager", "All", "/repairs", "").href == "/repairs"


def test_an_owner_lists_only_their_own_newest_first(database):
    first = bookmarks.save(database, "finance", "One", "/budget", "")
    second = bookmarks.save(database, "finance", "Two", "/budget", "ward=Belsize")
    bookmarks.save(database, "admin", "One", "/repairs", "")   # the same name, another owner: allowed
    assert [b.bookmark_id for b in bookmarks.owned_by(database, "finance")] == [second.bookmark_id,
                                                                                 first.bookmark_id]
    assert [b.owner for b in bookmarks.owned_by(database, "admin")] == ["admin"]
    assert bookmarks.owned_by(database, "nobody") == []


def test_the_same_name_twice_is_refused_by_the_database(database):
    bookmarks.save(database, "admin", "Weekly", "/repairs", "")
    with pytest.raises(BookmarkError, match="already have a view named 'Weekly'"):
        bookmarks.save(database, "admin", "Weekly", "/parking", "ward=Belsize")
    assert len(bookmarks.owned_by(database, "admin")) == 1


def test_another_owner_cannot_open_or_delete_and_forged_ids_find_nothing(database):
    mine = bookmarks.save(database, "repairs-manager", "Mine", "/repairs", RELATIVE)
    assert bookmarks.find(database, "care-manager", mine.bookmark_id) is None
    assert bookmarks.delete(database, "care-manager", mine.bookmark_id) is None
    for forged in (mine.bookmark_id + 1, -1, 0, 2**31, 10**30, str(mine.bookmark_id), float(mine.bookmark_id), True,
                   None, [mine.bookmark_id], {"id": mine.bookmark_id}, "1 or 1=1"):
        assert bookmarks.find(database, "repairs-manager", forged) is None
        assert bookmarks.delete(database, "repairs-manager", forged) is None
    assert bookmarks.owned_by(database, "repairs-manager") == [mine]
    with pytest.raises(BookmarkError):
        bookmarks.owned_by(database, "")
    assert bookmarks.delete(database, "repairs-manager", mine.bookmark_id) == mine
    assert bookmarks.find(database, "repairs-manager", mine.bookmark_id) is None
    assert bookmarks.delete(database, "repairs-manager", mine.bookmark_id) is None


def test_sizes_are_bounded(database):
    with pytest.raises(BookmarkError, match="too long"):
        bookmarks.save(database, "admin", "Long", "/repairs", "ward=" + "x" * 2000)
    with pytest.raises(BookmarkError, match="cannot be bookmarked"):
        bookmarks.save(database, "admin", "Off site", "https://example.org/", "")
    with database.engine.begin() as connection:   # a user at the most kept
        connection.execute(metadata.tables["bookmarks"].insert(), [
            {"owner": "admin", "name": f"n{i}", "page": "/", "query_string": "",
             "created_at": dt.datetime.now(dt.UTC)} for i in range(PER_OWNER)])
    with pytest.raises(BookmarkError, match="delete one first"):
        bookmarks.save(database, "admin", "One more", "/repairs", "")


@pytest.mark.parametrize("name, kept", [("Weekly", "Weekly"), ("  padded  ", "padded"), ("Kentish Town — RP02",
                                                                                          "Kentish Town — RP02"),
                                        ("x" * NAME_LIMIT, "x" * NAME_LIMIT)])
def test_good_names(name, kept):
    assert clean_name(name) == kept


@pytest.mark.parametrize("name, why", [("", "Give the view a name"), ("   ", "Give the view a name"),
                                       (None, "Give the view a name"), (12, "Give the view a name"),
                                       ("x" * (NAME_LIMIT + 1), "at most 80"), ("a\tb", "control"),
                                       ("a\nb", "control"), ("a\x00b", "control"), ("a\u202eb", "control")])
def test_bad_names(name, why):
    with pytest.raises(BookmarkError, match=why):
        clean_name(name)

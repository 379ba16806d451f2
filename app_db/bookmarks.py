"""Bookmarks: a user's saved views (a name, a page path and the page's query string as in the URL).

Every function takes the owner (the signed-in user's username) and reads or writes only that owner's rows, so no
call can list, open or delete another user's bookmark: a forged or another owner's id is simply not found. The query
string is stored as it was in the address bar, so a relative value (`month=@last-complete-month`) stays relative.
Which page paths and query strings a bookmark may hold is the web layer's to check (dashboards/bookmarks.py): this
module knows nothing of pages; it checks the name and the sizes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app_db.database import AppDatabase, _aware, now
from app_db.schema import bookmarks

NAME_LIMIT = 80
PAGE_LIMIT = 500
QUERY_LIMIT = 2000   # the audit log keeps this much of a selection (TEXT_LIMIT): a bookmark holds no more
PER_OWNER = 200   # a user's bookmarks are few; the table must not be a way to fill the disk


class BookmarkError(ValueError):
    """Why a bookmark cannot be saved, in words for the user."""


@dataclass(frozen=True)
class Bookmark:
    bookmark_id: int
    owner: str
    name: str
    page: str
    query_string: str
    created_at: dt.datetime

    @property
    def href(self) -> str:
        """The page's address with the selection: what opening it, or sharing it, leads to."""
        return f"{self.page}?{self.query_string}" if self.query_string else self.page


def clean_name(name) -> str:
    """The name as kept (surrounding spaces dropped): 1 to 80 printable characters, else BookmarkError."""
    if not isinstance(name, str) or not name.strip():
        raise BookmarkError("Give the view a name.")
    name = name.strip()
    if len(name) > NAME_LIMIT:
        raise BookmarkError(f"A view's name is at most {NAME_LIMIT} characters; this one has {len(name)}.")
    if not name.isprintable():
        raise BookmarkError("A view's name cannot hold control characters (tabs, new lines).")
    return name


def _owner(owner) -> str:
    if not isinstance(owner, str) or not owner:
        raise BookmarkError("Sign in to keep bookmarks.")
    return owner


ID_LIMIT = 2**31 - 1   # the column's INTEGER: PostgreSQL refuses a larger one with an error, not "not found"


def _id(bookmark_id) -> int | None:
    """An id as the browser may send it: a positive int the column can hold, never a bool, a float or text."""
    if isinstance(bookmark_id, bool) or not isinstance(bookmark_id, int) or not 0 < bookmark_id <= ID_LIMIT:
        return None
    return bookmark_id


def save(database: AppDatabase, owner: str, name: str, page: str, query_string: str) -> Bookmark:
    owner, name = _owner(owner), clean_name(name)
    query_string = (query_string or "").removeprefix("?")
    if not isinstance(page, str) or not page.startswith("/") or len(page) > PAGE_LIMIT:
        raise BookmarkError("This page cannot be bookmarked.")
    if len(query_string) > QUERY_LIMIT:
        raise BookmarkError("This selection is too long to bookmark; select fewer values.")
    row = {"owner": owner, "name": name, "page": page, "query_string": query_string, "created_at": now()}
    try:
        with database.engine.begin() as connection:
            held = connection.execute(sa.select(sa.func.count()).select_from(bookmarks)
                                      .where(bookmarks.c.owner == owner)).scalar()
            if held >= PER_OWNER:
                raise BookmarkError(f"You have {PER_OWNER} bookmarks, the most kept; delete one first.")
            new_id = connection.execute(bookmarks.insert().values(**row)).inserted_primary_key[0]
    except sa.exc.IntegrityError:   # the unique (owner, name): checked by the database, so two tabs cannot race
        raise BookmarkError(f"You already have a view named '{name}'; choose another name.") from None
    return Bookmark(new_id, **row)


def owned_by(database: AppDatabase, owner: str) -> list[Bookmark]:
    """The owner's bookmarks, newest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(sa.select(bookmarks).where(bookmarks.c.owner == _owner(owner))
                                  .order_by(bookmarks.c.created_at.desc(), bookmarks.c.bookmark_id.desc())).all()
    return [_bookmark(row) for row in rows]


def find(database: AppDatabase, owner: str, bookmark_id) -> Bookmark | None:
    """The owner's bookmark of that id; None for an id that is not theirs (or not an id)."""
    if _id(bookmark_id) is None:
        return None
    with database.engine.connect() as connection:
        row = connection.execute(sa.select(bookmarks).where(bookmarks.c.owner == _owner(owner),
                                                            bookmarks.c.bookmark_id == bookmark_id)).first()
    return _bookmark(row) if row else None


def delete(database: AppDatabase, owner: str, bookmark_id) -> Bookmark | None:
    """Delete the owner's bookmark of that id and hand it back (for the audit log); None when it is not theirs."""
    found = find(database, owner, bookmark_id)
    if found is None:
        return None
    with database.engine.begin() as connection:
        deleted = connection.execute(bookmarks.delete().where(bookmarks.c.owner == found.owner,
                                                              bookmarks.c.bookmark_id == found.bookmark_id))
    return found if deleted.rowcount else None


def _bookmark(row) -> Bookmark:
    values = dict(row._mapping)
    return Bookmark(**{**values, "created_at": _aware(values["created_at"])})

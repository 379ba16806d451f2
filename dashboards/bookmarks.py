"""Bookmarks in the web layer: which views may be saved, and saving, opening and deleting one, each audited.

A bookmark is a page path and its query string exactly as the address bar had it (app_db/bookmarks.py keeps it,
always under the signed-in user's name). Opening one (`/bookmarks/<id>`, the owner's only) is a redirect to that
address, so what it shows is worked out then, within the opener's scope, as for any link: a colleague given the
address sees the view within their own scope, and a page outside it says "Not in your access" as any page does.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import dash
import flask

from access import audit, signed_in_user
from access.login import app_db
from app_db import bookmarks
from app_db.bookmarks import Bookmark, BookmarkError
from dashboards import page_access
from dashboards.components import data
from dashboards.components.spec import path_matches, spec_for_path
from query import named_selections
from query import selections as sel

OPEN_PATH = "/bookmarks/<int:bookmark_id>"
NOT_YOURS = "No bookmark of yours has this number: it was deleted, or it is someone else's."
UNSAFE = re.compile(r"[\x00-\x20\x7f#]")   # the address bar's query string is percent-encoded: never these


def open_path(bookmark_id: int) -> str:
    return OPEN_PATH.replace("<int:bookmark_id>", str(bookmark_id))


def registered_page(path, pages: Collection[dict]) -> dict | None:
    """The page registry entry a path is (a plain page's path, or one of a templated page's: /services/<slug>)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    for page in pages:
        template = page.get("path_template")
        if (template and path_matches(template, path)) or (not template and page.get("path") == path):
            return page
    return None


def query_problem(query_string, dimensions: Collection[str]) -> str | None:
    """Why a page would refuse this query string, in words, or None. Parsed by the pages' own parser
    (query.selections): keys it does not know are ignored, as a page ignores them; a named value no dimension has
    is refused, as the page refuses it."""
    if not isinstance(query_string, str):
        return "This selection cannot be read."
    if UNSAFE.search(query_string.removeprefix("?")):
        return "This selection is not a query string of the address bar."
    try:
        named_selections.check(sel.from_query_string(query_string, dimensions))
    except named_selections.UnknownNamedValue as exc:
        return f"This selection cannot be bookmarked: {exc}."
    return None


def may_open_path(path: str, page: dict) -> bool:
    spec = spec_for_path(path)
    return page_access.may_view(spec, path) if spec is not None else page_access.may_open(page)


def save_view(name, path, query_string) -> Bookmark:
    """Save the signed-in user's current view (BookmarkError with the reason otherwise) and audit it."""
    user = signed_in_user()
    page = registered_page(path, dash.page_registry.values())
    if user is None:
        raise BookmarkError("Sign in to keep bookmarks.")
    if page is None:
        raise BookmarkError("This address is no page of the dashboards, so it cannot be bookmarked.")
    if not may_open_path(path, page):
        raise BookmarkError("This page is outside your access, so it cannot be bookmarked.")
    problem = query_problem(query_string or "", data.layer().dimensions)
    if problem:
        raise BookmarkError(problem)
    saved = bookmarks.save(app_db(), user.username, name, path, query_string or "")
    audit("bookmark-saved", saved.page, saved.query_string or None, detail=_detail(saved))
    return saved


def users_bookmarks() -> list[Bookmark]:
    user = signed_in_user()
    return bookmarks.owned_by(app_db(), user.username) if user else []


def delete_view(bookmark_id) -> Bookmark | None:
    """Delete the signed-in user's bookmark of that id (audited); None when it is not theirs."""
    user = signed_in_user()
    deleted = bookmarks.delete(app_db(), user.username, bookmark_id) if user else None
    if deleted:
        audit("bookmark-deleted", deleted.page, deleted.query_string or None, detail=_detail(deleted))
    return deleted


def _detail(bookmark: Bookmark) -> str:
    return f"bookmark {bookmark.bookmark_id}: {bookmark.name}"


def install(server: flask.Flask) -> None:
    def open_bookmark(bookmark_id: int):
        user = signed_in_user()   # the guard has already sent anyone signed out to sign in
        found = bookmarks.find(app_db(), user.username, bookmark_id) if user else None
        if found is None:
            audit("denied", flask.request.path, detail=f"bookmark {bookmark_id}: not the user's")
            return flask.Response(NOT_YOURS, 404, {"Content-Type": "text/plain; charset=utf-8"})
        audit("bookmark-opened", found.page, found.query_string or None, detail=_detail(found))
        return flask.redirect(found.href)

    server.add_url_rule(OPEN_PATH, "open_bookmark", open_bookmark, methods=["GET"])

"""Bookmarks on the page: the selection bar's "Save view" (selection.save_view_control) and Home's list of the
user's saved views (name, page, the selection in words as its chips say it, a link to share, delete). Saving,
opening and deleting are dashboards/bookmarks.py's, each audited; every read and write is the signed-in user's own.

Home draws the list's place once; one callback fills it when Home opens and again after a save or a delete."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from app_db.bookmarks import Bookmark, BookmarkError
from dashboards import bookmarks, ui
from dashboards.components import data, selection
from dashboards.components.callbacks import safely
from dashboards.components.selection import LOCATION, SAVE, SAVE_NAME, SAVE_STATUS
from dashboards.components.spec import spec_for_path
from query import selections as sel

HOME_LIST, HOME_STATUS, DELETE = "home-bookmarks-list", "home-bookmarks-status", "home-bookmark-delete"
NONE_YET = ("No saved views yet. On any dashboard, make your selections, then use Save view in the selection bar "
            "to keep them here.")
AS_OPENED = "No selections: the page as it opens"


def home_section():
    """Home's "Your saved views": its place, drawn once (the callback below fills it)."""
    return html.Section([
        html.H2("Your saved views", id="home-bookmarks-heading", className="h4"),
        html.P(id=HOME_STATUS, className="small", role="status", **{"aria-live": "polite"}),
        html.Div(html.P("Loading your saved views…", className="small"), id=HOME_LIST),
    ], id="home-bookmarks", className="mb-5", **{"aria-labelledby": "home-bookmarks-heading"})


def in_words(bookmark: Bookmark) -> str:
    """The bookmark's selection as the selection bar's chips would name it ('Ward: Belsize; Month: Nov 2026')."""
    query = bookmark.query_string
    state = sel.from_query_string(query, data.layer().dimensions)
    parts = [f"{chip['label']}: {chip['values']}" for chip in selection.chips(state, spec_for_path(bookmark.page))
             ["chips"]]
    parts += [f"{data.layer().dimensions[d].label}: all" for d in sel.removed_defaults(query)
              if d in data.layer().dimensions and d not in state]
    return "; ".join(parts) or AS_OPENED


def page_name(path: str) -> str:
    """The page's title as its heading gives it ('Housing repairs'), else its name in the navigation."""
    spec = spec_for_path(path)
    page = bookmarks.registered_page(path, dash.page_registry.values())
    return spec.title if spec is not None and spec.title else page["name"] if page else path


def render_list() -> list:
    saved = bookmarks.users_bookmarks()
    if not saved:
        return [html.P(NONE_YET, id="home-bookmarks-none")]
    header = html.Thead(html.Tr([html.Th(text, scope="col") for text in
                                 ("View", "Page", "Selections", "Link to share", "")]))
    body = html.Tbody([_row(bookmark) for bookmark in saved])
    caption = "Your saved views, newest first"
    return [ui.scroll_region(dbc.Table([html.Caption(caption, className="visually-hidden"), header, body],
                                       size="sm", id="home-bookmarks-table"), caption)]


def _row(bookmark: Bookmark):
    key = bookmark.bookmark_id
    return html.Tr([
        html.Th(html.A(bookmark.name, href=bookmarks.open_path(key), id=f"home-bookmark-{key}-open"), scope="row"),
        html.Td([page_name(bookmark.page), " ", html.Code(bookmark.page, className="small")]),
        html.Td(in_words(bookmark), id=f"home-bookmark-{key}-words"),
        html.Td(html.A("Page address", href=bookmark.href, id=f"home-bookmark-{key}-share",
                       title="The page with this selection: a colleague opening it sees it within their own access")),
        html.Td(html.Button("Delete", id={"type": DELETE, "bookmark": key}, className="btn btn-link btn-sm p-0",
                            **{"aria-label": f"Delete the saved view {bookmark.name}"})),
    ], id=f"home-bookmark-{key}")


def save(name, pathname, search) -> tuple[str, object]:
    """The status line's words and the name box's next value (emptied once saved)."""
    try:
        saved = bookmarks.save_view(name, pathname, search)
    except BookmarkError as exc:
        return str(exc), no_update
    return f"Saved '{saved.name}'. Home lists your saved views.", ""


def deleted_words(bookmark_id) -> str:
    gone = bookmarks.delete_view(bookmark_id)
    return f"Deleted '{gone.name}'." if gone else bookmarks.NOT_YOURS


def register(app) -> None:
    bookmarks.install(app.server)

    @app.callback(Output(SAVE_STATUS, "children"), Output(SAVE_NAME, "value"), Input(SAVE, "n_clicks"),
                  Input(SAVE_NAME, "n_submit"), State(SAVE_NAME, "value"), State(LOCATION, "pathname"),
                  State(LOCATION, "search"), prevent_initial_call=True)
    def save_view(_clicks, _submits, name, pathname, search):
        return save(name, pathname, search)

    # Home opening, a save (its status line changes) or a delete: the list drawn again
    @app.callback(Output(HOME_LIST, "children"), Output(HOME_STATUS, "children"), Input(SAVE_STATUS, "children"),
                  Input({"type": DELETE, "bookmark": ALL}, "n_clicks"))
    def home_list(_saved, _deletes):
        status = no_update
        if isinstance(ctx.triggered_id, dict):
            if not ctx.triggered or not ctx.triggered[0].get("value"):
                raise PreventUpdate   # the list's new buttons appearing, not a press
            status = deleted_words(ctx.triggered_id.get("bookmark"))
        return safely(render_list, what="home bookmarks"), status

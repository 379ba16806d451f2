"""The addresses of the server's downloads (dashboards/downloads.py answers them) for a selection: the page view
puts them on its links, so a download holds exactly the selection the page shows."""

from __future__ import annotations

from urllib.parse import quote

from query import selections as sel
from reports.budget_pack import FORMATS as PACK_FORMATS  # noqa: F401 - the pack's formats, defined once


def _with(path: str, state) -> str:
    search = sel.to_query_string(state)
    return path + (f"?{search}" if search else "")


def pack_href(file_format: str, state) -> str:
    return _with(f"/download/budget-pack.{file_format}", state)


def table_href(page: str, card: str, state) -> str:
    return _with(f"/download/{quote(page)}/{quote(card)}.xlsx", state)


def pack_link_id(page: str, file_format: str) -> str:
    return f"{page}-pack-{file_format}"

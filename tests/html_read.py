"""Reading a server-rendered page as a person would, with the standard library's parser: the links, the text of an
element by id, a table's rows as cell texts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []    # (href, text)
        self.texts: dict[str, list[str]] = {}     # id -> text pieces
        self.tables: dict[str, list[list[str]]] = {}
        self.headings: list[tuple[int, str]] = []
        self._open: list[tuple[str, str | None]] = []   # (tag, id)
        self._link: list | None = None
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._heading: list | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self._link = [attrs["href"], []]
        if tag == "table":
            self._table = attrs.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        if tag == "tr" and self._table:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), []]
        if tag not in VOID:
            self._open.append((tag, attrs.get("id")))
            if attrs.get("id"):
                self.texts.setdefault(attrs["id"], [])

    def handle_endtag(self, tag):
        if tag == "a" and self._link:
            self.links.append((self._link[0], _clean(self._link[1])))
            self._link = None
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_clean(self._cell))
            self._cell = None
        if tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], _clean(self._heading[1])))
            self._heading = None
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for part in (self._link and self._link[1], self._cell, self._heading and self._heading[1]):
            if part is not None and part is not False:
                part.append(data)
        for _, element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)

    def text(self, element_id: str) -> str:
        return _clean(self.texts.get(element_id, []))


def _clean(pieces) -> str:
    return re.sub(r"\s+", " ", "".join(pieces)).strip()

"""CSV as every download writes it: one format, so a file saved from any page opens the same way.

UTF-8 with a byte-order mark (without it Excel reads £ and ✓ as mojibake), CRLF line ends (RFC 4180, and what Excel
writes), fields quoted only where they must be, None as an empty field, numbers unformatted (a figure round-trips).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from dash import html

BOM = "\ufeff"


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return BOM + out.getvalue()


def link_attributes(text: str, filename: str, id_: str, title: str) -> dict:
    """A CSV link's attributes: it saves `text` (from csv_text) as `filename`, with no round trip to the server.
    The chart cards send these as data (assets/page_view.js makes the link); download_link makes it in Dash."""
    return {"href": "data:text/csv;charset=utf-8," + quote(text), "download": filename, "id": id_,
            "label": f"Download {title} as CSV"}


def download_link(text: str, filename: str, id_: str, title: str) -> html.A:
    link = link_attributes(text, filename, id_, title)
    return html.A("Download CSV", href=link["href"], download=filename, className="csv-link small", id=id_,
                  **{"aria-label": link["label"]})

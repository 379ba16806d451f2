"""Reading back a CSV download the way a spreadsheet does, checking the one format every download has."""

from __future__ import annotations

import csv
import io
import re


def parse_download(text: str) -> list[list[str]]:
    """The records of a download's text: it must start with a UTF-8 byte-order mark and end every line CRLF."""
    assert text.startswith("\ufeff"), "a download starts with a byte-order mark (Excel reads UTF-8 then)"
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", text)   # a line break inside a quoted field is the field's own
    assert unquoted.count("\n") == unquoted.count("\r\n") > 0, "a download ends its lines CRLF"
    return list(csv.reader(io.StringIO(text[1:], newline="")))

"""Read source files into Arrow tables of text, with lineage, without losing or altering a record.

Every record a CSV reader yields after the header becomes one row: `source_row` (1-based record number after the
header), `_problem` (why the record cannot be read, e.g. a wrong number of fields, else null), `_blank` (every
field empty; NULL from the fast path, where the validation SQL decides it) and the fields as text columns
`c0..cN`. Empty lines are not records. Workbook sheets are read the same way,
named `path.xlsx#Sheet`.

The fast path parses with pyarrow; a file pyarrow cannot parse exactly (ragged records, undecodable bytes) is read
again with Python's csv module, record by record, so that the bad records are named and the good ones kept.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from etl.layouts import Match, NoMatch, Target, match_header

SOURCE_SUFFIXES = {".csv", ".xlsx"}
HEADER_SEARCH_RECORDS = 10  # a header may sit below a title; look this far for it
HEAD_BYTES = 256 * 1024
BLANK_CHARS = " "  # a field of spaces is empty; the validation SQL's trim() agrees (see validate.blank_sql)
# A well-formed multi-byte UTF-8 character; cp1252 text rarely holds one ('é' then '’' is E9 92: not one)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
csv.field_size_limit(sys.maxsize)


class FileProblem(Exception):
    """A whole file cannot be read (empty, binary, corrupt); the message says why in plain words."""


@dataclass
class SourceText:
    """A decoded CSV: its text, the encoding used, and whether some bytes could not be decoded."""

    text: str
    encoding: str
    undecodable: bool


@dataclass
class SheetData:
    """One readable table: a CSV file or a workbook sheet, before it is matched to a layout."""

    source_file: str
    kind: str  # csv | xlsx
    sha256: str
    header: list[str]
    match: Match | NoMatch
    records: pa.Table | None  # read lazily for CSV (see read_records)
    path: Path | None = None
    encoding: str | None = None
    header_index: int = 0  # records above the header (titles) are not data


def discover(sources: Path) -> tuple[list[Path], list[Path]]:
    """Source files (CSV and XLSX, anywhere below `sources`) and the other files that were passed over."""
    found, passed_over = [], []
    for path in sorted(p for p in sources.rglob("*") if p.is_file()):
        hidden = any(part.startswith((".", "~$")) for part in path.relative_to(sources).parts)
        if path.suffix.lower() in SOURCE_SUFFIXES and not hidden:
            found.append(path)
        elif not hidden:
            passed_over.append(path)
    return found, passed_over


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------------- CSV

def decode(raw: bytes) -> SourceText:
    """UTF-8 (with or without BOM) when it is; cp1252 for single-byte Windows exports; never a silent guess.

    A file that is mostly UTF-8 but has some broken sequences (a truncated character) stays UTF-8: the records
    holding the broken bytes are rejected, not re-read in another encoding.
    """
    if b"\x00" in raw[:65536]:
        raise FileProblem("not a text file (it contains NUL bytes): binary or UTF-16 content")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    with contextlib.suppress(UnicodeDecodeError):
        return SourceText(raw.decode("utf-8"), "utf-8", False)
    if _UTF8_MULTIBYTE.search(raw):
        text = raw.decode("utf-8", errors="replace")
        return SourceText(text, "utf-8", True)
    text = raw.decode("cp1252", errors="replace")
    return SourceText(text, "cp1252", "\ufffd" in text)


def find_header(lines: list[list[str]], targets: list[Target]) -> tuple[int, Match | NoMatch]:
    """Index of the header among the first records, and its match: the first record a layout recognises,
    else the first non-empty record with the closest layout named."""
    first_non_empty = None
    for i, record in enumerate(lines[:HEADER_SEARCH_RECORDS]):
        if not any(field.strip() for field in record):
            continue
        match = match_header(record, targets)
        if isinstance(match, Match):
            return i, match
        if first_non_empty is None:
            first_non_empty = (i, match)
    if first_non_empty is None:
        raise FileProblem("no header: the file has no records")
    return first_non_empty


def scan_csv(path: Path, relative: str, targets: list[Target]) -> SheetData:
    """Find a CSV's header and layout from the top of the file; its records are read later, in full."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip():
        raise FileProblem("empty file: no header and no records")
    if len(head) == HEAD_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]  # whole lines only
    records, _ = _first_records(decode(head).text)
    header_index, match = find_header(records, targets)
    return SheetData(
        source_file=relative, kind="csv", sha256=sha256_of(path), header=_unique_names(records[header_index]),
        match=match, records=None, path=path, header_index=header_index,
    )


def _first_records(text: str) -> tuple[list[list[str]], list[int]]:
    """The first records of a CSV text and, for each, the character offset where the next record starts."""
    consumed = [0]

    def lines():
        for line in iter(handle.readline, ""):
            consumed[0] += len(line)
            yield line

    handle = io.StringIO(text, newline="")
    records, ends = [], []
    try:
        for record in csv.reader(lines()):
            records.append(record)
            ends.append(consumed[0])
            if len(records) >= HEADER_SEARCH_RECORDS:
                break
    except csv.Error as exc:
        raise FileProblem(f"not readable as CSV near the top: {exc}") from None
    return records, ends


def read_csv_records(sheet: SheetData) -> pa.Table:
    """Every record after the header, as text columns with row number, blank flag and problem."""
    raw = sheet.path.read_bytes()
    source = decode(raw)
    sheet.encoding = source.encoding
    _, ends = _first_records(source.text[: 4 * HEAD_BYTES])  # the header sits near the top
    if len(ends) <= sheet.header_index:
        _, ends = _first_records(source.text)
    header_chars = ends[sheet.header_index]
    width = len(sheet.header)
    if not source.undecodable:
        fast = _read_with_pyarrow(_utf8_body(raw, source, header_chars), width)
        if fast is not None:
            return fast
    # only the careful path needs the records as text: no copy of a large file's text on the fast path
    return _read_with_csv_module(source.text[header_chars:], width, source.encoding)


def _utf8_body(raw: bytes, source: SourceText, header_chars: int) -> bytes:
    """The data records as UTF-8 bytes: a slice of the file when it is UTF-8 already (no copy through str)."""
    if source.encoding == "utf-8":
        start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        return raw[start + len(source.text[:header_chars].encode("utf-8")):]
    return source.text[header_chars:].encode("utf-8")


def _read_with_pyarrow(body: bytes, width: int) -> pa.Table | None:
    names = [f"c{i}" for i in range(width)]
    if not body.strip():
        return None  # nothing but white space: the csv module says which lines are blank records
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # ragged or odd records: the careful reader names them one by one
    rows = table.num_rows
    row_numbers = pa.array(range(1, rows + 1), type=pa.int64())
    # _blank is left unknown here: the validation SQL works it out from the fields far faster than Arrow compute
    return table.append_column("source_row", row_numbers).append_column(
        "_blank", pa.nulls(rows, type=pa.bool_())).append_column("_problem", pa.nulls(rows, type=pa.string()))


def _read_with_csv_module(body: str, width: int, encoding: str) -> pa.Table:
    columns: list[list[str]] = [[] for _ in range(width)]
    blanks, problems = [], []
    for record in csv.reader(io.StringIO(body, newline="")):
        if not record:
            continue  # an empty line is not a record
        blank = not any(field.strip(BLANK_CHARS) for field in record)
        problem = None
        if not blank and len(record) != width:
            problem = f"record has {len(record)} fields, the header has {width}"
        elif any("\ufffd" in field for field in record):
            problem = f"record holds bytes that are not valid {encoding.upper()} (a damaged or truncated character)"
        padded = (record + [""] * width)[:width]
        for i, value in enumerate(padded):
            columns[i].append(value)
        if problem and len(record) > width:
            columns[-1][-1] = ",".join(record[width - 1:])  # keep the overflow visible in the raw record
        blanks.append(blank)
        problems.append(problem)
    return _records_table(columns, blanks, problems, width)


def _records_table(columns: list[list[str]], blanks: list[bool], problems: list[str | None], width: int) -> pa.Table:
    data = {f"c{i}": pa.array(columns[i], type=pa.string()) for i in range(width)}
    data["source_row"] = pa.array(range(1, len(blanks) + 1), type=pa.int64())
    data["_blank"] = pa.array(blanks, type=pa.bool_())
    data["_problem"] = pa.array(problems, type=pa.string())
    return pa.table(data)


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique (a duplicated column name gets ' (2)'), so raw records keep every field."""
    seen: dict[str, int] = {}
    unique = []
    for name in header:
        clean = name.replace("\ufeff", "").strip()
        seen[clean] = seen.get(clean, 0) + 1
        unique.append(clean if seen[clean] == 1 else f"{clean} ({seen[clean]})")
    return unique


# --------------------------------------------------------------------------------------------------------- XLSX

def scan_workbook(path: Path, relative: str, targets: list[Target]) -> list[SheetData]:
    """Every sheet of a workbook, read in full with calamine (a Rust reader, far faster than openpyxl)."""
    import python_calamine

    digest = sha256_of(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [(name, workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names]
    except (python_calamine.CalamineError, OSError, ValueError) as exc:
        raise FileProblem(f"not a readable Excel workbook ({type(exc).__name__}: {exc})") from None
    return [_sheet_from_rows([[_cell_text(v) for v in row] for row in rows], f"{relative}#{name}", digest, targets)
            for name, rows in sheets]


def _sheet_from_rows(rows: list[list[str]], name: str, digest: str, targets: list[Target]) -> SheetData:
    try:
        header_index, match = find_header(rows, targets)
    except FileProblem:
        return SheetData(name, "xlsx", digest, [], NoMatch(None, []), _records_table([], [], [], 0))
    header = _unique_names(rows[header_index])
    while header and not header[-1]:
        header.pop()  # trailing formatted-but-empty columns are not columns
    width = len(header)
    columns: list[list[str]] = [[] for _ in range(width)]
    blanks, problems = [], []
    for row in rows[header_index + 1:]:
        overflow = [v for v in row[width:] if v.strip()]
        padded = (row + [""] * width)[:width]
        for i, value in enumerate(padded):
            columns[i].append(value)
        blank = not any(v.strip(BLANK_CHARS) for v in padded) and not overflow
        blanks.append(blank)
        problems.append(f"record has values beyond the {width} header columns" if overflow else None)
    return SheetData(name, "xlsx", digest, header, match, _records_table(columns, blanks, problems, width))


def _cell_text(value) -> str:
    """Cell values as the text a CSV export would hold; dates ISO, numbers without float noise."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10))
    return str(value)

"""Reading CSV and XLSX sources into text records with lineage, compared with Python's csv module.

Every expected record list is computed here with csv.reader over text decoded by the test itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from etl.extract import FileProblem, decode, read_csv_records, scan_csv, scan_workbook
from etl.layouts import Match, load_targets

HEADER = b"ccode,cdesc"  # the contravention code list: two text columns


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def read(tmp_path: Path, targets, data: bytes, name: str = "f.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    sheet = scan_csv(path, name, targets)
    table = read_csv_records(sheet)
    rows = table.to_pylist()
    width = len(sheet.header)
    return sheet, [[r[f"c{i}"] for i in range(width)] for r in rows], rows


def expected_records(data: bytes, encoding: str, header_index: int = 0) -> list[list[str]]:
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    return records[header_index + 1:]


# ------------------------------------------------------------------------------------------------------ encodings

def test_utf8(tmp_path, targets):
    data = "ccode,cdesc\n1,Café £5 – ok\n2,Straße\n".encode()
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "utf-8" and isinstance(sheet.match, Match)
    assert values == [["1", "Café £5 – ok"], ["2", "Straße"]]
    assert [r["_problem"] for r in rows] == [None, None]


def test_utf8_with_bom(tmp_path, targets):
    data = b"\xef\xbb\xbf" + "ccode,cdesc\r\n1,Café\r\n".encode()
    sheet, values, _ = read(tmp_path, targets, data)
    assert sheet.header == ["ccode", "cdesc"] and isinstance(sheet.match, Match)
    assert values == [["1", "Café"]]


def test_cp1252_pound_sign(tmp_path, targets):
    data = "ccode,cdesc\r\n1,Charge £70.00\r\n2,Paid -£35.00\r\n".encode("cp1252")
    assert b"\xa3" in data
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "cp1252"
    assert values == [["1", "Charge £70.00"], ["2", "Paid -£35.00"]]
    assert [r["_problem"] for r in rows] == [None, None]


def test_cp1252_accented_letter_before_curly_quote_is_still_cp1252(tmp_path, targets):
    """'José’s' in cp1252 is 0xE9 0x92: the bytes of a malformed UTF-8 sequence. The file is plainly cp1252 (it
    also has £ as 0xA3); reading it as damaged UTF-8 would reject every record holding a £."""
    lines = ["ccode,cdesc"] + [f"{i},Charge £{i}.00" for i in range(1, 30)] + ["30,José’s café £5"]
    data = "\r\n".join(lines).encode("cp1252") + b"\r\n"
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "cp1252"
    assert values == expected_records(data, "cp1252")
    assert [r["_problem"] for r in rows] == [None] * 30


def test_truncated_multibyte_character_at_the_end_rejects_only_that_record(tmp_path, targets):
    data = "ccode,cdesc\n1,Café\n2,£5 fee\n3,Cut short €".encode()[:-1]  # '€' is 3 bytes; drop the last
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "utf-8"
    assert values[:2] == [["1", "Café"], ["2", "£5 fee"]]
    assert len(rows) == 3
    assert [r["_problem"] is None for r in rows] == [True, True, False]
    assert "UTF-8" in rows[2]["_problem"]


def test_broken_byte_in_the_middle_rejects_only_that_record(tmp_path, targets):
    data = "ccode,cdesc\n1,Café\n".encode() + b"2,bad \xc3 byte\n" + "3,Straße\n".encode()
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "utf-8"
    assert [r["_problem"] is None for r in rows] == [True, False, True]
    assert values[0] == ["1", "Café"] and values[2] == ["3", "Straße"]


def test_cp1252_pound_only_after_the_first_256_kib(tmp_path, targets):
    """The header is found from the top of the file; the encoding must come from the whole file."""
    lines = ["ccode,cdesc"] + [f"{i},plain ascii description number {i}" for i in range(1, 9000)]
    lines.append("9000,Fee £70.00")
    data = "\n".join(lines).encode("cp1252") + b"\n"
    assert len(data) > 256 * 1024 and data.index(b"\xa3") > 256 * 1024
    sheet, values, rows = read(tmp_path, targets, data)
    assert sheet.encoding == "cp1252"
    assert len(values) == 9000 and values[-1] == ["9000", "Fee £70.00"]
    assert all(r["_problem"] is None for r in rows)


def test_nul_bytes_are_not_text():
    with pytest.raises(FileProblem, match="not a text file"):
        decode(b"ccode,cdesc\n\x00\x01\x02")


# ------------------------------------------------------------------------------------------------------ records

LINE_ENDINGS = {
    "lf": b"ccode,cdesc\n1,a\n2,b\n",
    "crlf": b"ccode,cdesc\r\n1,a\r\n2,b\r\n",
    "cr": b"ccode,cdesc\r1,a\r2,b\r",
    "mixed": b"ccode,cdesc\r\n1,a\n2,b\r3,c\r\n",
    "no final newline": b"ccode,cdesc\r\n1,a\r\n2,b",
}


@pytest.mark.parametrize("data", LINE_ENDINGS.values(), ids=LINE_ENDINGS.keys())
def test_line_endings(tmp_path, targets, data):
    _, values, rows = read(tmp_path, targets, data)
    assert values == expected_records(data, "utf-8")
    assert [r["source_row"] for r in rows] == list(range(1, len(values) + 1))


def test_quoted_newlines_stay_inside_their_field(tmp_path, targets):
    data = b'ccode,cdesc\r\n1,"Parked\r\nover two lines"\r\n2,"one\nmore, with comma"\n3,"say ""hi"""\n'
    _, values, rows = read(tmp_path, targets, data)
    assert values == [["1", "Parked\r\nover two lines"], ["2", "one\nmore, with comma"], ["3", 'say "hi"']]
    assert values == expected_records(data, "utf-8")
    assert [r["source_row"] for r in rows] == [1, 2, 3]


def test_empty_lines_are_not_records_but_empty_fields_are_blank_records(tmp_path, targets):
    data = b"ccode,cdesc\n1,a\n\n\r\n,\n  ,  \n2,b\n\n"
    _, values, rows = read(tmp_path, targets, data)
    assert values == expected_records(data, "utf-8")
    assert len(rows) == 4
    assert [is_blank(r) for r in rows] == [False, True, True, False]
    assert [r["source_row"] for r in rows] == [1, 2, 3, 4]


def is_blank(row: dict) -> bool:
    """The reader's verdict, or (fast path, _blank NULL) the one the validation SQL reaches: every field empty."""
    if row["_blank"] is not None:
        return row["_blank"]
    return all(not str(v).strip() for k, v in row.items() if k.startswith("c") and k[1:].isdigit())


@pytest.mark.parametrize("data", [b"ccode,cdesc\n   \n", b"ccode,cdesc\r\n\r\n \r\n"], ids=["spaces", "crlf"])
def test_a_line_of_spaces_after_the_header_is_a_blank_record(tmp_path, targets, data):
    """csv.reader yields [' '] for a line of spaces: a record, counted blank, even when it is the only one."""
    _, values, rows = read(tmp_path, targets, data)
    assert len(values) == len(expected_records(data, "utf-8")) == 1
    assert is_blank(rows[0]) is True


def test_values_kept_as_they_came(tmp_path, targets):
    data = b"ccode,cdesc\n  01 ,  two  spaces  \n"
    _, values, _ = read(tmp_path, targets, data)
    assert values == [["  01 ", "  two  spaces  "]]


def test_too_many_and_too_few_fields_are_problems_not_losses(tmp_path, targets):
    data = b"ccode,cdesc\n1,a\n2,b,extra,more\n3\n4,d\n"
    _, values, rows = read(tmp_path, targets, data)
    assert len(rows) == 4
    assert [r["_problem"] for r in rows][0::3] == [None, None]
    assert "4 fields" in rows[1]["_problem"] and "header has 2" in rows[1]["_problem"]
    assert "1 fields" in rows[2]["_problem"]
    assert "extra" in values[1][1] and "more" in values[1][1]  # the overflow is kept for the raw record


def test_duplicated_column_names_are_kept_distinct(tmp_path, targets):
    data = b"ccode,cdesc,cdesc,ccode\n1,first,second,9\n"
    sheet, values, _ = read(tmp_path, targets, data)
    assert sheet.header == ["ccode", "cdesc", "cdesc (2)", "ccode (2)"]
    assert values == [["1", "first", "second", "9"]]
    assert sheet.match.mapping == {"code": 0, "description": 1}  # the first of a duplicated name counts


def test_header_below_a_title_in_a_csv(tmp_path, targets):
    data = b"Contravention codes, published March 2024\n\nccode,cdesc\n1,a\n2,b\n"
    sheet, values, rows = read(tmp_path, targets, data)
    assert isinstance(sheet.match, Match) and sheet.header == ["ccode", "cdesc"]
    assert values == [["1", "a"], ["2", "b"]]
    assert [r["source_row"] for r in rows] == [1, 2]


def test_empty_file_and_blank_only_file_are_file_problems(tmp_path, targets):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_bytes(b"\r\n\r\n  \r\n")
    with pytest.raises(FileProblem, match="empty"):
        scan_csv(tmp_path / "empty.csv", "empty.csv", targets)
    with pytest.raises(FileProblem):
        scan_csv(tmp_path / "blank.csv", "blank.csv", targets)


def test_header_only_file_has_no_records(tmp_path, targets):
    sheet, values, _ = read(tmp_path, targets, b"ccode,cdesc\r\n")
    assert isinstance(sheet.match, Match) and values == []


# ------------------------------------------------------------------------------------------------------ workbooks

def test_workbook_sheets_with_a_title_above_the_header(tmp_path, targets):
    import openpyxl

    path = tmp_path / "budget-2025-26-p03.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Adults"
    sheet.append(["Budget monitoring 2025-26, period 3 (June)"])
    sheet.append([])
    header = ["Financial Year", "Period", "Directorate", "Service", "Cost Centre", "Cost Centre Name", "Subjective",
              "Annual Budget", "Budget to Date", "Actual to Date", "Forecast Outturn", "Variance"]
    sheet.append(header + [None])  # a formatted but empty trailing column
    sheet.append(["2025-26", 3, "Adults", "Home care", "AC100", "Home care", "Staffing", 1000000.5, 250000, 240000.25,
                  990000, -10000.5])
    sheet.append([None] * 12)
    sheet.append(["2025-26", 3, "Adults", "Home care", "AC100", "Home care", "Agency", 5000, 1250, 3000, 9000, 4000])
    dates = workbook.create_sheet("Dates")
    dates.append(["ccode", "cdesc"])
    dates.append([dt.datetime(2024, 3, 5), 1.25])
    workbook.save(path)

    sheets = scan_workbook(path, "finance/budget-2025-26-p03.xlsx", targets)
    assert [s.source_file for s in sheets] == ["finance/budget-2025-26-p03.xlsx#Adults",
                                                "finance/budget-2025-26-p03.xlsx#Dates"]
    adults = sheets[0]
    assert adults.header == header  # found below the title and the empty row
    assert adults.match.layout.name == "budget_monitoring"
    rows = adults.records.to_pylist()
    assert len(rows) == 3 and [r["_blank"] for r in rows] == [False, True, False]
    assert [r["source_row"] for r in rows] == [1, 2, 3]
    assert rows[0]["c1"] == "3" and rows[0]["c7"] == "1000000.5" and rows[0]["c11"] == "-10000.5"
    second = sheets[1].records.to_pylist()
    assert second[0]["c0"] == "2024-03-05" and second[0]["c1"] == "1.25"


def test_corrupt_workbook_is_a_file_problem(tmp_path, targets):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(FileProblem, match="workbook"):
        scan_workbook(path, "junk.xlsx", targets)

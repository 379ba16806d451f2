"""Any table of a page as an Excel workbook: the rows a chart card shows (the same rows as its CSV), each measure a
number in its semantic-layer format (£#,##0, 0.0"%"...), a title and what the rows were selected by above them, a
frozen header and an autofilter. Finance's "XLSX beside CSV": the CSV round-trips, the workbook opens ready to
read."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter

from reports import files

# data_models/formats.py's formats as Excel number formats (a percent measure is 0-100, so the % is literal text)
EXCEL_FORMATS = {"count": "#,##0", "pounds": "£#,##0;-£#,##0", "percent": '0.0"%"', "days": '#,##0.0" days"',
                 "minutes": '#,##0" min"', "number": "#,##0.##", "rate_per_1000": '#,##0.00" per 1,000"'}
HEADER_ROW = 4   # rows 0-2: title, what the rows were chosen by, data as of


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    format: str | None = None   # a semantic-layer format for a measure, "date" or "datetime"; None for text


def table_xlsx(title: str, columns: Sequence[Column], rows: Sequence[dict], chosen_by: str,
               data_as_of: dt.date | None, sheet_name: str = "Table") -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False,
                                          "strings_to_formulas": False})
    book.set_properties({"title": title, "company": "Borough Insight"})
    sheet = book.add_worksheet(files.sheet_name(sheet_name, "Table"))
    bold = book.add_format({"bold": True, "font_size": 14})
    muted = book.add_format({"italic": True, "font_color": "#444444"})
    header = book.add_format({"bold": True, "bg_color": "#DDE6ED", "border": 1})
    numbers = {name: book.add_format({"num_format": pattern}) for name, pattern in EXCEL_FORMATS.items()}
    numbers |= {"date": book.add_format({"num_format": "d mmm yyyy", "align": "left"}),
                "datetime": book.add_format({"num_format": "d mmm yyyy hh:mm:ss", "align": "left"})}
    text = book.add_format({"num_format": "@"})
    sheet.write_string(0, 0, title, bold)
    sheet.write_string(1, 0, chosen_by, muted)   # "Selections: Ward: Belsize", "Filters: ...": the caller's words
    as_of = data_as_of.strftime("%-d %B %Y") if data_as_of else "not recorded"
    sheet.write_string(2, 0, f"Data as of {as_of}; downloaded {dt.datetime.now():%-d %B %Y %H:%M}", muted)
    sheet.write_row(HEADER_ROW, 0, [column.heading for column in columns], header)
    for index, row in enumerate(rows, start=HEADER_ROW + 1):
        for position, column in enumerate(columns):
            write_cell(sheet, index, position, row.get(column.key), column, numbers, text)
    last = HEADER_ROW + max(len(rows), 1)
    sheet.autofilter(HEADER_ROW, 0, last, len(columns) - 1)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.autofit()
    sheet.set_column(0, 0, max(14, min(60, max((len(str(r.get(columns[0].key) or "")) for r in rows), default=10) + 2)))
    book.close()
    return out.getvalue()


def write_cell(sheet, row: int, column: int, value, spec: Column, numbers: dict, text) -> None:
    if value is None or value == "":
        sheet.write_blank(row, column, None)
    elif spec.format in ("date", "datetime") and isinstance(value, dt.date | str):
        write_when(sheet, row, column, value, numbers[spec.format])
    elif spec.format is not None and isinstance(value, int | float):
        sheet.write_number(row, column, float(value), numbers.get(spec.format, numbers["number"]))
    else:
        sheet.write_string(row, column, str(value), text)   # codes and names stay text (a leading zero kept)


def write_when(sheet, row: int, column: int, value, style) -> None:
    """A date or time as Excel's own (an ISO text from JSON too); a text that is neither stays text. Times are
    written as they are, in UTC where the app keeps them so (the sheet's heading says which)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            sheet.write_string(row, column, value)
            return
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)   # Excel has no time zones
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    sheet.write_datetime(row, column, value, style)

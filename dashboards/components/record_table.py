"""A table of records under typed columns, as the data-quality page shows them and its downloads write them:
counts with thousands separators on screen and bare in the CSV, dates as "1 Nov 2026" on screen and ISO in the CSV.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.exceptions import MissingCallbackContextException

from dashboards import csv_download, ui
from reports.table_xlsx import Column as XlsxColumn
from reports.table_xlsx import table_xlsx


class Column(NamedTuple):
    key: str
    label: str
    kind: str = "text"  # text | count | date | datetime | code

    @property
    def numeric(self) -> bool:
        return self.kind == "count"


def display(column: Column, value):
    if value is None or value == "":
        return "–" if column.kind != "text" or value is None else ""
    if column.kind == "count":
        return ui.count(value)
    if column.kind in ("date", "datetime"):
        return ui.when(value)
    return str(value)


def table(caption: str, columns: list[Column], rows: list[dict], id_: str, cell=None, row_class=None):
    cell = cell or (lambda column, row: display(column, row[column.key]))
    header = html.Thead(html.Tr([html.Th(c.label, scope="col", className="text-end" if c.numeric else None)
                                 for c in columns]))
    body = html.Tbody([
        html.Tr([html.Td(cell(c, row), className="text-end" if c.numeric else
                         "text-nowrap" if c.kind in ("date", "datetime") else None) for c in columns],
                className=row_class(row) if row_class else None)
        for row in rows])
    return ui.scroll_region(dbc.Table([html.Caption(caption), header, body], id=id_, size="sm",
                                      className="caption-top"), caption)


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_csv(columns: list[Column], rows: list[dict]) -> str:
    """The rows as CSV under the columns' labels."""
    return csv_download.csv_text([c.label for c in columns], ([_csv_value(row.get(c.key)) for c in columns]
                                                              for row in rows))


XLSX_FORMATS = {"count": "count", "date": "date", "datetime": "datetime"}   # text and code stay text


def to_xlsx(title: str, columns: list[Column], rows: list[dict], filters: str) -> bytes:
    """The rows as an Excel workbook under the columns' labels (counts as numbers, dates as dates), with the
    filters that chose them in words above."""
    return table_xlsx(title, [XlsxColumn(c.key, c.label, XLSX_FORMATS.get(c.kind)) for c in columns], rows,
                      f"Filters: {filters}", None, sheet_name=title)


def excel_pressed() -> bool:
    """Whether a download callback was run by its "(Excel)" button (an id ending -xlsx-button) rather than its
    CSV one; a call outside a callback (a test) is the CSV's."""
    try:
        return str(dash.ctx.triggered_id or "").endswith("-xlsx-button")
    except MissingCallbackContextException:
        return False

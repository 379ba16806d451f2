"""The budget monitoring pack as an Excel workbook (XlsxWriter): a cover, a summary by directorate, one sheet per
directorate with its cost-centre lines and its services.

Finance works on in Excel, so the workbook is numbers, not text: pounds as numbers in `£#,##0`, the variance share
as a fraction in `0.0%`, dates as dates, codes as text (a leading zero kept). Every total is a formula over the
lines it adds up (SUBTOTAL, so a filtered sheet totals what is shown) with its value stored beside the formula,
so the file reads right before Excel recalculates (openpyxl, previews, LibreOffice). The summary's figures are the
directorate sheets' totals, by reference."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from data_models.rag import WORDS
from reports.budget_data import (
    AMOUNT_HEADINGS,
    AMOUNTS,
    VARIANCE,
    VARIANCE_PCT,
    BudgetPack,
    Group,
    services,
    variance_pct,
)
from reports.files import unique_sheet_names
from reports.table_xlsx import EXCEL_FORMATS

POUNDS = EXCEL_FORMATS["pounds"]
PERCENT = "0.0%"   # the share is a fraction here (Excel's own percent), not the measure's 0-100
TAIL_HEADINGS = ("Variance %", "RAG")
FIRST_LINE_ROW = 5  # rows 0-3: title, period, a note; row 4: the header


class Formats:
    def __init__(self, book):
        add = book.add_format
        self.title = add({"bold": True, "font_size": 16})
        self.subtitle = add({"italic": True, "font_color": "#444444"})
        self.note = add({"italic": True, "font_color": "#444444", "text_wrap": True, "valign": "top"})
        self.header = add({"bold": True, "bg_color": "#DDE6ED", "border": 1, "text_wrap": True, "valign": "top"})
        self.text = add({})
        self.code = add({"num_format": "@"})
        self.pounds = add({"num_format": POUNDS})
        self.percent = add({"num_format": PERCENT})
        self.total_text = add({"bold": True, "top": 1})
        self.total_pounds = add({"bold": True, "top": 1, "num_format": POUNDS})
        self.total_percent = add({"bold": True, "top": 1, "num_format": PERCENT})
        self.label = add({"bold": True})
        self.date = add({"num_format": "d mmm yyyy", "align": "left"})
        self.datetime = add({"num_format": "d mmm yyyy hh:mm", "align": "left"})
        self.red = add({"bg_color": "#F4C7C3", "font_color": "#7A0000"})
        self.amber = add({"bg_color": "#FCE8B2", "font_color": "#5C3B00"})
        self.green = add({"bg_color": "#C8E6C9", "font_color": "#0B3D0B"})


def write_xlsx(pack: BudgetPack, path: Path | None = None) -> bytes | None:
    """Write the pack to `path`, or return the workbook's bytes when no path is given (a download)."""
    target = io.BytesIO() if path is None else str(path)
    book = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False,
                                          "strings_to_formulas": False})
    book.set_properties({"title": f"Budget monitoring pack, {pack.period_text}", "author": pack.run_by,
                         "company": "Borough Insight", "comments": "Figures from the warehouse via the semantic "
                         "layer; totals are formulas over their lines."})
    formats = Formats(book)
    cover = book.add_worksheet("Cover")
    summary = book.add_worksheet("Summary")
    totals = {}
    names = unique_sheet_names([group.name for group in pack.directorates()], taken=("Cover", "Summary"))
    for group, name in zip(pack.directorates(), names, strict=True):
        totals[group.code] = write_directorate(book.add_worksheet(name), name, pack, group, formats)
    write_summary(summary, pack, totals, names, formats)
    write_cover(cover, pack, names, formats)
    book.close()
    return target.getvalue() if path is None else None


def write_cover(sheet, pack: BudgetPack, sheet_names: list[str], f: Formats) -> None:
    sheet.hide_gridlines(2)
    sheet.write_string(0, 0, "Budget monitoring pack", f.title)
    facts = [("Period", pack.period_text, f.text),
             ("Financial year", pack.financial_year, f.text),
             ("Data as of", pack.data_as_of, f.date),
             ("Run by", pack.run_by, f.text),
             ("Run at", pack.run_at, f.datetime)]
    if pack.prepared_for:
        facts.append(("Prepared for", pack.prepared_for, f.text))
    facts.append(("Selections applied", pack.selections_text, f.text))
    for row, (label, value, style) in enumerate(facts, start=2):
        sheet.write_string(row, 0, label, f.label)
        if value is None:
            sheet.write_string(row, 1, "Not recorded", style)
        elif hasattr(value, "year"):
            sheet.write_datetime(row, 1, value, style)
        else:
            sheet.write_string(row, 1, str(value), style)
    row = len(facts) + 3
    sheet.write_string(row, 0, "Sheets", f.label)
    for offset, name in enumerate(["Summary", *sheet_names], start=1):
        sheet.write_url(row + offset, 0, f"internal:{sheet_reference(name)}!A1", string=name)
    note = row + len(sheet_names) + 3
    sheet.merge_range(note, 0, note, 1, "Variance is forecast outturn minus annual budget: above zero is an "
                      "overspend. Red, amber or green by the variance as a share of the budget (thresholds set in "
                      "the semantic layer's configuration).", f.note)
    sheet.set_row(note, 32)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 90)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)


def write_directorate(sheet, name: str, pack: BudgetPack, group: Group, f: Formats) -> dict[str, str]:
    """The directorate's cost-centre lines, their total, then its services; returns {measure: total cell}."""
    headings = ("Service code", "Service", "Cost centre", "Cost centre name", *AMOUNT_HEADINGS, *TAIL_HEADINGS)
    sheet.write_string(0, 0, f"{group.name}: budget monitoring", f.title)
    sheet.write_string(1, 0, pack.period_text, f.subtitle)
    sheet.write_string(2, 0, "One line per cost centre. The total under them is SUBTOTAL (filtered lines drop out); "
                       "the services below count every line (SUMIF).", f.subtitle)
    sheet.write_row(FIRST_LINE_ROW - 1, 0, headings, f.header)
    row = FIRST_LINE_ROW
    for line in sorted(group.lines, key=lambda line: (line.service, line.cost_centre)):
        sheet.write_string(row, 0, line.service, f.code)
        sheet.write_string(row, 1, line.service_name, f.text)
        sheet.write_string(row, 2, line.cost_centre, f.code)
        sheet.write_string(row, 3, line.cost_centre_name, f.text)
        write_amounts(sheet, row, 4, pack, line.amounts, f.pounds, f.percent)
        row += 1
    last = row - 1
    sheet.autofilter(FIRST_LINE_ROW - 1, 0, last, len(headings) - 1)
    sheet.write_string(row, 0, f"Total {group.name}", f.total_text)
    for column in range(1, 4):
        sheet.write_blank(row, column, None, f.total_text)
    cells = write_total(sheet, row, 4, FIRST_LINE_ROW, last, pack, group, f)
    variance_colours(sheet, FIRST_LINE_ROW, row, 4 + len(AMOUNTS), pack, f)
    write_services(sheet, row + 3, pack, group, last, f)
    sheet.freeze_panes(FIRST_LINE_ROW, 4)
    sheet.autofit()
    sheet.set_column(1, 1, min(45, max(12, max(len(line.service_name) for line in group.lines) + 2)))
    sheet.set_column(3, 3, min(45, max(16, max(len(line.cost_centre_name) for line in group.lines) + 2)))
    sheet.set_column(4, 4 + len(AMOUNTS) - 1, 16)
    sheet.set_column(4 + len(AMOUNTS), 4 + len(AMOUNTS), 11)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(FIRST_LINE_ROW - 1)
    return {measure: f"{sheet_reference(name)}!{cell}" for measure, cell in cells.items()}


def sheet_reference(name: str) -> str:
    """'Chief Executive''s': a sheet name quoted for a formula or a link (an apostrophe doubled)."""
    return "'" + name.replace("'", "''") + "'"


def write_amounts(sheet, row: int, column: int, pack: BudgetPack, amounts: dict, pounds, percent) -> None:
    for offset, measure in enumerate(AMOUNTS):
        sheet.write_number(row, column + offset, float(amounts[measure]), pounds)
    share = variance_pct(amounts["budget_annual"], amounts[VARIANCE])
    if share is None:
        sheet.write_blank(row, column + len(AMOUNTS), None, percent)
    else:
        sheet.write_number(row, column + len(AMOUNTS), share / 100, percent)
    colour = pack.rag(amounts["budget_annual"], amounts[VARIANCE])
    sheet.write_string(row, column + len(AMOUNTS) + 1, WORDS.get(colour, "No budget"))


def write_total(sheet, row: int, column: int, first: int, last: int, pack: BudgetPack, group: Group,
                f: Formats) -> dict[str, str]:
    """SUBTOTAL(9, ...) of each amount column, with the lines' sum stored as the formula's value."""
    cells = {}
    for offset, measure in enumerate(AMOUNTS):
        letter = xl_col_to_name(column + offset)
        sheet.write_formula(row, column + offset, f"=SUBTOTAL(9,{letter}{first + 1}:{letter}{last + 1})",
                            f.total_pounds, float(group.total(measure)))
        cells[measure] = xl_rowcol_to_cell(row, column + offset, row_abs=True, col_abs=True)
    write_share_formula(sheet, row, column, pack, group.total("budget_annual"), group.total(VARIANCE),
                        f.total_percent, f.total_text)
    return cells


def write_share_formula(sheet, row: int, column: int, pack: BudgetPack, budget: Decimal, variance: Decimal,
                        share_format, words_format) -> None:
    """Variance % of a group: its variance over the size of its budget, a formula like the amounts."""
    budget_cell = xl_rowcol_to_cell(row, column)
    variance_cell = xl_rowcol_to_cell(row, column + len(AMOUNTS) - 1)
    share = variance_pct(budget, variance)
    sheet.write_formula(row, column + len(AMOUNTS),
                        f'=IF({budget_cell}=0,"",{variance_cell}/ABS({budget_cell}))', share_format,
                        "" if share is None else share / 100)
    sheet.write_string(row, column + len(AMOUNTS) + 1, WORDS.get(pack.rag(budget, variance), "No budget"),
                       words_format)


def variance_colours(sheet, first: int, last: int, column: int, pack: BudgetPack, f: Formats) -> None:
    """Red, amber, green fills on the variance share by the thresholds the RAG words beside it use (the measure's
    bands in percent, its direction; the cells hold fractions). Formula rules, so that a blank or "" share (a
    zero budget: "No budget") is left unfilled as its words say, never counted as 0 or as text."""
    measure = pack.layer.measure(VARIANCE_PCT)
    if measure.bands is None:
        return
    cell = xl_rowcol_to_cell(first, column, col_abs=True)
    worse = ">" if measure.direction == "lower" else "<"
    amber, red = measure.bands.amber / 100, measure.bands.red / 100
    rules = [(f"=AND(ISNUMBER({cell}),{cell}{worse}{red})", f.red),
             (f"=AND(ISNUMBER({cell}),{cell}{worse}{amber})", f.amber),
             (f"=ISNUMBER({cell})", f.green)]
    for formula, style in rules:   # the first that holds wins
        sheet.conditional_format(first, column, last, column, {"type": "formula", "criteria": formula,
                                                                "format": style, "stop_if_true": True})


def write_services(sheet, row: int, pack: BudgetPack, group: Group, last_line: int, f: Formats) -> None:
    """The directorate's services: each a SUMIF over the cost-centre lines above (by service code)."""
    sheet.write_string(row - 1, 0, "By service", f.label)
    sheet.write_row(row, 0, ("Service code", "Service", "", "Cost centres", *AMOUNT_HEADINGS, *TAIL_HEADINGS),
                    f.header)
    codes = f"$A${FIRST_LINE_ROW + 1}:$A${last_line + 1}"
    for index, service in enumerate(services(group), start=row + 1):
        sheet.write_string(index, 0, service.code, f.code)
        sheet.write_string(index, 1, service.name, f.text)
        sheet.write_number(index, 3, len(service.lines))
        for offset, measure in enumerate(AMOUNTS):
            letter = xl_col_to_name(4 + offset)
            sheet.write_formula(index, 4 + offset, f'=SUMIF({codes},$A{index + 1},'
                                f'{letter}${FIRST_LINE_ROW + 1}:{letter}${last_line + 1})', f.pounds,
                                float(service.total(measure)))
        write_share_formula(sheet, index, 4, pack, service.total("budget_annual"), service.total(VARIANCE),
                            f.percent, f.text)


def write_summary(sheet, pack: BudgetPack, totals: dict[str, dict[str, str]], names: list[str], f: Formats) -> None:
    """One line per directorate, each figure a reference to its sheet's total; a grand total over them."""
    sheet.write_string(0, 0, "Summary by directorate", f.title)
    sheet.write_string(1, 0, pack.period_text, f.subtitle)
    headings = ("Directorate code", "Directorate", "Cost centres", *AMOUNT_HEADINGS, *TAIL_HEADINGS)
    sheet.write_row(3, 0, headings, f.header)
    groups = pack.directorates()
    for row, group in enumerate(groups, start=4):
        sheet.write_string(row, 0, group.code, f.code)
        sheet.write_url(row, 1, f"internal:{sheet_reference(names[row - 4])}!A1", string=group.name)
        sheet.write_number(row, 2, len(group.lines))
        for offset, measure in enumerate(AMOUNTS):
            sheet.write_formula(row, 3 + offset, f"={totals[group.code][measure]}", f.pounds,
                                float(group.total(measure)))
        write_share_formula(sheet, row, 3, pack, group.total("budget_annual"), group.total(VARIANCE),
                            f.percent, f.text)
    last = 4 + len(groups) - 1
    total_row = last + 1
    sheet.write_string(total_row, 0, "Total", f.total_text)
    sheet.write_blank(total_row, 1, None, f.total_text)
    sheet.write_formula(total_row, 2, f"=SUM(C5:C{last + 1})", f.total_text, len(pack.lines))
    write_total(sheet, total_row, 3, 4, last, pack, pack.whole(), f)
    variance_colours(sheet, 4, total_row, 3 + len(AMOUNTS), pack, f)
    sheet.autofilter(3, 0, last, len(headings) - 1)
    sheet.freeze_panes(4, 2)
    sheet.autofit()
    sheet.set_column(3, 3 + len(AMOUNTS) - 1, 16)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.activate()



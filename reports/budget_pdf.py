"""The budget monitoring pack as a PDF board pack (ReportLab): A4 landscape, a title page, the summary by
directorate with two charts (plotly, drawn by kaleido), then each directorate's cost-centre lines and services.

Tables break across pages with their header repeated; long names wrap inside their cell rather than being cut;
every page has the pack's name, its period and "Page n of N". Amounts are whole pounds as finance writes them
(-£35), every red/amber/green also in words (never colour alone)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import plotly.graph_objects as go
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from data_models.rag import WORDS
from query.periods import month_name
from reports.budget_data import AMOUNT_HEADINGS, AMOUNTS, VARIANCE, BudgetPack, Group, services, variance_pct
from reports.charts import print_layout, to_pngs

PAGE = landscape(A4)
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
RAG_FILL = {"red": colors.HexColor("#F4C7C3"), "amber": colors.HexColor("#FCE8B2"),
            "green": colors.HexColor("#C8E6C9")}
HEADER_FILL = colors.HexColor("#DDE6ED")
STYLES = getSampleStyleSheet()
CELL = ParagraphStyle("cell", parent=STYLES["BodyText"], fontSize=8, leading=10)
CELL_BOLD = ParagraphStyle("cell-bold", parent=CELL, fontName="Helvetica-Bold")
NUMBER = ParagraphStyle("number", parent=CELL, alignment=TA_RIGHT)
NUMBER_BOLD = ParagraphStyle("number-bold", parent=NUMBER, fontName="Helvetica-Bold")
HEAD = ParagraphStyle("head", parent=CELL, fontName="Helvetica-Bold")
HEAD_NUMBER = ParagraphStyle("head-number", parent=HEAD, alignment=TA_RIGHT)


def pounds(value: Decimal) -> str:
    whole = round(value)
    return f"-£{-whole:,}" if whole < 0 else f"£{whole:,}"


def share_text(budget: Decimal, variance: Decimal) -> str:
    share = variance_pct(budget, variance)
    return "–" if share is None else f"{share:.1f}%"


def write_pdf(pack: BudgetPack, path: Path | None = None) -> bytes | None:
    """Write the pack to `path`, or return the PDF's bytes when no path is given (a download)."""
    target = io.BytesIO() if path is None else str(path)
    document = SimpleDocTemplate(target, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=f"Budget monitoring pack, {pack.period_text}",
                                 author=pack.run_by, subject="Budget monitoring", creator="Borough Insight")
    story = title_page(pack) + summary_pages(pack)
    for group in pack.directorates():
        story += directorate_pages(pack, group)
    document.build(story, canvasmaker=numbered_canvas(f"Budget monitoring pack · {pack.period_text}"))
    return target.getvalue() if path is None else None


def numbered_canvas(footer: str):
    """A canvas that writes 'Page n of N' once the page count is known (ReportLab's two-pass recipe)."""
    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for page in self._pages:
                self.__dict__.update(page)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawString(MARGIN, MARGIN - 2 * mm, footer)
                self.drawRightString(PAGE[0] - MARGIN, MARGIN - 2 * mm,
                                     f"Page {self._pageNumber} of {len(self._pages)}")
                super().showPage()
            super().save()
    return NumberedCanvas


def title_page(pack: BudgetPack) -> list:
    facts = [("Period", pack.period_text), ("Data as of", pack.data_as_of.strftime("%-d %B %Y")
                                             if pack.data_as_of else "Not recorded"),
             ("Run by", pack.run_by), ("Run at", pack.run_at.strftime("%-d %B %Y %H:%M"))]
    if pack.prepared_for:
        facts.append(("Prepared for", pack.prepared_for))
    facts.append(("Selections applied", pack.selections_text))
    table = Table([[Paragraph(f"<b>{escape(k)}</b>", STYLES["BodyText"]), Paragraph(escape(v), STYLES["BodyText"])]
                   for k, v in facts], colWidths=[50 * mm, WIDTH - 50 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    note = ("Variance is forecast outturn minus annual budget: above zero is an overspend. Red, amber or green by "
            "the variance as a share of the budget, by the thresholds set in configuration; each status is also "
            "written in words.")
    return [Spacer(1, 30 * mm), Paragraph("Budget monitoring pack", STYLES["Title"]),
            Paragraph(escape(f"{month_name(pack.month)}, financial year {pack.financial_year}"), STYLES["Heading2"]),
            Spacer(1, 10 * mm), table, Spacer(1, 8 * mm), Paragraph(note, STYLES["Italic"]), PageBreak()]


def summary_pages(pack: BudgetPack) -> list:
    groups = pack.directorates()
    headings = ("Directorate", "Cost centres", *AMOUNT_HEADINGS, "Variance %", "RAG")
    widths = [60 * mm, 20 * mm] + [27 * mm] * len(AMOUNTS) + [18 * mm, 17 * mm]
    body = [row_cells(pack, group, [group.name, str(len(group.lines))]) for group in groups]
    total = row_cells(pack, pack.whole(), ["Total", str(len(pack.lines))], bold=True)
    table = money_table(pack, headings, widths, body, total, groups + [pack.whole()], text_columns=1)
    charts = summary_charts(pack)
    return [Paragraph("Summary by directorate", STYLES["Heading1"]),
            Paragraph(escape(pack.period_text), STYLES["Italic"]), Spacer(1, 4 * mm), table, PageBreak(),
            Paragraph("Forecast variance", STYLES["Heading1"]), *charts, PageBreak()]


def row_cells(pack: BudgetPack, group: Group, leading: list[str], bold: bool = False) -> list:
    text, number = (CELL_BOLD, NUMBER_BOLD) if bold else (CELL, NUMBER)
    budget, variance = group.total("budget_annual"), group.total(VARIANCE)
    colour = pack.rag(budget, variance)
    return ([Paragraph(escape(value), text) for value in leading]
            + [Paragraph(pounds(group.total(m)), number) for m in AMOUNTS]
            + [Paragraph(share_text(budget, variance), number), Paragraph(WORDS.get(colour, "–"), text)])


def money_table(pack, headings, widths, body, total, groups, text_columns: int) -> Table:
    header = [Paragraph(escape(h), HEAD if i < text_columns else HEAD_NUMBER) for i, h in enumerate(headings)]
    header[-1] = Paragraph("RAG", HEAD)
    rows = [header, *body] + ([total] if total else [])
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if total:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 1, colors.black))
    for index, group in enumerate(groups, start=1):
        colour = pack.rag(group.total("budget_annual"), group.total(VARIANCE))
        if colour:
            style.append(("BACKGROUND", (-2, index), (-1, index), RAG_FILL[colour]))
    table.setStyle(TableStyle(style))
    return table


def summary_charts(pack: BudgetPack) -> list:
    groups = pack.directorates()
    by_directorate = go.Figure(go.Bar(
        x=[float(g.total(VARIANCE)) for g in groups], y=[g.name for g in groups], orientation="h",
        marker_color=["#D55E00" if g.total(VARIANCE) > 0 else "#0072B2" for g in groups],
        text=[pounds(g.total(VARIANCE)) for g in groups], textposition="auto"))
    by_directorate.update_yaxes(autorange="reversed")
    by_directorate.update_xaxes(title="Forecast variance (£): above zero is an overspend", tickprefix="£")
    by_month = go.Figure()
    for name in sorted({name for _, name, _ in pack.variance_by_month}):
        points = sorted((month, value) for month, who, value in pack.variance_by_month if who == name)
        by_month.add_trace(go.Scatter(x=[month_name(m)[:3] for m, _ in points], y=[float(v) for _, v in points],
                                      name=name, mode="lines+markers"))
    by_month.update_yaxes(title="Forecast variance (£)", tickprefix="£")
    figures = [print_layout(by_directorate, f"By directorate, {pack.period_text}"),
               print_layout(by_month, f"Month by month, {pack.financial_year} to date, as reported at each month end")]
    images = to_pngs(figures, width=1100, height=330)
    return [Image(io.BytesIO(png), width=WIDTH, height=WIDTH * 330 / 1100) for png in images]


def directorate_pages(pack: BudgetPack, group: Group) -> list:
    headings = ("Service", "Cost centre", "Cost centre name", *AMOUNT_HEADINGS, "Variance %", "RAG")
    widths = [48 * mm, 18 * mm, 46 * mm] + [24 * mm] * len(AMOUNTS) + [16 * mm, 14 * mm]
    lines = sorted(group.lines, key=lambda line: (line.service_name, line.cost_centre))   # as a reader scans
    singles = [Group(line.cost_centre, line.cost_centre_name, (line,)) for line in lines]
    body = [row_cells(pack, single, [line.service_name, line.cost_centre, line.cost_centre_name])
            for single, line in zip(singles, lines, strict=True)]
    total = row_cells(pack, group, [f"Total {group.name}", "", ""], bold=True)
    lines_table = money_table(pack, headings, widths, body, total, singles + [group], text_columns=3)
    by_service = services(group)
    service_widths = [66 * mm, 20 * mm] + [26 * mm] * len(AMOUNTS) + [16 * mm, 14 * mm]
    service_rows = [row_cells(pack, s, [s.name, str(len(s.lines))]) for s in by_service]
    services_table = money_table(pack, ("Service", "Cost centres", *AMOUNT_HEADINGS, "Variance %", "RAG"),
                                 service_widths, service_rows, None, by_service, text_columns=1)
    return [Paragraph(escape(f"{group.name}: budget monitoring"), STYLES["Heading1"]),
            Paragraph(escape(pack.period_text), STYLES["Italic"]), Spacer(1, 3 * mm), lines_table,
            Spacer(1, 6 * mm), KeepTogether([Paragraph("By service", STYLES["Heading2"]), services_table])
            if len(by_service) <= 12 else Paragraph("By service", STYLES["Heading2"]),
            *([] if len(by_service) <= 12 else [services_table]), PageBreak()]

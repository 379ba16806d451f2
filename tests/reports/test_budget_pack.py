"""The budget monitoring pack, opened as finance opens it: the workbook with openpyxl (numbers as numbers in £,
totals as formulas whose stored values are the sums of their lines) and in LibreOffice; the PDF's text (pypdf) and
a page as an image (pdftoppm). Every figure is checked against plain SQL over fact_budget_monthly, written here,
not the query layer's."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from report_files import libreoffice_to_pdf, pdf_page_png

from query.scope import EVERYTHING, Scope
from reports.__main__ import main
from reports.budget_pack import Skipped, Written, write_packs
from reports.errors import ReportError

MONTH, YEAR, MONTH_KEY = "2026-10", "2026-27", 20261001   # the demo's data ends 31 Oct 2026: its latest month
AMOUNT_COLUMNS = ("annual_budget_pounds", "budget_to_date_pounds", "actual_to_date_pounds",
                  "forecast_outturn_pounds", "variance_pounds")


def expected_by(con, key: str, directorate: str | None = None) -> dict[str, tuple]:
    """{directorate or cost centre code: (amounts...)} at the month, in plain SQL (of one directorate if given;
    a directorate with no code, the Unknown member, has none)."""
    sums = ", ".join(f"sum({c})" for c in AMOUNT_COLUMNS)
    found = con.execute(f"""
        select {key}, {sums} from fact_budget_monthly f
        join dim_directorate d on d.directorate_key = f.directorate_key
        join dim_service s on s.service_key = f.service_key
        join dim_cost_centre c on c.cost_centre_key = f.cost_centre_key
        where f.financial_year = $year and f.month_key = $month
          and ($every or d.directorate_code = $directorate)
        group by 1""", {"year": YEAR, "month": MONTH_KEY, "directorate": directorate,
                        "every": directorate is None}).fetchall()
    return {row[0]: tuple(Decimal(v) for v in row[1:]) for row in found}


def rag_of(budget: Decimal, variance: Decimal) -> str:
    share = 100 * variance / abs(budget)
    return "Red" if share > 5 else "Amber" if share > 0 else "Green"


@pytest.fixture(scope="module")
def xlsx_pack(demo_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    [written] = write_packs(demo_warehouse, out, "xlsx", scope=EVERYTHING, run_by="finance-test")
    return written.path


def test_the_workbook_is_named_for_its_month_and_its_cover_states_the_period(xlsx_pack):
    assert xlsx_pack.name == f"budget-pack-{MONTH}.xlsx"
    book = openpyxl.load_workbook(xlsx_pack)
    assert book.sheetnames[:2] == ["Cover", "Summary"]
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["Period"] == "October 2026 (period 7 of 2026-27)"
    assert cover["Data as of"] == dt.datetime(2026, 10, 31)   # a date, not text
    assert cover["Run by"] == "finance-test"
    assert cover["Selections applied"] == "No selection: every service within access"


def test_summary_figures_equal_the_warehouse_and_the_total_is_the_sum_of_its_lines(xlsx_pack, demo_con):
    expected = expected_by(demo_con, "d.directorate_code")
    formulas = openpyxl.load_workbook(xlsx_pack)["Summary"]
    values = openpyxl.load_workbook(xlsx_pack, data_only=True)["Summary"]
    lines = {}
    for row in range(5, 5 + len(expected)):
        code = values.cell(row, 1).value
        amounts = [values.cell(row, column).value for column in range(4, 9)]
        assert all(isinstance(a, float) for a in amounts), "amounts are numbers"
        assert all("£#,##0" in formulas.cell(row, column).number_format for column in range(4, 9))
        assert formulas.cell(row, 4).value.startswith("='"), "a directorate's figure is its sheet's total"
        lines[code] = amounts
        assert amounts == pytest.approx([float(v) for v in expected[code]], abs=0.005)
        assert values.cell(row, 10).value == rag_of(expected[code][0], expected[code][4])
        assert formulas.cell(row, 9).number_format == "0.0%"
    assert set(lines) == set(expected)
    total_row = 5 + len(expected)
    assert values.cell(total_row, 1).value == "Total"
    for offset, column in enumerate(range(4, 9)):
        assert formulas.cell(total_row, column).value == f"=SUBTOTAL(9,{chr(64 + column)}5:{chr(64 + column)}" \
                                                         f"{total_row - 1})"
        assert values.cell(total_row, column).value == pytest.approx(sum(v[offset] for v in lines.values()), abs=0.01)
    assert formulas.freeze_panes == "C5" and formulas.auto_filter.ref == f"A4:J{total_row - 1}"


def test_each_directorate_sheet_has_its_cost_centres_as_in_the_warehouse(xlsx_pack, demo_con):
    formulas = openpyxl.load_workbook(xlsx_pack)
    values = openpyxl.load_workbook(xlsx_pack, data_only=True)
    names = dict(demo_con.execute("select directorate_code, directorate_name from dim_directorate").fetchall())
    for code, name in names.items():
        expected = expected_by(demo_con, "c.cost_centre_code", str(code))
        if not expected:
            continue
        sheet, cached = formulas[name[:31]], values[name[:31]]
        assert sheet.freeze_panes == "E6" and sheet.auto_filter.ref.startswith("A5:")
        found = {}
        row = 6
        while cached.cell(row, 3).value is not None:
            centre = cached.cell(row, 3).value
            assert isinstance(centre, str) and sheet.cell(row, 3).number_format == "@"   # codes stay text
            found[centre] = [cached.cell(row, c).value for c in range(5, 10)]
            assert cached.cell(row, 11).value == rag_of(expected[centre][0], expected[centre][4])
            row += 1
        assert set(found) == set(expected)
        for centre, amounts in found.items():
            assert amounts == pytest.approx([float(v) for v in expected[centre]], abs=0.005)
        assert cached.cell(row, 1).value == f"Total {name}"
        assert sheet.cell(row, 5).value == f"=SUBTOTAL(9,E6:E{row - 1})"
        assert cached.cell(row, 5).value == pytest.approx(float(sum(v[0] for v in expected.values())), abs=0.01)
        rules = [(str(block.sqref), rule) for block in sheet.conditional_formatting for rule in block.rules]
        shares = [rule for ref, rule in rules if ref == f"J6:J{row}"]
        # by finance's bands (amber over 0%, red over 5%: fractions here), numbers only, the first that holds
        assert [(r.formula[0], r.stopIfTrue) for r in shares] == [
            ("AND(ISNUMBER($J6),$J6>0.05)", True), ("AND(ISNUMBER($J6),$J6>0.0)", True), ("ISNUMBER($J6)", True)]
        check_services(sheet, cached, row, expected, demo_con, code)


def check_services(sheet, cached, total_row: int, expected: dict, con, directorate: str) -> None:
    """The 'By service' block: a SUMIF per service over the lines, storing the services' sums from the warehouse."""
    services = dict(con.execute("""
        select s.service_code, sum(f.annual_budget_pounds) from fact_budget_monthly f
        join dim_service s on s.service_key = f.service_key
        join dim_directorate d on d.directorate_key = f.directorate_key
        where f.financial_year = ? and f.month_key = ? and d.directorate_code = ? group by 1""",
        [YEAR, MONTH_KEY, directorate]).fetchall())
    header = total_row + 3
    assert cached.cell(header - 1, 1).value == "By service" and cached.cell(header, 1).value == "Service code"
    found = {}
    for row in range(header + 1, header + 1 + len(services)):
        code = cached.cell(row, 1).value
        found[code] = cached.cell(row, 5).value
        assert sheet.cell(row, 5).value == f"=SUMIF($A$6:$A${total_row - 1},$A{row},E$6:E${total_row - 1})"
    assert found == pytest.approx({code: float(v) for code, v in services.items()}, abs=0.005)


def test_libreoffice_opens_the_workbook_and_shows_the_pounds(xlsx_pack, demo_con, tmp_path):
    printed = libreoffice_to_pdf(xlsx_pack, tmp_path)
    text = "\n".join(page.extract_text() for page in PdfReader(printed).pages)
    total = sum(v[0] for v in expected_by(demo_con, "d.directorate_code").values())
    assert f"£{round(total):,}" in text and "Summary by directorate" in text


@pytest.fixture(scope="module")
def pdf_pack(demo_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack-pdf")
    [written] = write_packs(demo_warehouse, out, "pdf", scope=EVERYTHING, run_by="finance-test")
    return written.path


def test_the_pdf_holds_the_titles_and_figures_on_numbered_pages(pdf_pack, demo_con):
    reader = PdfReader(pdf_pack)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    by_directorate = expected_by(demo_con, "d.directorate_name")
    assert len(pages) >= 3 + len(by_directorate)   # title, summary, charts, at least a page per directorate
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert not re.search(r"\b(nan|None|NaN)\b", page)
        if re.search(r"\b[A-Z]{3}\d{3}\b", page):   # a page of cost-centre lines has the table's header
            assert "Cost centre name" in page
    assert "Budget monitoring pack" in pages[0] and "October 2026 (period 7 of 2026-27)" in pages[0]
    assert "Summary by directorate" in text and "Forecast variance" in text
    for name, amounts in by_directorate.items():
        assert f"{name}: budget monitoring" in text
        assert f"£{round(amounts[0]):,}" in text
    total = sum(v[0] for v in by_directorate.values())
    assert f"£{round(total):,}" in pages[1]
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height), "A4 landscape"


def test_a_pdf_page_drawn_as_an_image_shows_the_summary_and_charts(pdf_pack, tmp_path):
    from PIL import Image

    for page in (2, 3):
        image = Image.open(pdf_page_png(pdf_pack, page, tmp_path)).convert("L")
        dark = sum(1 for value in image.get_flattened_data() if value < 128)
        assert dark > 2000, f"page {page} is drawn (text, table lines, chart)"


def test_burst_packs_hold_only_each_managers_services(demo_warehouse, demo_con, tmp_path):
    written = write_packs(demo_warehouse, tmp_path, "xlsx", scope=EVERYTHING, burst=True, run_by="finance-test")
    # the small demo's budget has no parking cost centre: that manager gets no empty pack, and is told why
    [skipped] = [w for w in written if isinstance(w, Skipped)]
    assert skipped.manager == "parking-manager" and "no budget lines for 2026-10" in skipped.reason
    by_manager = {w.manager: w for w in written if isinstance(w, Written)}
    assert set(by_manager) == {"repairs-manager", "care-manager"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"budget-pack-{MONTH}-care-manager.xlsx",
                                                          f"budget-pack-{MONTH}-repairs-manager.xlsx"]
    adh = {code for (code,) in demo_con.execute(
        "select s.service_code from dim_service s join dim_directorate d using (directorate_key) "
        "where d.directorate_code = 'ADH'").fetchall()}
    allowed = {"repairs-manager": {"HSG-REP", "HSG-DMP"}, "care-manager": adh}
    for manager, pack in by_manager.items():
        assert pack.path.name == f"budget-pack-{MONTH}-{manager}.xlsx"
        book = openpyxl.load_workbook(pack.path, data_only=True)
        services = {sheet.cell(row, 1).value for sheet in book.worksheets[2:] for row in range(6, sheet.max_row + 1)
                    if re.fullmatch(r"[A-Z]{3}\d{3}", str(sheet.cell(row, 3).value))}
        assert services and services <= allowed[manager], manager
        cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True) if row[0]}
        assert manager in cover["Prepared for"]


def test_a_pack_within_a_scope_holds_nothing_outside_it(demo_warehouse, tmp_path):
    [written] = write_packs(demo_warehouse, tmp_path, "xlsx", scope=Scope.of(services={"HSG-REP"}))
    assert {line.service for line in written.pack.lines} == {"HSG-REP"}
    with pytest.raises(ReportError, match="no budget"):
        write_packs(demo_warehouse, tmp_path, "xlsx", scope=Scope.of(services={"NO-SUCH"}))


def test_the_command_line_writes_the_pack_and_the_audit_log(warehouse_copy, tmp_path, capsys):
    assert main(["budget-pack", "--warehouse", str(warehouse_copy), "--format", "xlsx", "--out",
                 str(tmp_path / "out"), "--period", "2026-09"]) == 0
    assert (tmp_path / "out" / "budget-pack-2026-09.xlsx").is_file()
    assert "wrote" in capsys.readouterr().out
    from app_db import AppDatabase

    events, _ = AppDatabase.beside(warehouse_copy).events(event="report")
    assert events and "budget pack xlsx 2026-09" in events[0].detail
    assert events[0].path == "python -m reports budget-pack"


@pytest.mark.parametrize(("period", "message"), [("2026-13", "is not a month"), ("2031-01", "no budget lines"),
                                                 ("Oct", "is not a month")])
def test_the_command_line_says_what_is_wrong_in_one_line(warehouse_copy, tmp_path, capsys, period, message):
    assert main(["budget-pack", "--warehouse", str(warehouse_copy), "--format", "pdf", "--out", str(tmp_path),
                 "--period", period]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and len(error.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.pdf"))


def test_a_zero_budget_line_says_no_budget_and_is_not_coloured(tmp_path):
    from data_models.semantic_layer import load_semantic_layer
    from reports.budget_data import AMOUNTS, BudgetPack, Line
    from reports.budget_xlsx import write_xlsx

    def line(code: str, budget: int, variance: int) -> Line:
        amounts = {m: Decimal(0) for m in AMOUNTS} | {"budget_annual": Decimal(budget),
                                                      "budget_forecast_variance": Decimal(variance)}
        return Line("ADH", "Adults and Health", "ASC-ACC", "Access", code, f"Centre {code}", amounts)

    pack = BudgetPack(month="2026-10", data_as_of=dt.date(2026, 10, 31), run_by="t", run_at=dt.datetime(2026, 11, 1),
                      selections={}, selection_text=[], lines=(line("ADH101", 0, 100), line("ADH102", 1000, 60)),
                      variance_by_month=(), layer=load_semantic_layer())
    write_xlsx(pack, tmp_path / "pack.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "pack.xlsx", data_only=True)["Adults and Health"]
    assert sheet["J6"].value is None and sheet["K6"].value == "No budget"
    assert sheet["J7"].value == pytest.approx(0.06) and sheet["K7"].value == "Red"
    assert sheet["K8"].value == "Red"   # the total: 160 over a budget of 1,000


def test_burst_from_the_command_line_needs_the_users_file_named(warehouse_copy, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BOROUGH_INSIGHT_USERS", raising=False)
    out = tmp_path / "packs"
    assert main(["budget-pack", "--warehouse", str(warehouse_copy), "--format", "xlsx", "--out", str(out),
                 "--burst"]) == 2
    assert "--burst needs the council's users file" in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_that_cannot_be_written_is_one_line(warehouse_copy, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert main(["budget-pack", "--warehouse", str(warehouse_copy), "--format", "xlsx", "--out", str(blocked)]) == 2
    error = capsys.readouterr().err
    assert "cannot write to" in error and "Traceback" not in error and len(error.strip().splitlines()) == 1

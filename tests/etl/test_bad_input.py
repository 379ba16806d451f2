"""The bad-input corpus, built in a temporary folder and loaded by the real CLI in a subprocess.

Bad files must be named with their reason (in the output or in etl_files / etl_rejects), never with a traceback,
and must not cost the good records anything: every good record is loaded and every file balances.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from etl_corpus import (
    SPEND_CAMDEN_HEADER,
    build_cli,
    csv_records,
    describe,
    query,
    spend_camden_rows,
    write_csv,
)


def spend_text(rows: list[list[str]], header: list[str] = SPEND_CAMDEN_HEADER, sep: str = ",") -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad-input") / "sources"
    root.mkdir()
    # the good file, deep in a folder and named oddly: files are recognised by their columns
    write_csv(root / "finance" / "2024" / "export (3).CSV", SPEND_CAMDEN_HEADER, spend_camden_rows(2024, 1, 40))
    (root / "empty.csv").write_bytes(b"")
    (root / "header-only.csv").write_text(spend_text([]), encoding="utf-8")
    (root / "binary-junk.csv").write_bytes(bytes(range(256)) * 8)
    (root / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(300))
    oxford_without_date = ["Body Name", "Organisatonal Unit", "Expenditure Category", "Expenditure Code", "Trans No",
                           "Amount", "Type", "Supplier ID", "Supplier Name"]
    write_csv(root / "unknown-layout.csv", oxford_without_date, [
        ["Oxford City Council", "Financial Services", "Grants", "D3701", "46285340_1", "1054.11", "Revenue",
         "20000000_46285340", "Redacted personal data"],
        ["Oxford City Council", "Financial Services", "Grants", "D3701", "46285341_1", "1255.18", "Revenue",
         "20000000_46285341", "Redacted personal data"],
    ])
    (root / "semicolons.csv").write_text(spend_text(spend_camden_rows(2024, 2, 3), sep=";"), encoding="utf-8")
    truncated = spend_text(spend_camden_rows(2024, 3, 5, seed=3)).rstrip("\r\n") + " Café €"
    (root / "truncated-char.csv").write_bytes(truncated.encode("utf-8")[:-1])
    ragged = spend_camden_rows(2024, 4, 6, seed=4)
    ragged[2] = ragged[2] + ["stray", "fields"]
    write_csv(root / "too-many-fields.csv", SPEND_CAMDEN_HEADER, ragged)
    totals = spend_camden_rows(2024, 5, 6, seed=5)
    totals.append([""] * 9 + ["12345.67"] + [""] * 5)
    write_csv(root / "totals-row.csv", SPEND_CAMDEN_HEADER, totals)
    (root / "README.txt").write_text("not a source file\n", encoding="utf-8")
    write_budget_workbook(root / "finance" / "budget-2024-25-p06.xlsx")
    (root / "finance" / "~$budget-2024-25-p06.xlsx").write_bytes(b"Excel owner file")  # Excel's lock file
    return root


def write_budget_workbook(path: Path) -> None:
    """A budget monitoring workbook: a title and an empty row above the header, a blank row among the data, and a
    notes sheet that is no table at all."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Adults"
    sheet.append(["Budget monitoring 2024-25, period 6 (September)"])
    sheet.append([])
    sheet.append(["Financial Year", "Period", "Directorate", "Service", "Cost Centre", "Cost Centre Name",
                  "Subjective", "Annual Budget", "Budget to Date", "Actual to Date", "Forecast Outturn", "Variance"])
    sheet.append(["2024-25", 6, "Adults", "Home care", "AC100", "Home care", "Staffing", 1000000, 500000, 480000.5,
                  990000, -10000])
    sheet.append([None] * 12)
    sheet.append(["2024-25", 6, "Adults", "Home care", "AC100", "Home care", "Agency staff", 5000, 2500, 4000.25, 9000,
                  4000])
    notes = workbook.create_sheet("Notes")
    notes.append(["Figures are provisional until the period closes."])
    notes.append(["Contact: finance team"])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("bad-input-warehouse") / "warehouse.duckdb"
    proc = build_cli(corpus, warehouse)
    return proc, warehouse


@pytest.fixture(scope="module")
def files(built) -> dict[str, dict]:
    proc, warehouse = built
    assert proc.returncode == 0 and warehouse.exists(), (
        "the build over the bad-input corpus must publish (bad files are rejected, not fatal)\n" + describe(proc))
    cols = ["source_file", "layout", "rows_read", "rows_loaded", "rows_rejected", "rows_blank", "message"]
    rows = query(warehouse, f"select {', '.join(cols)} from etl_files")
    return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}


def rejects(warehouse: Path, source_file: str) -> list[tuple[int, str]]:
    return query(warehouse, "select source_row, reason from etl_rejects where source_file = $f order by 1",
                 {"f": source_file})


def test_exit_code_and_no_traceback(built):
    proc, _ = built
    assert "Traceback" not in proc.stdout + proc.stderr, describe(proc)
    assert proc.returncode == 0, describe(proc)


def test_every_source_file_is_accounted_for(files):
    assert set(files) == {
        "finance/2024/export (3).CSV", "empty.csv", "header-only.csv", "binary-junk.csv", "corrupt.xlsx",
        "unknown-layout.csv", "semicolons.csv", "truncated-char.csv", "too-many-fields.csv", "totals-row.csv",
        "finance/budget-2024-25-p06.xlsx#Adults", "finance/budget-2024-25-p06.xlsx#Notes"}


def test_accounting_tables_have_the_documented_columns(built):
    _, warehouse = built

    def columns(table):
        return [r[0] for r in query(warehouse, "select column_name from information_schema.columns "
                                               "where table_name = $t order by ordinal_position", {"t": table})]

    assert columns("etl_rejects") == ["run_id", "source_file", "source_row", "reason", "raw"]
    assert {"run_id", "source_file", "rows_read", "rows_loaded", "rows_rejected", "rows_blank"} <= set(
        columns("etl_files"))


def test_balance_holds_for_every_file(files):
    for name, f in files.items():
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"] + f["rows_blank"], (name, f)


def test_the_good_file_is_loaded_in_full(corpus, built, files):
    _, warehouse = built
    _, records = csv_records(corpus / "finance" / "2024" / "export (3).CSV")
    good = files["finance/2024/export (3).CSV"]
    assert good["layout"] == "spend_camden"
    assert good["rows_read"] == good["rows_loaded"] == len(records) == 40
    assert good["rows_rejected"] == good["rows_blank"] == 0


def test_good_records_reach_the_fact_with_lineage(built):
    _, warehouse = built
    if "fact_spend" not in {r[0] for r in query(warehouse, "select table_name from information_schema.tables")}:
        pytest.fail("fact_spend is not in data_models/models/marts yet: cannot check the good records reached it")
    rows = query(warehouse, "select source_file, count(*), count(distinct source_row), min(source_row), "
                            "max(source_row) from fact_spend group by 1 order by 1")
    assert rows == [
        ("finance/2024/export (3).CSV", 40, 40, 1, 40),
        ("too-many-fields.csv", 5, 5, 1, 6),
        ("totals-row.csv", 6, 6, 1, 6),
        ("truncated-char.csv", 4, 4, 1, 4),
    ]


@pytest.mark.parametrize("name, words", [
    ("empty.csv", ["empty"]),
    ("binary-junk.csv", ["not a text file"]),
    ("corrupt.xlsx", ["workbook"]),
])
def test_unreadable_files_are_named_with_their_reason(built, files, name, words):
    proc, _ = built
    assert name in proc.stdout, describe(proc)
    f = files[name]
    assert f["rows_read"] == 0
    for word in words:
        assert word in f["message"], f


def test_header_only_file(files):
    f = files["header-only.csv"]
    assert f["layout"] == "spend_camden" and f["rows_read"] == 0


def test_unknown_layout_names_the_closest_layout_and_what_it_lacked(built, files, corpus):
    proc, warehouse = built
    f = files["unknown-layout.csv"]
    assert "spend_oxford" in f["message"] and "Paid Date" in f["message"], f
    assert f["rows_read"] == f["rows_rejected"] == 2
    assert [row for row, _ in rejects(warehouse, "unknown-layout.csv")] == [1, 2]
    assert all("spend_oxford" in reason for _, reason in rejects(warehouse, "unknown-layout.csv"))
    assert "unknown-layout.csv" in proc.stdout


def test_wrong_delimiter_gets_a_hint(built, files):
    _, warehouse = built
    f = files["semicolons.csv"]
    assert "';'" in f["message"], f
    assert f["rows_read"] == f["rows_rejected"] == 3
    assert len(rejects(warehouse, "semicolons.csv")) == 3


def test_truncated_character_rejects_only_its_record(built, files):
    _, warehouse = built
    f = files["truncated-char.csv"]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (5, 4, 1)
    [(row, reason)] = rejects(warehouse, "truncated-char.csv")
    assert row == 5 and "UTF-8" in reason


def test_too_many_fields_rejects_only_its_record(built, files):
    _, warehouse = built
    f = files["too-many-fields.csv"]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (6, 5, 1)
    [(row, reason)] = rejects(warehouse, "too-many-fields.csv")
    assert row == 3 and "17 fields" in reason and "header has 15" in reason


def test_totals_row_is_rejected_as_a_totals_row(built, files):
    _, warehouse = built
    f = files["totals-row.csv"]
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) == (7, 6, 1)
    [(row, reason)] = rejects(warehouse, "totals-row.csv")
    assert row == 7 and reason.startswith("totals or summary row")


def test_workbook_sheet_below_a_title_is_loaded(built, files):
    f = files["finance/budget-2024-25-p06.xlsx#Adults"]
    assert f["layout"] == "budget_monitoring"
    assert (f["rows_read"], f["rows_loaded"], f["rows_rejected"], f["rows_blank"]) == (3, 2, 0, 1)


def test_workbook_sheet_that_is_no_table_is_rejected_by_name(built, files):
    _, warehouse = built
    f = files["finance/budget-2024-25-p06.xlsx#Notes"]
    assert f["layout"] is None and "unrecognised" in f["message"]
    assert f["rows_read"] == f["rows_rejected"] + f["rows_blank"]


def test_other_files_are_passed_over_by_name(built):
    proc, _ = built
    assert "README.txt" in proc.stdout

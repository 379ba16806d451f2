"""The generator's building blocks: text formatting, CSV quoting, coordinates, random streams, working days, the
XLSX writer, the dirty-record planting and the catalogue reader."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import openpyxl
import pyarrow as pa
import pytest

from etl.generate import csvout, geo, xlsx
from etl.generate.common import add_working_days, load_services, pick, quarters_between, stream
from etl.generate.output import Dirt, Output


def test_money_and_fixed_decimals():
    pence = np.array([13_400, -3_500, 5, 0, 123_456_789])
    assert csvout.money(pence).to_pylist() == ["134.00", "-35.00", "0.05", "0.00", "1234567.89"]
    assert csvout.money(pence, prefix="£", thousands=True).to_pylist() == [
        "£134.00", "-£35.00", "£0.05", "£0.00", "£1,234,567.89"]
    assert csvout.money(pence[:2], null_mask=np.array([False, True])).to_pylist() == ["134.00", None]
    assert csvout.fixed(np.array([-0.1432, 51.5]), 6).to_pylist() == ["-0.143200", "51.500000"]


def test_dates_and_timestamps():
    days = np.array(["2020-09-07", "2021-12-25"], dtype="datetime64[D]")
    assert csvout.uk_date(days, padded=False).to_pylist() == ["7/9/2020", "25/12/2021"]
    assert csvout.uk_date(days).to_pylist() == ["07/09/2020", "25/12/2021"]
    times = np.array(["2023-05-17T10:32:05", "NaT"], dtype="datetime64[s]")
    assert csvout.timestamp(times, "iso_millis").to_pylist() == ["2023-05-17T10:32:05.000", None]
    assert csvout.timestamp(times, "uk_minutes").to_pylist() == ["17/05/2023 10:32", None]
    assert csvout.timestamp(times, "seconds").to_pylist() == ["2023-05-17 10:32:05", None]


def test_csv_quotes_only_when_needed_and_reads_back():
    values = ["plain", "a, b", 'say "hi"', None, "line\nbreak", "£5"]
    table = pa.table({"x": csvout.text(values), "n": csvout.integer(np.arange(6))})
    raw = csvout.csv_bytes(table)
    assert raw.startswith(b"x,n\nplain,0\n\"a, b\",1\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[1:] == [[v or "", str(i)] for i, v in enumerate(values)]
    assert csvout.csv_bytes(table, encoding="cp1252", eol="\r\n").decode("cp1252").count("\r\n") == 7


def test_grid_references_match_the_ordnance_survey():
    # the OS's worked example of the projection ("A guide to coordinate systems in Great Britain", Annexe C):
    # Caister water tower, OSGB36 52°39'27.2531"N 1°43'4.5177"E -> E 651409.903, N 313177.270
    phi = np.radians(52 + 39 / 60 + 27.2531 / 3600)
    lam = np.radians(1 + 43 / 60 + 4.5177 / 3600)
    easting, northing = geo._transverse_mercator(np.array([phi]), np.array([lam]), 6377563.396, 6356256.909)
    assert easting[0] == pytest.approx(651409.903, abs=0.01)
    assert northing[0] == pytest.approx(313177.270, abs=0.01)
    # and from WGS84, through the Helmert shift: the Elizabeth Tower (Big Ben) is at about TQ 30268 79640
    easting, northing = geo.wgs84_to_osgb(np.array([-0.124625]), np.array([51.500729]))
    assert easting[0] == pytest.approx(530268, abs=15) and northing[0] == pytest.approx(179640, abs=15)


def test_points_fall_inside_the_shape():
    square = geo.WardShape("X", (np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float),))
    lon, lat = geo.points_in(square, 50, np.random.default_rng(1))
    assert len(lon) == 50 and lon.min() >= 0 and lon.max() <= 1 and lat.min() >= 0 and lat.max() <= 1
    assert geo.inside(np.array([0.5, 1.5]), np.array([0.5, 0.5]), square).tolist() == [True, False]


def test_streams_are_independent_and_repeatable():
    a = stream(42, "pcn", "2023-05").random(5)
    assert np.array_equal(a, stream(42, "pcn", "2023-05").random(5))
    assert not np.array_equal(a, stream(42, "pcn", "2023-06").random(5))
    assert not np.array_equal(a, stream(43, "pcn", "2023-05").random(5))


def test_pick_follows_the_weights():
    drawn = pick(np.random.default_rng(0), 20_000, [1, 3, 0, 6])
    shares = np.bincount(drawn, minlength=4) / len(drawn)
    assert shares[2] == 0 and shares == pytest.approx([0.1, 0.3, 0.0, 0.6], abs=0.02)
    assert len(pick(np.random.default_rng(0), 0, [0, 0])) == 0


def test_working_days_skip_weekends_and_bank_holidays():
    # Thursday 22 December 2022 + 3 working days: Friday 23, (Christmas and Boxing Day holidays 26-27), 28, 29
    days = np.array(["2022-12-22"], dtype="datetime64[D]")
    assert str(add_working_days(days, np.array([3]))[0]) == "2022-12-29"


def test_financial_quarters():
    quarters = quarters_between(dt.date(2021, 4, 1), dt.date(2022, 1, 15))
    assert [(q.fy, q.number) for q in quarters] == [(2021, 1), (2021, 2), (2021, 3), (2021, 4)]
    assert quarters[-1].last == dt.date(2022, 1, 15) and quarters[-1].nominal_last == dt.date(2022, 3, 31)


def test_xlsx_reads_back_with_openpyxl(tmp_path):
    sheet = xlsx.Sheet("Adults & Health")
    sheet.append(["Title <1>"], style=xlsx.BOLD)
    sheet.append([])
    sheet.append(["Name", "Period", "Amount"], style=xlsx.BOLD)
    sheet.append(["St Pancras & Somers Town", 3, -1234.5], money_from=2)
    stamp = dt.datetime(2024, 6, 30, 18, 0)
    path = tmp_path / "book.xlsx"
    path.write_bytes(xlsx.workbook([sheet], stamp))
    book = openpyxl.load_workbook(path)
    ws = book["Adults & Health"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [
        ["Title <1>", None, None], [None, None, None], ["Name", "Period", "Amount"],
        ["St Pancras & Somers Town", 3, -1234.5]]
    assert ws["A1"].font.b and ws["C4"].number_format == "#,##0.00"
    assert book.properties.created == stamp
    assert xlsx.workbook([sheet], stamp) == path.read_bytes(), "the same content gives the same bytes"


def test_output_numbers_records_after_planted_defects(tmp_path):
    table = pa.table({"id": csvout.integer(np.arange(1, 11)), "amount": csvout.money(np.full(10, 100_000))})
    plan = {"f.csv": [Dirt("f.csv", "blank_record", at=0.3), Dirt("f.csv", "amount_na", "amount", "n/a", at=0.5),
                      Dirt("f.csv", "totals_row", "amount", at=1.0)]}
    output = Output(tmp_path, plan=plan)
    output.csv("f.csv", table)
    rows = list(csv.reader((tmp_path / "f.csv").open(newline="")))[1:]
    assert len(rows) == 12 and output.files["f.csv"] == 12
    by_kind = {d["kind"]: d for d in output.dirty}
    assert rows[by_kind["blank_record"]["record"] - 1] == ["", ""]
    assert rows[by_kind["amount_na"]["record"] - 1] == ["6", "n/a"]
    assert rows[by_kind["totals_row"]["record"] - 1] == ["", "9000.00"]  # nine numeric amounts of £1,000


def test_catalogue_directorates_by_code_or_name(tmp_path):
    """A short built-in catalogue: services may name their directorate by code or by name."""
    path = tmp_path / "services.yaml"
    path.write_text("directorates:\n  - {code: ADH, name: Adults and Health}\n  - {name: Place}\n"
                    "services:\n  - {name: Reablement, directorate: ADH}\n"
                    "  - {name: Parking services, directorate: Place}\n", encoding="utf-8")
    services = load_services(path)
    assert [(s.name, s.directorate, s.directorate_code) for s in services] == [
        ("Reablement", "Adults and Health", "ADH"), ("Parking services", "Place", "P")]

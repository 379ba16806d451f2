"""Demo service returns: one file per service per financial year, complete months, sums that add up."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from data_models.service_catalogue import load_catalogue
from etl.generate.common import load_wards
from etl.generate.returns import HEADER, write_returns

SEED = 11
START = dt.date(2021, 4, 1)
UNTIL = dt.date(2023, 6, 14)  # mid-month, mid-year: the last file is a part year ending with a part month
FINANCIAL_YEARS = ["2021-22", "2022-23", "2023-24"]
MONTHS = [f"{year}-{month:02d}" for year in (2021, 2022, 2023) for month in range(1, 13)
          if "2021-04" <= f"{year}-{month:02d}" <= "2023-06"]
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("returns-small")
    return out, write_returns(out, "small", SEED, START, UNTIL)


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("returns-medium")
    return out, write_returns(out, "medium", SEED, START, UNTIL)


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def all_rows(out: Path) -> list[dict[str, str]]:
    return [row for path in sorted(out.glob("returns/*/*.csv")) for row in read(path)[1]]


def iso_period(period: str) -> str:
    """'2024-04' stays; 'Apr-24' (some services' spreadsheets) becomes '2024-04'."""
    if period[:3] in MONTH_ABBR:
        return f"20{period[4:]}-{MONTH_ABBR.index(period[:3]) + 1:02d}"
    return period


def test_a_file_for_every_service_and_financial_year(small, catalogue):
    out, written = small
    expected = {f"returns/{s.slug}/{s.slug}-{fy}.csv" for s in catalogue.services for fy in FINANCIAL_YEARS}
    assert set(written) == expected
    assert all((out / relative).is_file() for relative in expected)


def test_reported_row_counts_match_the_files(small):
    out, written = small
    assert {relative: len(read(out / relative)[1]) for relative in written} == written


def test_headers(small):
    out, written = small
    assert {tuple(read(out / relative)[0]) for relative in written} == {tuple(HEADER)}
    assert HEADER == ["Service Code", "Service", "Period", "KPI Code", "KPI", "Ward Code", "Value", "Numerator",
                      "Denominator"]


def test_every_kpi_has_every_month_once_borough_wide(small, catalogue):
    out, _ = small
    seen = defaultdict(list)
    for row in all_rows(out):
        if row["Ward Code"] == "ALL":
            seen[(row["Service Code"], row["KPI Code"])].append(iso_period(row["Period"]))
    expected = {(s.code, k.code) for s in catalogue.services for k in s.kpis}
    assert set(seen) == expected
    assert {key: periods for key, periods in seen.items() if periods != MONTHS} == {}


def test_each_file_holds_only_its_financial_year(small, catalogue):
    out, _ = small
    service = catalogue.services[0]
    _, rows = read(out / "returns" / service.slug / f"{service.slug}-2023-24.csv")
    assert sorted({iso_period(row["Period"]) for row in rows}) == ["2023-04", "2023-05", "2023-06"]


def test_some_services_use_spreadsheet_periods(small):
    out, _ = small
    periods = {row["Period"] for row in all_rows(out)}
    assert "2022-04" in periods and "Apr-22" in periods


def test_service_columns_match_the_catalogue(small, catalogue):
    out, _ = small
    names = {s.code: s.name for s in catalogue.services}
    labels = {(s.code, k.code): k.label for s in catalogue.services for k in s.kpis}
    for row in all_rows(out):
        assert row["Service"] == names[row["Service Code"]]
        assert row["KPI"] == labels[(row["Service Code"], row["KPI Code"])]


def test_percent_values_are_numerator_over_denominator(medium, catalogue):
    out, _ = medium
    formats = {(s.code, k.code): k.format for s in catalogue.services for k in s.kpis}
    checked = 0
    for row in all_rows(out):
        if formats[(row["Service Code"], row["KPI Code"])] != "percent":
            assert row["Numerator"] == row["Denominator"] == ""
            continue
        numerator, denominator = int(row["Numerator"]), int(row["Denominator"])
        assert 0 <= numerator <= denominator and denominator > 0
        assert abs(float(row["Value"]) - 100 * numerator / denominator) <= 0.05 + 1e-9
        assert row["Value"] == f"{float(row['Value']):.1f}"
        checked += 1
    assert checked > 1000


def test_ward_rows_for_by_ward_kpis_only(medium, catalogue):
    out, _ = medium
    by_ward = {(s.code, k.code): k.by_ward for s in catalogue.services for k in s.kpis}
    ward_codes = set(load_wards().codes)
    wards_seen = defaultdict(set)
    for row in all_rows(out):
        if row["Ward Code"] != "ALL":
            wards_seen[(row["Service Code"], row["KPI Code"])].add(row["Ward Code"])
    assert set(wards_seen) == {key for key, flag in by_ward.items() if flag}
    assert all(codes == ward_codes for codes in wards_seen.values())


def test_wards_add_up_to_the_borough(medium, catalogue):
    out, _ = medium
    formats = {(s.code, k.code): k.format for s in catalogue.services for k in s.kpis}
    totals = defaultdict(lambda: [0, 0, 0])  # value, numerator, denominator summed over wards
    borough = {}
    for row in all_rows(out):
        key = (row["Service Code"], row["KPI Code"], row["Period"])
        if formats[key[:2]] not in ("count", "percent"):
            continue
        if row["Ward Code"] == "ALL":
            borough[key] = row
        else:
            total = totals[key]
            total[0] += int(row["Value"]) if formats[key[:2]] == "count" else 0
            total[1] += int(row["Numerator"] or 0)
            total[2] += int(row["Denominator"] or 0)
    assert totals
    for key, (value, numerator, denominator) in totals.items():
        if formats[key[:2]] == "count":
            assert int(borough[key]["Value"]) == value, key
        else:
            assert (int(borough[key]["Numerator"]), int(borough[key]["Denominator"])) == (numerator, denominator)


def test_small_writes_ward_rows_for_a_few_services_only(small, medium):
    def services_with_wards(out):
        return {row["Service Code"] for row in all_rows(out) if row["Ward Code"] != "ALL"}

    few, every = services_with_wards(small[0]), services_with_wards(medium[0])
    assert 0 < len(few) <= 3 < len(every)
    assert few <= every


def test_borough_figures_do_not_depend_on_the_scale(small, medium):
    def borough(out):
        return [row for row in all_rows(out) if row["Ward Code"] == "ALL"]

    assert borough(small[0]) == borough(medium[0])


def test_small_stays_small_over_the_demo_period(tmp_path):
    written = write_returns(tmp_path, "small", SEED, START, dt.date(2026, 10, 31))
    assert sum(written.values()) < 25_000


def test_same_seed_same_bytes(small, tmp_path):
    out, written = small
    again = write_returns(tmp_path, "small", SEED, START, UNTIL)
    assert again == written
    assert all((out / relative).read_bytes() == (tmp_path / relative).read_bytes() for relative in written)


def test_another_seed_other_values(small, tmp_path):
    out, written = small
    write_returns(tmp_path, "small", SEED + 1, START, UNTIL)
    differing = [r for r in written if (out / r).read_bytes() != (tmp_path / r).read_bytes()]
    assert len(differing) > len(written) * 0.9


def test_values_are_plausible(medium, catalogue):
    out, _ = medium
    formats = {(s.code, k.code): k.format for s in catalogue.services for k in s.kpis}
    for row in all_rows(out):
        value = float(row["Value"])
        assert value >= 0
        if formats[(row["Service Code"], row["KPI Code"])] == "percent":
            assert value <= 100


def test_percent_kpis_sit_around_their_target(medium, catalogue):
    out, _ = medium
    targets = {(s.code, k.code): k.target for s in catalogue.services for k in s.kpis
               if k.format == "percent" and k.target is not None}
    values = defaultdict(list)
    for row in all_rows(out):
        key = (row["Service Code"], row["KPI Code"])
        if key in targets and row["Ward Code"] == "ALL":
            values[key].append(float(row["Value"]))
    far = {key: round(sum(v) / len(v), 1) for key, v in values.items()
           if abs(sum(v) / len(v) - targets[key]) > max(10, targets[key] * 0.4)}
    assert far == {}


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown scale"):
        write_returns(tmp_path, "huge", SEED, START, UNTIL)
    assert not any(tmp_path.iterdir())

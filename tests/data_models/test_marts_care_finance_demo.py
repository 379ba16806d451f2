"""fact_care_finance over the session's small demo: the generated yearly returns fill it, every cell of every file
once, Camden's own, with the year read from the file name and the values as the CSVs print them."""

from __future__ import annotations

import csv
from decimal import Decimal


def csv_cells(demo_sources) -> dict[tuple[str, str], tuple[str, Decimal | None]]:
    """(file, UUID) -> (financial year, value) read from the generated returns with the csv module."""
    cells = {}
    for path in sorted((demo_sources / "care" / "finance").glob("*.csv")):
        year = path.name.split("-")[2] + "-" + path.name.split("-")[3]
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                value = Decimal(row["Value"]) if row["Value"] not in ("", "-") else None
                cells[path.relative_to(demo_sources).as_posix(), row["UUID"]] = (year, value)
    return cells


def test_the_demo_fills_care_finance_from_its_yearly_returns(demo_con, demo_sources):
    expected = csv_cells(demo_sources)
    loaded = demo_con.execute("""
        select source_file, cell_id, financial_year, reported_value, is_home_council
        from fact_care_finance""").fetchall()
    assert len(expected) > 500
    assert len(loaded) == len(expected)
    assert all(home for *_, home in loaded)
    got = {(file, cell): (year, None if value is None else Decimal(str(value)))
           for file, cell, year, value, _ in loaded}
    assert got == expected


def test_camdens_residential_weeks_by_year(demo_con, demo_sources):
    by_year = {}
    for path in sorted((demo_sources / "care" / "finance").glob("*.csv")):
        year = path.name.split("-")[2] + "-" + path.name.split("-")[3]
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if (row["Long Term Support Setting"], row["Data Type"]) == ("Residential", "Mandatory"):
                    by_year[year] = by_year.get(year, Decimal(0)) + Decimal(row["Value"])
    loaded = dict(demo_con.execute("""
        select financial_year, sum(reported_value) from fact_care_finance
        where support_setting = 'Residential' and data_type = 'Mandatory' group by 1""").fetchall())
    assert {year: round(Decimal(str(total)), 2) for year, total in loaded.items()} == by_year
    assert all(v > 0 for v in by_year.values())

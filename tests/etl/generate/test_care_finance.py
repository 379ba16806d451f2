"""The generated yearly adult social care finance return: its files and layout, its arithmetic, and its agreement
with the Client Level Data files it is worked out from (recomputed here from the CLD CSVs with the csv module)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from generated_files import START, clean_rows, read_csv, read_dicts

RETURN_HEADER = ["UUID", "Council Code", "Council Name", "Care Type", "Activity Provision", "Age Bands",
                 "Primary support reason", "Long Term Support Setting", "Short Term Purpose", "Data Type", "Value",
                 "Notes"]  # the published PSS-EX1 / ASC-FR column set (real-samples/social-care)
REASONS = {"Physical Support": "Physical support", "Sensory Support": "Sensory support",
           "Support with Memory and Cognition": "Support with memory and cognition",
           "Learning Disability Support": "Learning disability support",
           "Mental Health Support": "Mental health support", "Social Support": "Social support"}
SETTINGS = {"Residential Care": "Residential", "Nursing Care": "Nursing"}


def return_rows(demo) -> list[dict[str, str]]:
    rows = []
    for path in sorted((demo / "care" / "finance").glob("*.csv")):
        year = int(path.name.split("-")[2])
        rows += [{**row, "_year": year} for row in read_dicts(path)]
    return rows


def test_one_return_for_each_year_that_has_ended(demo, until):
    years = [y for y in range(START.year, until.year) if dt.date(y + 1, 3, 31) <= until]
    written = sorted(p.name for p in (demo / "care" / "finance").glob("*.csv"))
    assert written == [f"asc-fr-{y}-{(y + 1) % 100:02d}-fin-act.csv" for y in years]
    assert len(years) >= 4


def test_the_return_has_the_published_header_and_one_council(demo):
    for path in sorted((demo / "care" / "finance").glob("*.csv")):
        header, records = read_csv(path)
        assert header == RETURN_HEADER
        assert {(r[1], r[2]) for r in records} == {("702", "Camden")}
        uuids = [r[0] for r in records]
        assert len(set(uuids)) == len(uuids), path.name


def test_the_voluntary_age_bands_add_up_to_the_mandatory_65_and_over_cell(demo):
    mandatory, voluntary = {}, defaultdict(float)
    for row in return_rows(demo):
        key = (row["_year"], row["Care Type"], row["Activity Provision"], row["Primary support reason"],
               row["Long Term Support Setting"])
        if row["Data Type"] == "Mandatory" and row["Age Bands"] == "Age 65 and over":
            mandatory[key] = float(row["Value"])
        elif row["Data Type"] == "Voluntary":
            voluntary[key] += float(row["Value"])
    assert mandatory and set(mandatory) == set(voluntary)
    for key, value in mandatory.items():
        assert abs(voluntary[key] - value) < 0.03, key   # each cell is rounded to two places


def age_band(birth: dt.date, year: int) -> str:
    age = int((dt.date(year, 4, 1) - birth).days / 365.25)
    return "Age 65 and over" if age >= 65 else "Age 18 to 64"


def cld_day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def test_client_weeks_are_the_cld_placements_open_in_the_year(demo, manifest):
    years = sorted({row["_year"] for row in return_rows(demo)})
    expected = defaultdict(float)
    unsure = set()   # cells a dirty end date (planted on purpose) would feed: not comparable
    for row in clean_rows(demo, "care/cld-*.csv", manifest) + dirty_rows(demo, manifest):
        if row["Service_Component"] not in SETTINGS or row["Client_Type"] != "Service User":
            continue
        reason = REASONS[row["Primary_Support_Reason"].split(":")[0]]
        start = cld_day(row["Event_Start_Date"])
        for year in years:
            key = (year, SETTINGS[row["Service_Component"]], age_band(cld_day(row["Date_of_Birth"]), year), reason)
            if row.get("_dirty"):
                unsure.add(key)
                continue
            end = cld_day(row["Event_End_Date"]) + dt.timedelta(days=1) if row["Event_End_Date"] \
                else dt.date(year + 1, 4, 1)
            days = (min(end, dt.date(year + 1, 4, 1)) - max(start, dt.date(year, 4, 1))).days
            expected[key] += max(days, 0) / 7
    reported = defaultdict(float)
    for row in return_rows(demo):
        if row["Care Type"] == "Long term" and row["Data Type"] == "Mandatory":
            key = (row["_year"], row["Long Term Support Setting"], row["Age Bands"], row["Primary support reason"])
            reported[key] += float(row["Value"])
    compared = [k for k in reported if k not in unsure]
    assert sum(expected.values()) > 100
    assert {k for k in expected if expected[k] > 0} - unsure <= set(reported)
    for key in compared:
        assert abs(reported[key] - expected[key]) < 0.02, key


def test_reablement_clients_are_those_whose_reablement_ended_in_the_year(demo, manifest):
    expected = defaultdict(int)
    for row in clean_rows(demo, "care/cld-*.csv", manifest):
        if row["Service_Component"] != "Reablement" or row["Client_Type"] != "Service User" \
                or not row["Event_End_Date"]:
            continue
        end = cld_day(row["Event_End_Date"])
        year = end.year if end.month >= 4 else end.year - 1
        expected[year, age_band(cld_day(row["Date_of_Birth"]), year)] += 1
    reported = defaultdict(float)
    for row in return_rows(demo):
        if row["Care Type"] == "Short term" and row["Data Type"] == "Mandatory":
            assert row["Short Term Purpose"] == "To maximise independence"
            reported[row["_year"], row["Age Bands"]] += float(row["Value"])
    assert sum(reported.values()) > 0
    for key, value in reported.items():
        assert value == expected[key], key


def dirty_rows(demo, manifest) -> list[dict[str, str]]:
    """The CLD records the manifest lists as dirty, marked so: their end date is not a date."""
    rows = []
    for dirt in manifest["dirty_records"]:
        if dirt["file"].startswith("care/cld-"):
            header, records = read_csv(demo / dirt["file"])
            rows.append({**dict(zip(header, records[dirt["record"] - 1], strict=True)), "_dirty": True})
    return rows

"""The social care finance return fact and the parking reference dimensions, on hand-made rows."""

import pytest
from duckdb_rows import dict_rows as rows
from finance_fixture import failing_checks, insert_valid, new_build_db, run_finance_models

CARE = [
    # Camden (702) and Cumbria (102) share the template's cell ids
    {"uuid": "8610102", "council_code": "702", "council_name": "Camden", "care_type": "Long term",
     "activity_provision": "External", "age_band": "Age 18 to 64", "primary_support_reason": "Physical support",
     "support_setting": "Residential", "short_term_purpose": None, "data_type": "Mandatory", "value": 947.29},
    {"uuid": "8610102", "council_code": "102", "council_name": "Cumbria", "care_type": "Long term",
     "activity_provision": "External", "age_band": "Age 18 to 64", "primary_support_reason": "Physical support",
     "support_setting": "Residential", "short_term_purpose": None, "data_type": "Mandatory", "value": 3266.0},
    # "-" for the value arrives as NULL (the layout's null_values); an estimate
    {"uuid": "8622101", "council_code": "702", "council_name": "Camden", "care_type": "Short term",
     "activity_provision": "In house", "age_band": "Age 18 to 64", "primary_support_reason": "Physical support",
     "support_setting": None, "short_term_purpose": "To maximise independence", "data_type": "Voluntary",
     "value": None, "notes": "Estimate"},
]

CODES = [
    {"code": "1", "description": "Parked in a restricted street during prescribed hours - blue badge holder"},
    {"code": "1", "description": "Parked in a restricted street during prescribed hours"},
    {"code": " 21", "description": "Parked wholly or partly in a suspended bay or space"},
    {"code": "21", "description": "Parked wholly or partly in a suspended bay or space - car club bay"},
    {"code": "12", "description": "Parked in a residents' or shared use parking place"},
    {"code": "05", "description": "Parked after the expiry of paid for time"},
    # only suffixed variants: the shared wording before the suffix is the description
    {"code": "19", "description": "Parked with an invalid permit - out of date permit"},
    {"code": "19", "description": "Parked with an invalid permit - incorrect VRM"},
    {"code": "16", "description": "Parked in a permit space where required- business bay"},
    {"code": "16", "description": "Parked in a permit space where required - hospital bay"},
]

VEHICLES = [{"category": c} for c in [
    "(Private) Car", "Car Derived Van", "Box Van", "Motorcycle", "Goods Tricycle", "Bus/Coach", "Unknown",
    "Not Recorded", "1n/A", "Hgv 12+ Tonnes", "Taxi", "Motor Home/Caravan", "Ambulance", "Other"]]

PCNS = [
    {"organisation": "Manchester City Council", "issued_at": "2020-03-01 00:11:00", "contravention_code": "40",
     "contravention_description": "Parked in a designated disabled person's parking place"},
    {"organisation": "Manchester City Council", "issued_at": "2020-03-01 00:12:00", "contravention_code": "1",
     "contravention_description": "Manchester's own wording", "vehicle_category": "Hovercraft"},
    {"organisation": "London Borough of Camden", "issued_at": "2025-05-01 09:00:00", "contravention_code": None,
     "vehicle_category": "box van"},
    # a zero-padded listed code and a suffixed one are not new codes
    {"organisation": "London Borough of Camden", "issued_at": "2025-05-01 09:05:00", "contravention_code": "01"},
    {"organisation": "London Borough of Camden", "issued_at": "2025-05-01 09:06:00", "contravention_code": "12R"},
    {"organisation": "Manchester City Council", "issued_at": "2020-03-02 10:00:00", "contravention_code": "80",
     "contravention_description": "#N/A"},
]


@pytest.fixture(scope="module")
def con():
    con = new_build_db()
    insert_valid(con, "care_finance", CARE, source_file="social-care/pss-exp-2015-16-fin-act.csv")
    insert_valid(con, "contravention_code", CODES, source_file="parking/codes.csv")
    insert_valid(con, "vehicle_category", VEHICLES, source_file="parking/vt.csv")
    insert_valid(con, "pcn", PCNS, source_file="parking/pcn.csv")
    run_finance_models(con)
    return con


def test_yaml_tests_pass(con):
    assert failing_checks(con) == []


def test_care_finance_carries_every_cell_and_marks_camden(con):
    cells = rows(con, "select * from fact_care_finance order by source_row")
    assert len(cells) == len(CARE)
    assert [c["is_home_council"] for c in cells] == [True, False, True]
    assert {c["financial_year"] for c in cells} == {"2015-16"}
    assert cells[0]["reported_value"] == 947.29 and cells[0]["cell_id"] == cells[1]["cell_id"] == "8610102"
    assert cells[2]["reported_value"] is None and cells[2]["is_estimate"] and not cells[0]["is_estimate"]
    assert cells[0]["short_term_purpose"] == "Not applicable" and cells[2]["support_setting"] == "Not applicable"


def test_one_contravention_per_code_described_by_its_base_wording(con):
    codes = {r["contravention_code"]: r for r in rows(con, "select * from dim_contravention")}
    assert set(codes) == {"1", "5", "12", "16", "19", "21", "40", "80", None}
    assert codes["1"]["description"] == "Parked in a restricted street during prescribed hours"
    assert codes["1"]["variant_count"] == 2 and codes["21"]["variant_count"] == 2
    assert codes["21"]["description"] == "Parked wholly or partly in a suspended bay or space"
    # listed codes first, in numeric order; then codes only PCNs carry; -1 for none
    assert [codes[c]["contravention_key"] for c in ("1", "5", "12", "16", "19", "21", "40", "80")] == list(range(1, 9))
    assert codes["19"]["description"] == "Parked with an invalid permit"
    assert codes["16"]["description"] == "Parked in a permit space where required"
    assert codes["80"]["description"] == "Code 80"  # Manchester's description is a spreadsheet error
    assert not codes["40"]["in_reference_list"] and codes["40"]["description"].startswith("Parked in a designated")
    assert codes["1"]["in_reference_list"]
    assert codes[None]["contravention_key"] == -1


@pytest.mark.parametrize("category, group", [
    ("(Private) Car", "Car"), ("Car Derived Van", "Van"), ("Box Van", "Van"), ("Motorcycle", "Motorcycle"),
    ("Goods Tricycle", "Goods or special vehicle"), ("Bus/Coach", "Bus or coach"), ("Unknown", "Unknown"),
    ("Not Recorded", "Unknown"), ("1n/A", "Unknown"), ("Hgv 12+ Tonnes", "Goods or special vehicle"),
    ("Taxi", "Taxi"), ("Motor Home/Caravan", "Car"), ("Ambulance", "Other"), ("Other", "Other"),
    ("Hovercraft", "Other"),
])
def test_vehicle_groups(con, category, group):
    found = rows(con, "select * from dim_vehicle_category where vehicle_category = ?", [category])
    assert len(found) == 1 and found[0]["vehicle_group"] == group


def test_vehicle_categories_listed_first_then_from_pcns(con):
    listed = rows(con, "select * from dim_vehicle_category where in_reference_list")
    assert len(listed) == len(VEHICLES)
    # "box van" on a PCN is the listed "Box Van", not a new category
    assert len(rows(con, "select * from dim_vehicle_category where match_name = 'box van'")) == 1
    extra = rows(con, "select * from dim_vehicle_category where not in_reference_list and vehicle_category_key > 0")
    assert [e["vehicle_category"] for e in extra] == ["Hovercraft"]
    assert extra[0]["vehicle_category_key"] == len(VEHICLES) + 1


def test_organisations_include_pcn_publishers(con):
    names = {r["organisation_name"] for r in rows(con, "select * from dim_organisation")}
    assert names == {"London Borough of Camden", "Manchester City Council", "Unknown"}

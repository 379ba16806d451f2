"""The validation SQL: pure *_sql() functions run against an in-memory DuckDB over a tiny Arrow `batch`.

Expected values are written out by hand from the contract in docs/architecture.md (types table) and the issue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from etl.layouts import ColumnSpec, Layout, Target, load_targets, match_header
from etl.validate import (
    Params,
    classify_sql,
    cleaned_text_sql,
    create_valid_table_sql,
    duplicate_keys_sql,
    reason_sql,
    typed_value_sql,
)

KEY = b"validate-test-key-0123456789"


def hashed(value: str) -> str:
    return hmac.new(KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def con():
    con = duckdb.connect()

    def pseudonymise(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else hashed(v) for v in values.to_pylist()], type=pa.string())

    con.create_function("pseudonymise", pseudonymise, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"),
                        type="arrow", null_handling="special")
    yield con
    con.close()


def column_values(con, expression_of, values: list[str | None], spec: ColumnSpec):
    """Run typed_value_sql and reason_sql for one column over a batch holding `values` (already cleaned)."""
    batch = pa.table({"v": pa.array(values, pa.string())})
    params = Params()
    typed = typed_value_sql(spec, "v", params)
    reason = reason_sql("col", spec, "v", f"({typed})", params)
    sql = f"select {typed} as typed, {reason} as reason from batch"
    con.register("batch", batch)
    try:
        return con.execute(sql, params.values).fetchall(), sql, params
    finally:
        con.unregister("batch")


# ------------------------------------------------------------------------------------------------------ money

MONEY_CASES = [
    ("£1,234.50", Decimal("1234.50")),
    ("-£35.00", Decimal("-35.00")),
    ("(35.00)", Decimal("-35.00")),
    ("1054.11", Decimal("1054.11")),
    ("780", Decimal("780.00")),
    ("£ 70.00", Decimal("70.00")),
    ("-£343,404.00", Decimal("-343404.00")),
]


@pytest.mark.parametrize("text, expected", MONEY_CASES)
def test_money_accepts_pounds_as_councils_print_them(con, text, expected):
    [(typed, reason)] = column_values(con, None, [text], ColumnSpec(type="money"))[0]
    assert typed == expected
    assert reason is None


@pytest.mark.parametrize("text", ["1.234", "12.5.0", "abc", "£", "35 pounds"])
def test_money_that_is_not_pounds_is_rejected_with_its_value(con, text):
    [(typed, reason)] = column_values(con, None, [text], ColumnSpec(type="money"))[0]
    assert typed is None
    assert reason == f"col '{text}' is not an amount in pounds"


def test_money_column_is_decimal_18_2():
    target = Target.model_validate({
        "target": "t", "description": "d", "grain": "g",
        "columns": {"amount": {"type": "money"}, "paid_on": {"type": "date"}, "flag": {"type": "boolean"}},
        "layouts": [{"name": "l", "description": "d", "columns": {"amount": ["Amount"]}}]})
    con = duckdb.connect()
    con.execute(create_valid_table_sql(target))
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_name = 'valid_t'").fetchall())
    assert types == {"source_file": "VARCHAR", "source_row": "BIGINT", "layout": "VARCHAR",
                     "amount": "DECIMAL(18,2)", "paid_on": "DATE", "flag": "BOOLEAN"}


# ------------------------------------------------------------------------------------------------------ dates

DATE_CASES = [
    ("7/9/2020", dt.date(2020, 9, 7)),        # Camden's unpadded dd/mm/yyyy: 7 September, not 9 July
    ("07/09/2020", dt.date(2020, 9, 7)),
    ("2020-09-07", dt.date(2020, 9, 7)),
    ("12-Jan-2024", dt.date(2024, 1, 12)),
    ("2024-01-12T10:15:00", dt.date(2024, 1, 12)),
    ("21/01/2014", dt.date(2014, 1, 21)),
]


@pytest.mark.parametrize("text, expected", DATE_CASES)
def test_dates_day_first(con, text, expected):
    [(typed, reason)] = column_values(con, None, [text], ColumnSpec(type="date"))[0]
    assert typed == expected
    assert reason is None


@pytest.mark.parametrize("text, expected", [("1/2/24", dt.date(2024, 2, 1)), ("12-Jan-24", dt.date(2024, 1, 12))])
def test_two_digit_years_are_this_century_not_year_24(con, text, expected):
    """DATE_FORMATS lists '%d/%m/%y' and '%d-%b-%y'; a two-digit year must not be read as the year 24 AD."""
    [(typed, _)] = column_values(con, None, [text], ColumnSpec(type="date"))[0]
    assert typed == expected


def test_impossible_date_rejected_naming_column_and_value(con):
    [(typed, reason)] = column_values(con, None, ["31/02/2023"], ColumnSpec(type="date"))[0]
    assert typed is None
    assert reason == "col '31/02/2023' is not a date"


def test_zero_date_is_a_missing_date_not_a_bad_one():
    """'00:00:00' is how exports print 'no date': missing (NULL), a reason only when the column is required."""
    header = ["Paid Date", "Amount", "Done", "Note"]
    target = Target.model_validate({
        "target": "t", "description": "d", "grain": "g",
        "columns": {"paid": {"type": "date", "required": True}, "done": {"type": "date"},
                    "amount": {"type": "money"}, "note": {"type": "text"}},
        "layouts": [{"name": "l", "description": "d",
                     "columns": {"paid": ["Paid Date"], "done": ["Done"], "amount": ["Amount"], "note": ["Note"]}}]})
    rows = classify(target, header, [["00:00:00", "1.00", "00:00:00", "a"], ["01/01/2024", "1.00", "00:00:00", "b"]])
    assert rows[0]["paid"] is None and rows[0]["reason"] == "paid is missing (a non-date 00:00:00)"
    assert rows[1]["paid"] == dt.date(2024, 1, 1) and rows[1]["done"] is None and rows[1]["reason"] == ""


# ------------------------------------------------------------------------------------------------------ timestamps

@pytest.mark.parametrize("text, expected", [
    ("01/03/2020  00:11: ", dt.datetime(2020, 3, 1, 0, 11)),  # Manchester: two spaces and a trailing colon
    ("01/03/2020 00:11", dt.datetime(2020, 3, 1, 0, 11)),
    ("31/03/2020 16:23:05", dt.datetime(2020, 3, 31, 16, 23, 5)),
    ("2024-03-05T10:22:00.000", dt.datetime(2024, 3, 5, 10, 22)),
    ("2024-03-05T10:22:00", dt.datetime(2024, 3, 5, 10, 22)),
    ("2024-03-05 10:22:00", dt.datetime(2024, 3, 5, 10, 22)),
])
def test_timestamps(con, text, expected):
    [(typed, reason)] = column_values(con, None, [text.strip()], ColumnSpec(type="timestamp"))[0]
    assert typed == expected
    assert reason is None


def test_timestamp_raw_text_with_odd_spacing_through_cleaning(con):
    """The cleaned text (trimmed by cleaned_text_sql) of '01/03/2020  00:11: ' parses as 00:11 on 1 March."""
    layout = Layout(name="l", description="d", columns={"x": ["X"]})
    params = Params()
    cleaned = cleaned_text_sql("c0", layout, params)
    typed = typed_value_sql(ColumnSpec(type="timestamp"), f"({cleaned})", params)
    con.register("batch", pa.table({"c0": ["01/03/2020  00:11: "]}))
    assert con.execute(f"select {typed} from batch", params.values).fetchall() == [(dt.datetime(2020, 3, 1, 0, 11),)]


# ------------------------------------------------------------------------------------------------------ others

@pytest.mark.parametrize("text, expected", [
    ("Y", True), ("N", False), ("Yes", True), ("no", False), ("TRUE", True), ("False", False), ("1", True),
    ("0", False),
])
def test_booleans(con, text, expected):
    [(typed, reason)] = column_values(con, None, [text], ColumnSpec(type="boolean"))[0]
    assert typed is expected
    assert reason is None


def test_boolean_that_is_not_yes_or_no(con):
    [(typed, reason)] = column_values(con, None, ["maybe"], ColumnSpec(type="boolean"))[0]
    assert typed is None and reason == "col 'maybe' is not yes/no"


@pytest.mark.parametrize("kind, text, expected", [
    ("integer", "1,234", 1234), ("integer", "-7", -7), ("decimal", "1,234.5", 1234.5), ("decimal", "-0.25", -0.25),
])
def test_numbers_with_thousands_separators(con, kind, text, expected):
    [(typed, reason)] = column_values(con, None, [text], ColumnSpec(type=kind))[0]
    assert typed == expected and reason is None


def test_required_column_missing(con):
    [(typed, reason)] = column_values(con, None, [None], ColumnSpec(type="text", required=True))[0]
    assert typed is None and reason == "col is missing"


# ------------------------------------------------------------------------------------------------------ classify

def classify(target: Target, header: list[str], rows: list[list[str]], *, problems=None, blanks=None) -> list[dict]:
    """Run classify_sql over a batch built from `rows` (strings as in the file) and return dicts by row."""
    match = match_header(header, [target])
    assert match.__class__.__name__ == "Match", match
    con = duckdb.connect()
    con.create_function("pseudonymise", lambda a: pa.array([None if v is None else hashed(v) for v in a.to_pylist()],
                                                           pa.string()),
                        [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type="arrow",
                        null_handling="special")
    data = {f"c{i}": pa.array([r[i] for r in rows], pa.string()) for i in range(len(header))}
    data["source_file"] = pa.array(["f.csv"] * len(rows), pa.string())
    data["source_row"] = pa.array(range(1, len(rows) + 1), pa.int64())
    data["_blank"] = pa.array(blanks or [not any(v.strip() for v in r) for r in rows], pa.bool_())
    data["_problem"] = pa.array(problems or [None] * len(rows), pa.string())
    con.register("batch", pa.table(data))
    sql, params = classify_sql(match, header, "run-1")
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    result = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in result:  # the loader's working columns are _reason and _raw (plain names in earlier versions)
        for name in ("reason", "raw"):
            row[name] = row.pop(f"_{name}") if f"_{name}" in row else row[name]
    classify.last_sql = sql
    return sorted(result, key=lambda r: r["source_row"])


@pytest.fixture(scope="module")
def targets():
    return {t.target: t for t in load_targets()}


OXFORD_2016 = ["Client", "Service Area", "Expenditure Catergory", "Expenditure Code", "Paid Date", "Trans No",
               "Amount", "Type of Expenditure", "Supplier ID", "Supplier Name"]


def test_value_map_rewrites_oxford_occ(targets):
    rows = classify(targets["spend"], OXFORD_2016, [
        ["OCC", "General Fund", "C.I.T.Awaiting Payment", "Z970590", "19/07/2016", "46290475 - 1", "1541.69",
         "Revenue", "20016580", "HMRC"]])
    assert rows[0]["organisation"] == "Oxford City Council"
    assert rows[0]["transaction_id"] == "46290475 - 1"
    assert rows[0]["amount"] == Decimal("1541.69")
    assert rows[0]["payment_date"] == dt.date(2016, 7, 19)
    assert rows[0]["layout"] == "spend_oxford" and rows[0]["reason"] == "" and rows[0]["raw"] is None


def test_constants_fill_a_column_the_file_lacks(targets):
    header = ["contravention_date", "ticket_type", "contravention_code", "street", "vehicle_category",
              "status_of_case", "ward_code", "easting", "northing", "longitude", "latitude", "location"]
    rows = classify(targets["pcn"], header, [["2024-03-05T10:22:00.000", "Parking", "12", "Malden Road", "Car",
                                              "Paid/Closed", "E05013660", "", "", "", "", ""]])
    assert rows[0]["organisation"] == "London Borough of Camden"
    assert rows[0]["issued_at"] == dt.datetime(2024, 3, 5, 10, 22)
    assert rows[0]["easting"] is None and rows[0]["reason"] == ""


def test_null_values_marker(targets):
    header = ["UUID", "Council Code", "Council Name", "Care Type", "Activity Provision", "Age Bands",
              "Primary support reason", "Long Term Support Setting", "Short Term Purpose", "Data Type", "Value",
              "Notes"]
    rows = classify(targets["care_finance"], header, [
        ["8610101", "702", "Camden", "Long term", "In house", "Age 18 to 64", "Physical support", "-", "-",
         "Mandatory", "-", ""]])
    assert rows[0]["support_setting"] is None and rows[0]["value"] is None and rows[0]["reason"] == ""


def test_required_columns_and_reasons_joined(targets):
    rows = classify(targets["spend"], OXFORD_2016, [
        ["OCC", "General Fund", "x", "Z1", "", "1 - 1", "", "Revenue", "1", "A"],
        ["OCC", "General Fund", "x", "Z1", "31/02/2016", "1 - 2", "1.234", "Revenue", "1", "A"],
    ])
    assert rows[0]["reason"] == "payment_date is missing; amount is missing"
    assert rows[1]["reason"] == "payment_date '31/02/2016' is not a date; amount '1.234' is not an amount in pounds"
    assert json.loads(rows[1]["raw"]) == dict(zip(OXFORD_2016, ["OCC", "General Fund", "x", "Z1", "31/02/2016",
                                                                "1 - 2", "1.234", "Revenue", "1", "A"], strict=True))


def test_record_problem_from_extract_is_the_reason(targets):
    rows = classify(targets["spend"], OXFORD_2016,
                    [["OCC", "G", "x", "Z1", "19/07/2016", "1 - 1", "10.00", "Revenue", "1", "A"]],
                    problems=["record has 12 fields, the header has 10"])
    assert rows[0]["reason"] == "record has 12 fields, the header has 10"


def test_totals_row_reason(targets):
    """Manchester's account ends with a totals row: only a number, every text field empty."""
    header = ["Issued", "Paid", "Status", "Location", "Ward", "Ticket Destination", "Zone Name", "Outstanding",
              "Contravention", "Contravention Description"]
    rows = classify(targets["pcn"], header, [
        ["01/03/2020  00:11: ", "£0.00", "Pre-NtO Full Rate", "Deansgate", "Deansgate", "Affixed to vehicle",
         "No Loading at Any Time", "£70.00", "2", "Parked"],
        ["", "-£343,404.00", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", "", ""],
    ])
    assert rows[0]["reason"] == "" and rows[0]["amount_paid"] == Decimal("0.00")
    assert rows[0]["issued_at"] == dt.datetime(2020, 3, 1, 0, 11)
    assert rows[1]["reason"].startswith("totals or summary row: ")
    assert "issued_at is missing" in rows[1]["reason"]
    assert rows[2]["_blank"] is True and rows[2]["reason"] == "" and rows[2]["raw"] is None


# ------------------------------------------------------------------------------------------------------ parameters

def quoted_target() -> Target:
    return Target.model_validate({
        "target": "t", "description": "d", "grain": "g",
        "columns": {"who": {"type": "text"}, "org": {"type": "text"}, "kind": {"type": "text"},
                    "due": {"type": "date"}},
        "layouts": [{"name": "l", "description": "d",
                     "columns": {"who": ["Supplier's Name"], "kind": ["Kind"], "due": ["When"]},
                     "constants": {"org": "O'Reilly & Daughters' Trust"},
                     "value_map": {"kind": {"Dépôt 'A'": "Depot A; drop table batch; --"}},
                     "null_values": ["n'a"]}]})


def test_values_are_bound_parameters_and_round_trip():
    header = ["Supplier's Name", "Kind", "When"]
    rows = classify(quoted_target(), header, [
        ["O'Brien", "Dépôt 'A'", "01/02/2024"],
        ["n'a", "x", "O'Brien'); drop table batch; --"],
    ])
    sql = classify.last_sql
    assert rows[0]["who"] == "O'Brien"
    assert rows[0]["org"] == "O'Reilly & Daughters' Trust"
    assert rows[0]["kind"] == "Depot A; drop table batch; --"
    assert rows[1]["who"] is None  # the layout's null marker n'a
    assert rows[1]["reason"] == "due 'O'Brien'); drop table batch; --' is not a date"
    assert json.loads(rows[1]["raw"])["Supplier's Name"] == "n'a"
    for literal in ("O'Reilly", "Dépôt", "Depot A", "n'a", "Supplier's Name"):
        assert literal not in sql, f"{literal!r} was pasted into the SQL text instead of bound"


# ------------------------------------------------------------------------------------------------------ personal data

CLD_HEADER = ["LA_Code", "LA_Person_Unique_Identifier", "Gender", "Date_of_Birth", "Primary_Support_Reason",
              "Event_Type", "Event_Reference", "Event_Start_Date", "Event_End_Date", "Event_Outcome"]


def test_personal_columns_pseudonymised_and_withheld_in_raw(targets):
    rows = classify(targets["care_event"], CLD_HEADER, [
        ["E09000007", "CAM0001", "Female", "14/03/1948", "Mental Health Support", "Assessment", "EV1", "02/04/2024",
         "", ""],
        ["E09000007", "CAM0002", "Male", "01/01/1950", "", "Review", "EV2", "31/02/2024", "", ""],
    ])
    assert rows[0]["person_id"] == hashed("CAM0001") and rows[0]["reason"] == ""
    assert rows[0]["date_of_birth"] == dt.date(1948, 3, 14)  # derive_only: typed for staging, never published
    raw = json.loads(rows[1]["raw"])
    assert raw["LA_Person_Unique_Identifier"] == hashed("CAM0002")
    assert "01/01/1950" not in rows[1]["raw"] and "CAM0002" not in rows[1]["raw"]
    assert rows[1]["reason"] == "event_start_date '31/02/2024' is not a date"


def test_reason_never_quotes_a_personal_value(targets):
    """A date of birth the layout cannot read must not be copied into etl_rejects.reason in clear."""
    rows = classify(targets["care_event"], CLD_HEADER, [
        ["E09000007", "CAM0003", "Female", "1948.03.14", "", "Assessment", "EV3", "02/04/2024", "", ""]])
    row = rows[0]
    assert "1948.03.14" not in (row["reason"] or "")
    assert "1948.03.14" not in (row["raw"] or "")
    assert "CAM0003" not in (row["reason"] or "") + (row["raw"] or "")


# ------------------------------------------------------------------------------------------------------ natural keys

def test_duplicate_keys_point_at_the_first_record(targets):
    target = targets["vehicle_category"]
    con = duckdb.connect()
    con.execute(create_valid_table_sql(target))
    con.execute("insert into valid_vehicle_category values ('b.csv', 1, 'l', 'Car'), ('a.csv', 2, 'l', 'Car'), "
                "('a.csv', 5, 'l', 'Car'), ('a.csv', 3, 'l', 'Van'), ('a.csv', 4, 'l', null), ('a.csv', 6, 'l', null)")
    rows = con.execute(duplicate_keys_sql(target) + " order by source_file, source_row").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("a.csv", 5, "a.csv", 2), ("b.csv", 1, "a.csv", 2)]
    assert json.loads(rows[0][4]) == {"category": "Car"}

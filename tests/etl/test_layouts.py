"""Recognising a file by its columns (data_models/layouts/*.yaml) and refusing invalid layout configuration."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from etl.layouts import LayoutConfigError, Match, NoMatch, load_targets, match_header, normalise_header

OXFORD_2014 = ["body_name", "organisational_unit", "expenditure_category", "expenditure_code", "paid_date", "trans_no",
               "amount", "caporrev", "supplier_id", "supplier_name"]
OXFORD_2015 = ["Body Name", "Organisatonal Unit", "Expenditure Category", "Expenditure Code", "Paid Date", "Trans No",
               "Amount", "Type", "Supplier ID", "Supplier Name"]
OXFORD_2016 = ["Client", "Service Area", "Expenditure Catergory", "Expenditure Code", "Paid Date", "Trans No",
               "Amount", "Type of Expenditure", "Supplier ID", "Supplier Name"]
CAMDEN_SPEND = ["Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year",
                "Financial Year", "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP",
                "Irrecoverable VAT Amount GBP", "Latest Financial Year", "Latest Year", "Latest Month",
                "Unique Identifier"]
CAMDEN_PCN = ["contravention_date", "ticket_type", "contravention_code", "street", "vehicle_category",
              "status_of_case", "ward_code", "easting", "northing", "longitude", "latitude", "location"]


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def test_the_project_layouts_load(targets):
    names = {layout.name for t in targets for layout in t.layouts}
    assert {"spend_camden", "spend_oxford", "pcn_camden", "pcn_manchester", "cld_events", "pss_ex1"} <= names


@pytest.mark.parametrize("header", [OXFORD_2014, OXFORD_2015, OXFORD_2016], ids=["2014", "2015", "2016"])
def test_every_oxford_edition_is_spend_oxford(targets, header):
    match = match_header(header, targets)
    assert isinstance(match, Match), match
    assert match.layout.name == "spend_oxford"
    assert match.mapping["department"] == 1  # organisational_unit / 'Organisatonal Unit' / Service Area
    assert match.mapping["purpose"] == 2     # expenditure_category / 'Expenditure Catergory'
    assert match.mapping["payment_date"] == 4 and match.mapping["amount"] == 6
    assert match.unmapped == []


@pytest.mark.parametrize("spelling", ["PAID DATE", "  Paid  Date ", "paid-date", "Paid_Date", "\ufeffPaid Date"])
def test_case_spacing_punctuation_and_bom_do_not_matter(targets, spelling):
    header = list(OXFORD_2015)
    header[4] = spelling
    match = match_header(header, targets)
    assert isinstance(match, Match) and match.mapping["payment_date"] == 4
    assert normalise_header(spelling) == "paiddate"


def test_column_order_does_not_matter(targets):
    header = list(reversed(CAMDEN_SPEND))
    match = match_header(header, targets)
    assert isinstance(match, Match) and match.layout.name == "spend_camden"
    assert header[match.mapping["amount"]] == "Amount GBP"
    assert header[match.mapping["payment_date"]] == "Payment Date"


def test_ignored_columns_are_not_unmapped(targets):
    match = match_header(CAMDEN_SPEND, targets)
    assert match.layout.name == "spend_camden" and match.unmapped == []
    extra = match_header(CAMDEN_SPEND + ["Something New"], targets)
    assert extra.layout.name == "spend_camden" and extra.unmapped == [len(CAMDEN_SPEND)]


def test_best_layout_wins_over_one_that_needs_fewer_columns(targets):
    """A PCN export with 'Contravention Code' and 'Contravention Description' also satisfies the two-column
    contravention code list; the PCN layout explains far more of the header and must win."""
    header = CAMDEN_PCN + ["Contravention Description"]
    header[2] = "Contravention Code"
    match = match_header(header, targets)
    assert isinstance(match, Match)
    assert match.layout.name == "pcn_camden"


def write_layouts(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory


NARROW_AND_WIDE = """
    target: thing
    description: d
    grain: g
    columns:
      a: {type: text, required: true}
      b: {type: text}
      c: {type: text}
      d: {type: text}
    layouts:
      - name: narrow
        description: needs A and B
        columns: {a: [A], b: [B]}
      - name: wide
        description: needs A, B and C, D optional
        columns: {a: [A], b: [B], c: [C], d: [D]}
        optional: [d]
"""


def test_the_layout_explaining_most_of_the_header_wins(tmp_path):
    targets = load_targets(write_layouts(tmp_path, {"thing.yaml": NARROW_AND_WIDE}))
    assert match_header(["A", "B", "C"], targets).layout.name == "wide"
    assert match_header(["C", "B", "A", "D"], targets).layout.name == "wide"
    assert match_header(["A", "B", "X"], targets).layout.name == "narrow"


def test_no_match_names_closest_layout_and_what_it_lacked(targets):
    header = [h for h in OXFORD_2015 if h != "Paid Date"]
    match = match_header(header, targets)
    assert isinstance(match, NoMatch)
    assert match.closest == "spend_oxford"
    assert match.missing == ["Paid Date"]
    message = match.message(header)
    assert "spend_oxford" in message and "Paid Date" in message
    assert "Body Name" in message  # what the file has


def test_no_match_lists_every_missing_column(targets):
    header = [h for h in CAMDEN_SPEND if h not in ("Payment Date", "Beneficiary Name")]
    match = match_header(header, targets)
    assert isinstance(match, NoMatch) and match.closest == "spend_camden"
    assert sorted(match.missing) == ["Beneficiary Name", "Payment Date"]


def test_no_match_at_all(targets):
    match = match_header(["foo", "bar"], targets)
    assert isinstance(match, NoMatch) and match.closest is None
    assert "foo" in match.message(["foo", "bar"]) and "unrecognised" in match.message(["foo", "bar"])


def test_semicolon_header_gets_a_delimiter_hint(targets):
    header = [";".join(OXFORD_2015)]
    match = match_header(header, targets)
    assert isinstance(match, NoMatch)
    assert "';'" in match.message(header)


def test_tab_header_gets_a_delimiter_hint(targets):
    header = ["\t".join(CAMDEN_SPEND)]
    match = match_header(header, targets)
    assert isinstance(match, NoMatch)
    assert "tab" in match.message(header)


# ------------------------------------------------------------------------------------------------ invalid config

GOOD = """
    target: thing
    description: d
    grain: g
    columns:
      a: {type: text, required: true}
    layouts:
      - name: thing_layout
        description: d
        columns: {a: [A]}
"""


def config_error(tmp_path: Path, files: dict[str, str]) -> str:
    with pytest.raises(LayoutConfigError) as raised:
        load_targets(write_layouts(tmp_path / "layouts", files))
    return str(raised.value)


def test_misspelt_key_names_file_and_location(tmp_path):
    message = config_error(tmp_path, {"thing.yaml": GOOD, "other.yaml": GOOD.replace("thing", "other").replace(
        "columns: {a: [A]}", "colums: {a: [A]}")})
    assert "other.yaml" in message
    assert "layouts.0.colums" in message
    assert "thing.yaml" not in message


def test_a_layout_file_is_named_after_its_target(tmp_path):
    message = config_error(tmp_path, {"things.yaml": GOOD})
    assert "things.yaml: holds target 'thing', so it must be named thing.yaml" in message
    assert load_targets(write_layouts(tmp_path / "named", {"thing.yaml": GOOD}))[0].target == "thing"


def test_unknown_type_names_file_and_location(tmp_path):
    message = config_error(tmp_path, {"bad.yaml": GOOD.replace("type: text", "type: moneyy")})
    assert "bad.yaml" in message and "columns.a.type" in message


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    message = config_error(tmp_path, {"broken.yaml": "target: thing\ncolumns: {a: [A}\n"})
    assert "broken.yaml" in message and "line" in message


def test_layout_naming_unknown_column(tmp_path):
    message = config_error(tmp_path, {"bad.yaml": GOOD.replace("columns: {a: [A]}", "columns: {a: [A], zz: [Z]}")})
    assert "bad.yaml" in message and "thing_layout" in message and "zz" in message


def test_every_problem_is_listed(tmp_path):
    message = config_error(tmp_path, {
        "one.yaml": GOOD.replace("type: text", "type: nope"),
        "two.yaml": GOOD.replace("thing", "two").replace("grain: g", ""),
    })
    assert "one.yaml" in message and "two.yaml" in message and "grain" in message


def test_target_and_layout_defined_twice(tmp_path):
    message = config_error(tmp_path, {"a.yaml": GOOD, "b.yaml": GOOD})
    assert "'thing'" in message and "'thing_layout'" in message


@pytest.mark.parametrize("column", ["Amount GBP", "a; drop table x"])
def test_canonical_column_names_are_restricted(tmp_path, column):
    """validate.py pastes canonical column names into SQL, trusting the schema to restrict them to [a-z0-9_]."""
    text = GOOD.replace("a: {type: text, required: true}", f"'{column}': {{type: text, required: true}}").replace(
        "columns: {a: [A]}", f"columns: {{'{column}': [A]}}")
    message = config_error(tmp_path, {"bad.yaml": text})
    assert "bad.yaml" in message and "columns" in message


@pytest.mark.parametrize("column", ["order", "when"])
def test_a_canonical_column_named_like_a_sql_keyword_is_refused_or_works(tmp_path, column):
    """Either the configuration refuses the name (LayoutConfigError), or the SQL built from it runs."""
    import duckdb

    from etl.validate import create_valid_table_sql

    text = GOOD.replace("a: {type: text, required: true}", f"{column}: {{type: date, required: true}}").replace(
        "columns: {a: [A]}", f"columns: {{{column}: [A]}}")
    try:
        targets = load_targets(write_layouts(tmp_path / "layouts", {"kw.yaml": text}))
    except LayoutConfigError as exc:
        assert "kw.yaml" in str(exc)
        return
    duckdb.connect().execute(create_valid_table_sql(targets[0]))

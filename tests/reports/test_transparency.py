"""The Transparency Code spend file (reports.transparency) over the demo warehouse (data until 2026-10-31).

Every expected count and total is recomputed here in plain SQL against the warehouse, written independently of the
query layer; the written file is compared with the demo generator's own Camden file for the same quarter, and loaded
back through the ETL as a Camden spend file."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from query.scope import NOTHING, OutOfScope, Scope
from reports.errors import ReportError
from reports.transparency import (
    CONFIG_PATH,
    IN_SOURCE,
    NO_PAYMENT_DATE,
    PERSON_NAME,
    PERSONAL_PURPOSE,
    REDACTED,
    UNDER_THRESHOLD,
    Quarter,
    load_config,
    write_transparency,
)

CAMDEN_COLUMNS = ["Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year",
                  "Financial Year", "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP",
                  "Irrecoverable VAT Amount GBP", "Latest Financial Year", "Latest Year", "Latest Month",
                  "Unique Identifier"]
QUARTERS = {"2026-Q3": (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),   # the default: data ends 31 Oct 2026
            "2026-Q2": (dt.date(2026, 4, 1), dt.date(2026, 6, 30))}   # has credit notes (under £500)

PUBLISHED = """
select count(*) as n, coalesce(sum(f.amount_pounds), 0) as total
from fact_spend f
join dim_organisation o on o.organisation_key = f.organisation_key
where o.is_home_council and f.amount_pounds >= 500 and f.payment_date between $first and $last
"""
UNDER_500 = PUBLISHED.replace("f.amount_pounds >= 500", "f.amount_pounds < 500")
REDACTED_IN_SOURCE = """
select f.transaction_id
from fact_spend f
join dim_organisation o on o.organisation_key = f.organisation_key
join dim_supplier s on s.supplier_key = f.supplier_key
where o.is_home_council and s.is_redacted and f.amount_pounds >= 500 and f.payment_date between $first and $last
"""


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def expected(con, sql: str, quarter: str):
    first, last = QUARTERS[quarter]
    return con.execute(sql, {"first": first, "last": last}).fetchall()


@pytest.fixture(scope="module")
def written(demo_warehouse, tmp_path_factory):
    """quarter -> (result, header, records) for the default quarter and 2026-Q2."""
    out = tmp_path_factory.mktemp("transparency")
    found = {}
    for quarter in (None, "2026-Q2"):
        result = write_transparency(demo_warehouse, out / "files", quarter)
        found[result.quarter] = (result, *read_csv(result.csv_path))
    return found


# --- the file --------------------------------------------------------------------------------------------


def test_the_default_is_the_latest_complete_calendar_quarter(written):
    assert set(written) == {"2026-Q3", "2026-Q2"}
    result = written["2026-Q3"][0]
    assert result.csv_path.name == "spend-over-500-2026-Q3.csv"
    assert result.report_path.name == "spend-over-500-2026-Q3-validation.txt"


@pytest.mark.parametrize("quarter", QUARTERS)
def test_rows_and_total_are_the_home_councils_payments_of_500_or_more(written, demo_con, quarter):
    result, header, records = written[quarter]
    [(n, total)] = expected(demo_con, PUBLISHED, quarter)
    assert header == CAMDEN_COLUMNS
    assert len(records) == result.rows == n > 0
    assert sum(Decimal(r["Amount GBP"]) for r in records) == result.total_pounds == total
    assert all(Decimal(r["Amount GBP"]) >= 500 for r in records)
    [(under, _)] = expected(demo_con, UNDER_500, quarter)
    assert result.excluded == {UNDER_THRESHOLD: under, NO_PAYMENT_DATE: 0}
    assert under > 0 or quarter != "2026-Q2"   # the case of credit notes is exercised


@pytest.mark.parametrize("quarter", QUARTERS)
def test_values_are_formatted_as_camden_publishes_them(written, quarter):
    first, last = QUARTERS[quarter]
    _, _, records = written[quarter]
    ids = [r["Unique Identifier"] for r in records]
    assert len(set(ids)) == len(ids)
    for r in records:
        day, month, year = (int(part) for part in r["Payment Date"].split("/"))
        assert first <= dt.date(year, month, day) <= last
        assert re.fullmatch(r"[1-9]\d?/[1-9]\d?/\d{4}", r["Payment Date"])   # unpadded d/m/yyyy
        assert re.fullmatch(r"-?\d+\.\d\d", r["Amount GBP"])                   # no £, no thousands separators
        assert re.fullmatch(r"(\d+\.\d\d)?", r["Irrecoverable VAT Amount GBP"])
        assert re.fullmatch(r"\d{4}/\d\d", r["Financial Year"])
        for value in r.values():
            assert value.strip().lower() not in {"nan", "none", "null", "nat"}


def test_the_file_is_the_generators_camden_file_for_the_quarter(written, demo_sources):
    """2026-Q3 is the demo's financial 2026-27 Q2 file: the same lines (those of £500 or more that the ETL could
    load), every column the same, the payee spelt as its own line spelt it (fact_spend.beneficiary_name)."""
    _, _, records = written["2026-Q3"]
    _, source = read_csv(demo_sources / "spend" / "camden-spend-over-500-2026-27-q2.csv")
    loadable = [r for r in source if re.fullmatch(r"\d+\.\d\d", r["Amount GBP"]) and r["Payment Date"]
                and Decimal(r["Amount GBP"]) >= 500 and valid_date(r["Payment Date"])]

    def key(r):
        return tuple(r.values())

    assert sorted(map(key, records)) == sorted(map(key, loadable))
    redacted = {r["Unique Identifier"] for r in records if r["Beneficiary Name"] == REDACTED}
    assert redacted == {r["Unique Identifier"] for r in loadable if r["Beneficiary Name"] == REDACTED}
    raw = (demo_sources / "spend" / "camden-spend-over-500-2026-27-q2.csv").read_bytes()
    ours = written["2026-Q3"][0].csv_path.read_bytes()
    # the header line byte for byte (no byte-order mark either side), and line ends as the source's
    assert ours.split(b"\n", 1)[0] == raw.split(b"\n", 1)[0] and not ours.startswith(b"\xef\xbb\xbf")
    assert (b"\r\n" in ours) == (b"\r\n" in raw)


def valid_date(text: str) -> bool:
    day, month, year = (int(part) for part in text.split("/"))
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("quarter", QUARTERS)
def test_payees_redacted_in_the_source_stay_redacted(written, demo_con, quarter):
    result, _, records = written[quarter]
    in_source = {transaction_id for (transaction_id,) in expected(demo_con, REDACTED_IN_SOURCE, quarter)}
    by_id = {r["Unique Identifier"]: r for r in records}
    assert in_source and all(by_id[i]["Beneficiary Name"] == REDACTED for i in in_source)
    assert result.redacted[IN_SOURCE] == len(in_source)
    assert sum(r["Beneficiary Name"] == REDACTED for r in records) == sum(result.redacted.values())
    personal = {purpose.casefold() for purpose in load_config().personal_purposes}
    assert all(r["Beneficiary Name"] == REDACTED for r in records if r["Purpose"].casefold() in personal)


def test_the_validation_report_states_what_the_file_holds(written):
    for result, _, records in written.values():
        text = result.report_path.read_text(encoding="utf-8")
        total = sum(Decimal(r["Amount GBP"]) for r in records)
        vat = sum(Decimal(r["Irrecoverable VAT Amount GBP"] or "0") for r in records)
        assert f"\nRows written: {len(records)}\n" in text
        assert f"\nTotal Amount GBP: {total:.2f}\n" in text
        assert f"\nTotal Irrecoverable VAT Amount GBP: {vat:.2f}\n" in text
        assert f"Quarter: {result.quarter} (calendar quarter" in text
        assert "Data as of: 31 October 2026" in text
        assert f"{UNDER_THRESHOLD}: {result.excluded[UNDER_THRESHOLD]}" in text
        assert f"{IN_SOURCE}: {result.redacted[IN_SOURCE]}" in text
    q2 = written["2026-Q2"][0].report_path.read_text(encoding="utf-8")
    assert re.search(r"e\.g\. [a-z]{3}-26-\d+", q2)   # examples of the excluded lines, by identifier


def test_the_file_loads_back_through_the_etl_as_a_camden_spend_file(written, tmp_path):
    from etl.build import build
    from etl.settings import build_settings

    result, _, records = written["2026-Q3"]
    sources = tmp_path / "sources" / "spend"
    sources.mkdir(parents=True)
    shutil.copy2(result.csv_path, sources / result.csv_path.name)
    warehouse = tmp_path / "roundtrip.duckdb"
    build(sources.parent, warehouse, build_settings(), as_of=dt.date(2026, 10, 31))

    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(layout,)] = con.execute("select distinct layout from etl_files where target = 'spend'").fetchall()
        [(n, total)] = con.execute(PUBLISHED, {"first": dt.date(2026, 7, 1), "last": dt.date(2026, 9, 30)}).fetchall()
        [(redacted,)] = con.execute("select count(*) from fact_spend join dim_supplier using (supplier_key) "
                                    "where is_redacted").fetchall()
        [(rejected,)] = con.execute("select count(*) from etl_rejects").fetchall()
    assert layout == "spend_camden"
    assert (n, total, rejected) == (result.rows, result.total_pounds, 0)
    assert redacted == sum(r["Beneficiary Name"] == REDACTED for r in records)


def test_a_part_quarter_is_written_with_a_warning(demo_warehouse, tmp_path):
    """October 2026 only: Latest Month says October, as the generator's part-quarter file does."""
    result = write_transparency(demo_warehouse, tmp_path, "2026-q4")
    _, records = read_csv(result.csv_path)
    assert result.quarter == "2026-Q4" and records
    assert {(r["Latest Financial Year"], r["Latest Year"], r["Latest Month"]) for r in records} == {
        ("2026/27", "2026", "October")}
    assert "WARNING: part quarter" in result.report_path.read_text(encoding="utf-8")


# --- quarters and errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("last_payment", "quarter"), [
    (dt.date(2026, 10, 31), "2026-Q3"), (dt.date(2026, 11, 30), "2026-Q3"), (dt.date(2026, 9, 30), "2026-Q3"),
    (dt.date(2026, 9, 29), "2026-Q2"), (dt.date(2026, 12, 31), "2026-Q4"), (dt.date(2026, 2, 1), "2025-Q4"),
])
def test_the_latest_complete_quarter(last_payment, quarter):
    assert str(Quarter.latest_complete(last_payment)) == quarter


def test_quarters_are_calendar_quarters():
    assert (Quarter.parse("2026-Q1").first, Quarter.parse("2026-Q1").last) == (dt.date(2026, 1, 1),
                                                                              dt.date(2026, 3, 31))
    assert (Quarter.parse("2026-Q4").first, Quarter.parse("2026-Q4").last) == (dt.date(2026, 10, 1),
                                                                              dt.date(2026, 12, 31))


@pytest.mark.parametrize("quarter", ["2026-Q9", "abc", "", "2026-Q0", "26-Q1", "2026Q1"])
def test_a_malformed_quarter_is_a_readable_error(demo_warehouse, tmp_path, quarter):
    with pytest.raises(ReportError, match=r"is not a quarter: write YYYY-Qn"):
        write_transparency(demo_warehouse, tmp_path / "out", quarter)
    assert not (tmp_path / "out").exists()


def test_a_quarter_with_no_data_is_a_readable_error(demo_warehouse, tmp_path):
    with pytest.raises(ReportError, match=r"no payments in 2019-Q1 \(1 January 2019 to 31 March 2019\): the "
                                          r"warehouse has payments from 1 April 2021 to 30 October 2026"):
        write_transparency(demo_warehouse, tmp_path / "out", "2019-Q1")
    assert not (tmp_path / "out").exists()


# --- scope -----------------------------------------------------------------------------------------------


def test_the_scope_applies(demo_warehouse, demo_con, tmp_path):
    with pytest.raises(OutOfScope):
        write_transparency(demo_warehouse, tmp_path, scope=NOTHING)
    codes = ["HSG-REP", "REV-BEN", "PLN-BC"]
    result = write_transparency(demo_warehouse, tmp_path, scope=Scope.of(services=codes))
    [(n, total)] = demo_con.execute(
        PUBLISHED.replace("where", "join dim_service s on s.service_key = f.service_key\nwhere "
                          "s.service_code in (select unnest($codes)) and"),
        {"first": dt.date(2026, 7, 1), "last": dt.date(2026, 9, 30), "codes": codes}).fetchall()
    assert (result.rows, result.total_pounds) == (n, total)
    assert 0 < n < expected(demo_con, PUBLISHED, "2026-Q3")[0][0]


# --- the redaction configuration ---------------------------------------------------------------------------


def config_file(tmp_path: Path, **changes) -> Path:
    """A copy of the shipped configuration with some keys changed."""
    data = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "transparency.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_the_configuration_matches_the_demo_generator():
    from etl.generate import spend
    from etl.generate.common import COUNCIL_NAME

    config = load_config()
    assert CAMDEN_COLUMNS == spend.HEADER
    assert (config.organisation_label, config.organisation_uri) == (COUNCIL_NAME, spend.ORGANISATION_URI)
    assert REDACTED == spend.REDACTED
    assert set(config.personal_purposes) >= set(spend.REDACTED_PURPOSES)


CONFIGURED_REDACTIONS = """
select count(*) filter (where f.purpose = 'Training' and not s.is_redacted),
       count(*) filter (where f.purpose <> 'Training' and s.supplier_name ilike 'officeplus%')
from fact_spend f
join dim_organisation o on o.organisation_key = f.organisation_key
join dim_supplier s on s.supplier_key = f.supplier_key
where o.is_home_council and f.amount_pounds >= 500 and f.payment_date between $first and $last
"""


def test_configured_purposes_and_person_like_names_are_redacted(demo_warehouse, demo_con, tmp_path):
    config = config_file(tmp_path, personal_purposes=["training "], person_name_patterns=[r"^officeplus\b"])
    result = write_transparency(demo_warehouse, tmp_path / "out", config=config)
    _, records = read_csv(result.csv_path)
    assert not [r for r in records if r["Purpose"] == "Training" and r["Beneficiary Name"] != REDACTED]
    assert not [r for r in records if r["Beneficiary Name"].lower().startswith("officeplus")]
    [(training, officeplus)] = demo_con.execute(CONFIGURED_REDACTIONS, {"first": dt.date(2026, 7, 1),
                                                                      "last": dt.date(2026, 9, 30)}).fetchall()
    assert result.redacted[PERSONAL_PURPOSE] == training > 0
    assert result.redacted[PERSON_NAME] == officeplus > 0
    report = result.report_path.read_text(encoding="utf-8")
    assert f"{PERSONAL_PURPOSE}: {training}" in report and f"{PERSON_NAME}: {officeplus}" in report


def test_a_bad_regular_expression_is_a_clear_error(tmp_path):
    path = config_file(tmp_path, person_name_patterns=[r"^(mr|mrs\s", "^ok$"])
    with pytest.raises(ReportError) as error:
        load_config(path)
    message = str(error.value)
    assert "person_name_patterns[0]" in message and "'^(mr|mrs\\\\s' is not a valid regular expression" in message
    assert re.search(r"\(line \d+\)", message)


def test_an_unknown_key_is_a_clear_error(tmp_path, demo_warehouse):
    path = config_file(tmp_path, personal_purpose=["Direct Payments"])   # misspelt
    with pytest.raises(ReportError, match=r"personal_purpose \(line \d+\): unknown key \(misspelt\?\)"):
        write_transparency(demo_warehouse, tmp_path / "out", config=path)
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_mapping_or_not_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "transparency.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ReportError, match="must be a mapping"):
        load_config(path)
    path.write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReportError, match="cannot be read as YAML"):
        load_config(path)


def test_a_warehouse_built_by_an_older_version_is_one_line_not_a_traceback(warehouse_copy, tmp_path, capsys):
    import duckdb

    from reports.__main__ import main

    with duckdb.connect(str(warehouse_copy)) as con:   # as built before fact_spend kept each line's spelling
        con.execute("alter table fact_spend drop column beneficiary_name")
    assert main(["transparency", "--warehouse", str(warehouse_copy), "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "rebuild it with python -m etl build" in error and "Traceback" not in error
    assert not list(tmp_path.glob("*.csv"))

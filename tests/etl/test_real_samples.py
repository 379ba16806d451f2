"""A build over a copy of the real published council files (../shared/real-samples), checked file by file against
counts and totals computed independently with Python's csv module and Decimal."""

from __future__ import annotations

import datetime as dt
import functools
import math
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from etl_corpus import csv_records as _csv_records
from etl_corpus import decode_independently, is_blank, pounds, query

MANCHESTER = "parking/parking_account_march_20.csv"
OXFORD = ["spend/expenditure-over-500-jan-mar-2014.csv", "spend/expenditure-over-500-apr-jun-2015.csv",
          "spend/expenditure-over-500-jul-sep-2016.csv"]
OXFORD_2014 = OXFORD[0]
PSS = "social-care/pss-exp-2015-16-fin-act.csv"


@functools.cache
def csv_records(path: Path):
    """Header and records by Python's csv module (read once per file: the big files are read by several tests)."""
    return _csv_records(path)


@pytest.fixture(scope="session")
def real_copy(real_samples, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("real") / "sources"
    shutil.copytree(real_samples, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


@pytest.fixture(scope="session")
def real_build(real_copy, tmp_path_factory):
    """The warehouse built in-process from the copy (no --as-of: the default path), or the error it raised."""
    from etl.build import build
    from etl.settings import build_settings

    warehouse = tmp_path_factory.mktemp("real-warehouse") / "warehouse.duckdb"
    try:
        result = build(real_copy, warehouse, build_settings())
    except Exception as exc:  # reported by every test that needs the warehouse
        return None, f"{type(exc).__name__}: {exc}"
    return warehouse, result


@pytest.fixture(scope="session")
def warehouse(real_build) -> Path:
    path, detail = real_build
    if path is None:
        pytest.fail(f"the build over the real samples did not publish: {detail}")
    return path


@pytest.fixture(scope="session")
def etl_files(warehouse) -> dict[str, dict]:
    cols = ["source_file", "layout", "encoding", "rows_read", "rows_loaded", "rows_rejected", "rows_blank", "message"]
    rows = query(warehouse, f"select {', '.join(cols)} from etl_files")
    return {r[0]: dict(zip(cols, r, strict=True)) for r in rows}


def source_files(real_copy: Path) -> list[str]:
    return sorted(p.relative_to(real_copy).as_posix() for p in real_copy.rglob("*.csv"))


def has_table(warehouse: Path, name: str) -> bool:
    return bool(query(warehouse, "select 1 from information_schema.tables where table_name = $n", {"n": name}))


def require_fact(warehouse: Path, name: str) -> None:
    if not has_table(warehouse, name):
        models = Path(__file__).resolve().parents[2] / "data_models" / "models" / "marts"
        why = "it failed to publish" if (models / f"{name}.sql").exists() else f"no {name}.sql in {models} yet"
        pytest.fail(f"{name} is not in the warehouse ({why}): the loaded totals cannot be checked against it")


# ------------------------------------------------------------------------------------------------------ accounting

def test_every_csv_is_in_etl_files(real_copy, etl_files):
    assert sorted(etl_files) == source_files(real_copy)


def test_rows_read_is_the_csv_module_record_count(real_copy, etl_files):
    for name in source_files(real_copy):
        _, records = csv_records(real_copy / name)
        assert etl_files[name]["rows_read"] == len(records), name


def test_loaded_rejected_blank_balance(etl_files):
    for name, f in etl_files.items():
        assert f["rows_loaded"] + f["rows_rejected"] + f["rows_blank"] == f["rows_read"], (name, f)


def test_blank_counts_match_the_files(real_copy, etl_files):
    for name in source_files(real_copy):
        _, records = csv_records(real_copy / name)
        assert etl_files[name]["rows_blank"] == sum(is_blank(r) for r in records), name


def test_encodings(real_copy, etl_files):
    with pytest.raises(UnicodeDecodeError):
        (real_copy / MANCHESTER).read_bytes().decode("utf-8")
    assert decode_independently(real_copy / MANCHESTER)[1] == "cp1252"
    assert etl_files[MANCHESTER]["encoding"] == "cp1252"
    for name in OXFORD + [PSS]:
        assert etl_files[name]["encoding"] == "utf-8"


def test_layouts_recognised(etl_files):
    assert {name: etl_files[name]["layout"] for name in OXFORD + [MANCHESTER, PSS]} == {
        **dict.fromkeys(OXFORD, "spend_oxford"), MANCHESTER: "pcn_manchester", PSS: "pss_ex1"}


def test_manchester_totals_row_and_blank_rows_as_the_file_shows_them(real_copy, warehouse, etl_files):
    _, records = csv_records(real_copy / MANCHESTER)
    blank_rows = [i for i, r in enumerate(records, 1) if is_blank(r)]
    totals_rows = [i for i, r in enumerate(records, 1) if not is_blank(r) and not r[0].strip()]
    assert len(blank_rows) == 13 and len(totals_rows) == 1
    f = etl_files[MANCHESTER]
    assert f["rows_blank"] == 13
    assert f["rows_rejected"] == 1
    assert f["rows_loaded"] == len(records) - 13 - 1
    [(row, reason, raw)] = query(warehouse, "select source_row, reason, raw from etl_rejects where source_file = $f",
                                 {"f": MANCHESTER})
    assert row == totals_rows[0]
    assert reason.startswith("totals or summary row")
    assert "-£343,404.00" in raw


def test_oxford_2014_garbage_last_row_rejected_with_reason(real_copy, warehouse, etl_files):
    _, records = csv_records(real_copy / OXFORD_2014)
    assert records[-1][2] == "xxx" and not any(v.strip() for i, v in enumerate(records[-1]) if i != 2)
    rejected = query(warehouse, "select source_row, reason from etl_rejects where source_file = $f",
                     {"f": OXFORD_2014})
    assert [row for row, _ in rejected] == [len(records)]
    assert "missing" in rejected[0][1]
    assert etl_files[OXFORD_2014]["rows_loaded"] == len(records) - 1


def test_nothing_else_is_rejected(warehouse):
    rows = query(warehouse, "select source_file, count(*) from etl_rejects group by 1 order by 1")
    assert rows == [(MANCHESTER, 1), (OXFORD_2014, 1)]


# ------------------------------------------------------------------------------------------------------ totals

def oxford_expected(path: Path) -> tuple[int, Decimal]:
    header, records = csv_records(path)
    amount_at = [h.lower() for h in header].index("amount")
    date_at = [h.lower().replace(" ", "_") for h in header].index("paid_date")
    count, total = 0, Decimal(0)
    for record in records:
        if is_blank(record) or not record[date_at].strip():
            continue
        dt.datetime.strptime(record[date_at].strip(), "%d/%m/%Y")
        total += pounds(record[amount_at])
        count += 1
    return count, total


@pytest.mark.parametrize("name", OXFORD)
def test_oxford_spend_totals_in_fact_spend(real_copy, warehouse, name):
    count, total = oxford_expected(real_copy / name)
    require_fact(warehouse, "fact_spend")
    [(rows, loaded_total)] = query(warehouse, "select count(*), sum(amount_pounds) from fact_spend "
                                              "where source_file = $f", {"f": name})
    assert rows == count
    assert Decimal(loaded_total) == total


def test_manchester_amounts_in_fact_pcn(real_copy, warehouse):
    header, records = csv_records(real_copy / MANCHESTER)
    data = [r for r in records if not is_blank(r) and r[0].strip()]
    paid = sum(pounds(r[header.index("Paid")]) for r in data)
    outstanding = sum(pounds(r[header.index("Outstanding")]) for r in data)
    totals = next(r for r in records if not is_blank(r) and not r[0].strip())
    assert paid == pounds(totals[header.index("Paid")])  # the file's own totals row agrees with its records
    require_fact(warehouse, "fact_pcn")
    [(rows, paid_loaded, outstanding_loaded)] = query(
        warehouse, "select count(*), sum(amount_paid_pounds), sum(amount_outstanding_pounds) from fact_pcn "
                   "where source_file = $f", {"f": MANCHESTER})
    assert rows == len(data)
    assert Decimal(paid_loaded) == -paid  # stg_pcn: Manchester's negative paid amounts are payments
    assert Decimal(outstanding_loaded) == outstanding


def test_care_finance_values_in_fact_care_finance(real_copy, warehouse):
    header, records = csv_records(real_copy / PSS)
    at = header.index("Value")
    values = [float(r[at]) for r in records if r[at].strip() not in ("", "-")]
    require_fact(warehouse, "fact_care_finance")
    [(rows, given, total)] = query(warehouse, "select count(*), count(reported_value), sum(reported_value) "
                                              "from fact_care_finance where source_file = $f", {"f": PSS})
    assert rows == len(records)
    assert given == len(values)
    assert math.isclose(total, math.fsum(values), rel_tol=1e-9)


# ------------------------------------------------------------------------------------------------------ lineage

FACTS = {"fact_spend": OXFORD, "fact_pcn": [MANCHESTER], "fact_care_finance": [PSS]}


@pytest.mark.parametrize("fact", FACTS)
def test_every_record_is_in_its_fact_or_rejected_or_blank(real_copy, warehouse, fact):
    require_fact(warehouse, fact)
    assert query(warehouse, f"select count(*) from {fact} where source_file is null or source_row is null") == [(0,)]
    for name in FACTS[fact]:
        _, records = csv_records(real_copy / name)
        blank = {i for i, r in enumerate(records, 1) if is_blank(r)}
        loaded = [r[0] for r in query(warehouse, f"select source_row from {fact} where source_file = $f", {"f": name})]
        rejected = [r[0] for r in query(warehouse, "select source_row from etl_rejects where source_file = $f",
                                        {"f": name})]
        assert len(loaded) == len(set(loaded)), f"{fact}: a record of {name} appears twice"
        assert not (set(loaded) & set(rejected)) and not (set(loaded) & blank) and not (set(rejected) & blank)
        assert set(loaded) | set(rejected) | blank == set(range(1, len(records) + 1)), name

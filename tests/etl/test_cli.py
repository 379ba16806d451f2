"""The command line, run as users run it: readable messages, non-zero exits, never a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from etl_corpus import (
    KEY_ENV,
    KEY_FILE_ENV,
    SPEND_CAMDEN_HEADER,
    cli_env,
    csv_records,
    describe,
    query,
    run_cli,
    spend_camden_rows,
    write_csv,
)


def assert_readable_failure(proc, *words: str) -> None:
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, describe(proc)
    assert "Traceback" not in output, describe(proc)
    for word in words:
        assert word in output, describe(proc)


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "sources"
    rows = spend_camden_rows(2024, 9, 12)
    rows[4][2] = "31/09/2024"     # 30 days hath September: rejected
    rows[7][9] = "twelve pounds"  # not money: rejected
    write_csv(root / "spend-2024-09.csv", SPEND_CAMDEN_HEADER, rows)
    write_csv(root / "other" / "codes.csv", ["ccode", "cdesc"], [["01", "Parked in a restricted street"]])
    return root


@pytest.fixture(scope="module")
def built(small_sources, tmp_path_factory):
    """Built by the CLI exactly as documented, without --as-of (the default: the latest source date)."""
    warehouse = tmp_path_factory.mktemp("cli-warehouse") / "warehouse.duckdb"
    proc = run_cli("build", "--sources", small_sources, "--warehouse", warehouse, "--quiet")
    return proc, warehouse


def test_build_succeeds_and_summarises(built, small_sources):
    proc, warehouse = built
    assert proc.returncode == 0, describe(proc)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "published" in proc.stdout and "13 records read, 11 loaded, 2 rejected, 0 blank" in proc.stdout
    latest = max(dt.datetime.strptime(r[2], "%d/%m/%Y").date() for r in csv_records(small_sources /
                                                                                  "spend-2024-09.csv")[1]
                 if r[2] != "31/09/2024")
    assert query(warehouse, "select data_as_of from etl_runs") == [(latest,)]


def test_rejects_lists_the_rejected_records(built):
    _, warehouse = built
    proc = run_cli("rejects", "--warehouse", warehouse)
    assert proc.returncode == 0, describe(proc)
    assert "spend-2024-09.csv" in proc.stdout
    assert "'31/09/2024' is not a date" in proc.stdout
    assert "'twelve pounds' is not an amount in pounds" in proc.stdout


def test_rejects_filters_by_file_and_limits(built):
    _, warehouse = built
    proc = run_cli("rejects", "--warehouse", warehouse, "--file", "codes", "--limit", "5")
    assert proc.returncode == 0, describe(proc)
    assert "spend-2024-09.csv" not in proc.stdout
    limited = run_cli("rejects", "--warehouse", warehouse, "--limit", "1")
    assert "31/09/2024" in limited.stdout and "twelve pounds" not in limited.stdout


def test_rejects_without_a_warehouse(tmp_path):
    assert_readable_failure(run_cli("rejects", "--warehouse", tmp_path / "none.duckdb"), "no warehouse")


def test_missing_sources_folder(tmp_path):
    proc = run_cli("build", "--sources", tmp_path / "nowhere", "--warehouse", tmp_path / "w.duckdb", "--quiet")
    assert_readable_failure(proc, "does not exist", "nowhere")
    assert not (tmp_path / "w.duckdb").exists()


def test_sources_is_a_file_not_a_folder(tmp_path):
    (tmp_path / "a.csv").write_text("ccode,cdesc\n1,a\n", encoding="utf-8")
    proc = run_cli("build", "--sources", tmp_path / "a.csv", "--warehouse", tmp_path / "w.duckdb", "--quiet")
    assert_readable_failure(proc, "a.csv")


def test_no_key(small_sources, tmp_path):
    env = cli_env(**{KEY_ENV: None, KEY_FILE_ENV: None})
    proc = run_cli("build", "--sources", small_sources, "--warehouse", tmp_path / "w.duckdb", "--quiet", env=env)
    assert_readable_failure(proc, KEY_ENV)
    assert not (tmp_path / "w.duckdb").exists()


def test_key_too_short(small_sources, tmp_path):
    env = cli_env(**{KEY_ENV: "short", KEY_FILE_ENV: None})
    proc = run_cli("build", "--sources", small_sources, "--warehouse", tmp_path / "w.duckdb", "--quiet", env=env)
    assert_readable_failure(proc, "too short")


def test_bad_as_of_date(small_sources, tmp_path):
    proc = run_cli("build", "--sources", small_sources, "--warehouse", tmp_path / "w.duckdb", "--as-of", "31/12/2024")
    assert_readable_failure(proc, "--as-of")

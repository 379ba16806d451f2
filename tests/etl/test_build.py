"""Builds of a small synthetic Camden corpus (tests/etl/etl_corpus.py): atomic publish, killed builds, repeatable
contents, incremental months, the shrink check, and personal data never in clear."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
import yaml
from etl_corpus import (
    AS_OF,
    KEY_ENV,
    REPO,
    add_month,
    build_cli,
    cli_env,
    csv_records,
    describe,
    hmac16,
    python,
    query,
    sha256,
    tables,
    write_base_corpus,
)

MARTS = REPO / "data_models" / "models" / "marts"


def fact_sources() -> dict[str, str]:
    """fact name -> the target whose loaded rows it carries (the `source:` of its YAML)."""
    found = {}
    for path in MARTS.glob("fact_*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if spec.get("source"):
            found[path.stem] = spec["source"]
    return found


def published(warehouse: Path) -> list[str]:
    return [t for t in tables(warehouse) if t.startswith(("dim_", "fact_"))]


class Comparison:
    """Two warehouse files attached read-only to one in-memory DuckDB, compared table by table."""

    def __init__(self, new: Path, old: Path):
        self.con = duckdb.connect()
        self.con.execute("attach $p as new_wh (read_only)", {"p": str(new)})
        self.con.execute("attach $p as old_wh (read_only)", {"p": str(old)})

    def __enter__(self) -> Comparison:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()

    def columns(self, table: str, exclude=()) -> list[str]:
        names = [r[0] for r in self.con.execute(
            "select column_name from information_schema.columns where table_catalog = 'old_wh' and table_name = $t "
            "order by ordinal_position", {"t": table}).fetchall()]
        return [n for n in names if not any(n == e or (e.startswith("*") and n.endswith(e[1:])) for e in exclude)]

    def assert_same_rows(self, table: str, *, exclude=(), new_where: str = "true", old_where: str = "true",
                         params=None) -> None:
        """Whole rows (as multisets) of `table` are the same in both files, without the excluded columns."""
        select = ", ".join(f'"{c}"' for c in self.columns(table, exclude))
        a = f"select {select} from new_wh.{table} where {new_where}"
        b = f"select {select} from old_wh.{table} where {old_where}"
        [(only_new, only_old, n_new, n_old)] = self.con.execute(
            f"select (select count(*) from ({a} except all {b})), (select count(*) from ({b} except all {a})), "
            f"(select count(*) from ({a})), (select count(*) from ({b}))", params or {}).fetchall()
        assert (only_new, only_old, n_new) == (0, 0, n_old), (
            f"{table}: {only_new} of {n_new} rows only in the new warehouse, {only_old} of {n_old} only in the old")


def runs(warehouse: Path) -> list[dict]:
    cols = ["run_id", "status", "message", "rows_read", "rows_loaded", "rows_rejected", "rows_blank"]
    return [dict(zip(cols, r, strict=True)) for r in query(warehouse, f"select {', '.join(cols)} from etl_runs "
                                                                      "order by started, run_id")]


def in_process_build(sources: Path, warehouse: Path, **kwargs):
    from etl.build import build
    from etl.settings import build_settings

    return build(sources, warehouse, build_settings(), as_of=dt.date.fromisoformat(AS_OF), **kwargs)


def leftovers(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.parent.glob(f".{warehouse.name}.*"))


# ------------------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def base_sources(tmp_path_factory) -> Path:
    return write_base_corpus(tmp_path_factory.mktemp("corpus") / "sources")


@pytest.fixture(scope="module")
def base_warehouse(base_sources, tmp_path_factory) -> Path:
    """The last good warehouse every test starts from (copied before it is built over)."""
    warehouse = tmp_path_factory.mktemp("base") / "warehouse.duckdb"
    in_process_build(base_sources, warehouse)
    return warehouse


def serving_copy(base_warehouse: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copy2(base_warehouse, target)
    return target


def copy_sources(base_sources: Path, target: Path) -> Path:
    shutil.copytree(base_sources, target)
    return target


# ------------------------------------------------------------------------------------------------------ (a) + (c)

@pytest.fixture(scope="module")
def failures_then_rebuild(base_sources, base_warehouse, tmp_path_factory):
    """On a copy of the serving warehouse: a build over broken sources, a build that dies of an unexpected error,
    then a good build over the original sources. Records what each step saw."""
    folder = tmp_path_factory.mktemp("failures")
    warehouse = serving_copy(base_warehouse, folder / "serving")
    state = {"warehouse": warehouse, "sha_before": sha256(warehouse)}

    broken = copy_sources(base_sources, folder / "broken")
    for path in broken.rglob("*.csv"):
        path.write_bytes(b"\x00\x01garbage\xff" * 50)
    state["broken"] = build_cli(broken, warehouse)
    state["sha_after_broken"] = sha256(warehouse)

    from etl import models

    with pytest.MonkeyPatch.context() as patch:
        def boom(*args, **kwargs):
            raise RuntimeError("simulated failure inside the transform")

        patch.setattr(models, "run_models", boom)
        try:
            in_process_build(base_sources, warehouse)
            state["unexpected"] = None
        except BaseException as exc:  # noqa: B036 - whatever it raised, the build must not have published
            state["unexpected"] = exc
    state["sha_after_unexpected"] = sha256(warehouse)
    state["leftovers_after_failures"] = leftovers(warehouse)

    state["rebuild"] = in_process_build(base_sources, warehouse)
    return state


def test_broken_sources_fail_readably_and_leave_the_warehouse_byte_for_byte(failures_then_rebuild):
    state = failures_then_rebuild
    proc = state["broken"]
    assert proc.returncode != 0, describe(proc)
    assert "Traceback" not in proc.stdout + proc.stderr, describe(proc)
    assert "unchanged" in proc.stdout, describe(proc)
    assert state["sha_after_broken"] == state["sha_before"]


def test_a_failed_build_still_prints_which_files_were_bad(failures_then_rebuild, base_sources):
    """The data team needs the per-file table most when a load fails: every file with its reason."""
    proc = failures_then_rebuild["broken"]
    assert proc.returncode != 0, describe(proc)
    lines = proc.stdout.splitlines()
    for path in sorted(base_sources.rglob("*.csv")):
        name = path.relative_to(base_sources).as_posix()
        [row] = [line for line in lines if line.startswith(name + " ")] or [None]
        assert row is not None and "not a text file" in row, (name, describe(proc))


def test_an_unexpected_error_leaves_the_warehouse_byte_for_byte(failures_then_rebuild):
    state = failures_then_rebuild
    assert state["unexpected"] is not None, "the patched transform raised, so the build must not succeed"
    assert state["sha_after_unexpected"] == state["sha_before"]
    assert not [n for n in state["leftovers_after_failures"] if ".build-" in n or ".new-" in n], \
        state["leftovers_after_failures"]


def test_failed_runs_appear_in_etl_runs_after_the_next_good_build(failures_then_rebuild):
    state = failures_then_rebuild
    assert state["rebuild"].status == "succeeded"
    history = runs(state["warehouse"])
    assert [r["status"] for r in history][0] == "succeeded" and history[-1]["status"] == "succeeded"
    failed = [r for r in history if r["status"] == "failed"]
    assert any("row count" in (r["message"] or "") for r in failed), history
    assert any("simulated failure" in (r["message"] or "") for r in failed), (
        "a build that died of an unexpected error is not in etl_runs: only BuildError failures are recorded", history)


def test_rebuild_over_the_same_sources_gives_the_same_contents(failures_then_rebuild, base_warehouse):
    rebuilt = failures_then_rebuild["warehouse"]
    assert published(rebuilt) == published(base_warehouse)
    assert any(t.startswith("fact_") for t in published(base_warehouse))
    [(latest,)] = query(rebuilt, "select run_id from etl_runs where status = 'succeeded' order by started desc, "
                                 "run_id desc limit 1")
    [(first,)] = query(base_warehouse, "select run_id from etl_runs")
    with Comparison(rebuilt, base_warehouse) as compare:
        for table in published(base_warehouse):
            compare.assert_same_rows(table)
        compare.assert_same_rows("etl_files", exclude=["run_id"], new_where="run_id = $new",
                                 old_where="run_id = $old", params={"new": latest, "old": first})
        compare.assert_same_rows("etl_rejects", exclude=["run_id"])
    [new_run] = [r for r in runs(rebuilt) if r["run_id"] == latest]
    [old_run] = runs(base_warehouse)
    assert {k: v for k, v in new_run.items() if k != "run_id"} == {k: v for k, v in old_run.items() if k != "run_id"}


# ------------------------------------------------------------------------------------------------------ lineage

def test_every_fact_row_carries_its_lineage(base_warehouse):
    """Every fact has source_file and source_row, never NULL; a fact carrying a target's records (its YAML
    `source:`) has each record once, and together those facts hold exactly the records loaded."""
    facts = fact_sources()
    present = published(base_warehouse)
    missing, nulls = [], []
    for table in [t for t in present if t.startswith("fact_")]:
        columns = {r[0] for r in query(base_warehouse, "select column_name from information_schema.columns "
                                                       "where table_name = $t", {"t": table})}
        if not {"source_file", "source_row"} <= columns:
            missing.append(table)
            continue
        [(bad,)] = query(base_warehouse,
                         f"select count(*) from {table} where source_file is null or source_row is null")
        if bad:
            nulls.append(f"{table}: {bad}")
        if table in facts:
            [(doubled,)] = query(base_warehouse, f"select count(*) from (select source_file, source_row from {table} "
                                                 "group by all having count(*) > 1)")
            assert doubled == 0, f"{table}: a source record appears more than once"
    for target in sorted(set(facts.values())):
        carried = sum(query(base_warehouse, f"select count(*) from {f}")[0][0] for f, t in facts.items()
                      if t == target and f in present)
        [(loaded,)] = query(base_warehouse, "select coalesce(sum(rows_loaded), 0) from etl_files where target = $t",
                            {"t": target})
        assert carried == loaded, target
    assert not missing, f"facts without source_file/source_row: {missing}"
    assert not nulls, nulls


# ------------------------------------------------------------------------------------------------------ (e) shrink

@pytest.fixture(scope="module")
def shrink(base_sources, base_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shrink")
    warehouse = serving_copy(base_warehouse, folder / "serving")
    half = copy_sources(base_sources, folder / "half")
    removed = sorted(half.rglob("*-2024-0[4-6].csv"))
    assert len(removed) == 6
    for path in removed:
        path.unlink()
    before = sha256(warehouse)
    refused = build_cli(half, warehouse)
    after_refused = sha256(warehouse)
    forced = in_process_build(half, warehouse, force=True)
    return {"warehouse": warehouse, "half": half, "before": before, "refused": refused,
            "after_refused": after_refused, "forced": forced}


def test_shrink_check_refuses_half_the_files(shrink):
    proc = shrink["refused"]
    assert proc.returncode != 0, describe(proc)
    assert "--force" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr, describe(proc)
    assert shrink["after_refused"] == shrink["before"]


def test_force_publishes_the_smaller_warehouse(shrink):
    assert shrink["forced"].status == "succeeded"
    expected = sum(len(csv_records(p)[1]) for p in (shrink["half"] / "spend").glob("*.csv"))
    assert query(shrink["warehouse"], "select count(*) from fact_spend") == [(expected,)]
    statuses = [r["status"] for r in runs(shrink["warehouse"])]
    assert statuses == ["succeeded", "failed", "succeeded"]


# ------------------------------------------------------------------------------------------------------ (d) a month

def test_adding_a_month_adds_exactly_its_rows(base_sources, base_warehouse, tmp_path):
    warehouse = serving_copy(base_warehouse, tmp_path / "serving")
    sources = copy_sources(base_sources, tmp_path / "sources")
    new_files = {p.relative_to(sources).as_posix(): p for p in add_month(sources, 7)}
    in_process_build(sources, warehouse)

    facts = fact_sources()
    targets = {"spend/spend-over-500-2024-07.csv": "spend", "parking/pcn/pcn-2024-07.csv": "pcn"}
    with Comparison(warehouse, base_warehouse) as compare:
        for table in [t for t in published(base_warehouse) if t.startswith("fact_")]:
            if "source_file" not in compare.columns(table):
                continue
            # the earlier files' rows are unchanged (surrogate keys may be renumbered when dimensions grow)
            compare.assert_same_rows(table, exclude=["*_key"],
                                     new_where="not list_contains($new::varchar[], source_file)",
                                     params={"new": list(new_files)})
            for name, path in new_files.items():
                [(added,)] = compare.con.execute(f"select count(*) from new_wh.{table} where source_file = $f",
                                                 {"f": name}).fetchall()
                expected = len(csv_records(path)[1]) if facts.get(table) == targets[name] else 0
                assert added == expected, (table, name)
    for name, path in new_files.items():
        [(read, loaded)] = query(warehouse, "select rows_read, rows_loaded from etl_files where source_file = $f "
                                            "and run_id = (select max(run_id) from etl_files)", {"f": name})
        assert read == loaded == len(csv_records(path)[1])


# ------------------------------------------------------------------------------------------------------ (b) kill

def start_build(sources: Path, warehouse: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [python(), "-m", "etl", "build", "--sources", str(sources), "--warehouse", str(warehouse), "--quiet",
         "--as-of", AS_OF], cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_scratch(proc: subprocess.Popen, warehouse: Path, timeout: float = 30) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(warehouse.parent.glob(f".{warehouse.name}.build-*.duckdb"))
        if found:
            return found
        if proc.poll() is not None:
            break
        time.sleep(0.002)
    proc.kill()
    raise AssertionError(f"no scratch file .{warehouse.name}.build-*.duckdb appeared; build output:\n"
                         + (proc.stdout.read() if proc.stdout else ""))


def wait_for_line(proc: subprocess.Popen, wanted: str, timeout: float = 60) -> list[str]:
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if line.strip() == wanted:
            return seen
    proc.kill()
    raise AssertionError(f"the build never reported the stage {wanted!r}; output:\n" + "\n".join(seen))


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def assert_still_serving(warehouse: Path, base_warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from fact_spend").fetchall() == \
            query(base_warehouse, "select count(*) from fact_spend")
        assert con.execute("select status from etl_runs").fetchall() == [("succeeded",)]
    finally:
        con.close()


def assert_lock_released(warehouse: Path) -> None:
    with warehouse.with_name(warehouse.name + ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if a dead build still held it
        fcntl.flock(handle, fcntl.LOCK_UN)


def test_kill_as_soon_as_the_scratch_file_appears(base_sources, base_warehouse, tmp_path):
    warehouse = serving_copy(base_warehouse, tmp_path)
    before = sha256(warehouse)
    proc = start_build(base_sources, warehouse)
    wait_for_scratch(proc, warehouse)
    kill(proc)
    assert sha256(warehouse) == before
    assert_still_serving(warehouse, base_warehouse)
    assert_lock_released(warehouse)


def test_kill_during_transform(base_sources, base_warehouse, tmp_path):
    warehouse = serving_copy(base_warehouse, tmp_path)
    before = sha256(warehouse)
    proc = start_build(base_sources, warehouse)
    wait_for_line(proc, "transform")
    time.sleep(0.2)
    kill(proc)
    assert sha256(warehouse) == before
    assert_still_serving(warehouse, base_warehouse)


def test_kill_at_publish_leaves_old_or_complete_new(base_sources, base_warehouse, tmp_path):
    """Killed once publishing has begun: the serving file is the old one byte for byte, or (if the rename
    happened) the complete new one; never a half-written file."""
    warehouse = serving_copy(base_warehouse, tmp_path)
    before = sha256(warehouse)
    proc = start_build(base_sources, warehouse)
    wait_for_line(proc, "publish")
    kill(proc)
    if sha256(warehouse) == before:
        assert_still_serving(warehouse, base_warehouse)
    else:
        statuses = [r["status"] for r in runs(warehouse)]
        assert statuses == ["succeeded", "succeeded"]
        with Comparison(warehouse, base_warehouse) as compare:
            for table in published(base_warehouse):
                compare.assert_same_rows(table)


def test_a_second_build_of_the_same_warehouse_is_refused_while_one_runs(base_sources, base_warehouse, tmp_path):
    warehouse = serving_copy(base_warehouse, tmp_path)
    before = sha256(warehouse)
    first = start_build(base_sources, warehouse)
    try:
        wait_for_scratch(first, warehouse)
        os.kill(first.pid, signal.SIGSTOP)  # paused while it holds the lock, however slow the machine is
        second = build_cli(base_sources, warehouse)
        assert second.returncode != 0, describe(second)
        assert "another build" in second.stdout and "Traceback" not in second.stdout + second.stderr
    finally:
        kill(first)
    assert sha256(warehouse) == before


# ------------------------------------------------------------------------------------------------------ (f) privacy

def personal_values(sources: Path) -> tuple[set[str], set[str], set[dt.date]]:
    """Clear person ids and dates of birth (as written, and as dates) from every care file (any CSV with a person
    id column), read with the csv module."""
    ids, dob_texts, dob_dates = set(), set(), set()
    for path in sources.rglob("*.csv"):
        header, records = csv_records(path)
        if "LA_Person_Unique_Identifier" not in header:
            continue
        assert "Date_of_Birth" in header
        for record in records:
            row = dict(zip(header, record))  # noqa: B905 - a ragged record still has its leading fields
            ids.add(row.get("LA_Person_Unique_Identifier", "").strip())
            dob = row.get("Date_of_Birth", "").strip()
            dob_texts.add(dob)
            for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y.%m.%d"):
                try:
                    dob_dates.add(dt.datetime.strptime(dob, fmt).date())
                except ValueError:
                    pass
    ids.discard("")
    dob_texts.discard("")
    dob_texts |= {d.isoformat() for d in dob_dates}
    return ids, dob_texts, dob_dates


def personal_data_leaks(warehouse: Path, ids: set[str], dob_texts: set[str], dob_dates: set[dt.date],
                        min_dates: int = 1) -> list[str]:
    """Every column of every table holding a clear person id or date of birth: text columns that contain one,
    date columns holding at least `min_dates` distinct birth dates."""
    con = duckdb.connect(str(warehouse), read_only=True)
    leaks = []
    try:
        columns = con.execute("select table_name, column_name, data_type from information_schema.columns "
                              "where table_schema = 'main'").fetchall()
        con.execute("create temp table needles as select unnest($n::varchar[]) as v", {"n": sorted(ids | dob_texts)})
        # candidate substrings: words (ids) and anything shaped like a date; joined to the needles by hash
        tokens = r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|[A-Za-z0-9_]+"
        for table, column, kind in columns:
            if kind == "VARCHAR":
                count, example = con.execute(
                    f'select count(*), any_value(value) from (select "{column}" as value, '
                    f'unnest(regexp_extract_all("{column}", $tokens)) as token from "{table}") '
                    f'where token in (select v from needles)', {"tokens": tokens}).fetchall()[0]
                if count:
                    leaks.append(f"{table}.{column}: {count} value(s), e.g. {example[:150]!r}")
            elif kind in ("DATE", "TIMESTAMP"):
                count, example = con.execute(
                    f'select count(distinct cast("{column}" as date)), any_value("{column}")::varchar from "{table}" '
                    f'where cast("{column}" as date) in (select unnest($d::date[]))',
                    {"d": sorted(dob_dates)}).fetchall()[0]
                if count >= min_dates:
                    leaks.append(f"{table}.{column}: {count} birth date(s), e.g. {example}")
    finally:
        con.close()
    return leaks


def test_personal_data_is_never_in_clear(base_sources, base_warehouse):
    """The corpus has a care record with a birth date in a format the layout cannot read, one with an impossible
    event date (rejected with its raw record) and a care file that lost a column (unrecognised, rejected whole)."""
    ids, dob_texts, dob_dates = personal_values(base_sources)
    assert len(ids) > 80 and len(dob_dates) > 80 and "1948.03.14" in dob_texts
    assert min(dob_dates) > dt.date(1900, 1, 1) and max(dob_dates) < dt.date(2013, 4, 1)  # no clash with dim_date
    leaks = personal_data_leaks(base_warehouse, ids, dob_texts, dob_dates)
    assert not leaks, "personal data in clear:\n  " + "\n  ".join(leaks)


def test_personal_data_is_never_in_clear_in_the_small_demo(demo_sources, demo_warehouse):
    """The same scan over the generated small demo (the session's shared demo warehouse)."""
    ids, dob_texts, dob_dates = personal_values(demo_sources)
    assert len(ids) > 100, "the demo has no care files with person ids: nothing was scanned"
    # a column carrying birth dates would hold many; a few coincidences with other dates are not a leak
    leaks = personal_data_leaks(demo_warehouse, ids, dob_texts, dob_dates, min_dates=max(10, len(dob_dates) // 20))
    assert not leaks, "personal data in clear:\n  " + "\n  ".join(leaks)


def test_person_ids_are_pseudonymised_with_the_configured_key(base_sources, base_warehouse):
    """The positive control for the scan above: the care events did arrive, keyed by HMAC of the person id."""
    ids, _, _ = personal_values(base_sources)
    key = os.environ[KEY_ENV]
    expected = {hmac16(key, i) for i in ids}
    person_tables = [t for t in ("fact_care_event", "fact_care_service_episode") if t in tables(base_warehouse)]
    if not person_tables:
        pytest.fail("neither fact_care_event nor fact_care_service_episode is in the warehouse")
    seen = set()
    for table in person_tables:
        seen |= {r[0] for r in query(base_warehouse, f"select distinct person_key from {table}")}
    assert seen and seen <= expected
    assert len(seen) >= 80


def test_two_runs_in_one_second_keep_their_order(base_sources, base_warehouse, tmp_path, monkeypatch):
    """Run history is read in order of `started`: two builds that start in the same second must still list the
    first before the second, however their run ids' random part sorts."""
    import itertools
    import uuid

    from etl import build as build_module

    ticks = itertools.count()
    start = dt.datetime(2100, 1, 1, 9, 0, 0)  # after every real run in the copied history
    monkeypatch.setattr(build_module, "_clock", lambda: start + dt.timedelta(milliseconds=next(ticks)))
    descending = iter([uuid.UUID(int=(2**128 - 1) >> n) for n in range(0, 64, 4)])  # ffff..., 0fff..., 00ff...
    monkeypatch.setattr(build_module.uuid, "uuid4", lambda: next(descending))
    warehouse = serving_copy(base_warehouse, tmp_path / "serving")
    first = in_process_build(base_sources, warehouse)
    second = in_process_build(base_sources, warehouse)
    assert first.started.replace(microsecond=0) == second.started.replace(microsecond=0), "not in one second"
    listed = [r["run_id"] for r in runs(warehouse)]
    assert listed[-2:] == [first.run_id, second.run_id], listed

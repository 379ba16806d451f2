"""Build a warehouse from a sources folder: extract, validate, transform, test, publish.

Every record of every file is loaded, rejected with its reason, or counted blank, and the build fails unless
rows_read = loaded + rejected + blank for every file. The serving warehouse is replaced only by os.replace of a
complete, checkpointed new file, so a build that fails or is killed leaves it serving, byte for byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import shutil
import time
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa

from data_models.service_catalogue import CatalogueError
from etl import checks, extract, models, seeds
from etl.db import scalar
from etl.extract import FileProblem, SheetData
from etl.layouts import Match, NoMatch, Target, load_targets
from etl.settings import MEMORY_LIMIT_ENV, BuildSettings
from etl.validate import (
    Params,
    blank_sql,
    candidate_formats,
    classify_sql,
    create_valid_table_sql,
    duplicate_keys_sql,
    format_ranking_sql,
    personal_headers,
    ranked_formats,
    raw_json_sql,
)

BATCH_ROWS = 2_000_000  # records validated per SQL pass; bounds memory on the large demo
ETL_TABLES = ("etl_runs", "etl_files", "etl_rejects")


class BuildError(Exception):
    """The build did not publish; the message says why in plain words. `result` (set by build()) holds what the
    run had accounted for by then, so the per-file table can be printed for a failed load too."""

    result: BuildResult | None = None


class Reporter(Protocol):
    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, label: str = "") -> None: ...
    def note(self, message: str) -> None: ...


class SilentReporter:
    """Progress goes nowhere (library use and tests)."""

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, label: str = "") -> None:
        return None

    def note(self, message: str) -> None:
        return None


@dataclass
class FileReport:
    source_file: str
    kind: str
    sha256: str = ""
    layout: str | None = None
    target: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_blank: int = 0
    message: str = ""

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected + self.rows_blank


@dataclass
class BuildResult:
    run_id: str
    warehouse: Path
    started: dt.datetime
    finished: dt.datetime | None = None
    status: str = "running"
    message: str = ""
    data_as_of: dt.date | None = None
    files: list[FileReport] = field(default_factory=list)
    passed_over: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    model_seconds: dict[str, float] = field(default_factory=dict)
    table_rows: dict[str, int] = field(default_factory=dict)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)


def build(sources: Path, warehouse: Path, settings: BuildSettings, *, force: bool = False,
          as_of: dt.date | None = None, reporter: Reporter | None = None) -> BuildResult:
    """Build and publish; raises BuildError (after recording the failed run) when it cannot publish."""
    sources, warehouse = Path(sources), Path(warehouse)
    if not sources.is_dir():
        raise BuildError(f"the sources folder {sources} does not exist")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    result = BuildResult(run_id=_new_run_id(), warehouse=warehouse, started=_now())
    with _build_lock(warehouse):
        scratch = warehouse.with_name(f".{warehouse.name}.build-{result.run_id}.duckdb")
        try:
            _run(sources, warehouse, scratch, settings, result, force, as_of, reporter or SilentReporter())
        except BaseException as exc:  # a bug or an interrupt fails the run too; it is recorded, then raised
            message = str(exc) if isinstance(exc, BuildError) else f"{type(exc).__name__}: {exc}"
            result.status, result.message, result.finished = "failed", message, _now()
            _record_failed_run(warehouse, result)
            if isinstance(exc, BuildError):
                exc.result = result
            raise
        finally:
            _remove(scratch, scratch.with_name(scratch.name + ".wal"))
    return result


def _run(sources, warehouse, scratch, settings, result, force, as_of, reporter) -> None:
    con = _connect(scratch, settings)
    try:
        targets = load_targets()
        timer = _StageTimer(result.stage_seconds)
        with timer("extract and validate"):
            _load_sources(con, sources, targets, result, reporter)
        with timer("accounting"):
            _dedupe_natural_keys(con, targets, result.run_id)
            _count_outcomes(con, targets, result)
            _check_balance(result)
        with timer("transform"):
            reporter.stage("transform")
            result.data_as_of = as_of or _data_as_of(con, targets)
            seeds.load_seeds(con)
            con.execute("create or replace table build_info as select $run_id as run_id, "
                        "cast($built as timestamp) as built_at, cast($as_of as date) as data_as_of",
                        {"run_id": result.run_id, "built": result.started, "as_of": result.data_as_of})
            all_models = models.load_models()
            models.run_models(con, timings=result.model_seconds)
        with timer("data tests"):
            reporter.stage("data tests")
            _run_checks(con, all_models, targets, warehouse, settings, force, result)
        with timer("publish"):
            reporter.stage("publish")
            result.status, result.finished = "succeeded", _now()
            _publish(con, warehouse, all_models, result)
    except (models.ModelError, CatalogueError) as exc:
        raise BuildError(str(exc)) from None
    except duckdb.OutOfMemoryException as exc:
        raise BuildError(f"out of memory ({settings.memory_limit}); set {MEMORY_LIMIT_ENV} higher: {exc}") from None
    finally:
        con.close()


# ------------------------------------------------------------------------------------------- extract + validate

def _connect(scratch: Path, settings: BuildSettings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(scratch))
    con.execute("set memory_limit = $limit", {"limit": settings.memory_limit})
    con.execute("set temp_directory = $dir", {"dir": str(scratch) + ".tmp"})
    if settings.threads:
        con.execute("set threads = $n", {"n": settings.threads})
    con.create_function("pseudonymise", _pseudonymiser(settings.pseudonym_key), [duckdb.sqltype("VARCHAR")],
                        duckdb.sqltype("VARCHAR"), type="arrow", null_handling="special")
    con.execute("create table etl_rejects (run_id varchar, source_file varchar, source_row bigint, "
                "reason varchar, raw varchar)")
    return con


def _pseudonymiser(key: bytes):
    """Keyed hash (HMAC-SHA256) of personal identifiers: stable across builds with one key, not reversible."""

    def pseudonymise(values: pa.Array) -> pa.Array:
        return pa.array([None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
                         for v in values.to_pylist()], type=pa.string())

    return pseudonymise


def _load_sources(con, sources: Path, targets: list[Target], result: BuildResult, reporter: Reporter) -> None:
    for target in targets:
        con.execute(create_valid_table_sql(target))
    paths, passed_over = extract.discover(sources)
    result.passed_over = [str(p.relative_to(sources)) for p in passed_over]
    reporter.stage("read headers", total=len(paths))
    sheets = []
    for path in paths:
        relative = path.relative_to(sources).as_posix()
        sheets += _scan(path, relative, targets, result)
        reporter.advance(relative)
    groups: dict[tuple, list[SheetData]] = defaultdict(list)
    for sheet in sheets:
        groups[_group_key(sheet)].append(sheet)
    reporter.stage("extract and validate", total=len(sheets))
    for members in groups.values():
        _load_group(con, members, result, reporter, targets)


def _scan(path: Path, relative: str, targets: list[Target], result: BuildResult) -> list[SheetData]:
    kind = path.suffix.lower().lstrip(".")
    try:
        if kind == "xlsx":
            return extract.scan_workbook(path, relative, targets)
        return [extract.scan_csv(path, relative, targets)]
    except FileProblem as exc:
        result.files.append(FileReport(relative, kind, extract.sha256_of(path), message=str(exc)))
        return []


def _group_key(sheet: SheetData) -> tuple:
    """Sheets validated together in one SQL pass: same layout, same columns in the same places."""
    if isinstance(sheet.match, NoMatch):
        return ("unrecognised", sheet.source_file)
    return (sheet.match.layout.name, tuple(sorted(sheet.match.mapping.items())), tuple(sheet.header))


def _load_group(con, members: list[SheetData], result: BuildResult, reporter: Reporter,
                targets: list[Target]) -> None:
    pending, pending_rows = [], 0
    for sheet in members:
        report = FileReport(sheet.source_file, sheet.kind, sheet.sha256)
        result.files.append(report)
        if isinstance(sheet.match, Match):
            report.layout, report.target = sheet.match.layout.name, sheet.match.target.target
        try:
            records = sheet.records if sheet.records is not None else extract.read_csv_records(sheet)
        except (FileProblem, OSError) as exc:
            report.message = str(exc)
            continue
        report.encoding = sheet.encoding
        report.rows_read = records.num_rows
        if isinstance(sheet.match, NoMatch):
            report.message = sheet.match.message(sheet.header)
            report.rows_blank = _reject_all(con, sheet, records, report.message, result.run_id, targets)
            reporter.advance(sheet.source_file)
            continue
        pending.append(_with_source_file(records, sheet.source_file))
        pending_rows += records.num_rows
        if pending_rows >= BATCH_ROWS:
            _validate_batch(con, members[0], pending, result, targets)
            pending, pending_rows = [], 0
        reporter.advance(sheet.source_file)
    if pending:
        _validate_batch(con, members[0], pending, result, targets)


def _with_source_file(records: pa.Table, source_file: str) -> pa.Table:
    return records.append_column("source_file", pa.repeat(pa.scalar(source_file, pa.string()), records.num_rows))


def _validate_batch(con, sheet: SheetData, tables: list[pa.Table], result: BuildResult,
                    targets: list[Target]) -> None:
    match = sheet.match
    batch = pa.concat_tables(tables)
    con.register("batch", batch)
    try:
        sql, params = classify_sql(match, sheet.header, result.run_id, format_order=_format_order(con, match),
                                   targets=targets)
        con.execute(f"create or replace temp table classified as {sql}", params)
    finally:
        con.unregister("batch")
    columns = ", ".join(match.target.columns)
    con.execute(f"insert into valid_{match.target.target} (source_file, source_row, layout, {columns}) "
                f"select source_file, source_row, layout, {columns} from classified where not _blank and _reason = ''")
    con.execute("insert into etl_rejects select $run, source_file, source_row, _reason, _raw "
                "from classified where _reason <> ''", {"run": result.run_id})
    blanks = dict(con.execute("select source_file, count(*) from classified where _blank group by 1").fetchall())
    for report in result.files:
        report.rows_blank += blanks.get(report.source_file, 0)
    con.execute("drop table classified")


def _format_order(con, match: Match) -> dict[str, list[str]]:
    """For each date column of the batch, the formats ordered by how many sample values they parse."""
    order = {}
    for name, position in match.mapping.items():
        spec = match.target.columns[name]
        if spec.type in ("date", "timestamp"):
            formats, params = candidate_formats(spec), Params()
            sql = format_ranking_sql(f"c{position}", formats, params)
            order[name] = ranked_formats(formats, list(con.execute(sql, params.values).fetchall()[0]))
    return order


def _reject_all(con, sheet: SheetData, records: pa.Table, reason: str, run_id: str, targets: list[Target]) -> int:
    """An unrecognised file: every record is kept in etl_rejects with the file's reason; returns the blank count."""
    params = Params()
    raw = raw_json_sql(None, sheet.header, params, personal_headers(targets))
    blank = blank_sql(len(sheet.header))
    con.register("batch", records)
    try:
        con.execute(f"insert into etl_rejects select {params.add(run_id)}, {params.add(sheet.source_file)}, "
                    f"source_row, {params.add(reason)}, {raw} from batch where not {blank}", params.values)
        return scalar(con, f"select count(*) from batch where {blank}")
    finally:
        con.unregister("batch")


# --------------------------------------------------------------------------------------------------- accounting

def _dedupe_natural_keys(con, targets: list[Target], run_id: str) -> None:
    """A record repeating an earlier record's natural key is rejected, naming where the key was first seen."""
    for target in targets:
        if not target.natural_key:
            continue
        con.execute(f"create or replace temp table duplicates as {duplicate_keys_sql(target)}")
        con.execute("insert into etl_rejects select $run, source_file, source_row, "
                    "'duplicate of ' || first_file || ' record ' || first_row || ' (same ' || $key || ')', key_json "
                    "from duplicates", {"run": run_id, "key": ", ".join(target.natural_key)})
        con.execute(f"delete from valid_{target.target} v using duplicates d "
                    "where v.source_file = d.source_file and v.source_row = d.source_row")
        con.execute("drop table duplicates")


def _count_outcomes(con, targets: list[Target], result: BuildResult) -> None:
    loaded: dict[str, int] = defaultdict(int)
    for target in targets:
        counts = con.execute(f"select source_file, count(*) from valid_{target.target} group by 1").fetchall()
        for name, count in counts:
            loaded[name] += count
    rejected = dict(con.execute("select source_file, count(*) from etl_rejects group by 1").fetchall())
    for report in result.files:
        report.rows_loaded = loaded.get(report.source_file, 0)
        report.rows_rejected = rejected.get(report.source_file, 0)


def _check_balance(result: BuildResult) -> None:
    unbalanced = [f for f in result.files if not f.balanced]
    if unbalanced:
        lines = [f"{f.source_file}: read {f.rows_read} but loaded {f.rows_loaded} + rejected {f.rows_rejected} "
                 f"+ blank {f.rows_blank}" for f in unbalanced[:10]]
        raise BuildError("records are unaccounted for:\n  " + "\n  ".join(lines))


def _data_as_of(con, targets: list[Target]) -> dt.date:
    """The latest date the sources speak of (required date columns), never later than today."""
    latest = []
    for target in targets:
        for name, spec in target.columns.items():
            if spec.required and spec.type in ("date", "timestamp"):
                value = scalar(con, f"select max({name})::date from valid_{target.target}")
                if value:
                    latest.append(value)
    today = dt.date.today()
    return min(max(latest), today) if latest else today


def _run_checks(con, all_models, targets, warehouse, settings, force, result) -> None:
    results = checks.run_model_checks(con, all_models)
    results += checks.source_accounting(con, all_models, [t.target for t in targets])
    published = [m.name for m in all_models.values() if m.published]
    result.table_rows = {name: scalar(con, f"select count(*) from {name}") for name in published}
    if not force:
        results += checks.shrink_checks(result.table_rows, _serving_counts(warehouse, published), settings.max_shrink)
    failed = [r for r in results if not r.passed]
    if failed:
        raise BuildError("data tests failed:\n  " + "\n  ".join(r.message() for r in failed))


def _serving_counts(warehouse: Path, tables: list[str]) -> dict[str, int]:
    if not warehouse.exists():
        return {}
    try:
        old = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return {}  # an unreadable old file is replaced, not compared
    try:
        present = {r[0] for r in old.execute("select table_name from information_schema.tables").fetchall()}
        return {t: scalar(old, f"select count(*) from {t}") for t in tables if t in present}
    finally:
        old.close()


# ------------------------------------------------------------------------------------------------------ publish

def _publish(con, warehouse: Path, all_models, result: BuildResult) -> None:
    """Write a complete new file beside the warehouse, then swap it in with one atomic rename."""
    new_file = warehouse.with_name(f".{warehouse.name}.new-{result.run_id}.duckdb")
    _remove(new_file)
    try:
        con.execute("attach $path as new_wh", {"path": str(new_file)})
        for model in all_models.values():
            if model.published:
                con.execute(f"create table new_wh.{model.name} as select * from {model.name}")
        _write_run_tables(con, warehouse, result)
        con.execute("checkpoint new_wh")
        con.execute("detach new_wh")
        os.replace(new_file, warehouse)
    except BaseException:
        _remove(new_file, new_file.with_name(new_file.name + ".wal"))
        raise


def _write_run_tables(con, warehouse: Path, result: BuildResult) -> None:
    """etl_runs and etl_files keep their history (failed runs included); etl_rejects holds this run's rejects."""
    history_runs, history_files = _history(warehouse)
    runs = history_runs + _failed_runs(warehouse) + [_run_row(result)]
    files = history_files + [_file_row(result.run_id, f) for f in result.files]
    for name, rows, schema in (("etl_runs", runs, RUN_SCHEMA), ("etl_files", files, FILE_SCHEMA)):
        table = pa.Table.from_pylist(_dedupe_rows(rows, name), schema=schema)
        con.register("rows_to_write", table)
        con.execute(f"create table new_wh.{name} as select * from rows_to_write order by 1, 2")
        con.unregister("rows_to_write")
    con.execute("create table new_wh.etl_rejects as select * from etl_rejects order by source_file, source_row")


RUN_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("started", pa.timestamp("us")), ("finished", pa.timestamp("us")),
    ("status", pa.string()), ("message", pa.string()), ("data_as_of", pa.date32()), ("files", pa.int64()),
    ("rows_read", pa.int64()), ("rows_loaded", pa.int64()), ("rows_rejected", pa.int64()), ("rows_blank", pa.int64()),
])
FILE_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("source_file", pa.string()), ("kind", pa.string()), ("layout", pa.string()),
    ("target", pa.string()), ("encoding", pa.string()), ("sha256", pa.string()), ("rows_read", pa.int64()),
    ("rows_loaded", pa.int64()), ("rows_rejected", pa.int64()), ("rows_blank", pa.int64()), ("message", pa.string()),
])


def _run_row(result: BuildResult) -> dict:
    return {"run_id": result.run_id, "started": result.started, "finished": result.finished,
            "status": result.status, "message": result.message, "data_as_of": result.data_as_of,
            "files": len(result.files), "rows_read": result.total("rows_read"),
            "rows_loaded": result.total("rows_loaded"), "rows_rejected": result.total("rows_rejected"),
            "rows_blank": result.total("rows_blank")}


def _file_row(run_id: str, report: FileReport) -> dict:
    row = asdict(report)
    row["run_id"] = run_id
    return row


def _dedupe_rows(rows: list[dict], name: str) -> list[dict]:
    key = (lambda r: r["run_id"]) if name == "etl_runs" else (lambda r: (r["run_id"], r["source_file"]))
    return list({key(r): r for r in rows}.values())


def _history(warehouse: Path) -> tuple[list[dict], list[dict]]:
    if not warehouse.exists():
        return [], []
    try:
        old = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return [], []
    try:
        return _dicts(old, "select * from etl_runs"), _dicts(old, "select * from etl_files")
    except duckdb.Error:
        return [], []
    finally:
        old.close()


def _dicts(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _failed_runs_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".failed-runs.jsonl")


def _record_failed_run(warehouse: Path, result: BuildResult) -> None:
    """A failed run cannot be written into the serving file; it waits beside it for the next good build."""
    row = _run_row(result)
    with _failed_runs_file(warehouse).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, default=str) + "\n")


def _failed_runs(warehouse: Path) -> list[dict]:
    path = _failed_runs_file(warehouse)
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for stamp in ("started", "finished"):
            row[stamp] = dt.datetime.fromisoformat(row[stamp]) if row.get(stamp) else None
        row["data_as_of"] = dt.date.fromisoformat(row["data_as_of"]) if row.get("data_as_of") else None
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------------------------------ helpers

class _StageTimer:
    def __init__(self, seconds: dict[str, float]):
        self.seconds = seconds

    def __call__(self, name: str):
        timer = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timer.seconds[name] = round(time.perf_counter() - self.start, 3)

        return _Stage()


class _build_lock:
    """One build per warehouse at a time; the OS drops the lock if the process dies."""

    def __init__(self, warehouse: Path):
        self.path = warehouse.with_name(warehouse.name + ".lock")

    def __enter__(self):
        self.handle = self.path.open("w")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise BuildError(f"another build of {self.path.with_suffix('')} is running") from None

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _remove(*paths: Path) -> None:
    """Delete leftovers (scratch files, their WAL and spill folders); a file already gone is fine."""
    for path in paths:
        for candidate in (path, Path(str(path) + ".tmp")):
            with contextlib.suppress(OSError):
                if candidate.is_dir():
                    shutil.rmtree(candidate, ignore_errors=True)
                else:
                    candidate.unlink(missing_ok=True)


def _new_run_id() -> str:
    return f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


_clock = dt.datetime.now  # the wall clock; a test steps it to put two runs in one second


def _now() -> dt.datetime:
    # full precision: run history is ordered by `started`, and two runs can start within one second
    return _clock()

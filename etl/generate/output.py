"""Writing the generated files, injecting the planned dirty records, and keeping the manifest.

Real council files carry defects (blank records, totals rows, impossible dates, 'n/a' amounts, a record exported
twice); the ETL must load them without silently losing a record. The generator plants a few of each kind,
deterministically, and lists every one in `_manifest.json` so tests can check the ETL's rejects against it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.generate import csvout
from etl.generate.common import stream

MANIFEST = "_manifest.json"
CELL_KINDS = {"invalid_date", "time_only_date", "amount_na"}   # defects that change one field of a record


@dataclass(frozen=True)
class Dirt:
    """One planned defect: `at` is its relative position in the file (0 = first record, 1 = after the last)."""

    file: str
    kind: str
    column: str | None = None
    value: str | None = None
    at: float = 0.5


# What goes wrong, where (family, kind, column, value; '{year}' is the file's year) and how often at small scale.
RECIPES = [
    ("spend", "blank_record", None, None, 1),
    ("spend", "totals_row", "Amount GBP", None, 2),
    ("spend", "invalid_date", "Payment Date", "31/2/{year}", 1),
    ("spend", "amount_na", "Amount GBP", "n/a", 1),
    ("pcn", "blank_record", None, None, 1),
    ("pcn", "amount_na", "amount_paid", "n/a", 1),
    ("suspensions", "blank_record", None, None, 1),
    ("suspensions", "invalid_date", "Start Date", "31/02/{year}", 1),
    ("care", "time_only_date", "Event_End_Date", "00:00:00", 1),
    ("permits", "time_only_date", "Valid To", "00:00:00", 1),
    ("repairs", "duplicate_job_ref", "Job Ref", None, 1),
]


def plan_dirt(seed: int, multiplier: int, family_files: dict[str, list[tuple[str, dt.date]]]) -> dict[str, list[Dirt]]:
    """Choose the files and positions of the dirty records: same seed and files, same plan."""
    rng = stream(seed, "dirt")
    plan: dict[str, list[Dirt]] = {}
    for family, kind, column, template, count in RECIPES:
        files = family_files.get(family, [])
        if kind == "duplicate_job_ref":
            files = files[1:]  # the copy goes into a later month's file than the original
        if not files:
            continue
        n = min(len(files), count * multiplier)
        for index in sorted(rng.choice(len(files), size=n, replace=False).tolist()):
            path, first = files[index]
            value = template.format(year=first.year) if template else None
            at = 1.0 if kind == "totals_row" else float(rng.uniform(0.05, 0.95))
            plan.setdefault(path, []).append(Dirt(path, kind, column, value, at))
    return plan


@dataclass
class Output:
    """The output folder: writes files, applies their planned dirt, remembers rows and defects for the manifest."""

    root: Path
    plan: dict[str, list[Dirt]] = field(default_factory=dict)
    progress: Callable[[str], None] | None = None
    files: dict[str, int] = field(default_factory=dict)
    dirty: list[dict] = field(default_factory=list)
    _previous: dict[str, pa.Array] = field(default_factory=dict, repr=False)  # folder -> last file's clean lines

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def record(self, relpath: str, rows: int) -> None:
        self.files[relpath] = rows

    def csv(self, relpath: str, table: pa.Table, encoding: str = "utf-8", eol: str = "\n") -> None:
        """Write one CSV (header, records, its planned defects)."""
        self.csv_files(table, [(relpath, 0, table.num_rows)], encoding=encoding, eol=eol)

    def csv_files(self, table: pa.Table, pieces: list[tuple[str, int, int]], encoding: str = "utf-8",
                  eol: str = "\n") -> None:
        """Write several CSVs cut from one table: (relative path, first row, end row) each, in file order.

        The records are formatted once for the whole table (Arrow kernels cost the same for 100 rows as for 10,000,
        so formatting file by file would dominate at small scale); each file is then a slice of the lines.
        """
        header = csvout.header_line(table.column_names, eol)
        lines = csvout.csv_lines(table, eol) if table.num_rows else pa.array([], type=pa.large_string())
        for relpath, start, stop in pieces:
            piece = lines.slice(start, stop - start)
            body, rows = self._with_dirt(relpath, table.slice(start, stop - start), piece, eol)
            if encoding.lower().replace("-", "") != "utf8":
                body = body.decode("utf-8").encode(encoding)
            path = self.root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(header.encode(encoding) + body)
            self.files[relpath] = rows
            self._previous[relpath.rsplit("/", 1)[0]] = piece

    # -------------------------------------------------------------------------------------------- defects

    def _with_dirt(self, relpath: str, table: pa.Table, lines: pa.Array, eol: str) -> tuple[bytes, int]:
        """The file's body with its planned defects, and its record count."""
        data, offsets = csvout.line_bytes(lines)
        n = len(lines)
        dirt = self.plan.get(relpath, []) if n else []
        if not dirt:
            return bytes(data[offsets[0]:offsets[-1]]), n
        width = table.num_columns
        inserts: list[tuple[int, str, Dirt, str | None]] = []   # (line it goes before, the line, defect, value)
        edits: dict[int, tuple[str, Dirt]] = {}
        edited = table
        for d in (d for d in dirt if d.kind in CELL_KINDS):
            index = int(d.at * n)
            while index in edits:
                index = (index + 1) % n
            edited = _set_cell(edited, index, d.column, d.value)
            edits[index] = (csvout.csv_lines(edited.slice(index, 1), eol)[0].as_py(), d)
        for d in (d for d in dirt if d.kind not in CELL_KINDS):
            if d.kind == "blank_record":
                inserts.append((int(d.at * n), "," * (width - 1) + eol, d, None))
            elif d.kind == "totals_row":
                total = _total(edited, d.column)
                fields = ["" if name != d.column else total for name in table.column_names]
                inserts.append((n, ",".join(fields) + eol, d, total))
            elif d.kind == "duplicate_job_ref":
                donor = self._previous.get(relpath.rsplit("/", 1)[0])
                if donor is None or len(donor) == 0:
                    continue
                line = donor[int(d.at * len(donor))].as_py()
                value = next(csv.reader([line]))[table.column_names.index(d.column)]
                inserts.append((int(d.at * n), line, d, value))
        inserts.sort(key=lambda item: item[0])
        positions = [p for p, _, _, _ in inserts]
        for index, (_, d) in sorted(edits.items()):
            self._note(relpath, index + sum(1 for p in positions if p <= index) + 1, d, d.value)
        for j, (position, _, d, value) in enumerate(inserts):
            self._note(relpath, position + j + 1, d, value)

        chunks, cursor = [], 0
        stops = sorted(set(positions) | set(edits))
        for stop in stops:
            chunks.append(bytes(data[offsets[cursor]:offsets[stop]]))
            chunks += [line.encode("utf-8") for position, line, _, _ in inserts if position == stop]
            if stop in edits:
                chunks.append(edits[stop][0].encode("utf-8"))
                cursor = stop + 1
            else:
                cursor = stop
        chunks.append(bytes(data[offsets[cursor]:offsets[n]]))
        return b"".join(chunks), n + len(inserts)

    def _note(self, relpath: str, record: int, d: Dirt, value: str | None) -> None:
        self.dirty.append({"file": relpath, "record": record, "kind": d.kind, "column": d.column, "value": value})

    # ------------------------------------------------------------------------------------------- manifest

    def write_manifest(self, about: dict) -> Path:
        dirty = sorted(self.dirty, key=lambda e: (e["file"], e["record"], e["kind"]))
        manifest = {**about, "total_rows": sum(self.files.values()),
                    "files": {path: {"rows_written": rows} for path, rows in sorted(self.files.items())},
                    "dirty_records": dirty}
        path = self.root / MANIFEST
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


class Batcher:
    """Collects a family's files as raw column arrays and writes them in batches of about `max_rows` records.

    `formatter(arrays) -> pa.Table` turns the concatenated raw arrays (numpy, one entry per record) into the text
    columns of the file. Batching keeps per-file overhead out of the small scale and memory bounded at the large one.
    """

    def __init__(self, output: Output, formatter: Callable[[dict[str, np.ndarray]], pa.Table],
                 encoding: str = "utf-8", eol: str = "\n", max_rows: int = 400_000):
        self.output, self.formatter = output, formatter
        self.encoding, self.eol, self.max_rows = encoding, eol, max_rows
        self.pending: list[tuple[str, dict[str, np.ndarray]]] = []
        self.rows = 0
        self.written = 0

    def add(self, relpath: str, arrays: dict[str, np.ndarray]) -> None:
        self.pending.append((relpath, arrays))
        self.rows += len(next(iter(arrays.values())))
        if self.rows >= self.max_rows:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        keys = list(self.pending[0][1])
        arrays = {k: np.concatenate([a[k] for _, a in self.pending]) for k in keys}
        pieces, start = [], 0
        for relpath, a in self.pending:
            stop = start + len(a[keys[0]])
            pieces.append((relpath, start, stop))
            start = stop
        self.output.csv_files(self.formatter(arrays), pieces, encoding=self.encoding, eol=self.eol)
        self.written += self.rows
        self.pending, self.rows = [], 0

    def __enter__(self) -> Batcher:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.flush()


def _total(table: pa.Table, column: str) -> str:
    """A spreadsheet-style total under the data: the sum of the amounts that are numbers (SUM skips 'n/a')."""
    values = table.column(column).combine_chunks()
    numbers = pc.filter(values, pc.fill_null(pc.match_substring_regex(values, r"^-?\d+(\.\d+)?$"), False))
    pence = np.rint(pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False) * 100).astype(np.int64).sum()
    return csvout.money(np.array([int(pence)]))[0].as_py()


def _set_cell(table: pa.Table, index: int, column: str, value: str) -> pa.Table:
    position = table.column_names.index(column)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[index] = True
    current = table.column(position).combine_chunks()
    replaced = pc.if_else(pa.array(mask), pa.scalar(value, type=current.type), current)
    return table.set_column(position, column, replaced)

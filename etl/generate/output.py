"""Writing the generated files, injecting the planned dirty records, and keeping the manifest.

Real council files carry defects (blank records, totals rows, impossible dates, 'n/a' amounts, a record exported
twice); the ETL must load them without silently losing a record. The generator plants a few of each kind,
deterministically, and lists every one in `_manifest.json` so tests can check the ETL's rejects against it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.generate import csvout
from etl.generate.common import stream

MANIFEST = "_manifest.json"


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

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def csv(self, relpath: str, table: pa.Table, encoding: str = "utf-8", eol: str = "\n",
            donor: pa.Table | None = None) -> pa.Table:
        """Write one CSV with its planned defects; returns the table as written (defects included)."""
        table = self._apply_dirt(relpath, table, donor)
        csvout.write_csv(self.root / relpath, table, encoding=encoding, eol=eol)
        self.files[relpath] = table.num_rows
        return table

    def record(self, relpath: str, rows: int) -> None:
        self.files[relpath] = rows

    # -------------------------------------------------------------------------------------------- defects

    def _apply_dirt(self, relpath: str, table: pa.Table, donor: pa.Table | None) -> pa.Table:
        dirt = self.plan.get(relpath, [])
        if not dirt or table.num_rows == 0:
            return table
        n = table.num_rows
        inserts: list[tuple[int, pa.Table, Dirt]] = []   # (row index it goes before, the row, the defect)
        edits: list[tuple[int, Dirt]] = []
        used: set[tuple[int, str]] = set()
        for d in dirt:
            if d.kind == "blank_record":
                inserts.append((int(d.at * n), _blank_row(table), d))
            elif d.kind == "totals_row":
                inserts.append((n, _totals_row(table, d.column), d))
            elif d.kind == "duplicate_job_ref":
                if donor is None or donor.num_rows == 0:
                    continue
                row = donor.slice(int(d.at * donor.num_rows), 1).cast(table.schema)
                inserts.append((int(d.at * n), row, d))
            else:
                index = int(d.at * n)
                while (index, d.column) in used:
                    index = (index + 1) % n
                used.add((index, d.column))
                edits.append((index, d))
        for index, d in edits:
            table = _set_cell(table, index, d.column, d.value)
        inserts.sort(key=lambda item: item[0])
        positions = [p for p, _, _ in inserts]
        for index, d in edits:
            before = sum(1 for p in positions if p <= index)
            self._note(relpath, index + before + 1, d, d.value)
        pieces, cursor = [], 0
        for j, (position, row, d) in enumerate(inserts):
            pieces += [table.slice(cursor, position - cursor), row]
            cursor = position
            value = row.column(d.column)[0].as_py() if d.column else None
            self._note(relpath, position + j + 1, d, value)
        pieces.append(table.slice(cursor))
        return pa.concat_tables(pieces)

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


def _blank_row(table: pa.Table) -> pa.Table:
    return pa.table({name: pa.nulls(1, type=pa.string()) for name in table.column_names}).cast(table.schema)


def _totals_row(table: pa.Table, column: str) -> pa.Table:
    """A spreadsheet-style total under the data: only the amount column is filled."""
    amounts = pc.cast(table.column(column), pa.float64())
    total_pence = int(np.rint(np.asarray(amounts.to_numpy(zero_copy_only=False), dtype=float) * 100).sum())
    row = {name: pa.nulls(1, type=pa.string()) for name in table.column_names}
    row[column] = csvout.money(np.array([total_pence]))
    return pa.table(row).cast(table.schema)


def _set_cell(table: pa.Table, index: int, column: str, value: str) -> pa.Table:
    position = table.column_names.index(column)
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[index] = True
    current = table.column(position).combine_chunks()
    return table.set_column(position, column, pc.if_else(pa.array(mask), pa.scalar(value), current))

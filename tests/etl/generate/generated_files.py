"""Reading generated files back with the standard library (csv) only, as an independent check of the writer."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

START = dt.date(2021, 4, 1)


def read_csv(path: Path, encoding: str = "utf-8") -> tuple[list[str], list[list[str]]]:
    """Header and records, exactly as Python's csv module reads them."""
    with path.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def read_dicts(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    header, rows = read_csv(path, encoding)
    return [dict(zip(header, row, strict=False)) for row in rows]


def months(start: dt.date, until: dt.date) -> list[dt.date]:
    result, day = [], start.replace(day=1)
    while day <= until:
        result.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return result


def clean_rows(demo: Path, pattern: str, manifest: dict, encoding: str = "utf-8") -> list[dict[str, str]]:
    """Records of the files matching `pattern` minus the dirty records the manifest lists (each with its file)."""
    dirty = {(d["file"], d["record"]) for d in manifest["dirty_records"]}
    rows = []
    for path in sorted(demo.glob(pattern)):
        name = path.relative_to(demo).as_posix()
        header, records = read_csv(path, encoding)
        rows += [{**dict(zip(header, r, strict=True)), "_file": name} for i, r in enumerate(records, start=1)
                 if (name, i) not in dirty]
    return rows

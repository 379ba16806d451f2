"""What the published pages show, read from a snapshot's own files (the JSON of each table, checked against the
manifest's SHA-256), never from the warehouse: a page says exactly what the snapshot published, however the
warehouse has changed since. A snapshot's files never change, so each is read once per process."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from data_models.formats import format_value
from reports.headlines import TABLE as HEADLINES
from reports.published_store import PublishedStore, Snapshot, is_figure
from reports.published_views import BOROUGH_LABEL
from reports.publishing import WARD_CODE

AREA = "area"
AVERAGE = "average"    # a count shared evenly over the wards: 59.5, not a count
MARKERS_NOTE_KEY = 1   # the second note of every table says what '<5' and '[c]' mean


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    definition: str
    kind: str

    @property
    def is_share(self) -> bool:
        return self.kind == "percent"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]     # the measures (the area column apart)
    rows: dict[str, dict[str, Any]]   # {area name: {measure: value}}, wards in order, the borough last
    notes: tuple[str, ...]

    @property
    def wards(self) -> list[str]:
        return [name for name in self.rows if name != BOROUGH_LABEL]

    @property
    def borough(self) -> dict[str, Any]:
        return self.rows.get(BOROUGH_LABEL, {})


@dataclass(frozen=True)
class Contents:
    snapshot_id: str
    headlines: tuple[dict[str, Any], ...]
    tables: tuple[Table, ...]            # the tables by ward

    @property
    def wards(self) -> list[str]:
        return self.tables[0].wards if self.tables else []

    def ward_named(self, slug: str) -> str | None:
        return next((name for name in self.wards if ward_slug(name) == slug), None)

    @property
    def markers_note(self) -> str:
        notes = self.tables[0].notes if self.tables else ()
        return notes[MARKERS_NOTE_KEY] if len(notes) > MARKERS_NOTE_KEY else ""


def ward_slug(name: str) -> str:
    """'Holborn & Covent Garden' -> 'holborn-and-covent-garden'; "King's Cross" -> 'kings-cross'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text.replace("'", "")).strip("-")


def contents(store: PublishedStore, snapshot: Snapshot) -> Contents:
    return _read(Path(store.root).resolve(), snapshot.id, tuple(t.name for t in snapshot.tables))


@lru_cache(maxsize=32)
def _read(root: Path, snapshot_id: str, names: tuple[str, ...]) -> Contents:
    store = PublishedStore(root)
    documents = {name: json.loads(store.file_bytes(snapshot_id, name, "json")) for name in names}
    headlines = tuple(documents[HEADLINES]["rows"]) if HEADLINES in documents else ()
    tables = tuple(_table(document) for name, document in documents.items() if name != HEADLINES)
    return Contents(snapshot_id, headlines, tables)


def _table(document: dict) -> Table:
    columns = tuple(Column(c["key"], c["label"], c["definition"], c["kind"]) for c in document["columns"]
                    if c["key"] not in (AREA, WARD_CODE))   # the code is for open data's joins, not for reading
    rows = {row[AREA]: row for row in document["rows"]}
    return Table(document["table"], document["title"], document["description"], columns, rows,
                 tuple(document.get("notes", ())))


def shown(value, kind: str) -> str:
    """A published figure as the page writes it: a marker as it is, a number in its format."""
    if is_figure(value):
        if kind == AVERAGE:
            return f"{value:,.1f}"
        return format_value(value, kind if kind in ("count", "percent", "pounds") else "number")
    return "–" if value is None else str(value)


def bar_top(table: Table, column: Column, wards: int) -> float:
    """What a full-width bar of the column stands for: 100 for a percentage, else the largest figure of any ward
    (or the average), so that every ward's bar, and one drawn alone beside a hidden figure, is on one scale."""
    if column.is_share:
        return 100.0
    values = [row.get(column.key) for area, row in table.rows.items() if area != BOROUGH_LABEL]
    values.append(ward_average(table, column, wards))
    return max((v for v in values if is_figure(v)), default=0)


def ward_average(table: Table, column: Column, wards: int):
    """What a ward would have if the borough's figure were shared evenly: the borough's count or amount over the
    number of wards; a share is the borough's own."""
    value = table.borough.get(column.key)
    if column.is_share or not is_figure(value) or not wards:
        return value
    return value / wards

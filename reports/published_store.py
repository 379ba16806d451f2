"""The published store: named, dated snapshots of the published tables, which councillors and the public read and
quote, so that everyone quotes the same figures.

A snapshot is a folder `<store>/<snapshot id>/` holding each table as CSV and JSON and a `manifest.json` (what,
when, by whom, from which load, each file's SHA-256). It is written whole into a hidden folder and renamed into
place, its files are made read-only, and nothing here ever writes into a snapshot again: a snapshot is never
changed once written. The store lives beside the warehouse by default (`<warehouse folder>/published/`), so a
rebuild of the warehouse, which replaces only the warehouse file, leaves every snapshot as it was.

A publish writes a draft: its manifest says `"draft": true`, and the draft is read only at its own address by the
data team (never current, never listed, never the month before of a later publish) until someone makes it public.
Making it public does not change it either: a record `<store>/public/<snapshot id>.json` (who, when) is added
beside it, and from then on it is public as any other. (A snapshot written before drafts, whose manifest has no
`draft`, was public when written.) Withdrawing a snapshot does not delete or change it: a withdrawal record
`<store>/withdrawn/<snapshot id>.json` (who, when, why) is added beside it; the snapshot is then no longer current,
and its pages say it was withdrawn and when (a withdrawn draft is a draft discarded: it never becomes public).

A snapshot's status is one of STATUSES: draft (not yet public), current (the newest public one not withdrawn: what
the pages show), superseded (public, not withdrawn, a later one is current) or withdrawn. Snapshot ids are the
period, with a version when a period is published again (a draft of it included): `2026-10`, `2026-10-v2`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from query.periods import month_name
from reports.errors import ReportError

log = logging.getLogger(__name__)
LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
MANIFEST = "manifest.json"
WITHDRAWN = "withdrawn"
MADE_PUBLIC = "public"
STATUSES = ("draft", "current", "superseded", "withdrawn")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SNAPSHOT_ID = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))(?:-v(\d+))?$")
TABLE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")   # a file name and a URL segment


def is_figure(value) -> bool:
    """A published value that is a number, not a marker ('<5', '[c]'), a text or nothing."""
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class PublishedColumn:
    key: str
    label: str
    definition: str            # what it means (the semantic layer's description for a measure)
    kind: str = "text"         # text | count | number | percent | pounds


@dataclass(frozen=True)
class PublishedTable:
    """One published table, already through disclosure control: values are numbers, text, or the markers."""

    name: str
    title: str
    description: str
    columns: tuple[PublishedColumn, ...]
    rows: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()   # footnotes: what '<5' and '[c]' mean, the period, the source

    def __post_init__(self):
        if not TABLE_NAME.fullmatch(self.name):
            raise ReportError(f"table name {self.name!r}: lower-case letters, digits and hyphens only")


@dataclass(frozen=True)
class TableFile:
    name: str
    title: str
    rows: int
    files: dict[str, str]      # {"csv": "repairs-by-ward.csv", ...}
    sha256: dict[str, str]     # {"csv": "...", "json": "..."}


@dataclass(frozen=True)
class Withdrawal:
    by: str
    at: str
    reason: str


@dataclass(frozen=True)
class MadePublic:
    by: str
    at: str


@dataclass(frozen=True)
class Snapshot:
    id: str
    period: str
    name: str
    published_at: str          # ISO 8601, UTC
    published_by: str
    data_as_of: str | None
    licence: str
    tables: tuple[TableFile, ...]
    draft: bool = False        # written as a draft (public only once made public); False in snapshots before drafts
    withdrawn: Withdrawal | None = field(default=None, compare=False)
    made_public: MadePublic | None = field(default=None, compare=False)

    @property
    def released(self) -> bool:
        """Ever made public (withdrawn or not): its public addresses answer, with the withdrawal if there is one."""
        return not self.draft or self.made_public is not None

    @property
    def public(self) -> bool:
        """Public now: made public and not withdrawn. Only these are current, listed, or a later month's month
        before."""
        return self.released and self.withdrawn is None

    def table(self, name: str) -> TableFile:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


class PublishedStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def beside(cls, warehouse: str | Path) -> PublishedStore:
        return cls(Path(warehouse).resolve().parent / "published")

    # --- writing --------------------------------------------------------------------------------------------

    def publish(self, period: str, tables: Sequence[PublishedTable], *, published_by: str, data_as_of: dt.date | None,
                name: str | None = None, now: dt.datetime | None = None, public: bool = False) -> Snapshot:
        """Write a new draft snapshot of `tables` for `period` ('YYYY-MM'); never replaces an earlier one (a draft
        of the period included: publishing again makes the next version). `public`: made public at once, by the
        same person (the record says so as for any other)."""
        if not PERIOD.fullmatch(period or ""):
            raise ReportError(f"period {period!r} is not a month: write it as YYYY-MM")
        if not tables:
            raise ReportError("nothing to publish: no tables")
        names = [table.name for table in tables]
        if len(set(names)) != len(names):
            raise ReportError("two published tables have the same name")
        self.root.mkdir(parents=True, exist_ok=True)
        at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
        # each publish writes in a folder of its own; the id is taken, and the folder renamed to it, under a lock,
        # so two publishes at once get two versions, never one folder of both
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".writing-"))
        try:
            with self._lock():
                snapshot_id = self._next_id(period)
                files = tuple(_write_table(staging, table, period, at) for table in tables)
                snapshot = Snapshot(snapshot_id, period, name or f"Published figures for {month_name(period)}",
                                    at.isoformat(), published_by, data_as_of.isoformat() if data_as_of else None,
                                    LICENCE, files, draft=True)
                (staging / MANIFEST).write_text(_manifest_text(snapshot), encoding="utf-8")
                for path in staging.iterdir():
                    path.chmod(0o444)   # read-only: nothing of ours writes a snapshot again
                staging.chmod(0o555)
                target = self.root / snapshot_id
                if target.exists():   # never over another snapshot (os.rename would take an empty folder's place)
                    raise ReportError(f"snapshot {snapshot_id} already exists")
                os.rename(staging, target)   # whole, or not at all
        finally:
            if staging.exists():
                staging.chmod(0o755)
                shutil.rmtree(staging, ignore_errors=True)
        return self.make_public(snapshot.id, by=published_by, now=at) if public else snapshot

    @contextlib.contextmanager
    def _lock(self):
        with open(self.root / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _next_id(self, period: str) -> str:
        versions = [int(m.group(2) or 1) for m in (SNAPSHOT_ID.fullmatch(p.name) for p in self._folders())
                    if m and m.group(1) == period]
        return period if not versions else f"{period}-v{max(versions) + 1}"

    def withdraw(self, snapshot_id: str, *, by: str, reason: str, now: dt.datetime | None = None) -> Snapshot:
        """Mark a snapshot withdrawn (it stays, unchanged, and says so); a second withdrawal is refused. A draft
        withdrawn is discarded: it can no longer be made public."""
        snapshot = self.get(snapshot_id)
        if snapshot.withdrawn is not None:
            raise ReportError(f"snapshot {snapshot_id} was already withdrawn on {snapshot.withdrawn.at}")
        if not reason.strip():
            raise ReportError("say why the snapshot is withdrawn: the reason is shown with it")
        self._record(WITHDRAWN, snapshot_id, asdict(Withdrawal(by, _at(now), reason.strip())),
                     f"snapshot {snapshot_id} was already withdrawn")
        return self.get(snapshot_id)

    def make_public(self, snapshot_id: str, *, by: str, now: dt.datetime | None = None) -> Snapshot:
        """Make a draft public (it becomes current if it is the newest public snapshot); its files are not
        touched. A snapshot already public, or withdrawn, is refused."""
        snapshot = self.get(snapshot_id)
        if snapshot.withdrawn is not None:
            raise ReportError(f"snapshot {snapshot_id} was withdrawn on {snapshot.withdrawn.at[:10]}: it cannot be "
                              "made public (publish the month again)")
        if snapshot.released:
            since = f" since {snapshot.made_public.at}" if snapshot.made_public else ""
            raise ReportError(f"snapshot {snapshot_id} is already public{since}")
        self._record(MADE_PUBLIC, snapshot_id, asdict(MadePublic(by, _at(now))),
                     f"snapshot {snapshot_id} is already public")
        return self.get(snapshot_id)

    def _record(self, kind: str, snapshot_id: str, record: dict, taken: str) -> None:
        """Write `<store>/<kind>/<snapshot id>.json` whole, and never over an earlier record (`taken` says so)."""
        folder = self.root / kind
        folder.mkdir(exist_ok=True)
        written = folder / f".{snapshot_id}.{os.getpid()}.writing"
        written.write_text(json.dumps(record, indent=2), encoding="utf-8")
        try:
            os.link(written, folder / f"{snapshot_id}.json")
        except FileExistsError:
            raise ReportError(taken) from None
        finally:
            written.unlink(missing_ok=True)

    # --- reading --------------------------------------------------------------------------------------------

    def _folders(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and SNAPSHOT_ID.fullmatch(p.name))

    def snapshots(self) -> list[Snapshot]:
        """Every readable snapshot, withdrawn ones included, newest period first (a later version of a period
        first). A folder that is not a snapshot (no manifest, a damaged one) is logged and passed over: one bad
        folder must not hide the others."""
        found = []
        for folder in self._folders():
            try:
                found.append(self.get(folder.name))
            except (ReportError, ValueError, KeyError, TypeError, OSError) as error:
                log.error("published store %s: %s is not a readable snapshot: %s", self.root, folder.name, error)
        return sorted(found, key=lambda s: (s.period, _version(s.id)), reverse=True)

    def current(self) -> Snapshot | None:
        """The snapshot pages show: the newest public one (made public, not withdrawn)."""
        return current_of(self.snapshots())

    def released(self) -> list[Snapshot]:
        """The snapshots the public may know of (withdrawn ones included, drafts never), newest first."""
        return [s for s in self.snapshots() if s.released]

    def get_released(self, snapshot_id: str) -> Snapshot:
        """A snapshot at its public addresses: a draft is answered as no snapshot at all (never confirmed)."""
        snapshot = self.get(snapshot_id)
        if not snapshot.released:
            raise ReportError(no_snapshot(snapshot_id))
        return snapshot

    def get(self, snapshot_id: str) -> Snapshot:
        if not SNAPSHOT_ID.fullmatch(snapshot_id or "") or not (self.root / snapshot_id / MANIFEST).is_file():
            raise ReportError(no_snapshot(snapshot_id))
        data = json.loads((self.root / snapshot_id / MANIFEST).read_text(encoding="utf-8"))
        tables = tuple(TableFile(**table) for table in data.pop("tables"))
        withdrawn, made_public = (self._read_record(kind, snapshot_id) for kind in (WITHDRAWN, MADE_PUBLIC))
        return Snapshot(**data, tables=tables, withdrawn=Withdrawal(**withdrawn) if withdrawn else None,
                        made_public=MadePublic(**made_public) if made_public else None)

    def _read_record(self, kind: str, snapshot_id: str) -> dict | None:
        path = self.root / kind / f"{snapshot_id}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def file_bytes(self, snapshot_id: str, table: str, file_format: str) -> bytes:
        """A table's file as written, checked against the manifest's SHA-256 (a changed file is refused)."""
        snapshot = self.get(snapshot_id)
        try:
            entry = snapshot.table(table)
            name, digest = entry.files[file_format], entry.sha256[file_format]
        except KeyError:
            raise ReportError(f"snapshot {snapshot_id} has no table {table!r} as {file_format!r}") from None
        content = (self.root / snapshot_id / name).read_bytes()
        if hashlib.sha256(content).hexdigest() != digest:
            raise ReportError(f"{name} of snapshot {snapshot_id} is not the file that was published")
        return content


def public_address(snapshot_id: str) -> str:
    """A public snapshot's pages (dashboards.published.pages serves them)."""
    return f"/published/{snapshot_id}/"


def draft_address(snapshot_id: str) -> str:
    """A draft's pages and files, for the data team only (the same pages, drawn the same way)."""
    return f"/published/drafts/{snapshot_id}/"


def no_snapshot(snapshot_id: str) -> str:
    return f"no published snapshot {snapshot_id!r}"


def current_of(snapshots: Sequence[Snapshot]) -> Snapshot | None:
    """The current one of `snapshots` (newest first, as PublishedStore.snapshots gives them)."""
    return next((s for s in snapshots if s.public), None)


def status(snapshot: Snapshot, current: Snapshot | None) -> str:
    """One of STATUSES, given the store's current snapshot."""
    if snapshot.withdrawn is not None:
        return "withdrawn"
    if not snapshot.released:
        return "draft"
    return "current" if current is not None and snapshot.id == current.id else "superseded"


def _at(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _version(snapshot_id: str) -> int:
    match = SNAPSHOT_ID.fullmatch(snapshot_id)
    return int(match.group(2) or 1) if match else 0


def _manifest_text(snapshot: Snapshot) -> str:
    data = asdict(snapshot)
    data.pop("withdrawn")   # withdrawal and making public live beside the snapshot, never in it
    data.pop("made_public")
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _write_table(folder: Path, table: PublishedTable, period: str, at: dt.datetime) -> TableFile:
    contents = {"csv": _csv_bytes(table), "json": _json_bytes(table, period, at)}
    files, digests = {}, {}
    for file_format, content in contents.items():
        files[file_format] = f"{table.name}.{file_format}"
        (folder / files[file_format]).write_bytes(content)
        digests[file_format] = hashlib.sha256(content).hexdigest()
    return TableFile(table.name, table.title, len(table.rows), files, digests)


def _csv_bytes(table: PublishedTable) -> bytes:
    """RFC 4180 (CRLF), UTF-8 without a byte-order mark: open data read by programs as much as by people."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(c.key) is None else row.get(c.key) for c in table.columns])
    return out.getvalue().encode("utf-8")


def _json_bytes(table: PublishedTable, period: str, at: dt.datetime) -> bytes:
    document = {"table": table.name, "title": table.title, "description": table.description, "period": period,
                "published": at.isoformat(), "licence": {"name": LICENCE, "url": LICENCE_URL},
                "columns": [asdict(column) for column in table.columns], "notes": list(table.notes),
                "rows": [{c.key: row.get(c.key) for c in table.columns} for row in table.rows]}
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode("utf-8")

"""What the audit log says of publishing, the same whichever way it was done (the command line, python -m reports,
or the app's Publishing page): a `publish` event whose detail names the snapshot (a draft, as every publish writes)
and its tables, the snapshot made public, or the snapshot withdrawn and why. Each caller writes the row with its own
who, where and address."""

from __future__ import annotations

from reports.published_store import Snapshot

EVENT = "publish"   # app_db.database.EVENTS: a publish, making public and a withdrawal alike


def published(snapshot: Snapshot) -> str:
    return f"published draft {snapshot.id}: " + ", ".join(table.name for table in snapshot.tables)


def made_public(snapshot: Snapshot) -> str:
    return f"made public {snapshot.id} ({snapshot.period})"


def withdrawn(snapshot: Snapshot) -> str:
    reason = snapshot.withdrawn.reason if snapshot.withdrawn else ""
    return f"withdrew {snapshot.id}: {reason}"

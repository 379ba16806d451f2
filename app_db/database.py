"""Reading and writing the application database; see app_db/__init__.py."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from app_db.schema import audit_events, sessions

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EVENTS = ("sign-in", "failed-sign-in", "sign-out", "session-ended", "page-view", "denied", "download", "report",
          "publish", "bookmark-saved", "bookmark-opened", "bookmark-deleted")
MIGRATION_LOCK_KEY = 7_290_451   # PostgreSQL advisory lock: this application's migrations
TEXT_LIMIT = 2000   # a selection or detail longer than this is cut: the log must not be a way to fill the disk


@dataclass(frozen=True)
class AuditEvent:
    at: dt.datetime
    username: str | None
    event: str
    path: str | None = None
    selections: str | None = None
    detail: str | None = None
    address: str | None = None


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _cut(text: str | None) -> str | None:
    return None if text is None else str(text)[:TEXT_LIMIT]


class AppDatabase:
    def __init__(self, url: str):
        self.url = url
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_settings)

    @classmethod
    def beside(cls, warehouse: Path) -> AppDatabase:
        """The default: SQLite in the warehouse's folder, which survives every rebuild of the warehouse file."""
        return cls(f"sqlite:///{Path(warehouse).resolve().parent / 'app.sqlite'}")

    def upgrade(self, revision: str = "head") -> None:
        """Apply every migration not yet applied (Alembic), so any copy of this database has today's schema (a
        test stops at an earlier `revision`, to upgrade from there).

        Several workers start at once (gunicorn) and each upgrades: one at a time, or two would both create the
        tables of a new database and one worker fail to boot. PostgreSQL: an advisory lock held for the migration's
        transaction; SQLite: a lock file beside the database."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._sqlite_migration_lock(), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.text("select pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    @contextlib.contextmanager
    def _sqlite_migration_lock(self):
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:":
            yield
            return
        with open(f"{database}.migrate-lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)   # released when the file is closed
            yield

    # --- sessions -------------------------------------------------------------------------------------------

    def start_session(self, username: str) -> str:
        """A new session's token (for the signed cookie); only its hash is stored."""
        token = secrets.token_urlsafe(32)
        at = now()
        with self.engine.begin() as connection:
            connection.execute(sessions.insert().values(token_hash=_hash(token), username=username, created_at=at,
                                                        last_seen_at=at))
        return token

    def session_user(self, token: str | None, idle: dt.timedelta, touch_after: dt.timedelta) -> str | None:
        """The username of a live session, or None (unknown, ended, or idle too long: then it is ended).
        last_seen_at is written at most every `touch_after`, not on every request."""
        if not isinstance(token, str) or not token:
            return None
        key, at = _hash(token), now()
        with self.engine.begin() as connection:
            row = connection.execute(sa.select(sessions.c.username, sessions.c.last_seen_at, sessions.c.ended_at)
                                     .where(sessions.c.token_hash == key)).first()
            if row is None or row.ended_at is not None:
                return None
            seen = _aware(row.last_seen_at)
            if at - seen > idle:
                connection.execute(sessions.update().where(sessions.c.token_hash == key)
                                   .values(ended_at=at, ended_why="idle"))
                return None
            if at - seen > touch_after:
                connection.execute(sessions.update().where(sessions.c.token_hash == key).values(last_seen_at=at))
            return row.username

    def forget_old_sessions(self, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
        """Delete sessions ended, or last seen, longer ago than `older_than` (run at start-up: the table would
        otherwise keep a row for every sign-in ever). The audit log keeps who signed in and out."""
        cutoff = now() - older_than
        with self.engine.begin() as connection:
            result = connection.execute(sessions.delete().where(
                sa.or_(sessions.c.ended_at < cutoff, sessions.c.last_seen_at < cutoff)))
        return result.rowcount

    def end_session(self, token: str | None, why: str = "signed-out") -> None:
        if isinstance(token, str) and token:
            with self.engine.begin() as connection:
                connection.execute(sessions.update().where(sessions.c.token_hash == _hash(token),
                                                           sessions.c.ended_at.is_(None))
                                   .values(ended_at=now(), ended_why=why))

    # --- audit log ------------------------------------------------------------------------------------------

    def record(self, event: str, username: str | None, path: str | None = None, selections: str | None = None,
               detail: str | None = None, address: str | None = None) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown audit event {event!r}")
        with self.engine.begin() as connection:
            connection.execute(audit_events.insert().values(
                at=now(), username=_cut(username), event=event, path=_cut(path), selections=_cut(selections),
                detail=_cut(detail), address=_cut(address)))

    def events(self, username: str | None = None, event: str | None = None, since: dt.datetime | None = None,
               until: dt.datetime | None = None, limit: int = 50, offset: int = 0) -> tuple[list[AuditEvent], int]:
        """The newest first, filtered; and how many match in all."""
        conditions = []
        if username:
            conditions.append(audit_events.c.username == username)
        if event:
            conditions.append(audit_events.c.event == event)
        if since:
            conditions.append(audit_events.c.at >= since)
        if until:
            conditions.append(audit_events.c.at < until)
        where = sa.and_(sa.true(), *conditions)
        columns = [audit_events.c[name] for name in AuditEvent.__dataclass_fields__]
        with self.engine.connect() as connection:
            total = connection.execute(sa.select(sa.func.count()).select_from(audit_events).where(where)).scalar()
            rows = connection.execute(sa.select(*columns).where(where)
                                      .order_by(audit_events.c.at.desc(), audit_events.c.event_id.desc())
                                      .limit(limit).offset(offset)).all()
        return [AuditEvent(**dict(row._mapping, at=_aware(row.at))) for row in rows], total


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _sqlite_settings(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("pragma journal_mode=wal")   # readers do not wait for a writer (several workers)
    cursor.execute("pragma busy_timeout=30000")
    cursor.close()

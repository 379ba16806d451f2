"""The application database: its migrations make exactly the tables the code reads, sessions end for good, the audit
log filters and pages, and several workers writing at once lose no row, on SQLite (the default, beside the
warehouse) and on a real PostgreSQL server the suite starts."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from app_databases import emptied

from app_db import AppDatabase
from app_db.database import TEXT_LIMIT
from app_db.schema import metadata

IDLE, TOUCH = dt.timedelta(minutes=30), dt.timedelta(seconds=60)
REPO = Path(__file__).resolve().parents[2]
HEAD = "0002"


def test_sqlite_lives_beside_the_warehouse(tmp_path):
    db = AppDatabase.beside(tmp_path / "warehouse.duckdb")
    db.upgrade()
    assert (tmp_path / "app.sqlite").exists()


def test_the_migrations_make_the_tables_the_code_reads(database):
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    database.upgrade()   # again: nothing to do, no error


def test_a_session_lives_until_signed_out(database):
    token = database.start_session("admin")
    assert database.session_user(token, IDLE, TOUCH) == "admin"
    database.end_session(token)
    assert database.session_user(token, IDLE, TOUCH) is None
    assert database.session_user("made-up", IDLE, TOUCH) is None and database.session_user(None, IDLE, TOUCH) is None


def test_only_a_hash_of_the_token_is_kept(database):
    token = database.start_session("finance")
    with database.engine.connect() as connection:
        stored = connection.execute(sa.text("select token_hash from sessions")).scalars().all()
    assert token not in stored and len(stored[0]) == 64


def test_an_idle_session_ends_and_stays_ended(database):
    token = database.start_session("admin")
    assert database.session_user(token, dt.timedelta(0), TOUCH) is None
    assert database.session_user(token, IDLE, TOUCH) is None
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("select ended_why from sessions")).scalar() == "idle"


def test_old_sessions_are_forgotten_and_live_ones_kept(database):
    old, ended, live = (database.start_session(name) for name in ("old", "ended", "live"))
    database.end_session(ended)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    with database.engine.begin() as connection:
        connection.execute(sa.text("update sessions set last_seen_at = :at where username = 'old'"), {"at": long_ago})
    assert database.forget_old_sessions() == 1   # not seen for 31 days
    with database.engine.begin() as connection:
        connection.execute(sa.text("update sessions set ended_at = :at where username = 'ended'"), {"at": long_ago})
    assert database.forget_old_sessions() == 1   # ended 31 days ago
    with database.engine.connect() as connection:
        assert connection.execute(sa.text("select username from sessions")).scalars().all() == ["live"]
    assert database.session_user(live, IDLE, TOUCH) == "live"
    assert database.session_user(old, IDLE, TOUCH) is None


def test_the_audit_log_filters_newest_first(database):
    for user, event in [("admin", "sign-in"), ("finance", "sign-in"), ("finance", "download"), (None, "denied")]:
        database.record(event, user, "/x", "?ward=Belsize", address="127.0.0.1")
    events, total = database.events()
    assert total == 4 and [e.event for e in events] == ["denied", "download", "sign-in", "sign-in"]
    events, total = database.events(username="finance")
    assert total == 2 and {e.event for e in events} == {"sign-in", "download"}
    assert database.events(event="download")[1] == 1
    assert database.events(limit=1, offset=1)[0][0].event == "download"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert database.events(since=later)[1] == 0 and database.events(until=later)[1] == 4
    assert events[0].at.tzinfo is not None and events[0].selections == "?ward=Belsize"


def test_unknown_events_are_refused_and_long_texts_cut(database):
    with pytest.raises(ValueError, match="unknown audit event"):
        database.record("drop-table", "admin")
    database.record("page-view", "admin", selections="x" * 50_000)
    assert len(database.events()[0][0].selections) == TEXT_LIMIT


UPGRADER = """
import sys
from app_db import AppDatabase
database = AppDatabase(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()   # "go": sent to every process at once, once all are ready
database.upgrade()
"""


def test_workers_starting_together_each_upgrade_a_new_database_without_failing(request, tmp_path):
    """gunicorn starts its workers at once and each brings the database up to date: on a new database they must
    take turns, or one fails to create tables another has just made and never boots."""
    for kind in ("sqlite", "postgresql"):
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        else:
            url = request.getfixturevalue("postgres_url")
            emptied(url)
        processes = [subprocess.Popen([sys.executable, "-c", UPGRADER, url], cwd=REPO, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        assert all(p.stdout.readline() == b"ready\n" for p in processes)   # every one has imported what it needs
        for process in processes:   # then all upgrade at the same moment
            process.stdin.write(b"go\n")
            process.stdin.flush()
        failures = [p.stderr.read().decode()[-500:] for p in processes if p.wait(timeout=120) != 0]
        assert failures == [], (kind, failures)
        with sa.create_engine(url).connect() as connection:
            assert connection.execute(sa.text("select version_num from alembic_version")).scalar() == HEAD


WRITER = """
import sys
from app_db import AppDatabase
db = AppDatabase(sys.argv[1])
for i in range(int(sys.argv[3])):
    db.record("page-view", sys.argv[2], "/repairs", f"?n={i}")
"""


def test_several_workers_writing_at_once_lose_no_row(database):
    """As gunicorn's workers do: separate processes, each with its own engine, writing audit rows together."""
    workers, rows = 4, 60
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, database.url, f"worker-{n}", str(rows)], cwd=REPO)
                 for n in range(workers)]
    assert all(process.wait(timeout=120) == 0 for process in processes)
    events, total = database.events(event="page-view", limit=1000)
    assert total == workers * rows
    assert {e.username for e in events} == {f"worker-{n}" for n in range(workers)}

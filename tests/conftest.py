"""Shared fixtures: a pseudonymisation key for tests, the real sample files, and one small demo warehouse
built once per test session (tests that change a warehouse copy it first)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REAL_SAMPLES = SHARED / "real-samples"
TEST_KEY = "borough-insight-test-key-0123456789"
DEMO_SEED = 7
DEMO_UNTIL = dt.date(2026, 10, 31)  # fixed so the demo is the same whatever day the tests run


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key():
    """Builds need a key from configuration; tests use a fixed one (never a production key)."""
    previous = os.environ.get("BOROUGH_INSIGHT_PSEUDONYM_KEY")
    os.environ["BOROUGH_INSIGHT_PSEUDONYM_KEY"] = TEST_KEY
    yield TEST_KEY
    if previous is None:
        os.environ.pop("BOROUGH_INSIGHT_PSEUDONYM_KEY", None)
    else:
        os.environ["BOROUGH_INSIGHT_PSEUDONYM_KEY"] = previous


@pytest.fixture(scope="session", autouse=True)
def published_views_private():
    """Tests say when the published views are public (create_app's public_views); a developer's environment
    (BOROUGH_INSIGHT_PUBLIC_VIEWS=1 for make run) must not decide it for them."""
    previous = os.environ.pop("BOROUGH_INSIGHT_PUBLIC_VIEWS", None)
    yield
    if previous is not None:
        os.environ["BOROUGH_INSIGHT_PUBLIC_VIEWS"] = previous


@pytest.fixture(scope="session")
def real_samples() -> Path:
    if not REAL_SAMPLES.is_dir():
        pytest.fail(f"the real sample files are missing: expected {REAL_SAMPLES} (shared/ beside the repo)")
    return REAL_SAMPLES


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> Path:
    """The small demo, generated once per session."""
    from etl.generate import generate

    out = tmp_path_factory.mktemp("demo") / "sources"
    generate(out, scale="small", seed=DEMO_SEED, until=DEMO_UNTIL)
    return out


@pytest.fixture(scope="session")
def demo_warehouse(demo_sources, tmp_path_factory, pseudonym_key) -> Path:
    """A warehouse built from the small demo, once per session. Treat it as read-only; copy it to change it."""
    from etl.build import build
    from etl.settings import build_settings

    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    build(demo_sources, warehouse, build_settings(), as_of=DEMO_UNTIL)
    return warehouse


@pytest.fixture
def warehouse_copy(demo_warehouse, tmp_path) -> Path:
    target = tmp_path / "warehouse.duckdb"
    shutil.copy2(demo_warehouse, target)
    return target


@pytest.fixture(scope="module")
def demo_con(demo_warehouse):
    """A read-only DuckDB connection to the session's demo warehouse."""
    import duckdb

    con = duckdb.connect(str(demo_warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server (Debian's, installed by make test) in a temporary folder on a free port, for the
    session; its SQLAlchemy URL. Run as the `postgres` user when the tests run as root (initdb refuses root)."""
    import glob
    import socket
    import subprocess
    import tempfile

    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.fail("PostgreSQL is missing: run make postgres (installs Debian's postgresql)")
    bin_dir = Path(binaries[-1])
    # its own folder under /tmp: pytest's temporary folders are closed to other users, the server's included
    folder = Path(tempfile.mkdtemp(prefix="borough-insight-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = dict(check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C.UTF-8"], **run)
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                    "-l", str(folder / "server.log"), "start"], **run)
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=60)
    shutil.rmtree(folder, ignore_errors=True)

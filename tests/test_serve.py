"""The production command (`make serve`): gunicorn with workers and threads serves the app over a warehouse, answers
pages and callbacks, a malformed request gets a 4xx, not a 500, and a warehouse published while users are clicking
is answered from without a restart and without a failed request."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from signing_in import signed_in_opener

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(warehouse: Path):
    """`make serve`'s command (2 workers x 2 threads here) over `warehouse` on a free port; yields its base URL."""
    port = free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(binary), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "app:wsgi()"],
        cwd=REPO, env={**os.environ, "BOROUGH_INSIGHT_WAREHOUSE": str(warehouse)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/", timeout=5).read()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"gunicorn exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.3)
        else:
            pytest.fail("gunicorn did not answer within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(demo_warehouse):
    with gunicorn(demo_warehouse) as url:
        yield url


def session(url: str):
    """The admin's signed-in opener for a served app (one per app, so several workers see one session)."""
    base = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
    if base not in _SESSIONS:
        _SESSIONS[base] = signed_in_opener(base)
    return _SESSIONS[base]


_SESSIONS: dict = {}


def get(url: str) -> tuple[int, str]:
    with session(url).open(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with session(url).open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_is_served(served):
    for path in ("/", "/repairs", "/adult-social-care", "/parking", "/budget", "/data-quality", "/audit-log"):
        status, html = get(served + path)
        assert status == 200 and "_dash-config" in html, path


def test_the_layout_and_dependencies_come_from_any_worker(served):
    for _ in range(6):   # requests spread over both workers
        status, text = get(served + "/_dash-dependencies")
        assert status == 200 and len(json.loads(text)) > 10


def test_a_malformed_callback_request_is_a_4xx(served):
    assert 400 <= post(served + "/_dash-update-component", b"{not json") < 500
    assert 400 <= post(served + "/_dash-update-component", json.dumps({"output": "nope.children"}).encode()) < 500


VIEW = {"page": "repairs", "type": "bi-page-view"}


def view_request(state: dict) -> bytes:
    """The request the browser sends for the repairs page's view (dashboards/components/callbacks.py page_views)."""
    lists = [{"id": {"dim": d, "page": "repairs", "type": "bi-filter"}, "property": "id",
              "value": {"dim": d, "page": "repairs", "type": "bi-filter"}} for d in ("ward", "trade")]
    return json.dumps({
        "output": '{"page":["ALL"],"type":"bi-page-view"}.data',
        "outputs": [{"id": VIEW, "property": "data"}],
        # no card's "Show" choice made (empty lists: each card shows its first measure)
        "inputs": [{"id": "bi-selection", "property": "data", "value": state}, []],
        "changedPropIds": ["bi-selection.data"],
        "state": [[{"id": VIEW, "property": "id", "value": VIEW}], lists,
                  {"id": "bi-url", "property": "pathname", "value": "/repairs"}, []],
    }).encode()


def raised(url: str, state: dict) -> tuple[int, str | None]:
    """(status, the 'Repairs raised' tile's value) of one view request."""
    request = urllib.request.Request(url + "/_dash-update-component", data=view_request(state),
                                     headers={"Content-Type": "application/json"})
    try:
        with session(url).open(request, timeout=60) as response:
            view = json.loads(response.read())["response"]['{"page":"repairs","type":"bi-page-view"}']["data"]
    except urllib.error.HTTPError as error:
        return error.code, None
    tile = next(t for t in view["tiles"] if t["id"] == "repairs-kpi-repairs_raised")
    return 200, tile["value"]


def publish_with_one_more_job(warehouse: Path) -> None:
    """As the ETL publishes: a complete new file beside the serving one, then os.replace."""
    fresh = warehouse.with_name("fresh.duckdb")
    shutil.copy2(warehouse, fresh)
    with duckdb.connect(str(fresh)) as con:
        con.execute("insert into fact_repairs_job (repairs_job_key, job_ref) values (-99, 'PUBLISHED')")
    os.replace(fresh, warehouse)


def test_a_warehouse_published_while_users_click_is_picked_up_without_a_failed_request(warehouse_copy):
    states = [{}, {"ward": ["Belsize"]}, {"trade": ["Gas"]}, {"ward": ["Kilburn"], "trade": ["Gas"]}]
    with gunicorn(warehouse_copy) as url:
        status, before = raised(url, {})
        assert status == 200
        answers: list[int] = []
        answered = threading.Condition()
        stop = threading.Event()

        def user(offset: int) -> None:
            turn = offset
            while not stop.is_set():
                status = raised(url, states[turn % len(states)])[0]
                with answered:
                    answers.append(status)
                    answered.notify_all()
                turn += 1

        def answers_reach(count: int) -> None:
            with answered:
                assert answered.wait_for(lambda: len(answers) >= count, timeout=120), "the users stopped answering"

        users = [threading.Thread(target=user, args=(i,)) for i in range(4)]
        for thread in users:
            thread.start()
        try:
            answers_reach(8)
            publish_with_one_more_job(warehouse_copy)
            published_at = len(answers)
            deadline = time.monotonic() + 120
            after = before
            while after == before and time.monotonic() < deadline:
                after = raised(url, {})[1]
            answers_reach(published_at + 8)
        finally:
            stop.set()
            for thread in users:
                thread.join(timeout=60)
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1   # the new file, with no restart
    assert len(answers) >= published_at + 8 and set(answers) == {200}      # clicks went on, none failed

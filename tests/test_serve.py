"""The production command (`make serve`): gunicorn with workers and threads serves the app over a warehouse, answers
pages and callbacks, and a malformed request gets a 4xx, not a 500."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(demo_warehouse):
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "app:wsgi()"],
        cwd=REPO, env={**os.environ, "BOROUGH_INSIGHT_WAREHOUSE": str(demo_warehouse)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=5).read()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.3)
    else:
        process.terminate()
        pytest.fail("gunicorn did not answer within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=30)


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_every_page_is_served(served):
    for path in ("/", "/repairs", "/care", "/parking", "/budget", "/data-quality"):
        status, html = get(served + path)
        assert status == 200 and "_dash-config" in html, path


def test_the_layout_and_dependencies_come_from_any_worker(served):
    for _ in range(6):   # requests spread over both workers
        status, text = get(served + "/_dash-dependencies")
        assert status == 200 and len(json.loads(text)) > 10


def test_a_malformed_callback_request_is_a_4xx(served):
    assert 400 <= post(served + "/_dash-update-component", b"{not json") < 500
    assert 400 <= post(served + "/_dash-update-component", json.dumps({"output": "nope.children"}).encode()) < 500

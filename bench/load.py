"""Load test: many users changing selections at once against the production server (gunicorn), as a bounded
client replaying the callback requests a real browser sends.

Recording: headless Chromium opens the page and clicks each of the first bars of its first bar chart, then "Clear
all"; every callback request (`/_dash-update-component`) sent after the page has loaded is kept, grouped by
interaction. Replay: each simulated user changes selection every 5 seconds for the duration, sending one recorded
interaction's requests with at most 6 at once (as a browser does per host); a selection's time is from its first
request to its last answer. Errors are answers other than 200 and failed connections. Memory is the resident size
of each gunicorn worker at the end.

With --new-selections each replayed request asks for a selection nobody has asked before (a ward and a month,
never the same twice), so every one runs its queries: the server under new selections, the harder half.

    python bench/load.py --warehouse demo/warehouse.duckdb [--users 1,5,10,25] [--seconds 60] [--new-selections]
                         [--no-write]
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import datetime as dt
import http.client
import itertools
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.browser import CHROMIUM, CHROMIUM_ARGS, Probe, first_bar_chart, gunicorn_server  # noqa: E402
from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402
from bench.sessions import USER_AGENT, session_cookie  # noqa: E402

THINK_SECONDS = 5.0
PER_USER_PARALLEL = 6


def record(url: str, spec, bars: int) -> list[list[bytes]]:
    """The callback request bodies of each interaction: a click on each of the first `bars` bars, then Clear all."""
    from playwright.sync_api import sync_playwright

    interactions: list[list[bytes]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        probe = Probe(browser, url)
        probe.load(spec.path)
        card = first_bar_chart(spec)
        current: list[bytes] = []
        probe.page.on("request", lambda r: current.append(r.post_data_buffer)
                      if "_dash-update-component" in r.url and r.post_data_buffer else None)
        for index in range(bars):
            for action in (lambda i=index: probe.click_bar(card, i), probe.clear_all):
                current.clear()
                # a chart far from the view is drawn when it nears it (page_view.js): bring it in first
                probe.interact(action, prepare=lambda: probe.in_view(card))
                interactions.append(list(current))
        probe.close()
        browser.close()
    return [i for i in interactions if i]


def send(host: str, port: int, body: bytes, cookie: str) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("POST", "/_dash-update-component", body,
                           {"Content-Type": "application/json", "Cookie": cookie, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        connection.close()


class NewSelections:
    """Rewrites a recorded request's selection into one never asked before: each ward in turn, then the next
    month (the warehouse's wards and months, read once)."""

    def __init__(self, warehouse: Path):
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as con:
            self.wards = [w for (w,) in con.execute("select ward_name from dim_ward where is_in_borough "
                                                    "order by 1").fetchall()]
            self.months = [m for (m,) in con.execute(
                "select distinct strftime(month_start, '%Y-%m') from dim_date where full_date between "
                "date '2021-04-01' and current_date order by 1 desc").fetchall()]
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def __call__(self, body: bytes) -> bytes:
        request = json.loads(body)
        with self.lock:
            n = next(self.counter)
        state = {"ward": [self.wards[n % len(self.wards)]],
                 "month": [self.months[(n // len(self.wards)) % len(self.months)]]}
        for item in request.get("inputs", []):
            if item.get("id") == "bi-selection":
                item["value"] = state
        return json.dumps(request).encode()


def user(host: str, port: int, interactions, start_at: int, until: float, times: list, errors: list,
         rewrite=None) -> None:
    cookie = session_cookie(f"http://{host}:{port}")   # each user signs in once, untimed
    with futures.ThreadPoolExecutor(PER_USER_PARALLEL) as pool:
        n = start_at
        while time.monotonic() < until:
            began = time.monotonic()
            bodies = interactions[n % len(interactions)]
            bodies = [rewrite(b) for b in bodies] if rewrite else bodies
            results = list(pool.map(lambda b: send(host, port, b, cookie), bodies))
            times.append(time.monotonic() - began)
            errors.append(results.count(False))
            n += 1
            time.sleep(max(0.0, THINK_SECONDS - (time.monotonic() - began)))


def worker_rss_mib(master_pid: int) -> list[float]:
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def run_load(url: str, interactions, users: int, seconds: float, rewrite=None) -> dict:
    parsed = urlparse(url)
    times: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=user, args=(parsed.hostname, parsed.port, interactions, i, until, times,
                                                   errors, rewrite)) for i in range(users)]
    for i, thread in enumerate(threads):
        thread.start()
        time.sleep(THINK_SECONDS / max(users, 1) * (i > 0))  # users spread over the think time, not in step
    for thread in threads:
        thread.join()
    ordered = sorted(times)
    return {"selections": len(times), "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], "errors": sum(errors),
            "requests": sum(len(interactions[i % len(interactions)]) for i in range(len(times)))}


def report(warehouse: Path, page: str, server: str, rows: dict, seconds: float, interactions, revision: str,
           redis: bool, new_selections: bool = False) -> str:
    per = statistics.median(len(i) for i in interactions)
    lines = [f"## Load test: users changing selections at once ({dt.date.today()}, commit {revision})", "",
             f"Machine: {machine()}.", "",
             f"Warehouse: `{warehouse.name}`. Server: {server}; query cache: "
             f"{'shared Redis' if redis else 'per worker (SimpleCache)'}. Page: {page}, {len(interactions)} "
             f"recorded interactions (bar clicks and Clear all, {per:.0f} callback requests each). Each user "
             f"changes selection every {THINK_SECONDS:.0f} s for {seconds:.0f} s, at most {PER_USER_PARALLEL} "
             "requests at once; a selection's time runs from its first request to its last answer. " + (
                 "Every replayed request asks for a selection nobody has asked before (a ward and a month), so its "
                 "queries run: the server under new selections." if new_selections else
                 "The replayed selections were each answered once while recording, so this is the server under "
                 "cached answers (many users on the same views); what a new selection costs is in the server "
                 "benchmark."), "",
             "| users | selections | callback requests | p50 s | p95 s | errors | worker RSS MiB (each) |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for users, r in rows.items():
        lines.append(f"| {users} | {r['selections']} | {r['requests']} | {r['p50']:.2f} | {r['p95']:.2f} | "
                     f"{r['errors']} | {', '.join(f'{m:,.0f}' for m in r['rss'])} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=REPO / "demo" / "warehouse.duckdb")
    parser.add_argument("--page", default="repairs")
    parser.add_argument("--users", default="1,5,10,25")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--bars", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--new-selections", action="store_true", help="every request a selection never asked before")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    revision = commit()
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} is missing: run `make run` once (it builds the medium demo) or pass --warehouse")
    import os

    from app import CACHE_REDIS_ENV, create_app
    from dashboards.components.spec import SPECS

    create_app({"warehouse": args.warehouse})
    spec = SPECS[args.page]
    rows = {}
    with gunicorn_server(args.warehouse, args.workers, args.threads) as url:
        interactions = record(url, spec, args.bars)
        print(f"recorded {len(interactions)} interactions", flush=True)
        master = _master_pid(url)
        rewrite = NewSelections(args.warehouse) if args.new_selections else None
        for users in map(int, args.users.split(",")):
            rows[users] = result = run_load(url, interactions, users, args.seconds, rewrite)
            result["rss"] = worker_rss_mib(master) if master else []
            print(f"{users:>3} users: {result['selections']} selections, p50 {result['p50']:.2f} s, p95 "
                  f"{result['p95']:.2f} s, errors {result['errors']}, worker RSS {result['rss']}", flush=True)
    text = report(args.warehouse, spec.title, f"gunicorn, {args.workers} workers x {args.threads} threads", rows,
                  args.seconds, interactions, revision, bool(os.environ.get(CACHE_REDIS_ENV)), args.new_selections)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


def _master_pid(url: str) -> int | None:
    """The gunicorn master listening on the URL's port (the parent of the workers)."""
    port = urlparse(url).port
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            parts = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"gunicorn" in p for p in parts) and f"127.0.0.1:{port}".encode() in parts:
            status = (cmdline.parent / "status").read_text()
            ppid = next(line.split(":")[1].strip() for line in status.splitlines() if line.startswith("PPid"))
            if not any(b"gunicorn" in p for p in (Path(f"/proc/{ppid}/cmdline").read_bytes().split(b"\0"))):
                return int(cmdline.parent.name)
    return None


if __name__ == "__main__":
    main()

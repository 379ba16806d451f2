"""Browser benchmark: first load and click-to-paint of each flagship page, as a user feels them.

The app is served over a demo warehouse (`--server dev`: the Flask server `make run` uses, in a thread of this
process; `--server gunicorn`: the production command, in its own processes) and driven by Debian's headless
Chromium. A figure runs from the navigation or the click until the page stops changing: a MutationObserver notes
the last change of anything (text, chart paths, classes, loading marks); when nothing has changed for a second, the
figure is that last change's time, so the quiet second is not counted.

Interactions per page, repeated each round, each timed on its own: a click on the first bar of the page's first bar
chart, a value of the first filter list, the removal of the first chip (its x), a ward on the map (where the page
has one), and "Clear all". A chart is scrolled into view before its click, untimed: charts far from the view are
drawn when they near it (assets/page_view.js), and a scroll is not part of a click's time. Callback requests
(`/_dash-update-component`) are counted per interaction. The service page (Housing repairs in the catalogue) has
no bar chart or map: its filter value, chip and "Clear all" only.

    python bench/browser.py --warehouse demo/warehouse.duckdb [--rounds 8] [--pages repairs,parking] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.dashboards import fact_rows  # noqa: E402  (the repo on the path first)
from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402
from bench.sessions import sign_in_page  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
QUIET_MS = 1000          # the page has stopped changing when nothing changed for this long
LIMIT_MS = 60_000        # give up waiting after this long (reported as such, never silently)
FLAGSHIP = ("repairs", "care", "parking", "budget", "service")
SERVICE_PATH = "/services/housing-repairs"
KINDS = ("bar", "filter value", "chip removal", "map area", "clear all")

# Installed before any page script: records the time of the last DOM change, for the whole life of the page.
OBSERVER = """
window.__lastChange = performance.now();
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
# Resolves with the time of the last change once something changed after `since` and the page has then been
# still for QUIET_MS with nothing loading (or null after LIMIT_MS).
SETTLED = """async ([since, quiet, limit]) => {
  const end = performance.now() + limit;
  while (performance.now() < end) {
    await new Promise(r => setTimeout(r, 50));
    const loading = document.querySelector('[data-dash-is-loading="true"]');
    const changed = window.__lastChange > since;
    if (changed && !loading && performance.now() - window.__lastChange >= quiet) return window.__lastChange;
  }
  return null;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dev_server(warehouse: Path, **settings):
    import logging

    from werkzeug.serving import make_server

    from app import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)   # one line per request would drown the figures

    server = make_server("127.0.0.1", 0, create_app({"warehouse": warehouse, **settings}).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextlib.contextmanager
def gunicorn_server(warehouse: Path, workers: int, threads: int):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--threads", str(threads), "app:wsgi()"]
    env = {**os.environ, "BOROUGH_INSIGHT_WAREHOUSE": str(warehouse)}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def first_bar_chart(spec) -> str | None:
    return next((f"{spec.name}-{c.name}" for c in spec.charts if c.kind in ("bar", "hbar")), None)


def first_map(spec) -> str | None:
    return next((f"{spec.name}-{c.name}" for c in spec.charts if c.kind == "map"), None)


def page_path(spec) -> str:
    return SERVICE_PATH if "<" in spec.path else spec.path


class Probe:
    """One page in Chromium, counting callback requests and timing until the page is still."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(OBSERVER)
        self.page = self.context.new_page()
        self.page.set_default_timeout(LIMIT_MS * 2)   # a new selection at the large scale can take seconds
        self.requests = 0
        self.request_ms = 0.0     # time the callback requests took, summed (server and network; they overlap)
        self.errors: list[str] = []
        self.page.on("request", self._count)
        self.page.on("requestfinished", self._time)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = url
        sign_in_page(self.page, url)   # untimed: a user's session exists before the figures start
        # signing in landed on the home page, which fetched Dash's bundles: forget them, so a first load is cold
        self.context.new_cdp_session(self.page).send("Network.clearBrowserCache")

    def _count(self, request) -> None:
        if "_dash-update-component" in request.url:
            self.requests += 1

    def _time(self, request) -> None:
        if "_dash-update-component" in request.url:
            self.request_ms += max(request.timing.get("responseEnd", 0.0), 0.0)

    def settle(self, since: float = -1.0) -> float | None:
        return self.page.evaluate(SETTLED, [since, QUIET_MS, LIMIT_MS])

    def load(self, path: str) -> float | None:
        self.page.goto(self.url + path, wait_until="commit")
        return self.settle()  # performance time 0 is the navigation's start

    def interact(self, action, prepare=None) -> tuple[float | None, int, float]:
        if prepare is not None:   # bringing a chart into view is a scroll, not part of the click's time
            prepare()
            self.settle()
        self.requests, self.request_ms = 0, 0.0
        start = self.page.evaluate("performance.now()")
        action()
        last = self.settle(since=start)
        return (None if last is None else last - start), self.requests, self.request_ms

    def in_view(self, card_id: str) -> None:
        """Scroll the card into view; a chart far from the view is drawn only when it nears it (page_view.js)."""
        self.page.locator(f"#{card_id}").scroll_into_view_if_needed()
        self.page.wait_for_function("id => !document.querySelector(`#${id} [data-draw=waiting]`) && "
                                    "document.querySelector(`#${id} .main-svg`)", arg=card_id)

    def click_bar(self, card_id: str, index: int = 0) -> None:
        self._click_centre(self.page.locator(f"#{card_id} .js-plotly-plot .bars path").nth(index))

    def click_map_area(self, card_id: str, index: int = 0) -> None:
        self._click_centre(self.page.locator(f"#{card_id} .js-plotly-plot path.choroplethlocation").nth(index))

    def click_filter_value(self, index: int = 1) -> None:
        # a real value, not a named one ('Last financial year'), so that runs before and after named values click
        # the same kind of value
        self.page.locator(".filter-list .filter-value:not([data-value^='@'])").nth(index).click()

    def remove_first_chip(self) -> None:
        self.page.locator("#selection-bar .chip-remove").first.click()

    def _click_centre(self, mark) -> None:
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def clear_all(self) -> None:
        self.page.locator("#selection-clear").click()

    def close(self) -> None:
        self.context.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def interactions(probe: Probe, spec) -> list[tuple[str, object, object]]:
    """One round: select by a bar, add a filter value, remove the first chip, select a ward on the map, clear.
    Each step: its kind, what brings its target into view (untimed, or None) and the timed action."""
    bar, ward_map = first_bar_chart(spec), first_map(spec)
    steps = [("bar", bar and (lambda: probe.in_view(bar)), bar and (lambda: probe.click_bar(bar))),
             ("filter value", None, probe.click_filter_value),
             ("chip removal", None, probe.remove_first_chip),
             ("map area", ward_map and (lambda: probe.in_view(ward_map)),
              ward_map and (lambda: probe.click_map_area(ward_map))),
             ("clear all", None, probe.clear_all)]
    return [step for step in steps if step[2]]


def bench_page(browser, url: str, spec, rounds: int) -> dict:
    loads, timeouts = [], 0
    taken: dict[str, list[float]] = {kind: [] for kind in KINDS}
    requests, request_ms = [], []
    for _ in range(3):                                   # first load: a fresh browser context each time
        probe = Probe(browser, url)
        value = probe.load(page_path(spec))
        loads.append(value) if value is not None else None
        probe.close()
    probe = Probe(browser, url)
    probe.load(page_path(spec))
    for _ in range(rounds):
        for kind, prepare, action in interactions(probe, spec):
            took, count, waited = probe.interact(action, prepare)
            if took is None:
                timeouts += 1
            else:
                taken[kind].append(took)
                requests.append(count)
                request_ms.append(waited)
    errors = list(probe.errors)
    probe.close()
    clicks = [t for values in taken.values() for t in values]
    return {"load_p50": statistics.median(loads) if loads else None, "p50": statistics.median(clicks),
            "p95": percentile(clicks, 0.95), "n": len(clicks), "requests": statistics.median(requests),
            "request_ms": statistics.median(request_ms),
            "kinds": {kind: (statistics.median(v), percentile(v, 0.95)) for kind, v in taken.items() if v},
            "timeouts": timeouts, "errors": len(errors)}


def report(warehouse: Path, server: str, results: dict, rounds: int, dash_version: str, revision: str,
           fact_rows: int) -> str:
    lines = [f"## Browser: first load and click-to-paint ({dt.date.today()}, commit {revision})", "",
             f"Machine: {machine()}. Chromium headless, 1280x900. Dash {dash_version}, server: {server}.", "",
             f"Warehouse: `{warehouse.name}`, {fact_rows:,} fact rows. Per page: first load (3 fresh contexts), then "
             f"{rounds} rounds of: a bar click, a filter value, a chip's removal, a ward on the map (pages with a map) "
             "and \"Clear all\"; each figure runs until the page has stopped changing for a second (that second not "
             "counted).", "",
             "| page | first load p50 ms | click-to-paint p50 ms | p95 ms | interactions | callback requests per "
             "interaction | their summed time p50 ms | timeouts | page errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for title, f in results.items():
        load = f"{f['load_p50']:,.0f}" if f["load_p50"] is not None else "–"
        lines.append(f"| {title} | {load} | {f['p50']:,.0f} | {f['p95']:,.0f} | {f['n']} | {f['requests']:.0f} | "
                     f"{f['request_ms']:,.0f} | {f['timeouts']} | {f['errors']} |")
    lines += ["", "p50 / p95 ms by kind of interaction:", "",
              "| page | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
    for title, f in results.items():
        cells = [f"{f['kinds'][k][0]:,.0f} / {f['kinds'][k][1]:,.0f}" if k in f["kinds"] else "–" for k in KINDS]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=REPO / "demo" / "warehouse.duckdb")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pages", default=",".join(FLAGSHIP))
    parser.add_argument("--server", choices=("dev", "gunicorn"), default="dev")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    revision = commit()   # the code that runs, read before the run (a commit landing meanwhile is not it)
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} is missing: run `make run` once (it builds the medium demo) or pass --warehouse")
    if args.server == "gunicorn" and not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
        sys.exit("gunicorn is not installed in this environment")
    if not shutil.which("chromium"):
        sys.exit("chromium is missing: run `make browser`")
    import dash
    from playwright.sync_api import sync_playwright

    from app import create_app
    from dashboards.components.spec import SPECS

    create_app({"warehouse": args.warehouse})                # imports the pages, which declare their specs
    specs = [SPECS[name] for name in args.pages.split(",")]
    server = (dev_server(args.warehouse) if args.server == "dev"
              else gunicorn_server(args.warehouse, args.workers, args.threads))
    results = {}
    with server as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for spec in specs:
            title = "Service page (Housing repairs)" if "<" in spec.path else spec.title
            results[title] = figures = bench_page(browser, url, spec, args.rounds)
            print(f"{title:<26} load {figures['load_p50'] or 0:,.0f} ms   click p50 {figures['p50']:,.0f} ms   "
                  f"p95 {figures['p95']:,.0f} ms   requests {figures['requests']:.0f}   timeouts "
                  f"{figures['timeouts']}", flush=True)
        browser.close()
    server_label = "Flask development server (make run)" if args.server == "dev" else (
        f"gunicorn, {args.workers} workers x {args.threads} threads")
    text = report(args.warehouse, server_label, results, args.rounds, dash.__version__, revision,
                  sum(fact_rows(args.warehouse).values()))
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

"""Published views benchmark: publishing a month (disclosure control included) at each scale, and the published
pages as a reader feels them in Chromium (from navigation start until the page has loaded), with a
baseline in the same run: the app's sign-in page, a plain Flask page with no data.

The pages read the snapshot's files, never the warehouse, so their cost cannot grow with the warehouse's rows; the
figures say whether it does not grow with anything else either (a first request reads and checks the snapshot's
files, later ones fill in a template).

Run with `make bench` (never by the tests): python bench/published.py --warehouse demo/warehouse.duckdb
--warehouse demo/large.duckdb. Prints the figures and adds them, with the machine, date and commit, to
docs/benchmarks.md."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))   # the project's packages first (bench/reports.py is not `reports`)

from bench.browser import dev_server  # noqa: E402
from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402

RUNS = 5
PAGE_RUNS = 20
CHROMIUM = "/usr/bin/chromium"


def publish_times(warehouse: Path) -> list[float]:
    from reports.published_store import PublishedStore
    from reports.publishing import publish

    times = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(RUNS + 1):
            start = time.perf_counter()
            publish(warehouse, published_by="bench", store=PublishedStore(folder))
            times.append(time.perf_counter() - start)
    return times[1:]   # the first warms the file cache


def page_times(url: str) -> list[float]:
    """Seconds from navigation until the page's load event has ended, in a fresh browser context each time."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(PAGE_RUNS + 1):
            # a new context each time: an empty browser cache, as a reader's first visit (the pages are cached
            # an hour, so a reader's second visit costs nothing)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            # the browser's own clock, navigation start to the load event's end: request, HTML, stylesheet, the
            # inline map drawn (waiting for "network idle" would add its fixed half-second quiet to every figure)
            times.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
            context.close()
        browser.close()
    return times[1:]


def row(what: str, seconds: list[float]) -> str:
    return f"| {what} | {statistics.median(seconds) * 1000:,.0f} | {max(seconds) * 1000:,.0f} |"


def pages_table(warehouse: Path) -> list[str]:
    from reports.published_store import PublishedStore
    from reports.publishing import publish

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.duckdb"   # a store of its own beside a copy: the demo's is left alone
        shutil.copy2(warehouse, copy)
        snapshot = publish(copy, published_by="bench", store=PublishedStore.beside(copy), public=True)
        with dev_server(copy, public_views=True) as base:
            pages = {"borough summary /published/": f"{base}/published/",
                     "a ward page /published/wards/kilburn": f"{base}/published/wards/kilburn",
                     "the same ward at its permanent address": f"{base}/published/{snapshot.id}/wards/kilburn",
                     "open data /published/open-data": f"{base}/published/open-data",
                     "baseline: the sign-in page (no data)": f"{base}/login"}
            return [row(what, page_times(url)) for what, url in pages.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, action="append", required=True)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    lines = [f"## Published views: publishing and the pages ({dt.date.today()}, commit {commit()})", "",
             f"Machine: {machine()}.", "",
             f"Publishing: `publishing.publish` in one process ({RUNS} runs after a warm-up): the figures read by "
             "ward through the query layer, disclosure control with its audit (linear programs), the files written.",
             "", "| warehouse | median s | slowest s |", "|---|---:|---:|"]
    for warehouse in args.warehouse:
        print(f"publishing over {warehouse} ...", flush=True)
        seconds = publish_times(warehouse)
        lines.append(f"| {warehouse.name} ({warehouse.stat().st_size / 2**20:,.0f} MiB) | "
                     f"{statistics.median(seconds):.2f} | {max(seconds):.2f} |")
    lines += ["", f"Pages in Chromium, navigation start to the load event's end, {PAGE_RUNS} visits after a warm-up, "
              f"each with an empty browser cache, over {args.warehouse[-1].name} (the pages read the snapshot, not "
              "the warehouse):", "",
              "| page | median ms | slowest ms |", "|---|---:|---:|"]
    print("timing the pages ...", flush=True)
    lines += pages_table(args.warehouse[-1])
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

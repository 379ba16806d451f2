"""Dashboard benchmark: the server time to answer a selection on each page over a demo warehouse.

A selection is answered by one call, the page's view (dashboards/components/page_view.py: every KPI tile, chart
card and filter list, their queries run side by side); this times exactly that call with the cache empty (a new
selection: every query runs on DuckDB) and again with it full (the same selection asked again: one cache read),
and times each DuckDB query of the cold calls (p50, p95, slowest). Run with `make bench` (never by the tests);
figures go to docs/benchmarks.md with the machine they ran on.

    python bench/dashboards.py [--warehouse demo/warehouse.duckdb] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402  (the repo on the path first)
from bench.sessions import signed_in_context  # noqa: E402

SELECTIONS = {"no selection": {}, "one ward": {"ward": ["Belsize"]},
              "ward and financial year": {"ward": ["Kilburn"], "financial_year": ["2025-26"]}}


QUERY_SECONDS: list[float] = []   # each DuckDB query's time while a cold view is computed


def timing_queries() -> None:
    """Time every query the query layer runs (query.compiler.run, as dashboards.components.data calls it)."""
    from query import compiler

    original = compiler.run

    def timed(query, rows):
        start = time.perf_counter()
        try:
            return original(query, rows)
        finally:
            QUERY_SECONDS.append(time.perf_counter() - start)

    compiler.run = timed


def time_page(spec, state, repeats: int) -> dict:
    from dashboards.components import data
    from dashboards.components.page_view import page_view

    cold, warm, queries = [], [], []
    for _ in range(repeats):
        data.cache.clear()
        QUERY_SECONDS.clear()
        start = time.perf_counter()
        page_view(spec, state)
        cold.append(time.perf_counter() - start)
        queries += QUERY_SECONDS
        start = time.perf_counter()
        page_view(spec, state)
        warm.append(time.perf_counter() - start)
    parts = len(spec.kpis) + len(spec.charts) + len(spec.filters) + 1   # and the selection bar
    return {"parts": parts, "cold": statistics.median(cold), "warm": statistics.median(warm),
            "queries": len(queries) // repeats, "query_p50": percentile(queries, 0.5),
            "query_p95": percentile(queries, 0.95), "query_max": max(queries)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def fact_rows(warehouse: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_name like 'fact_%' order by 1").fetchall()]
        return {name: con.execute(f'select count(*) from "{name}"').fetchall()[0][0] for name in names}


def report(warehouse: Path, results: dict, repeats: int) -> str:
    rows = fact_rows(warehouse)
    lines = [f"## Dashboards: answering a selection ({dt.date.today()}, commit {commit()})", "",
             f"Machine: {machine()}.", "",
             f"Warehouse: `{warehouse.name}`, {sum(rows.values()):,} fact rows "
             f"(largest: {', '.join(f'{k} {v:,}' for k, v in sorted(rows.items(), key=lambda kv: -kv[1])[:3])}).",
             "", f"Median of {repeats} runs; server time to answer the page's view (every KPI tile, chart, filter "
             "list and the chips, in one call); the queries are those of the cold calls.",
             "", "| page | selection | parts | new selection (cache empty) s | same selection again (cached) ms | "
             "queries | query p50 ms | query p95 ms | slowest query ms |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (page, selection), f in results.items():
        lines.append(f"| {page} | {selection} | {f['parts']} | {f['cold']:.2f} | {f['warm'] * 1000:.1f} | "
                     f"{f['queries']} | {f['query_p50'] * 1000:.0f} | {f['query_p95'] * 1000:.0f} | "
                     f"{f['query_max'] * 1000:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=REPO / "demo" / "warehouse.duckdb")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} is missing: run `make run` once (it builds the medium demo) or pass --warehouse")
    from app import create_app
    from dashboards.components.spec import SPECS

    app = create_app({"warehouse": args.warehouse})
    timing_queries()
    results = {}
    with signed_in_context(app, "/"):
        # pages drawn from their spec (the service page draws itself: its spec only routes clicks)
        for spec in [s for s in SPECS.values() if (s.charts or s.kpis) and "<" not in s.path]:
            for label, state in SELECTIONS.items():
                results[(spec.title, label)] = time_page(spec, state, args.repeats)
                figures = results[(spec.title, label)]
                print(f"{spec.title:<28} {label:<26} cold {figures['cold']:.2f} s   cached {figures['warm']:.4f} s   "
                      f"query p50 {figures['query_p50'] * 1000:.0f} ms p95 {figures['query_p95'] * 1000:.0f} ms",
                      flush=True)
    text = report(args.warehouse, results, args.repeats)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

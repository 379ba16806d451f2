"""Dashboard benchmark: the server time to answer a selection on each page over a demo warehouse.

A click re-renders every KPI tile, chart card and filter list of the page; this times exactly those renders (the
same functions the callbacks call), with the query cache empty (a new selection: every query runs on DuckDB) and
again with it full (the same selection asked again: the baseline, what Flask-Caching saves). Run with `make bench`
(never by the tests); figures go to docs/benchmarks.md with the machine they ran on.

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

SELECTIONS = {"no selection": {}, "one ward": {"ward": ["Belsize"]},
              "ward and financial year": {"ward": ["Kilburn"], "financial_year": ["2025-26"]}}


def render_page(spec, state) -> int:
    """Render what a selection change re-renders; returns how many parts were drawn."""
    from dashboards.components import cards, filters, kpi

    for tile in spec.kpis:
        kpi.render(spec, tile, state)
    for chart in spec.charts:
        cards.render(spec, chart, state)
    for dimension in spec.filters:
        filters.render_values(spec, dimension, state)
    return len(spec.kpis) + len(spec.charts) + len(spec.filters)


def time_page(spec, state, repeats: int) -> dict:
    from dashboards.components import data

    cold, warm = [], []
    for _ in range(repeats):
        data.cache.clear()
        start = time.perf_counter()
        parts = render_page(spec, state)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_page(spec, state)
        warm.append(time.perf_counter() - start)
    return {"parts": parts, "cold": statistics.median(cold), "warm": statistics.median(warm)}


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
             "", f"Median of {repeats} runs; server time to render every KPI tile, chart and filter list of the page.",
             "", "| page | selection | parts | new selection (cache empty) s | baseline: same selection again "
             "(cached) s |", "|---|---|---:|---:|---:|"]
    for (page, selection), figures in results.items():
        lines.append(f"| {page} | {selection} | {figures['parts']} | {figures['cold']:.2f} | {figures['warm']:.3f} |")
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
    results = {}
    with app.server.test_request_context("/"):
        # pages drawn from their spec (the service page draws itself: its spec only routes clicks)
        for spec in [s for s in SPECS.values() if (s.charts or s.kpis) and "<" not in s.path]:
            for label, state in SELECTIONS.items():
                results[(spec.title, label)] = time_page(spec, state, args.repeats)
                figures = results[(spec.title, label)]
                print(f"{spec.title:<28} {label:<26} cold {figures['cold']:.2f} s   warm {figures['warm']:.3f} s",
                      flush=True)
    text = report(args.warehouse, results, args.repeats)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

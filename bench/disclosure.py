"""Disclosure control over a demo's whole history: every month published in order into one store, as a council
would publish them, each snapshot then audited by the intruder of tests/intruder.py (written independently of
reports/disclosure.py, from the published files alone). Prints, per warehouse, the months refused, the "[c]" counts
a month, the ward shares shown, the borough headlines hidden, the seconds a publish takes and the promises broken
(there must be none).

Run with `make bench` (never by the tests): python bench/disclosure.py --warehouse demo/warehouse.duckdb
[--from 2023-01]. Adds the figures, with the machine, date and commit, to docs/benchmarks.md."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))   # the intruder the tests use

from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402


def months_of(warehouse: Path, first: str) -> list[str]:
    from query.reading import data_as_of, read_only
    from reports.publishing import default_month

    with read_only(warehouse) as con:
        last = default_month(data_as_of(con))
    found, year, month = [], *map(int, first.split("-"))
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def history(warehouse: Path, first: str) -> dict:
    from intruder import broken_promises, read_snapshot, reader_of

    from data_models.semantic_layer import load_semantic_layer
    from query.reading import read_only
    from reports.errors import ReportError
    from reports.published_store import PublishedStore
    from reports.published_views import BOROUGH, load_views, read_figures
    from reports.publishing import publish

    layer = load_semantic_layer()
    views = load_views(layer)
    spec_of = {t.name: t for t in views.tables}
    result = {"months": 0, "refused": [], "secondary": [], "shares": 0, "shown": 0, "headlines": 0,
              "hidden_headlines": 0, "seconds": [], "broken": []}
    with tempfile.TemporaryDirectory() as folder:
        store = PublishedStore(Path(folder))
        for month in months_of(warehouse, first):
            result["months"] += 1
            started = time.perf_counter()
            try:
                snapshot = publish(warehouse, published_by="bench", month=month, store=store, public=True)
            except ReportError:
                result["refused"].append(month)
                continue
            result["seconds"].append(time.perf_counter() - started)
            documents = read_snapshot(store, snapshot)
            with read_only(warehouse) as con:
                adds = {}
                for spec in views.tables:
                    figures = read_figures(con, layer, spec, month)
                    for m in spec.counts:
                        adds[(spec.name, m)] = (sum(v[m] or 0 for k, v in figures.rows.items() if k != BOROUGH)
                                                == (figures.rows[BOROUGH][m] or 0))
            reader, hidden = reader_of(documents, spec_of, lambda table, m, adds=adds: adds[(table, m)])
            alone, _ = reader_of(documents, spec_of, lambda table, m, adds=adds: adds[(table, m)], hide_figures=True)
            result["broken"] += [(month, *b) for b in broken_promises(reader, alone, hidden)]
            count_secondary(result, documents)
    return result


def count_secondary(result: dict, documents: dict) -> None:
    secondary = 0
    for name, document in documents.items():
        kinds = {c["key"]: c.get("kind") for c in document["columns"]}
        for row in document["rows"]:
            if name == "borough-headlines":
                result["headlines"] += 1
                result["hidden_headlines"] += isinstance(row["value"], str)
                continue
            for key, value in row.items():
                secondary += kinds.get(key) == "count" and value == "[c]"
                if kinds.get(key) == "percent" and value is not None and not row["area"].startswith("Camden"):
                    result["shares"] += 1
                    result["shown"] += not isinstance(value, str)
    result["secondary"].append(secondary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, action="append", required=True)
    parser.add_argument("--from", dest="first", default="2023-01", help="the first month published (YYYY-MM)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    lines = [f"## Disclosure control over the whole history ({dt.date.today()}, commit {commit()})", "",
             f"Machine: {machine()}.", "",
             f"Every month from {args.first} published in order into one store, each snapshot audited by the "
             "independent intruder (tests/intruder.py) from its files alone.", "",
             "| warehouse | months | refused | `[c]` counts a month | ward shares shown | borough headlines hidden "
             "| publish median s | promises broken |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for warehouse in args.warehouse:
        print(f"publishing every month of {warehouse} ...", flush=True)
        found = history(warehouse, args.first)
        secondary = statistics.mean(found["secondary"]) if found["secondary"] else 0
        seconds = statistics.median(found["seconds"]) if found["seconds"] else 0
        lines.append(f"| {warehouse.name} | {found['months']} | {len(found['refused'])} | {secondary:.1f} | "
                     f"{found['shown']} of {found['shares']} | {found['hidden_headlines']} of {found['headlines']} "
                     f"| {seconds:.1f} | {len(found['broken'])} |")
        if found["broken"]:
            print(json.dumps(found["broken"][:10], default=str))
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

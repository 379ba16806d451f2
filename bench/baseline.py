"""Baseline: a page's numbers computed as a plain Dash app would, with pandas over in-memory frames, against this
app's page view (DuckDB through the query layer), for the same selections, in the same run.

The plain app loads the page's facts (with the date and ward labels it filters on) into DataFrames at start-up and,
per selection, masks them and groups: the KPI counts, each chart's counts and each filter list's possible counts
(every other selection applied, as a filter list shows). That is a subset of what the page view computes (no
sparklines, sums, rates or figures), so the ratio flatters the baseline. The two agree on the numbers they share:
the check below compares the counts by trade (repairs) and by zone (parking) with the page's own.

    python bench/baseline.py --warehouse demo/warehouse.duckdb [--repeats 3] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.dashboards import fact_rows  # noqa: E402  (the repo on the path first)
from bench.etl import append_to_benchmarks, commit, machine  # noqa: E402
from bench.sessions import signed_in_context  # noqa: E402

SELECTIONS = [{}, {"ward": ["Belsize"]}, {"ward": ["Belsize"], "financial_year": ["2025-26"]}]

# The page's filter dimensions as columns of the plain app's frame.
REPAIRS_COLUMNS = {"financial_year": "financial_year", "month": "month", "ward": "ward", "priority": "priority_code",
                   "trade": "trade", "contractor": "contractor"}
PARKING_COLUMNS = {"financial_year": "financial_year", "month": "month", "ward": "ward", "zone": "zone",
                   "contravention": "contravention_code", "vehicle_group": "vehicle_group",
                   "status_group": "status_group", "ticket_type": "ticket_group"}

REPAIRS_SQL = """
select f.*, d.financial_year, strftime(d.month_start, '%Y-%m') as month, w.ward_name as ward
from fact_repairs_job f left join dim_date d on d.date_key = f.raised_date_key
left join dim_ward w on w.ward_key = f.ward_key"""
PCN_SQL = """
select f.* replace (coalesce(f.zone, 'No zone') as zone), f.ticket_type_group as ticket_group, v.vehicle_group,
       d.financial_year, strftime(d.month_start, '%Y-%m') as month, w.ward_name as ward
from fact_pcn f left join dim_date d on d.date_key = f.issued_date_key
left join dim_ward w on w.ward_key = f.ward_key
left join dim_vehicle_category v on v.vehicle_category_key = f.vehicle_category_key
where f.organisation_key in (select organisation_key from dim_organisation where is_home_council)"""
BAYS_SQL = """
select f.arrival_hour, d.day_name, d.financial_year, strftime(d.month_start, '%Y-%m') as month, w.ward_name as ward
from fact_bay_session f left join dim_date d on d.date_key = f.arrival_date_key
left join dim_ward w on w.ward_key = f.ward_key"""


def load_frames(warehouse: Path) -> dict:
    """What the plain app holds in memory: each fact with its labels, read once at start-up."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {"repairs": con.execute(REPAIRS_SQL).df(), "pcn": con.execute(PCN_SQL).df(),
                "bays": con.execute(BAYS_SQL).df()}


def mask(frame, state: dict, columns: dict, leave_out: str | None = None):
    keep = None
    for dimension, values in state.items():
        if dimension == leave_out or dimension not in columns or columns[dimension] not in frame:
            continue
        part = frame[columns[dimension]].astype(str).isin(values)
        keep = part if keep is None else keep & part
    return keep


def _rows(frame, keep):
    return frame if keep is None else frame[keep]


def filter_counts(frame, state: dict, columns: dict) -> dict:
    """Each filter list's possible counts: every selection but the list's own applied."""
    return {d: _rows(frame, mask(frame, state, columns, leave_out=d))[c].value_counts()
            for d, c in columns.items()}


def repairs_page(frames: dict, state: dict) -> dict:
    jobs = frames["repairs"]
    rows = _rows(jobs, mask(jobs, state, REPAIRS_COLUMNS))
    open_jobs = rows[rows["is_open"]]
    return {
        "kpis": {"raised": len(rows), "completed": int(rows["is_completed"].sum()), "open": len(open_jobs),
                 "overdue": int(rows["is_overdue"].sum())},
        "by_priority": rows["priority_code"].value_counts(), "by_trade": rows["trade"].value_counts(),
        "by_contractor": rows["contractor"].value_counts(),
        "by_age": open_jobs["backlog_age_band"].value_counts(),
        "overdue_by_ward": rows[rows["is_overdue"]]["ward"].value_counts(),
        "by_month": rows.groupby(["financial_year", "month"]).size(),
        "filters": filter_counts(jobs, state, REPAIRS_COLUMNS),
    }


def parking_page(frames: dict, state: dict) -> dict:
    pcns, bays = frames["pcn"], frames["bays"]
    rows = _rows(pcns, mask(pcns, state, PARKING_COLUMNS))
    stays = _rows(bays, mask(bays, state, PARKING_COLUMNS))
    return {
        "kpis": {"issued": len(rows), "charged": float(rows["amount_charged_pounds"].sum()),
                 "paid": float(rows["amount_paid_pounds"].sum())},
        "by_month": rows.groupby("month").size(), "by_status": rows["status_group"].value_counts(),
        "by_vehicle": rows["vehicle_group"].value_counts(), "by_ward": rows["ward"].value_counts(),
        "by_zone": rows["zone"].value_counts(), "by_contravention": rows["contravention_code"].value_counts(),
        "occupancy": stays.groupby(["arrival_hour", "day_name"]).size(),
        "filters": filter_counts(pcns, state, PARKING_COLUMNS),
    }


PAGES = {"repairs": (repairs_page, "by-trade", "by_trade"), "parking": (parking_page, "by-zone", "by_zone")}


def timed(repeats: int, function, *args) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cold_view(spec, state: dict) -> dict:
    """The page view with the query cache emptied first: a selection nobody has asked for."""
    from dashboards.components import data
    from dashboards.components.page_view import page_view

    data.cache.clear()
    return page_view(spec, state)


def memory_mib(frames: dict) -> float:
    return sum(frame.memory_usage(deep=True).sum() for frame in frames.values()) / 2**20


def run(warehouse: Path, repeats: int) -> tuple[list[dict], float, float]:
    from app import create_app
    from dashboards.components import cards
    from dashboards.components.page_view import page_view
    from dashboards.components.spec import SPECS

    start = time.perf_counter()
    frames = load_frames(warehouse)
    load_seconds = time.perf_counter() - start
    app = create_app({"warehouse": warehouse})
    results = []
    with signed_in_context(app, "/"):
        for name, (compute, card, key) in PAGES.items():
            spec = SPECS[name]
            for state in SELECTIONS:
                plain, answer = timed(repeats, compute, frames, state)
                ours, _ = timed(repeats, cold_view, spec, state)
                cached, _ = timed(repeats, page_view, spec, state)
                shown = {r["value"]: r[spec.chart(card).measures[0]] for r in
                         cards.chart_rows(spec.chart(card), state)[0]}
                expected = {str(k): int(v) for k, v in answer[key].items()}
                if shown != expected:
                    raise SystemExit(f"{name} {state}: the baseline's {key} differs from the page's")
                results.append({"page": spec.title, "state": state, "plain": plain, "ours": ours, "cached": cached})
                print(f"{spec.title:<18} {state!s:<55} pandas {plain * 1000:7.0f} ms   ours cold {ours * 1000:6.0f} "
                      f"ms   cached {cached * 1000:5.1f} ms", flush=True)
    return results, load_seconds, memory_mib(frames)


def report(warehouse: Path, results: list[dict], load_seconds: float, memory: float, repeats: int) -> str:
    lines = [f"## Baseline: a plain Dash app's pandas against the page view ({time.strftime('%Y-%m-%d')}, "
             f"commit {commit()})", "", f"Machine: {machine()}.", "",
             f"Warehouse: `{warehouse.name}`, {sum(fact_rows(warehouse).values()):,} fact rows. The plain app holds "
             f"the repairs, PCN and bay-stay facts with their labels in memory: {memory:,.0f} MiB, read in "
             f"{load_seconds:.1f} s at start-up (per worker). Median of {repeats}; ours cold = query cache emptied "
             "first.", "",
             "| page | selection | pandas (subset of the page) ms | page view, cold ms | page view, cached ms | "
             "pandas / ours cold (below 1: pandas faster) |", "|---|---|---:|---:|---:|---:|"]
    for r in results:
        selection = ", ".join(f"{k}={'+'.join(v)}" for k, v in r["state"].items()) or "none"
        lines.append(f"| {r['page']} | {selection} | {r['plain'] * 1000:,.0f} | {r['ours'] * 1000:,.0f} | "
                     f"{r['cached'] * 1000:,.1f} | {r['plain'] / r['ours']:.1f}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=REPO / "demo" / "warehouse.duckdb")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"{args.warehouse} is missing: run `make run` once (it builds the medium demo) or pass --warehouse")
    results, load_seconds, memory = run(args.warehouse, args.repeats)
    text = report(args.warehouse, results, load_seconds, memory, args.repeats)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

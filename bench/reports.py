"""Reports benchmark: the budget monitoring pack (Excel, PDF, burst) and the Transparency Code file, timed as the
data team runs them (`python -m reports ...` from a shell: interpreter start-up and imports included), with a
baseline in the same run: pandas' DataFrame.to_excel of the same cost-centre lines (no formats, no totals, one
sheet) and LibreOffice printing our workbook to PDF.

Run with `make bench` (never by the tests): python bench/reports.py --warehouse demo/warehouse.duckdb
--warehouse demo/large.duckdb. Prints the figures and adds them, with the machine, date and commit, to
docs/benchmarks.md. Issue 10's targets at the large scale: Excel within 5 s, PDF within 15 s."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from etl import append_to_benchmarks, commit, machine  # noqa: E402 - bench/etl.py, beside this script

RUNS = 5
BASELINE_CHILD = """
import sys, duckdb, pandas as pd
con = duckdb.connect(sys.argv[1], read_only=True)
month = con.execute("select max(month_key) from fact_budget_monthly").fetchall()[0][0]
frame = con.execute('''
    select d.directorate_name, s.service_name, c.cost_centre_code, c.cost_centre_name,
           sum(annual_budget_pounds) annual_budget, sum(budget_to_date_pounds) budget_to_date,
           sum(actual_to_date_pounds) actual_to_date, sum(forecast_outturn_pounds) forecast_outturn,
           sum(variance_pounds) variance
    from fact_budget_monthly f join dim_directorate d using (directorate_key) join dim_service s using (service_key)
    join dim_cost_centre c using (cost_centre_key) where month_key = ? group by all order by all''', [month]).df()
frame.to_excel(sys.argv[2], index=False, engine="openpyxl")
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO, capture_output=True, text=True)
    return time.perf_counter() - start


def runs(command: list[str], count: int = RUNS) -> list[float]:
    timed(command)   # a first run warms the file cache; the figures are the runs after it
    return [timed(command) for _ in range(count)]


def row(what: str, seconds: list[float], target: str = "") -> str:
    return (f"| {what} | {statistics.median(seconds):.2f} | {max(seconds):.2f} | {target} |")


def bench(warehouse: Path, out: Path) -> list[str]:
    python = [sys.executable, "-m", "reports"]
    pack = [*python, "budget-pack", "--warehouse", str(warehouse), "--out", str(out)]
    figures = {
        "Excel pack, every service": runs([*pack, "--format", "xlsx"]),
        "PDF pack, every service (charts by kaleido)": runs([*pack, "--format", "pdf"]),
        "Excel packs, burst to each service manager": runs([*pack, "--format", "xlsx", "--burst"]),
        "Transparency Code file, latest quarter": runs([*python, "transparency", "--warehouse", str(warehouse),
                                                        "--out", str(out)]),
        "baseline: pandas to_excel of the same lines (no formats, no totals)": runs(
            [sys.executable, "-c", BASELINE_CHILD, str(warehouse), str(out / "baseline.xlsx")]),
    }
    [workbook] = sorted(out.glob("budget-pack-????-??.xlsx"))
    soffice = shutil.which("soffice")
    if soffice:
        figures["baseline: LibreOffice printing our workbook to PDF"] = runs(
            [soffice, f"-env:UserInstallation=file://{out / 'lo'}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out / "lo-pdf"), str(workbook)])
    targets = {"Excel pack, every service": "≤ 5 s at large", "PDF pack, every service (charts by kaleido)":
               "≤ 15 s at large"}
    return [row(what, seconds, targets.get(what, "")) for what, seconds in figures.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, action="append", required=True)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    lines = [f"## Reports: budget packs and the Transparency Code file ({dt.date.today()}, commit {commit()})", "",
             f"Machine: {machine()}.", "",
             f"Each figure is `python -m reports ...` run from a shell, {RUNS} runs after a warm-up (interpreter "
             "start-up and imports included, about a second of each).", ""]
    for warehouse in args.warehouse:
        with tempfile.TemporaryDirectory() as folder:
            print(f"timing the reports over {warehouse} ...", flush=True)
            table = bench(warehouse, Path(folder))
        lines += [f"### {warehouse.name} ({warehouse.stat().st_size / 2**20:,.0f} MiB)", "",
                  "| report | median s | slowest s | target |", "|---|---:|---:|---|", *table, ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

"""ETL benchmark: build the large demo and, in the same run, a pandas -> SQLite baseline over the same files.

Run with `make bench` (never by the tests). Prints records per second per stage and peak memory, and writes the
figures with the machine they ran on to docs/benchmarks.md. Each side runs in its own process so that its peak
memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "build" / "bench"
BUILD_CHILD = """
import json, resource, sys, time
from pathlib import Path
from etl.build import build
from etl.settings import build_settings
start = time.perf_counter()
result = build(Path(sys.argv[1]), Path(sys.argv[2]), build_settings())
print(json.dumps({"seconds": time.perf_counter() - start, "stages": result.stage_seconds,
                  "files": len(result.files), "read": result.total("rows_read"),
                  "loaded": result.total("rows_loaded"), "rejected": result.total("rows_rejected"),
                  "blank": result.total("rows_blank"), "tables": result.table_rows, "models": result.model_seconds,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
BASELINE_CHILD = """
import json, resource, sqlite3, sys, time
from pathlib import Path
import pandas as pd
start = time.perf_counter()
sources, target = Path(sys.argv[1]), Path(sys.argv[2])
con = sqlite3.connect(target)
rows, tables = 0, {}
for path in sorted(sources.rglob("*")):
    if path.suffix == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
        frames = [frame]
    elif path.suffix == ".xlsx":
        frames = list(pd.read_excel(path, sheet_name=None, dtype=str, header=2, engine="calamine").values())
    else:
        continue
    folder = path.parent.relative_to(sources).as_posix().replace("/", "_").replace("-", "_") or "root"
    for frame in frames:
        # one table per folder and header, as a hand-written loader would do it
        table = tables.setdefault((folder, tuple(frame.columns)), f"{folder}_{len(tables)}")
        frame.to_sql(table, con, if_exists="append", index=False)
        rows += len(frame)
con.commit()
con.close()
print(json.dumps({"seconds": time.perf_counter() - start, "read": rows,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, *args: str) -> dict:
    """Run a measured step in a fresh process, which reports its own time and peak memory (max RSS) as JSON."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"benchmark step failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ensure_sources(data: Path, scale: str, seed: int) -> Path:
    sources = data / f"sources-{scale}"
    if not (sources / "_manifest.json").exists():
        print(f"generating the {scale} demo into {sources} ...", flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "etl", "generate", "--out", str(sources), "--scale", scale,
                        "--seed", str(seed), "--until", "2026-10"], check=True, cwd=REPO)
        print(f"generated in {time.perf_counter() - start:.0f} s")
    return sources


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}")


def commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    return proc.stdout.strip() or "unknown"


def append_to_benchmarks(text: str) -> None:
    """Add a run's section at the end of docs/benchmarks.md (every bench script records its figures there)."""
    path = REPO / "docs" / "benchmarks.md"
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    path.write_text(existing.rstrip() + "\n\n" + text, encoding="utf-8")
    print(f"written to {path}")


def slowest(timings: dict[str, float], count: int = 5) -> list[tuple[str, float]]:
    return sorted(timings.items(), key=lambda kv: -kv[1])[:count]


def report(scale: str, ours: dict, base: dict) -> str:
    read = ours["read"]
    lines = [
        f"## ETL build, {scale} demo ({dt.date.today()}, commit {commit()})",
        "",
        f"Machine: {machine()}.",
        "",
        f"Sources: {ours['files']:,} files, {read:,} records read; {ours['loaded']:,} loaded, "
        f"{ours['rejected']:,} rejected, {ours['blank']:,} blank.",
        "",
        "| step | seconds | records/s |",
        "|---|---:|---:|",
    ]
    for stage, seconds in ours["stages"].items():
        lines.append(f"| {stage} | {seconds:.1f} | {read / seconds:,.0f} |" if seconds else f"| {stage} | 0 | - |")
    lines += [
        f"| **build, end to end** | **{ours['seconds']:.1f}** | **{read / ours['seconds']:,.0f}** |",
        f"| baseline: pandas read_csv -> SQLite (same files, text only, no checks) | {base['seconds']:.1f} | "
        f"{base['read'] / base['seconds']:,.0f} |",
        "",
        "Slowest SQL models: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest(ours["models"])) + ".",
        "",
        f"Peak memory (max RSS of the process): build {ours['peak_mib']:,.0f} MiB; "
        f"baseline {base['peak_mib']:,.0f} MiB.",
        f"Speed-up over the baseline: {base['seconds'] / ours['seconds']:.1f}x "
        "(the build also validates, casts, runs the SQL models and data tests, and publishes).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    sources = ensure_sources(args.data, args.scale, args.seed)
    with tempfile.TemporaryDirectory(dir=args.data) as work:
        print("building the warehouse ...", flush=True)
        ours = run_child(BUILD_CHILD, str(sources), str(Path(work) / "warehouse.duckdb"))
        print("running the pandas -> SQLite baseline ...", flush=True)
        base = run_child(BASELINE_CHILD, str(sources), str(Path(work) / "baseline.sqlite"))
    text = report(args.scale, ours, base)
    print(text)
    if not args.no_write:
        append_to_benchmarks(text)


if __name__ == "__main__":
    main()

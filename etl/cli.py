"""Command line: python -m etl {generate,build,rejects}.

Bad data and bad configuration end with a plain message and a non-zero exit, never a traceback. An unexpected
error (a bug) also ends with a message; its traceback goes to a log file the message names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import traceback
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False, highlight=False)
    try:
        return args.handler(args, console)
    except KeyboardInterrupt:
        console.print("interrupted: nothing was published; the serving warehouse is unchanged")
        return EXIT_FAILED
    except Exception as exc:  # the last line of defence: a readable message, the traceback in a file
        log = Path(tempfile.gettempdir()) / f"borough-insight-error-{dt.datetime.now():%Y%m%d-%H%M%S}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}\n(details for the developers: {log})")
        return EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Borough Insight ETL")
    commands = parser.add_subparsers(required=True, metavar="command")

    generate = commands.add_parser("generate", help="write demo source files")
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--until", type=_month_end, help="last month covered, YYYY-MM (default: last complete)")
    generate.set_defaults(handler=_generate)

    build = commands.add_parser("build", help="load a sources folder into a new warehouse and publish it")
    build.add_argument("--sources", type=Path, required=True)
    build.add_argument("--warehouse", type=Path, required=True)
    build.add_argument("--force", action="store_true", help="publish even if a table shrinks sharply")
    build.add_argument("--as-of", type=dt.date.fromisoformat, help="measure open/overdue work to this date")
    build.add_argument("--quiet", action="store_true", help="no progress display")
    build.set_defaults(handler=_build)

    rejects = commands.add_parser("rejects", help="list the rejected records of the last load")
    rejects.add_argument("--warehouse", type=Path, required=True)
    rejects.add_argument("--file", help="only records of source files whose path contains this text")
    rejects.add_argument("--limit", type=int, default=50)
    rejects.set_defaults(handler=_rejects)
    return parser


def _month_end(text: str) -> dt.date:
    try:
        first = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-10") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _generate(args, console: Console) -> int:
    from etl.generate import generate

    summary = generate(args.out, scale=args.scale, seed=args.seed, until=args.until,
                       progress=lambda message: console.print(f"  {message}"))
    console.print(f"wrote {len(summary):,} files, {sum(summary.values()):,} records, to {args.out}")
    return EXIT_OK


def _build(args, console: Console) -> int:
    from etl.build import BuildError, build
    from etl.layouts import LayoutConfigError
    from etl.settings import SettingsError, build_settings

    try:
        settings = build_settings()
        reporter = _QuietReporter(console) if args.quiet or not console.is_terminal else _RichReporter(console)
        with reporter:
            result = build(args.sources, args.warehouse, settings, force=args.force, as_of=args.as_of,
                           reporter=reporter)
    except (BuildError, LayoutConfigError, SettingsError) as exc:
        failed = getattr(exc, "result", None)
        if failed is not None and failed.files:  # which files were bad matters most when a load fails
            print(summary_table(failed), flush=True)
        console.print(f"[bold red]build failed:[/] {exc}")
        console.print("the serving warehouse is unchanged")
        return EXIT_FAILED
    print(summary_table(result), flush=True)
    console.print(f"published {result.warehouse} (run {result.run_id}, data as of {result.data_as_of}): "
                  f"{result.total('rows_read'):,} records read, {result.total('rows_loaded'):,} loaded, "
                  f"{result.total('rows_rejected'):,} rejected, {result.total('rows_blank'):,} blank; "
                  + ", ".join(f"{k} {v:.1f}s" for k, v in result.stage_seconds.items()))
    for name in result.passed_over:
        console.print(f"passed over (not a CSV or workbook): {name}")
    return EXIT_OK


def summary_table(result) -> str:
    """Per file: layout, records read, loaded, rejected, blank, and why a file was not loaded.

    Plain text, not a rich Table: a drop folder can hold thousands of files and rich measures every cell."""
    headings = ("file", "layout", "read", "loaded", "rejected", "blank", "note")
    rows = [(r.source_file, r.layout or "-", f"{r.rows_read:,}", f"{r.rows_loaded:,}", f"{r.rows_rejected:,}",
             f"{r.rows_blank:,}", r.message) for r in sorted(result.files, key=lambda r: r.source_file)]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headings[:-1])]

    def line(cells) -> str:
        padded = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))]
        return "  ".join(padded + [cells[-1]]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headings), rule, *map(line, rows), rule])


def _rejects(args, console: Console) -> int:
    import duckdb

    if not args.warehouse.exists():
        console.print(f"no warehouse at {args.warehouse}")
        return EXIT_FAILED
    con = duckdb.connect(str(args.warehouse), read_only=True)
    rows = con.execute(
        "select source_file, source_row, reason from etl_rejects "
        "where $pattern is null or contains(source_file, $pattern) order by source_file, source_row limit $limit",
        {"pattern": args.file, "limit": args.limit}).fetchall()
    table = Table(title="Rejected records")
    for column in ("file", "record", "reason"):
        table.add_column(column)
    for file, row, reason in rows:
        table.add_row(file, str(row), reason)
    console.print(table)
    return EXIT_OK


class _RichReporter:
    """Progress bars per stage, advancing per file."""

    def __init__(self, console: Console):
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[label]}"), TimeElapsedColumn(), console=console)
        self.task = None

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            self.progress.update(self.task, label="done")
        self.task = self.progress.add_task(name, total=total, label="")

    def advance(self, label: str = "") -> None:
        self.progress.update(self.task, advance=1, label=label[-60:])

    def note(self, message: str) -> None:
        self.progress.console.print(message)


class _QuietReporter:
    """Plain stage lines for logs and CI, where a live display is noise."""

    def __init__(self, console: Console):
        self.console = console

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def stage(self, name: str, total: int | None = None) -> None:
        self.console.print(f"{name}" + (f" ({total:,})" if total is not None else ""))

    def advance(self, label: str = "") -> None:
        return None

    def note(self, message: str) -> None:
        self.console.print(message)


if __name__ == "__main__":
    sys.exit(main())

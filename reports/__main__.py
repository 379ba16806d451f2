"""python -m reports: the budget monitoring pack and the Transparency Code spend file from the command line.

    python -m reports budget-pack --warehouse PATH --format xlsx|pdf --out DIR [--period YYYY-MM] [--burst]
    python -m reports transparency --warehouse PATH --out DIR [--quarter YYYY-Qn]
    python -m reports publish --warehouse PATH [--period YYYY-MM] [--public]
    python -m reports make-public ID --warehouse PATH
    python -m reports withdraw --warehouse PATH --snapshot ID --reason TEXT
    python -m reports snapshots --warehouse PATH

The command line is the data team's, on the server beside the warehouse file: it reads every service (a burst pack
holds only its manager's). Each run is written to the audit log (the application database beside the warehouse,
or BOROUGH_INSIGHT_APP_DB_URL) with who ran it and what it wrote. A problem the user can fix is one line on stderr
and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import duckdb

from access.users import UsersFileError
from app_db import AppDatabase
from query.reading import WarehouseMissing
from query.scope import EVERYTHING
from reports import publish_audit
from reports.budget_pack import FORMATS, Skipped, Written, write_packs
from reports.charts import ChartsUnavailable
from reports.errors import ReportError
from reports.published_store import PublishedStore, current_of, draft_address, public_address, status
from reports.publishing import publish
from reports.transparency import write_transparency

APP_DB_ENV = "BOROUGH_INSIGHT_APP_DB_URL"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("budget-pack", help="the budget monitoring pack for a month")
    pack.add_argument("--warehouse", type=Path, required=True)
    pack.add_argument("--format", choices=FORMATS, required=True)
    pack.add_argument("--out", type=Path, required=True, help="the folder to write into")
    pack.add_argument("--period", help="YYYY-MM (default: the latest complete month in the warehouse)")
    pack.add_argument("--burst", action="store_true", help="one pack per service manager in the users file")
    pack.add_argument("--users", type=Path, default=_env_path("BOROUGH_INSIGHT_USERS"),
                      help="the users file for --burst (default: BOROUGH_INSIGHT_USERS; the demo's is "
                           "access/demo_users.yaml, named on purpose)")
    spend = commands.add_parser("transparency", help="the quarter's spend over £500 in Camden's layout")
    spend.add_argument("--warehouse", type=Path, required=True)
    spend.add_argument("--out", type=Path, required=True, help="the folder to write into")
    spend.add_argument("--quarter", help="YYYY-Qn, calendar quarters (default: the latest complete quarter)")
    publish = commands.add_parser("publish", help="a new draft snapshot of the published tables for a month")
    publish.add_argument("--warehouse", type=Path, required=True)
    publish.add_argument("--period", help="YYYY-MM (default: the latest month ended by the data's as-of date)")
    publish.add_argument("--public", action="store_true",
                         help="make it public at once, without a preview (as make-public does)")
    release = commands.add_parser("make-public", help="make a draft snapshot public (it becomes current)")
    release.add_argument("snapshot", help="its id, e.g. 2026-10 or 2026-10-v2")
    release.add_argument("--warehouse", type=Path, required=True)
    withdraw = commands.add_parser("withdraw", help="withdraw a published snapshot (it stays, marked withdrawn)")
    withdraw.add_argument("--warehouse", type=Path, required=True)
    withdraw.add_argument("--snapshot", required=True, help="its id, e.g. 2026-10 or 2026-10-v2")
    withdraw.add_argument("--reason", required=True, help="shown with it, e.g. 'a ward was misnamed'")
    listing = commands.add_parser("snapshots", help="the published snapshots, newest first")
    listing.add_argument("--warehouse", type=Path, required=True)
    return top


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def budget_pack(args, who: str) -> tuple[list[str], list[str]]:
    if args.burst and args.users is None:   # never the demo's managers by default: their packs would hold real data
        raise ReportError("--burst needs the council's users file: --users PATH or BOROUGH_INSIGHT_USERS "
                          "(for the demo, --users access/demo_users.yaml)")
    written = write_packs(args.warehouse, args.out, args.format, scope=EVERYTHING, month=args.period,
                          burst=args.burst, users_file=args.users, run_by=who)
    packs = [w for w in written if isinstance(w, Written)]
    lines = [f"wrote {w.path} ({len(w.pack.lines)} cost centres{', for ' + w.manager if w.manager else ''})"
             for w in packs]
    lines += [f"no pack for {w.manager}: {w.reason}" for w in written if isinstance(w, Skipped)]
    if not packs:
        raise ReportError("no pack written: " + "; ".join(lines))
    detail = f"budget pack {args.format} {packs[0].pack.month}{' burst' if args.burst else ''}: " + \
        ", ".join(w.path.name for w in packs)
    return lines, [detail]


def transparency(args, who: str) -> tuple[list[str], list[str]]:
    result = write_transparency(args.warehouse, args.out, args.quarter, scope=EVERYTHING)
    lines = [f"wrote {result.csv_path} ({result.rows:,} payments, £{result.total_pounds:,.2f})",
             f"wrote {result.report_path}"]
    return lines, [f"transparency {result.quarter}: {result.csv_path.name}, {result.rows} rows"]


def publish_snapshot(args, who: str) -> tuple[list[str], list[str]]:
    snapshot = publish(args.warehouse, published_by=who, month=args.period, public=args.public)
    lines = [f"published {'snapshot' if args.public else 'draft'} {snapshot.id} ({len(snapshot.tables)} tables) in "
             f"{PublishedStore.beside(args.warehouse).root / snapshot.id}"]
    details = [publish_audit.published(snapshot)]
    if args.public:
        lines.append(f"made {snapshot.id} public: {public_address(snapshot.id)}")
        details.append(publish_audit.made_public(snapshot))
    else:
        lines.append(f"preview it (the data team only) at {draft_address(snapshot.id)} on the dashboards' server, "
                     f"then: python -m reports make-public {snapshot.id} --warehouse {args.warehouse}")
    return lines, details


def make_public(args, who: str) -> tuple[list[str], list[str]]:
    snapshot = PublishedStore.beside(args.warehouse).make_public(args.snapshot, by=who)
    return [f"made {snapshot.id} public: {public_address(snapshot.id)}"], [publish_audit.made_public(snapshot)]


def withdraw_snapshot(args, who: str) -> tuple[list[str], list[str]]:
    snapshot = PublishedStore.beside(args.warehouse).withdraw(args.snapshot, by=who, reason=args.reason)
    return [f"withdrew snapshot {snapshot.id}: {snapshot.withdrawn.reason}"], [publish_audit.withdrawn(snapshot)]


def list_snapshots(args, _who: str) -> tuple[list[str], list[str]]:
    found = PublishedStore.beside(args.warehouse).snapshots()
    current = current_of(found)
    lines = [f"{s.id}\t{s.published_at}\t{s.published_by}\t{status(s, current)}" + (
             f" {s.withdrawn.at}: {s.withdrawn.reason}" if s.withdrawn else
             f" (made public {s.made_public.at} by {s.made_public.by})" if s.made_public else "")
             for s in found]
    return lines or ["no snapshot has been published"], []


def audit(warehouse: Path, who: str, command: str, detail: str) -> None:
    url = os.environ.get(APP_DB_ENV)
    database = AppDatabase(url) if url else AppDatabase.beside(warehouse)
    database.upgrade()
    event = publish_audit.EVENT if command in ("publish", "make-public", "withdraw") else "report"
    database.record(event, who, path=f"python -m reports {command}", detail=detail, address="command line")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    who = getpass.getuser()
    run = {"budget-pack": budget_pack, "transparency": transparency, "publish": publish_snapshot,
           "make-public": make_public, "withdraw": withdraw_snapshot, "snapshots": list_snapshots}[args.command]
    try:
        lines, details = run(args, who)
    except (ReportError, WarehouseMissing) as error:
        return refuse(args.command, str(error))
    except (duckdb.CatalogException, duckdb.BinderException) as error:   # a table or column it lacks
        return refuse(args.command, f"the warehouse was built by another version and lacks what this report reads "
                                    f"({first_line(error)}): rebuild it with python -m etl build")
    except duckdb.Error as error:
        return refuse(args.command, f"the warehouse cannot be read ({first_line(error)})")
    except (UsersFileError, ChartsUnavailable) as error:
        return refuse(args.command, first_line(error) if isinstance(error, ChartsUnavailable) else str(error))
    except OSError as error:
        where = getattr(args, "out", None) or PublishedStore.beside(args.warehouse).root
        return refuse(args.command, f"cannot write to {where}: {error.strerror or error}")
    for line in lines:
        print(line)
    try:   # a row for each thing done (publish --public: the draft, then making it public); a listing, none
        for detail in details:
            audit(args.warehouse, who, args.command, detail)
    except Exception as error:  # noqa: BLE001 - the files are written; say the audit failed, loudly, in one line
        return refuse(args.command, f"the files are written but the audit log could not be: {first_line(error)}")
    return 0


def first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def refuse(command: str, message: str) -> int:
    print(f"python -m reports {command}: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

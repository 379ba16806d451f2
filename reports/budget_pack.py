"""Budget monitoring packs to files: one pack, or one per service manager (--burst, as NPrinting bursts a report),
each holding only what that manager's scope lets them read (access.scope_of, the scope their sign-in gets)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from access.users import Role, User, load_users, scope_of
from data_models.semantic_layer import load_semantic_layer
from data_models.service_catalogue import load_catalogue
from query.reading import data_as_of, read_only
from query.scope import Scope
from reports.budget_data import BudgetPack, pack_month, read_pack
from reports.budget_pdf import write_pdf
from reports.budget_xlsx import write_xlsx
from reports.errors import ReportError
from reports.files import write_whole

FORMATS = ("xlsx", "pdf")
WRITERS = {"xlsx": write_xlsx, "pdf": write_pdf}
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
UNSAFE_IN_NAME = re.compile(r"[^a-z0-9._@-]+")   # usernames are these already (access/users.py); anything else


@dataclass(frozen=True)
class Written:
    path: Path
    pack: BudgetPack
    manager: str = ""


@dataclass(frozen=True)
class Skipped:
    """A manager with no budget lines in the month (a pack of nothing is not sent)."""

    manager: str
    reason: str


def file_name(month: str, file_format: str, manager: str = "") -> str:
    """budget-pack-2026-11.xlsx, or budget-pack-2026-11-repairs-manager.pdf for a manager's."""
    who = f"-{UNSAFE_IN_NAME.sub('-', manager.lower()).strip('-')}" if manager else ""
    return f"budget-pack-{month}{who}.{file_format}"


def pack_bytes(pack: BudgetPack, file_format: str) -> bytes:
    if file_format not in WRITERS:
        raise ReportError(f"format {file_format!r} is not one of {', '.join(FORMATS)}")
    return WRITERS[file_format](pack)


def write_packs(warehouse: Path, out_dir: Path, file_format: str, *, scope: Scope, month: str | None = None,
                burst: bool = False, users_file: Path | None = None,
                run_by: str | None = None) -> list[Written | Skipped]:
    """Write one pack (within `scope`), or with `burst` one per service manager in the users file (each within
    that manager's own scope narrowed by the run's: a pack never holds more than both allow)."""
    if file_format not in WRITERS:
        raise ReportError(f"format {file_format!r} is not one of {', '.join(FORMATS)}")
    layer = load_semantic_layer()
    out_dir.mkdir(parents=True, exist_ok=True)
    with read_only(warehouse) as con:
        if not burst:
            pack = read_pack(con, layer, scope=scope, month=month, run_by=run_by)
            return [_write(pack, out_dir / file_name(pack.month, file_format), file_format)]
        # one month for every manager: the one asked for, or the latest complete month of the whole run's scope
        month = pack_month(con, layer, scope, month, {}, data_as_of(con))
        catalogue = load_catalogue()
        written = []
        for manager in managers(users_file):   # usernames are unique and file-safe (access/users.py): one file each
            try:
                pack = read_pack(con, layer, scope=scope.narrowed_to(scope_of(manager, catalogue)), month=month,
                                 run_by=run_by, prepared_for=prepared_for(manager))
            except ReportError as error:
                written.append(Skipped(manager.username, str(error)))
                continue
            written.append(_write(pack, out_dir / file_name(pack.month, file_format, manager.username),
                                  file_format, manager.username))
        return written


def _write(pack: BudgetPack, path: Path, file_format: str, manager: str = "") -> Written:
    write_whole(path, lambda partial: WRITERS[file_format](pack, partial))
    return Written(path, pack, manager)


def managers(users_file: Path | None) -> list[User]:
    found = [user for user in load_users(users_file) if user.role is Role.SERVICE_MANAGER]
    if not found:
        raise ReportError("the users file names no service manager: nothing to burst")
    return found


def prepared_for(user: User) -> str:
    reach = [*(f"directorate {code}" for code in user.directorates), *user.services]
    return f"{user.name or user.username} ({user.username}): {', '.join(reach)}"

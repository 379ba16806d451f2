"""What every report file needs: names Excel accepts for its sheets, and a write that a reader never meets half
done (the file appears whole, or not at all)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
RESERVED_SHEETS = ("history",)   # Excel keeps this name for itself


def sheet_name(name: str, fallback: str = "Sheet") -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, no ' first or last."""
    cleaned = SHEET_NAME_BAD.sub(" ", name).strip(" '")[:SHEET_NAME_MAX].strip(" '")
    return cleaned if cleaned and cleaned.lower() not in RESERVED_SHEETS else fallback


def unique_sheet_names(names: list[str], taken: tuple[str, ...] = ()) -> list[str]:
    """Each name made valid, and unique ignoring case (Excel's rule) among themselves and `taken`."""
    used, result = {name.lower() for name in taken}, []
    for name in names:
        base = sheet_name(name)
        candidate, n = base, 2
        while candidate.lower() in used:
            suffix = f" ({n})"
            candidate, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
        used.add(candidate.lower())
        result.append(candidate)
    return result


def write_whole(path: Path, write: Callable[[Path], None]) -> None:
    """write(partial) into a hidden file beside `path`, then rename it into place; nothing is left behind when
    write fails."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)

"""The demo data generator: council source files as councils publish them, for a borough like Camden.

    generate(out, scale="small", seed=42, until=None, progress=None) -> {relative path: records written}

writes one folder per source under `out` (spend, parking, repairs, care: quarterly client level data and the yearly
finance return worked out from it, finance, service returns, reference lists)
from 1 April 2021 to `until`, plus `_manifest.json` (records per file and the dirty records planted on purpose).
The same (scale, seed, until) gives byte-identical files: every source draws from its own random stream.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from etl.generate.common import START, default_until, scale_of

__all__ = ["generate", "FAMILIES"]

# family name -> (module, file-listing function, writer function), in the order they are written
FAMILIES = {
    "spend": ("spend", "files", "write"),
    "pcn": ("pcn", "files", "write"),
    "permits": ("parking", "permit_files", "write_permits"),
    "suspensions": ("parking", "suspension_files", "write_suspensions"),
    "sensors": ("parking", "sensor_files", "write_sensors"),
    "repairs": ("repairs", "files", "write"),
    "care": ("care", "files", "write"),
    "budget": ("budget", "files", "write"),
}


def generate(out: Path, scale: str = "small", seed: int = 42, until: dt.date | None = None,
             progress: Callable[[str], None] | None = None) -> dict:
    """Write the demo sources under `out`; returns {relative path: records written} (service returns included)."""
    import importlib

    from etl.generate import pcn
    from etl.generate.context import Context
    from etl.generate.output import Output, plan_dirt

    out = Path(out)
    size = scale_of(scale)
    until = until or default_until()
    if until < START:
        raise ValueError(f"until {until} is before the start of the demo period ({START})")
    _clear_previous(out)
    modules = {name: importlib.import_module(f"etl.generate.{module}") for name, (module, _, _) in FAMILIES.items()}
    family_files = {name: getattr(modules[name], lister)(START, until)
                    for name, (_, lister, _) in FAMILIES.items()}
    output = Output(out, plan=plan_dirt(seed, size.dirt_multiplier, family_files), progress=progress)
    ctx = Context(seed=seed, scale=size, start=START, until=until, output=output)

    output.say(f"generating {scale} demo data, seed {seed}, {START} to {until}, into {out}")
    pcn.copy_reference(ctx)
    for name, (_, _, writer) in FAMILIES.items():
        getattr(modules[name], writer)(ctx)

    from etl.generate import returns  # written separately; imported late so the rest never depends on it

    for path, rows in returns.write_returns(out, scale, seed, START, until, ctx.record_figures).items():
        output.record(str(path).replace("\\", "/"), int(rows))
    output.say("service returns written")

    output.write_manifest({"generator": "etl.generate", "scale": scale, "seed": seed, "start": START.isoformat(),
                           "until": until.isoformat()})
    return dict(sorted(output.files.items()))


def _clear_previous(out: Path) -> None:
    """Generating into a folder used before first removes the files the last run wrote (its manifest lists them),
    so no stale month is left behind; nothing else in the folder is touched."""
    import json

    from etl.generate.output import MANIFEST

    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    if not manifest.is_file():
        return
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError):
        return
    root = out.resolve()
    for relpath in listed:
        path = (out / relpath).resolve()
        if root in path.parents and path.is_file():
            path.unlink()
    manifest.unlink()

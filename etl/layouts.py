"""Source layouts: how a file is recognised by its columns, and how its columns are typed.

Configuration lives in data_models/layouts/*.yaml, one file per target (the staging table family). A layout maps
each canonical column to the header spellings it has been seen with; adding a header variant is a YAML edit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "data_models" / "layouts"
ColumnType = Literal["text", "integer", "decimal", "money", "date", "timestamp", "boolean"]
Personal = Literal["pseudonymise", "derive_only"]
SQL_NAME = re.compile(r"[a-z][a-z0-9_]*")
RESERVED_COLUMNS = {"source_file", "source_row", "layout"}  # lineage columns every valid_* table has


@functools.cache
def sql_reserved_words() -> frozenset[str]:
    """DuckDB's reserved keywords: a canonical column named like one would break the SQL built from it."""
    import duckdb

    rows = duckdb.connect().execute(
        "select keyword_name from duckdb_keywords() where keyword_category = 'reserved'").fetchall()
    return frozenset(r[0] for r in rows)


class LayoutConfigError(Exception):
    """The layout configuration is invalid; the message lists every problem with its file and location."""


class ColumnSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: ColumnType = "text"
    required: bool = False
    personal: Personal | None = None
    formats: list[str] | None = None
    description: str | None = None


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    columns: dict[str, list[str]]
    optional: list[str] = []
    ignore: list[str] = []
    constants: dict[str, str] = {}
    value_map: dict[str, dict[str, str]] = {}
    null_values: list[str] = []


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    grain: str
    natural_key: list[str] = []
    key_nulls_match: list[str] = []
    columns: dict[str, ColumnSpec]
    layouts: list[Layout]

    @field_validator("columns")
    @classmethod
    def _names_are_safe_in_sql(cls, columns: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        # canonical names are pasted into SQL as identifiers, so only plain lower-case names are allowed
        unsafe = sorted(n for n in columns if not SQL_NAME.fullmatch(n))
        if unsafe:
            raise ValueError(f"column name(s) {', '.join(map(repr, unsafe))} must match [a-z][a-z0-9_]*")
        keywords = sorted(n for n in columns if n in sql_reserved_words())
        if keywords:
            raise ValueError(f"column name(s) {', '.join(keywords)} are SQL reserved words: choose another name")
        clashing = sorted(n for n in columns if n in RESERVED_COLUMNS or re.fullmatch(r"c[0-9]+", n))
        if clashing:
            raise ValueError(f"column name(s) {', '.join(clashing)} are reserved for the loader's own columns")
        return columns

    @model_validator(mode="after")
    def _layout_columns_exist(self) -> Target:
        known = set(self.columns)
        for key in self.natural_key:
            if key not in known:
                raise ValueError(f"natural_key names unknown column {key!r}")
        for key in self.key_nulls_match:
            if key not in self.natural_key:
                raise ValueError(f"key_nulls_match names {key!r}, which is not part of the natural_key")
        for layout in self.layouts:
            for group, names in (("columns", layout.columns), ("optional", layout.optional),
                                 ("constants", layout.constants), ("value_map", layout.value_map)):
                unknown = sorted(set(names) - known)
                if unknown:
                    raise ValueError(f"layout {layout.name}: {group} names unknown column(s) {', '.join(unknown)}")
        return self


@functools.lru_cache(maxsize=4096)
def normalise_header(name: str) -> str:
    """Compare headers loosely: case, spacing, punctuation and a BOM do not matter."""
    return re.sub(r"[^a-z0-9]+", "", name.replace("\ufeff", "").lower())


@dataclass(frozen=True)
class Match:
    """A header matched to a layout: which file column feeds each canonical column."""

    target: Target
    layout: Layout
    mapping: dict[str, int]  # canonical column -> index in the header
    unmapped: list[int]  # header positions that are neither mapped nor ignored


@dataclass(frozen=True)
class NoMatch:
    closest: str | None
    missing: list[str]

    def message(self, header: list[str]) -> str:
        shown = ", ".join(h for h in header[:12] if h) or "(empty)"
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            return f"unrecognised layout: the header is one column ({shown!r}); is the file delimited by ';' or tab?"
        if self.closest is None:
            return f"unrecognised layout: no known layout matches the columns {shown}"
        return (f"unrecognised layout: closest is {self.closest}, which also needs "
                f"{', '.join(self.missing)}; the file has {shown}")


def load_targets(layouts_dir: Path = LAYOUTS_DIR) -> list[Target]:
    targets, problems = [], []
    for path in sorted(layouts_dir.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            target = Target.model_validate(raw)
            targets.append(target)
            if path.stem != target.target:  # one file per target, named after it, so a target's layouts are found
                problems.append(f"{path.name}: holds target {target.target!r}, so it must be named "
                                f"{target.target}.yaml")
        except yaml.YAMLError as exc:
            problems.append(f"{path.name}: not valid YAML: {exc}")
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "(top)"
                problems.append(f"{path.name}: {where}: {err['msg']}")
    problems += [f"target {n!r} is defined in more than one file" for n in _repeated(t.target for t in targets)]
    problems += [f"layout {n!r} is defined twice" for n in _repeated(lay.name for t in targets for lay in t.layouts)]
    if problems:
        raise LayoutConfigError("invalid layout configuration:\n  " + "\n  ".join(problems))
    return targets


_MATCHES: dict[tuple, tuple[list[Target], Match | NoMatch]] = {}


def match_header(header: list[str], targets: list[Target]) -> Match | NoMatch:
    """The layout whose required columns the header has, preferring the one that explains most of the header.

    A drop folder holds hundreds of files with the same header, so answers are remembered per targets list."""
    key = (tuple(header), id(targets))
    cached = _MATCHES.get(key)
    if cached is not None and cached[0] is targets:
        return cached[1]
    if len(_MATCHES) > 10_000:
        _MATCHES.clear()
    match = _match_header(header, targets)
    _MATCHES[key] = (targets, match)
    return match


def _match_header(header: list[str], targets: list[Target]) -> Match | NoMatch:
    positions = {}
    for i, name in enumerate(header):
        positions.setdefault(normalise_header(name), i)  # a duplicated column name: the first one counts
    best: tuple[tuple, Match] | None = None
    closest: tuple[int, str, list[str]] | None = None
    for target in targets:
        for layout in target.layouts:
            mapping, missing = _map_columns(layout, positions)
            if missing:
                score = len(mapping)
                if score and (closest is None or score > closest[0]):
                    closest = (score, layout.name, missing)
                continue
            ignored = {positions[k] for k in map(normalise_header, layout.ignore) if k in positions}
            unmapped = [i for i in range(len(header)) if i not in set(mapping.values()) | ignored
                        and header[i].strip()]
            rank = (len(mapping) + len(ignored), -len(unmapped))
            if best is None or rank > best[0]:
                best = (rank, Match(target, layout, mapping, unmapped))
    if best is not None:
        return best[1]
    return NoMatch(closest[1], closest[2]) if closest else NoMatch(None, [])


def _repeated(names) -> list[str]:
    seen = list(names)
    return sorted({n for n in seen if seen.count(n) > 1})


def _map_columns(layout: Layout, positions: dict[str, int]) -> tuple[dict[str, int], list[str]]:
    mapping, missing = {}, []
    for column, aliases in layout.columns.items():
        found = next((positions[k] for k in map(normalise_header, aliases) if k in positions), None)
        if found is not None:
            mapping[column] = found
        elif column not in layout.optional:
            missing.append(aliases[0])
    return mapping, missing

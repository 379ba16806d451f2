"""Run the SQL models in data_models/models in dependency order.

A model is `name.sql` (one SELECT) with an optional sibling `name.yaml` (description, grain, source, tests).
Dependencies are the other models, `valid_*`, `seed_*` and `build_info` tables a SQL file names: no templating,
so a model file is plain SQL that runs as it is in any DuckDB shell over a build database.

SQL that several models share is a DuckDB macro in data_models/macros (one `create or replace temp macro` a file),
created on the connection before any model runs; in a DuckDB shell, read those files first. Temporary, so the
published warehouse holds tables only.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from data_models.model_specs import MODELS_DIR, ModelSpec, ModelSpecError, load_model_spec

MACROS_DIR = MODELS_DIR.parent / "macros"
# dim_ and fact_ tables are published; agg_ tables are aggregates derived from facts (their rows summarise many
# source records, so unlike facts they carry no source_file/source_row)
PUBLISHED_PREFIXES = ("dim_", "fact_", "agg_")
_IDENTIFIER = re.compile(r"\b([a-z_][a-z0-9_]*)\b")
_COMMENT = re.compile(r"--[^\n]*")


class ModelError(Exception):
    """A model file is malformed, cyclic or failed to run; the message names the model."""


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    sql: str
    spec: ModelSpec | None = None   # its validated YAML, if it has one

    @property
    def published(self) -> bool:
        return self.name.startswith(PUBLISHED_PREFIXES)

    @property
    def materialized(self) -> str:
        """Staging models are views by default (renames and casts the marts read once, as dbt does); everything
        else is a table. A model's YAML can say `materialized: table` or `view`."""
        default = "view" if self.name.startswith("stg_") else "table"
        return (self.spec and self.spec.materialized) or default

    @property
    def source(self) -> str | None:
        return self.spec.source if self.spec else None

    @property
    def tests(self) -> dict:
        return self.spec.tests.model_dump(exclude_defaults=True) if self.spec else {}


def load_models(models_dir: Path = MODELS_DIR) -> dict[str, Model]:
    """Every model under models_dir, by name (names must be unique across sub-folders)."""
    models: dict[str, Model] = {}
    for sql_path in sorted(models_dir.rglob("*.sql")):
        name = sql_path.stem
        if name in models:
            raise ModelError(f"model {name} is defined twice: {models[name].path} and {sql_path}")
        spec_path = sql_path.with_suffix(".yaml")
        try:
            spec = load_model_spec(spec_path) if spec_path.exists() else None
        except ModelSpecError as exc:
            raise ModelError(f"model {name}: {exc}") from None
        models[name] = Model(name, sql_path, sql_path.read_text(encoding="utf-8"), spec)
    return models


def referenced_names(sql: str) -> set[str]:
    """Lower-case identifiers a SQL text mentions, comments removed."""
    return set(_IDENTIFIER.findall(_COMMENT.sub("", sql).lower()))


def dependency_order(models: dict[str, Model]) -> list[str]:
    graph = {name: referenced_names(m.sql) & (models.keys() - {name}) for name, m in models.items()}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ModelError(f"models depend on each other in a cycle: {' -> '.join(exc.args[1])}") from None


def create_model_sql(model: Model) -> str:
    body = model.sql.strip().rstrip(";")
    return f"create or replace {model.materialized} {model.name} as\n{body}"


def run_models(con, models_dir: Path = MODELS_DIR, only: set[str] | None = None,
               timings: dict[str, float] | None = None) -> list[str]:
    """Create every model (or those in `only` and what they need) as a table; return the names in run order.
    Seconds per model go into `timings` when given (the benchmark reports the slowest)."""
    models = load_models(models_dir)
    order = dependency_order(models)
    create_macros(con)
    if only is not None:
        needed = _with_dependencies(models, only)
        order = [name for name in order if name in needed]
    for name in order:
        started = time.perf_counter()
        try:
            con.execute(create_model_sql(models[name]))
        except Exception as exc:  # duckdb raises several error classes; all mean this model failed
            raise ModelError(f"model {name} ({models[name].path.name}) failed: {exc}") from exc
        if timings is not None:
            timings[name] = round(time.perf_counter() - started, 3)
    return order


def create_macros(con, macros_dir: Path = MACROS_DIR) -> list[str]:
    """Create the shared macros on this connection (in name order: a macro may use one named before it, so
    normalise_name.sql comes before normalise_ward_name.sql); return their file names."""
    names = []
    for path in sorted(macros_dir.glob("*.sql")):
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except Exception as exc:  # duckdb raises several error classes; all mean this macro is wrong
            raise ModelError(f"macro {path.name} failed: {exc}") from exc
        names.append(path.name)
    return names


def _with_dependencies(models: dict[str, Model], names: set[str]) -> set[str]:
    needed, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in needed or name not in models:
            continue
        needed.add(name)
        todo.extend(referenced_names(models[name].sql) & models.keys())
    return needed

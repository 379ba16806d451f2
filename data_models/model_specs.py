"""The YAML beside each SQL model (`name.yaml` next to `name.sql`), validated: what the model is, its grain, which
target's records it holds, its data tests and, for a fact, how it says how fresh its data is.

    description: One row per ...            (required)
    grain: one row per loaded PCN           (required for fact_ and agg_ models)
    source: pcn                             (a layouts target: the fact holds exactly its loaded records)
    materialized: table                     (or view; staging models are views unless they say otherwise)
    tests: {unique: [key, [a, b]], not_null: [...], relationships: {col: dim_x.col}, accepted_values: {col: [...]}}
    freshness: {column: issued_at}          (the latest date the fact covers; covers: day, month or financial_year;
                                             fresh_within_days: how far behind the data's as-of date is still fresh)

The data-quality page builds its freshness table from `freshness:`, the build its data tests from `tests:`; a
mistake is reported with its file, key and line, as for the other YAML families.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from data_models.yaml_locations import located

MODELS_DIR = Path(__file__).resolve().parent / "models"
SQL_NAME = re.compile(r"[a-z_][a-z0-9_]*")
FRESH_DAYS = 45   # a monthly feed a few weeks late is still fresh


class ModelSpecError(ValueError):
    """A model's YAML is malformed; the message names the file, the key and the line."""


def _sql_name(value: str) -> str:
    if not SQL_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not a column or table name (a-z, 0-9, _)")
    return value


class Freshness(BaseModel):
    """How a fact says the latest date it covers."""

    model_config = ConfigDict(extra="forbid")

    column: str
    covers: Literal["day", "month", "financial_year"] = "day"
    fresh_within_days: int = Field(FRESH_DAYS, gt=0)

    @field_validator("column")
    @classmethod
    def _column_is_a_name(cls, value: str) -> str:
        return _sql_name(value)

    def latest_sql(self, table: str) -> str:
        """SQL giving the latest day `table` covers (a DATE): the day itself, the end of its latest month (a
        month_key yyyymmdd), or 31 March at the end of its latest financial year ('2024-25')."""
        if self.covers == "month":
            return (f"select last_day(max(strptime(cast({self.column} as varchar), '%Y%m%d'))) from {table} "
                    f"where {self.column} > 0")
        if self.covers == "financial_year":
            return (f"select max(make_date(cast(left({self.column}, 4) as integer) + 1, 3, 31)) from {table} "
                    f"where regexp_matches({self.column}, '^[0-9]{{4}}')")
        return f"select cast(max({self.column}) as date) from {table}"


class DataTests(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unique: list[str | list[str]] = []        # a column is a key; a nested list is a composite key
    not_null: list[str] = []
    relationships: dict[str, str] = {}        # column -> parent_table.column
    accepted_values: dict[str, list[str | int | float | bool]] = {}

    @field_validator("relationships")
    @classmethod
    def _parents_are_table_dot_column(cls, value: dict[str, str]) -> dict[str, str]:
        for column, parent in value.items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*", parent):
                raise ValueError(f"{column}: {parent!r} must be parent_table.column")
        return value


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1)
    grain: str | None = None
    source: str | None = None
    materialized: Literal["view", "table"] | None = None
    tests: DataTests = DataTests()
    freshness: Freshness | None = None

    @model_validator(mode="after")
    def _facts_state_their_grain_and_source(self, info: ValidationInfo) -> ModelSpec:
        name = (info.context or {}).get("name", "")
        if name.startswith(("fact_", "agg_")) and not self.grain:
            raise ValueError("a fact or aggregate must state its grain (grain: one row per ...)")
        if self.freshness and not self.source:
            raise ValueError("freshness: needs source: (the target whose freshness it measures)")
        return self


def load_model_spec(path: Path) -> ModelSpec:
    """The validated YAML of one model (its name is the file's stem)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ModelSpecError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise ModelSpecError(f"{path.name}: must be a mapping with description:, grain:, tests: ...")
    try:
        return ModelSpec.model_validate(data, context={"name": path.stem})
    except ValidationError as error:
        raise ModelSpecError(f"{path.name}: " + "; ".join(located(error, text))) from None


def model_specs(models_dir: Path = MODELS_DIR) -> dict[str, ModelSpec]:
    """Every model's validated YAML, by model name."""
    return {path.stem: load_model_spec(path) for path in sorted(models_dir.rglob("*.yaml"))}


def freshness_by_source(models_dir: Path = MODELS_DIR) -> dict[str, list[tuple[str, Freshness]]]:
    """Target -> the (fact table, freshness) of each fact that holds its records and says how fresh it is."""
    found: dict[str, list[tuple[str, Freshness]]] = {}
    for name, spec in model_specs(models_dir).items():
        if spec.freshness and spec.source:
            found.setdefault(spec.source, []).append((name, spec.freshness))
    return found

"""The semantic layer: facts, dimensions and measures defined once in ``semantic/*.yaml``.

Every page, report and published view asks for measures by name; the query layer (``query.compiler``) turns them
into SQL using only what is defined here, so a field name never comes from a request. The files are configuration
that analysts edit by hand, so every problem is reported with its file and location
(``repairs.yaml: measures[3] (repairs_open).format (line 45): ...``), all at once, rather than as a traceback.
Nothing is read at import time: call ``load_semantic_layer()``.

How a fact reaches a dimension (a ``dimensions:`` entry of the fact):
- nothing given: a date dimension goes through the fact's date role (``date:``, a date_key column); another
  dimension with a table joins it on the fact column named like the table's key; one without a table is the fact
  column named like the dimension;
- ``key: col`` joins the dimension's table (or ``table:``/``table_key:``, another table with the same columns) on
  that fact column;
- ``match: sql`` joins the dimension's table where its value equals that expression over the fact (a constant
  such as ``'PRK'`` when every row of the fact belongs to one service);
- ``column: sql`` is the natural value itself, an expression over the fact (``display:``/``sort:`` optional).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from data_models.formats import FORMATS
from data_models.yaml_locations import dotted, line_of, problem_message

SEMANTIC_DIR = Path(__file__).resolve().parent / "semantic"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DIRECTIONS = ("higher", "lower", "neutral")
NO_DATE = "none"  # a measure's `date: none`: a snapshot at data_as_of, which no date selection can filter
LATEST_FLAG = "is_latest_period"  # the column the query layer adds for facts with `latest:` (semi-additive amounts)
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")  # names end up as output column names and URL keys
IDENTIFIER_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")  # tables and columns


class SemanticLayerError(ValueError):
    """The semantic layer is invalid (or does not fit the warehouse); ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str], where: str = "semantic layer"):
        self.problems = problems
        super().__init__(f"{where} has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))


class UnknownNameError(ValueError):
    """A measure, dimension or fact name that the semantic layer does not define (a typo in a page or a URL)."""

    def __init__(self, kind: str, name: Any, known: list[str]):
        self.kind, self.name = kind, name
        close = get_close_matches(str(name), known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")


def _identifier(value: str | None, what: str = "column or table name") -> str | None:
    if value is not None and not IDENTIFIER_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a valid {what} (lower-case letters, digits and _)")
    return value


def _identifier_fields(*fields: str):
    """A validator checking that these fields are plain table or column names."""
    return field_validator(*fields)(classmethod(lambda cls, value: _identifier(value)))


def _expression_fields(*fields: str):
    """A validator checking that these fields are single SQL expressions."""
    return field_validator(*fields)(classmethod(lambda cls, value: _expression(value)))


def _expression(value: str | None) -> str | None:
    # trusted configuration, but one expression only: a ';' would let a YAML edit run a second statement
    if value is not None and (";" in value or "--" in value):
        raise ValueError("must be one SQL expression (no ';' and no '--' comments)")
    return value


class _Strict(BaseModel):
    # a misspelt key (`directon:`) must fail loudly, not silently fall back to a default
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class _Named(_Strict):
    name: str = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _name_pattern(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a valid name (lower-case letters, digits and _, from a letter)")
        if value.startswith("__") or value == LATEST_FLAG:
            raise ValueError(f"{value!r} is reserved for the query layer")
        return value


class Dimension(_Named):
    """A field users select on. Its values are natural values (names, codes, '2025-26'), never surrogate keys."""

    label: str = Field(min_length=1)
    description: str = ""
    conformed: bool = False
    date: bool = False  # an attribute of dim_date, reached through each fact's date role
    table: str | None = None
    key: str | None = None
    value: str | None = None  # SQL over the table's columns giving the natural value
    display: str | None = None  # SQL for what filter lists show (default: the value)
    sort: str | None = None  # SQL giving the order of filter lists and charts (default: the value)
    all_members: bool = False  # filter lists show the table's members even where a fact has no row
    # filter lists put the latest value first (a month, a year: the one wanted is at the top); a cycle such as the
    # day of the week keeps its own order, and charts always run in the dimension's order
    newest_first: bool = False

    _check_names = _identifier_fields("table", "key")
    _check_sql = _expression_fields("value", "display", "sort")

    @model_validator(mode="after")
    def _table_needs_key_and_value(self) -> Dimension:
        if self.table and not (self.key and self.value):
            raise ValueError("a dimension with a table needs key: (its key column) and value: (its natural value)")
        if not self.table and (self.key or self.value or self.all_members or self.date):
            raise ValueError("key:, value:, all_members: and date: need table:")
        if self.newest_first and not self.date:
            raise ValueError("newest_first: is for a date dimension (date: true)")
        return self


class DimensionUse(_Named):
    """How one fact reaches one dimension (see the module docstring)."""

    key: str | None = None
    table: str | None = None
    table_key: str | None = None
    match: str | None = None
    column: str | None = None
    display: str | None = None
    sort: str | None = None

    _check_names = _identifier_fields("key", "table", "table_key")
    _check_sql = _expression_fields("match", "column", "display", "sort")

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _one_way(self) -> DimensionUse:
        ways = [way for way in ("key", "match", "column") if getattr(self, way) is not None]
        if len(ways) > 1:
            raise ValueError(f"give one of key:, match: or column:, not {' and '.join(ways)}")
        if (self.display or self.sort) and not self.column:
            raise ValueError("display: and sort: go with column: (a joined dimension has its own)")
        if (self.table or self.table_key) and self.column:
            raise ValueError("table: and table_key: go with key: or match:")
        return self


class Latest(_Strict):
    """Semi-additive amounts (an annual budget repeated on every period's line) are read at the latest period."""

    order: str  # the period column (month_key)
    per: list[str] = Field(default_factory=list)  # columns the latest period is found within (financial_year)

    _check_order = _identifier_fields("order")

    @field_validator("per")
    @classmethod
    def _check_per(cls, value: list[str]) -> list[str]:
        return [_identifier(column) for column in value]


class Fact(_Named):
    label: str = Field(min_length=1)
    description: str = ""
    table: str | None = None  # default: the fact's name
    date: str | None = None  # the date role: the date_key column that date selections filter
    where: str | None = None  # the rows the layer sees (the home council's PCNs)
    latest: Latest | None = None
    dimensions: list[DimensionUse] = Field(min_length=1)

    _check_names = _identifier_fields("table", "date")
    _check_where = _expression_fields("where")

    @property
    def table_name(self) -> str:
        return self.table or self.name

    def use(self, dimension: str) -> DimensionUse | None:
        return next((use for use in self.dimensions if use.name == dimension), None)


class Bands(_Strict):
    """Where red/amber/green change, in the measure's direction (finance's thresholds, configuration not code):
    for `lower` (an overspend), above `red` is red, above `amber` amber, else green; for `higher`, below `red` is
    red, below `amber` amber, else green. Without bands, amber is within 5% of the target."""

    amber: float
    red: float


class Measure(_Named):
    label: str = Field(min_length=1)
    fact: str
    sql: str = Field(min_length=1)  # an aggregate expression over the fact's columns
    format: str
    description: str = Field(min_length=1)
    # what the published pages and open data say of it, in plain English for the public (a published measure must
    # have one: reports/published_views.py); `description` is for the council's own pages
    public_description: str | None = Field(default=None, min_length=1)
    direction: str
    target: float | None = None
    bands: Bands | None = None
    date: str | None = None  # another date role than the fact's (completed_date_key), or `none` for a snapshot
    # the count measure of the rows this figure is worked out over (same fact and date role, checked): for a share
    # or an average its denominator, shown as "based on n"; for any measure, 0 means the selection has no data
    base: str | None = None

    _check_sql = _expression_fields("sql")

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"{value!r} is not one of {', '.join(FORMATS)}")
        return value

    @field_validator("direction")
    @classmethod
    def _known_direction(cls, value: str) -> str:
        if value not in DIRECTIONS:
            raise ValueError(f"{value!r} is not one of {', '.join(DIRECTIONS)}")
        return value

    @field_validator("date")
    @classmethod
    def _date_role(cls, value: str | None) -> str | None:
        return value if value == NO_DATE else _identifier(value, f"date_key column (or {NO_DATE!r})")

    @model_validator(mode="after")
    def _bands_in_direction(self) -> Measure:
        if self.bands is None:
            return self
        if self.direction == "neutral":
            raise ValueError("bands: need a direction of higher or lower (which side is red?)")
        ordered = self.bands.amber <= self.bands.red if self.direction == "lower" else \
            self.bands.amber >= self.bands.red
        if not ordered:
            side = "at or below" if self.direction == "lower" else "at or above"
            raise ValueError(f"bands: amber must be {side} red for a measure where {self.direction} is better")
        return self

    @field_validator("target")
    @classmethod
    def _percent_target_in_range(cls, value: float | None, info: ValidationInfo) -> float | None:
        # a field validator (not a model one) so that it is reported even when another field is invalid
        if info.data.get("format") == "percent" and value is not None and not 0 <= value <= 100:
            raise ValueError(f"{value:g} is outside 0-100 for a percent measure")
        return value


@dataclass(frozen=True)
class Reach:
    """A resolved way from a fact to a dimension: a join (table on key, or on the value) or a fact expression."""

    table: str | None = None  # None: `column` is the value, over the fact
    table_key: str | None = None
    fact_key: str | None = None  # join on table_key = fact column
    match: str | None = None  # join on the dimension's value = this fact expression
    column: str | None = None
    display: str | None = None
    sort: str | None = None


class Settings(_Strict):
    """Layer-wide settings (a `settings:` mapping in one file of the folder)."""

    # a share or an average over fewer rows than this (its base) is shown with a caution: "few to compare"
    small_base: int = Field(default=10, ge=1)


class SemanticLayer(BaseModel):
    """The validated layer: lookups by name that raise UnknownNameError with a suggestion."""

    model_config = ConfigDict(frozen=True)
    facts: dict[str, Fact]
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    settings: Settings = Settings()

    def shows_base(self, name: str) -> bool:
        """Whether the measure's figure is a share or an average of its base (shown "based on n"): not a count."""
        measure = self.measure(name)
        return measure.base is not None and measure.format != "count"

    def fact(self, name: str) -> Fact:
        return self._get("fact", self.facts, name)

    def dimension(self, name: str) -> Dimension:
        return self._get("dimension", self.dimensions, name)

    def measure(self, name: str) -> Measure:
        return self._get("measure", self.measures, name)

    @staticmethod
    def _get(kind: str, items: dict, name: str):
        if not isinstance(name, str) or name not in items:
            raise UnknownNameError(kind, name, sorted(items))
        return items[name]

    def date_role(self, fact: str, measures: list[str] | None = None) -> str | None:
        """The date_key column date selections filter for these measures (None: no date selection applies).

        Measures of one query must share it: rows are grouped by one month, so "raised in April" and "completed
        in April" are two queries."""
        default = self.fact(fact).date
        roles = {self._measure_role(self.measure(name), default) for name in measures or []}
        if len(roles) > 1:
            raise ValueError(f"measures {', '.join(measures)} have different date roles "
                             f"({', '.join(sorted(str(r) for r in roles))}): query them separately")
        return roles.pop() if roles else default

    @staticmethod
    def _measure_role(measure: Measure, default: str | None) -> str | None:
        if measure.date == NO_DATE:
            return None
        return measure.date or default

    def applicable_dimensions(self, fact: str, date_role: str | None = "") -> list[str]:
        """Dimensions a selection can filter on this fact; date dimensions drop out when there is no date role.

        date_role "" means the fact's own."""
        role = self.fact(fact).date if date_role == "" else date_role
        uses = self.fact(fact).dimensions
        return [use.name for use in uses if role is not None or not self._through_date_role(use)]

    def _through_date_role(self, use: DimensionUse) -> bool:
        return self.dimension(use.name).date and not (use.key or use.match or use.column)

    def reach(self, fact: str, dimension: str, date_role: str | None = "") -> Reach:
        """How `fact` reaches `dimension`, defaults filled in; raises ValueError when it does not apply."""
        role = self.fact(fact).date if date_role == "" else date_role
        dim = self.dimension(dimension)
        use = self.fact(fact).use(dimension)
        if use is None or dimension not in self.applicable_dimensions(fact, role):
            raise ValueError(f"dimension {dimension!r} does not apply to {fact}")
        if use.column or not dim.table:
            return Reach(column=use.column or dim.name, display=use.display, sort=use.sort)
        table = use.table or dim.table
        table_key = use.table_key or (use.key if use.table else dim.key)
        if use.match:
            return Reach(table=table, table_key=table_key, match=use.match)
        fact_key = use.key or (role if dim.date else dim.key)
        return Reach(table=table, table_key=table_key, fact_key=fact_key)


# --- loading -------------------------------------------------------------------------------------------------

_SECTIONS = {"facts": Fact, "dimensions": Dimension, "measures": Measure}


@dataclass
class _Item:
    """One validated entry and where it came from, for cross-reference problems."""

    file: str
    section: str
    index: int
    model: Any
    root: yaml.Node | None

    def where(self, *sub: str | int) -> str:
        """`repairs.yaml: facts[0] (fact_repairs_job).dimensions[3] (line 12)`."""
        line = line_of(self.root, (self.section, self.index, *sub))
        suffix = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in sub)
        at = f" (line {line})" if line else ""
        return f"{self.file}: {self.section}[{self.index}] ({self.model.name}){suffix}{at}"


def load_semantic_layer(path: str | Path | None = None) -> SemanticLayer:
    """Read every ``*.yaml`` of the folder (or one file); raise SemanticLayerError listing every problem."""
    path = Path(path) if path is not None else SEMANTIC_DIR
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise SemanticLayerError([f"no *.yaml files in {path}"])
    problems: list[str] = []
    items: list[_Item] = []
    failed_names: set[str] = set()  # entries with their own problems: references to them are not reported again
    settings: list[tuple[str, Settings]] = []
    for file in files:
        items += _read_file(file, problems, failed_names, settings)
    problems += _cross_reference_problems(items, failed_names)
    if len(settings) > 1:
        problems.append(f"settings: given in {' and '.join(f for f, _ in settings)}: give them in one file")
    if problems:
        raise SemanticLayerError(problems)
    return SemanticLayer(**{
        section: {item.model.name: item.model for item in items if item.section == section} for section in _SECTIONS
    }, settings=settings[0][1] if settings else Settings())


def _read_settings(file: str, data: dict, root, problems: list[str], settings: list) -> None:
    if "settings" not in data:
        return
    try:
        settings.append((file, Settings.model_validate(data["settings"] or {})))
    except ValidationError as error:
        problems += _located(file, ("settings",), None, error, root)


def _read_file(file: Path, problems: list[str], failed_names: set[str], settings: list) -> list[_Item]:
    try:
        text = file.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{file.name}: cannot be read as YAML: {error}")
        return []
    if data is None:
        return []
    root = yaml.compose(text, Loader=_SAFE_LOADER)
    if not isinstance(data, dict) or set(data) - {*_SECTIONS, "settings"}:
        problems.append(f"{file.name}: must be a mapping with only {', '.join(_SECTIONS)} and settings (got "
                        f"{', '.join(map(str, data)) if isinstance(data, dict) else type(data).__name__})")
        return []
    _read_settings(file.name, data, root, problems, settings)
    items = []
    for section, model in _SECTIONS.items():
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(f"{file.name}: {section} (line {line_of(root, (section,))}): must be a list of entries")
            continue
        for index, entry in enumerate(entries):
            try:
                items.append(_Item(file.name, section, index, model.model_validate(entry), root))
            except ValidationError as error:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    failed_names.add(entry["name"])
                problems += _located(file.name, (section, index), entry, error, root)
    return items


def _located(file: str, base: tuple, entry: Any, error: ValidationError, root: yaml.Node | None) -> list[str]:
    """`repairs.yaml: measures[3] (repairs_open).format (line 45): message`, once per distinct problem."""
    named = f" ({entry['name']})" if isinstance(entry, dict) and isinstance(entry.get("name"), str) else ""
    lines = []
    for problem in error.errors(include_url=False):
        inner = tuple(problem["loc"])
        line = line_of(root, base + inner)
        suffix = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in inner)
        text = f"{file}: {dotted(base)}{named}{suffix}{f' (line {line})' if line else ''}: {problem_message(problem)}"
        if text not in lines:
            lines.append(text)
    return lines


def _cross_reference_problems(items: list[_Item], failed: set[str]) -> list[str]:
    by_section = {section: [item for item in items if item.section == section] for section in _SECTIONS}
    dims = {item.model.name: item.model for item in by_section["dimensions"]}
    facts = {item.model.name: item.model for item in by_section["facts"]}
    problems = []
    for section, section_items in by_section.items():
        problems += _repeated_names(section_items, section)
    # dimension and measure names share a result row (group-by columns beside measure columns)
    problems += [
        f"{item.where('name')}: {item.model.name!r} is also a dimension's name"
        for item in by_section["measures"] if item.model.name in dims
    ]
    measures = {item.model.name: item.model for item in by_section["measures"]}
    for item in by_section["measures"]:
        if item.model.fact not in facts and item.model.fact not in failed:
            problems.append(f"{item.where('fact')}: {_unknown(item.model.fact, facts, 'fact')}")
        problem = _base_problem(item.model, measures, facts, failed)
        if problem:
            problems.append(f"{item.where('base')}: {problem}")
    for item in by_section["facts"]:
        problems += _fact_problems(item, dims, failed)
    return problems


def _base_problem(measure: Measure, measures: dict[str, Measure], facts: dict[str, Fact],
                  failed: set[str]) -> str | None:
    """A base is a count of the same rows: same fact and date role (one query asks for both), format count."""
    if measure.base is None or measure.base in failed:
        return None
    base = measures.get(measure.base)
    if base is None:
        return _unknown(measure.base, measures, "measure")
    if base.format != "count":
        return f"base {base.name!r} must be a count (its format is {base.format!r})"
    roles = [SemanticLayer._measure_role(m, facts[m.fact].date if m.fact in facts else None) for m in (measure, base)]
    if base.fact != measure.fact or roles[0] != roles[1]:
        return (f"base {base.name!r} must count the same rows: the same fact ({measure.fact}) and date role "
                f"({roles[0]}), not {base.fact} by {roles[1]}")
    return None


def _repeated_names(items: list[_Item], section: str) -> list[str]:
    counts = Counter(item.model.name for item in items)
    return [f"{item.where('name')}: name is used more than once in {section}"
            for item in items if counts[item.model.name] > 1]


def _fact_problems(item: _Item, dims: dict[str, Dimension], failed: set[str]) -> list[str]:
    fact: Fact = item.model
    problems = []
    seen = Counter(use.name for use in fact.dimensions)
    for index, use in enumerate(fact.dimensions):
        where = item.where("dimensions", index)
        if seen[use.name] > 1:
            problems.append(f"{where}: dimension {use.name!r} is listed more than once")
        if use.name not in dims:
            if use.name not in failed:
                problems.append(f"{where}: {_unknown(use.name, dims, 'dimension')}")
            continue
        problem = _reach_problem(fact, use, dims[use.name])
        if problem:
            problems.append(f"{where}: {problem}")
    return problems


def _reach_problem(fact: Fact, use: DimensionUse, dim: Dimension) -> str | None:
    if (use.key or use.match) and not (dim.table or use.table):
        return f"{use.name} has no table to join: give column: (a fact expression) or table:"
    if use.table and not (use.key or use.match):
        return "table: needs key: (the fact's column) or match:"
    if dim.date and not (use.key or use.match or use.column) and not fact.date:
        return f"{use.name} is a date dimension but the fact has no date role: give the fact date: or a column:"
    return None


def _unknown(name: str, known: dict, kind: str) -> str:
    close = get_close_matches(name, list(known), n=3)
    return f"{name!r} is not a defined {kind}" + (f"; did you mean {', '.join(close)}?" if close else "")

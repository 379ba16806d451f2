"""The service catalogue: directorates, services, their KPIs and targets (``catalogue/services.yaml``).

The catalogue is configuration that service managers edit by hand, so every problem is reported with its
location in the file (``services[12].kpis[1].format (line 345): ...``) rather than as a pydantic traceback.
Nothing is read at import time: call ``load_catalogue()``.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from data_models.formats import FORMATS
from data_models.semantic_layer import load_semantic_layer
from data_models.yaml_locations import dotted, line_of, problem_message

CATALOGUE_PATH = Path(__file__).resolve().parent / "catalogue" / "services.yaml"
LAYOUTS_DIR = Path(__file__).resolve().parent / "layouts"

# libyaml's parser when PyYAML was built with it: the catalogue is thousands of lines and is read on every build
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DIRECTIONS = ("higher", "lower")

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SERVICE_CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
KPI_CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:[-_][A-Z0-9]+)*$")
DIRECTORATE_CODE_PATTERN = re.compile(r"^[A-Z]+$")


class CatalogueError(ValueError):
    """The catalogue file is missing, unreadable or invalid; ``problems`` holds one line per problem."""

    def __init__(self, path: Path | None, problems: list[str]):
        self.path = path
        self.problems = problems
        where = f"{path}" if path else "service catalogue"
        super().__init__(f"{where} has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))


Problem = tuple[tuple[str | int, ...], str]  # (location relative to the model being validated, message)


class _LocatedProblems(ValueError):
    """Raised by cross-record checks so that each problem keeps its own location (relative to the model)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


def known_targets(layouts_dir: Path = LAYOUTS_DIR) -> set[str]:
    """Target names declared by the source layouts (``target:`` in layouts/*.yaml): what ``data:`` may list."""
    targets = set()
    for layout_file in sorted(layouts_dir.glob("*.yaml")):
        layout = yaml.load(layout_file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
        if isinstance(layout, dict) and layout.get("target"):
            targets.add(str(layout["target"]))
    return targets


def _not_one_of(value: Any, allowed: tuple[str, ...] | list[str]) -> str:
    return f"{value!r} is not one of {', '.join(allowed)}"


def _check_pattern(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"{value!r} is not a valid {what}")
    return value


def _duplicates(values: list[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


class _Strict(BaseModel):
    # forbid unknown keys: a misspelt key (`direciton:`) must fail loudly, not silently fall back to a default
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Directorate(_Strict):
    code: str = Field(min_length=1, max_length=8)
    name: str = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code_pattern(cls, value: str) -> str:
        return _check_pattern(value, DIRECTORATE_CODE_PATTERN, "directorate code (capital letters, e.g. SCM)")


class DemoHint(_Strict):
    """Magnitudes for the demo-data generator only; the warehouse ignores them.

    typical: a typical monthly borough-wide value (counts, pounds, days, numbers, rates).
    volume: a typical monthly denominator for percent KPIs (cases, jobs, applications...).
    """

    typical: float | None = Field(default=None, gt=0)
    volume: float | None = Field(default=None, gt=0)


# What a KPI computed from a semantic measure takes from it: written once, in data_models/semantic/*.yaml
FROM_MEASURE = ("label", "format", "direction", "target")


class Kpi(_Strict):
    """A KPI of a service: a monthly return (label, format, direction, target given here), or, for a service with
    its own fact, a semantic measure (`measure:`) whose label, format, direction and target it takes, so that the
    figure and its target are the same on every page."""

    code: str = Field(min_length=1, max_length=12)
    measure: str | None = None
    label: str | None = Field(default=None, min_length=1)
    format: str | None = None
    direction: str | None = None
    target: float | None = None
    by_ward: bool = False
    description: str | None = Field(default=None, min_length=1)
    demo: DemoHint | None = None

    @field_validator("code")
    @classmethod
    def _code_pattern(cls, value: str) -> str:
        return _check_pattern(value, KPI_CODE_PATTERN, "KPI code (capitals and digits, e.g. REP01)")

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(_not_one_of(value, FORMATS))
        return value

    @field_validator("direction")
    @classmethod
    def _known_direction(cls, value: str | None) -> str | None:
        if value is not None and value not in DIRECTIONS:
            raise ValueError(_not_one_of(value, DIRECTIONS))
        return value

    @model_validator(mode="after")
    def _return_or_measure(self, info: ValidationInfo) -> Kpi:
        if self.measure is None:
            problems = _missing_return_fields(self.model_dump(exclude_none=True))
        else:
            problems = measure_problems(self, (info.context or {}).get("measures"))
        if problems:
            raise _LocatedProblems(problems)
        return self

    @model_validator(mode="after")
    def _percent_target_in_range(self) -> Kpi:
        if self.format == "percent" and self.target is not None and not 0 <= self.target <= 100:
            raise _LocatedProblems([(("target",), f"{self.target:g} is outside 0-100 for a percent KPI")])
        return self


RETURN_FIELDS = ("label", "format", "direction", "description")


def _missing_return_fields(kpi: dict) -> list[Problem]:
    """A KPI without a measure is a monthly return: it gives its own label, format, direction and description."""
    if kpi.get("measure"):
        return []
    return [((name,), "Field required (a KPI without a measure is a return and gives its own)")
            for name in RETURN_FIELDS if kpi.get(name) is None]


def measure_problems(kpi: Kpi, measures: dict | None) -> list[Problem]:
    """What is wrong with a KPI naming a semantic measure: an unknown measure, one with no monthly figure or no
    direction to judge it by, or a field the measure holds written here again (the target is written once)."""
    if measures is None:
        return []  # validated without the semantic layer (load_catalogue always passes it)
    measure = measures.get(kpi.measure)
    if measure is None:
        close = get_close_matches(kpi.measure, list(measures), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return [(("measure",), f"{kpi.measure!r} is not a measure of the semantic layer{hint}")]
    problems = [((name,), f"the measure {kpi.measure} holds the {name} ({getattr(measure, name)!r}): remove it "
                          "here, so that it is written once")
                for name in FROM_MEASURE if getattr(kpi, name) is not None]
    if measure.date == "none":
        problems.append((("measure",), f"{kpi.measure} is a snapshot (date: none), not a monthly figure"))
    if measure.direction not in DIRECTIONS:
        problems.append((("measure",), f"{kpi.measure} has direction {measure.direction!r}: a KPI needs higher "
                                       "or lower to be judged against target"))
    return problems


def from_measure(kpi: Kpi, measures: dict) -> Kpi:
    """The KPI with what its measure holds filled in (label, format, direction, target; its description unless
    the catalogue gives its own): what the seed tables, the generator and the pages read."""
    if kpi.measure is None:
        return kpi
    measure = measures[kpi.measure]
    taken = {name: getattr(measure, name) for name in FROM_MEASURE}
    return kpi.model_copy(update={**taken, "description": kpi.description or measure.description})


class Service(_Strict):
    code: str = Field(min_length=1, max_length=12)
    slug: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1)
    directorate: str
    owner: str = Field(min_length=1)
    description: str = Field(min_length=1)
    data: list[str] = Field(default_factory=list)
    kpis: list[Kpi] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code_pattern(cls, value: str) -> str:
        return _check_pattern(value, SERVICE_CODE_PATTERN, "service code (capitals, digits and '-', e.g. HSG-REP)")

    @field_validator("slug")
    @classmethod
    def _slug_pattern(cls, value: str) -> str:
        return _check_pattern(value, SLUG_PATTERN, "slug (lower-case words joined by '-', e.g. housing-repairs)")

    @field_validator("data")
    @classmethod
    def _known_data_targets(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # the layouts define what detailed data can exist; load_catalogue passes them in the context
        targets = (info.context or {}).get("targets")
        if targets is None:
            targets = known_targets()
        problems = [
            ((index,), _not_one_of(entry, sorted(targets))) for index, entry in enumerate(value) if entry not in targets
        ]
        if problems:
            raise _LocatedProblems(problems)
        return value

    @model_validator(mode="after")
    def _unique_kpi_codes(self) -> Service:
        codes = [kpi.code for kpi in self.kpis]
        repeated = _duplicates(codes)
        problems = [
            (("kpis", index, "code"), f"KPI code {code!r} is used more than once in service {self.code}")
            for index, code in enumerate(codes)
            if code in repeated
        ]
        if problems:
            raise _LocatedProblems(problems)
        return self

    @model_validator(mode="after")
    def _measures_need_data(self) -> Service:
        # a measure counts the service's own records: a service without detailed data has only its returns
        problems = [(("kpis", index, "measure"), f"service {self.code} has no data: its KPIs are returns")
                    for index, kpi in enumerate(self.kpis) if kpi.measure and not self.data]
        if problems:
            raise _LocatedProblems(problems)
        return self

    def kpi(self, code: str) -> Kpi:
        return next(kpi for kpi in self.kpis if kpi.code == code)

    def measured(self, measures: dict) -> Service:
        return self.model_copy(update={"kpis": [from_measure(kpi, measures) for kpi in self.kpis]})


class Catalogue(_Strict):
    directorates: list[Directorate] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_references(self) -> Catalogue:
        problems = _reference_problems(
            [d.code for d in self.directorates],
            [(s.code, s.slug, s.directorate) for s in self.services],
        )
        if problems:
            raise _LocatedProblems(problems)
        return self

    def service(self, code: str) -> Service:
        return next(service for service in self.services if service.code == code)

    def directorate(self, code: str) -> Directorate:
        return next(directorate for directorate in self.directorates if directorate.code == code)

    def kpi_measures(self) -> dict[str, str]:
        """{'<service code>:<KPI code>': measure} of the KPIs computed from a semantic measure."""
        return {f"{s.code}:{k.code}": k.measure for s in self.services for k in s.kpis if k.measure}


def _reference_problems(directorate_codes: list, services: list[tuple]) -> list[Problem]:
    """Checks across records: repeated codes and slugs, services naming a directorate that is not listed.

    `services` holds (code, slug, directorate) per service; a value that is not a string (missing, mistyped) is
    skipped, since the record's own checks report it.
    """
    codes, slugs, directorates = (list(column) for column in zip(*services, strict=True)) if services else ([], [], [])
    return (
        _repeated("directorates", "code", directorate_codes, "directorate code")
        + _repeated("services", "code", codes, "service code")
        + _repeated("services", "slug", slugs, "slug")
        + _unknown_directorates(directorate_codes, directorates)
    )


def _repeated(section: str, field: str, values: list, what: str) -> list[Problem]:
    repeated = _duplicates([value for value in values if isinstance(value, str)])
    return [
        ((section, index, field), f"{what} {value!r} is used more than once")
        for index, value in enumerate(values)
        if value in repeated
    ]


def _unknown_directorates(directorate_codes: list, service_directorates: list) -> list[Problem]:
    known = [code for code in directorate_codes if isinstance(code, str)]
    return [
        (("services", index, "directorate"), _not_one_of(code, known) + " (the directorate codes)")
        for index, code in enumerate(service_directorates)
        if isinstance(code, str) and code not in known
    ]


def _raw_reference_problems(data: dict) -> list[Problem]:
    """The cross-record checks over the file as read, so they are reported even when some records are invalid."""

    def records(key: str) -> list[dict]:
        value = data.get(key)
        return [item if isinstance(item, dict) else {} for item in value] if isinstance(value, list) else []

    def text(record: dict, key: str):
        value = record.get(key)
        return value.strip() if isinstance(value, str) else None

    missing = [(("services", i, "kpis", j, *loc), message)
               for i, service in enumerate(records("services"))
               for j, kpi in enumerate(service.get("kpis") if isinstance(service.get("kpis"), list) else [])
               if isinstance(kpi, dict) for loc, message in _missing_return_fields(kpi)]
    return missing + _reference_problems(
        [text(d, "code") for d in records("directorates")],
        [(text(s, "code"), text(s, "slug"), text(s, "directorate")) for s in records("services")],
    )


# --- loading and error reporting -------------------------------------------------------------------------------


def load_catalogue(path: Path | None = None, measures: dict | None = None) -> Catalogue:
    """Read and validate the catalogue; raise CatalogueError listing every problem with its location. KPIs naming
    a measure come back with its label, format, direction and target (`measures`: the semantic layer's)."""
    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(path, [f"cannot read the file: {error.strerror or error}"]) from error
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise CatalogueError(path, [f"not valid YAML: {error}"]) from error
    if not isinstance(data, dict):
        raise CatalogueError(path, ["the file must be a mapping with 'directorates:' and 'services:'"])
    try:
        measures = measures if measures is not None else load_semantic_layer().measures
        catalogue = Catalogue.model_validate(data, context={"targets": known_targets(), "measures": measures})
        return catalogue.model_copy(update={"services": [s.measured(measures) for s in catalogue.services]})
    except ValidationError as error:
        # pydantic skips the cross-record checks while any record is invalid; run them anyway so that one
        # round of fixes is enough
        located = [item for problem in error.errors(include_url=False) for item in _expand(problem)]
        located += _raw_reference_problems(data)
        # the node tree (with line numbers) is only built when there is something to point at
        root_node = yaml.compose(text, Loader=_SAFE_LOADER)
        raise CatalogueError(path, _describe(located, root_node)) from None


def _describe(located: list[Problem], root_node: yaml.Node | None) -> list[str]:
    """One readable line per problem, without repeats: `services[12].kpis[1].format (line 345): message`."""
    lines: list[str] = []
    for loc, message in located:
        line = line_of(root_node, loc)
        where = dotted(loc) or "(top level)"
        text = f"{where}{f' (line {line})' if line else ''}: {message}"
        if text not in lines:
            lines.append(text)
    return lines


def _expand(problem: dict[str, Any]) -> list[Problem]:
    loc = tuple(problem["loc"])
    original = (problem.get("ctx") or {}).get("error")
    if isinstance(original, _LocatedProblems):
        return [(loc + sub_loc, message) for sub_loc, message in original.problems]
    return [(loc, problem_message(problem))]


# --- seed tables ---------------------------------------------------------------------------------------------


def seed_rows(catalogue: Catalogue) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for seed_directorates, seed_services and seed_service_kpis (columns as in docs/architecture.md)."""
    directorates = [{"directorate_code": d.code, "directorate_name": d.name} for d in catalogue.directorates]
    services = [
        {
            "service_code": s.code,
            "slug": s.slug,
            "service_name": s.name,
            "directorate_code": s.directorate,
            "owner": s.owner,
            "description": s.description,
        }
        for s in catalogue.services
    ]
    kpis = [
        {
            "service_code": s.code,
            "kpi_code": k.code,
            "label": k.label,
            "format": k.format,
            "direction": k.direction,
            "target": k.target,
            "by_ward": k.by_ward,
            "description": k.description,
        }
        for s in catalogue.services
        for k in s.kpis
    ]
    return directorates, services, kpis

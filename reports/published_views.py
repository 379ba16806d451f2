"""The published tables' definitions (reports/published_views.yaml, validated here) and their figures: each
measure by ward for one month, read through the query layer by name, with the borough's own figure as the last
row. Disclosure control (reports/disclosure.py) is applied to these figures before anything is written
(reports/publishing.py); nothing here is ever served as it is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from data_models.semantic_layer import SemanticLayer
from data_models.yaml_locations import dotted, line_of, problem_message
from query import compiler as q
from query.reading import rows
from query.scope import EVERYTHING
from reports.errors import ReportError

CONFIG_PATH = Path(__file__).resolve().parent / "published_views.yaml"
BY = "ward"
BOROUGH = "__borough__"   # the key of the borough's own row
BOROUGH_LABEL = "Camden (the borough)"
VALUE_FORMATS = ("pounds", "number")   # what may be published without disclosure control


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Share(_Strict):
    measure: str
    base: str   # the count the share is over: hidden with it, or when it is under the threshold


class Part(_Strict):
    part: str
    of: str   # a count of the same table that holds every one of `part`'s


class AmountBound(_Strict):
    """What an amount of the table says of one of its counts: each counted item brings at least `least_each` of it
    (a PCN paid in full pays at least the lower band's discounted charge) or at most `most_each` (no PCN pays more
    than the higher band's charge at 1.5 times). Disclosure control models it, so an amount never gives a hidden
    count away (income of 55 pounds beside "<5" paid says 1)."""

    amount: str
    count: str
    least_each: float | None = Field(default=None, gt=0)
    most_each: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_side(self) -> AmountBound:
        if (self.least_each is None) == (self.most_each is None):
            raise ValueError(f"bound of {self.amount} by {self.count}: give least_each or most_each, one of them")
        return self


class TableSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    counts: tuple[str, ...] = ()
    shares: tuple[Share, ...] = ()
    parts: tuple[Part, ...] = ()
    values: tuple[str, ...] = ()
    bounds: tuple[AmountBound, ...] = ()

    @model_validator(mode="after")
    def _bases_are_counts_here(self) -> TableSpec:
        for bound in self.bounds:
            if bound.amount not in self.values or bound.count not in self.counts:
                raise ValueError(f"bound of {bound.amount} by {bound.count}: the amount must be one of this table's "
                                 "values, the count one of its counts")
        for share in self.shares:
            if share.base not in self.counts:
                raise ValueError(f"share {share.measure}: its base {share.base} must be one of this table's counts")
        for part in self.parts:
            if part.part not in self.counts or part.of not in self.counts:
                raise ValueError(f"part {part.part} of {part.of}: both must be this table's counts")
        return self

    @property
    def measures(self) -> tuple[str, ...]:
        return (*self.counts, *(share.measure for share in self.shares), *self.values)


class Disclosure(_Strict):
    threshold: int = Field(ge=3, le=100)   # with zeros shown, "<2" would mean exactly 1


class Headline(_Strict):
    measure: str   # a count or a share of one of the tables
    says: str = Field(min_length=1)   # what follows the figure: "of emergency repairs were completed within 24 hours"


class PublishedViews(_Strict):
    disclosure: Disclosure
    tables: tuple[TableSpec, ...] = Field(min_length=1)
    headlines: tuple[Headline, ...] = ()
    # who answers about the published pages (the accessibility statement gives it): the council's address
    contact: str = Field(default="the council's data team", min_length=3)

    @model_validator(mode="after")
    def _headlines_are_published(self) -> PublishedViews:
        for headline in self.headlines:
            if self.table_of(headline.measure) is None:
                raise ValueError(f"headline {headline.measure}: not a count or a share of any table here")
        return self

    def table_of(self, measure: str) -> TableSpec | None:
        """The table whose count or share `measure` is (a headline's figure is that table's borough figure)."""
        return next((t for t in self.tables if measure in t.counts or measure in (s.measure for s in t.shares)),
                    None)

    @field_validator("tables")
    @classmethod
    def _one_name_each(cls, tables):
        names = [table.name for table in tables]
        if len(set(names)) != len(names):
            raise ValueError("two tables have the same name")
        return tables


def load_views(layer: SemanticLayer, path: Path = CONFIG_PATH) -> PublishedViews:
    """The validated configuration; ReportError naming each problem and its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        views = PublishedViews.model_validate(yaml.safe_load(text))
    except OSError as error:
        raise ReportError(f"{path}: cannot be read ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        raise ReportError(f"{path}: not valid YAML: {error}") from None
    except ValidationError as error:
        root = yaml.compose(text)
        problems = [f"{dotted(p['loc'])} (line {line_of(root, p['loc'])}): {problem_message(p)}"
                    for p in error.errors(include_url=False)]
        raise ReportError(f"{path}:\n  " + "\n  ".join(problems)) from None
    unknown = [f"{t.name}: {m}" for t in views.tables for m in t.measures if m not in layer.measures]
    if unknown:
        raise ReportError(f"{path}: measures the semantic layer does not define: {', '.join(unknown)}")
    about_people = [f"{t.name}: {m}" for t in views.tables for m in t.values
                    if layer.measure(m).format not in VALUE_FORMATS]
    if about_people:   # counts, shares, averages of people or cases go through disclosure control, never as values
        raise ReportError(f"{path}: values must be amounts ({', '.join(VALUE_FORMATS)}); make these counts or shares: "
                          f"{', '.join(about_people)}")
    roles = defaultdict(set)
    for t in views.tables:
        for role, names in (("count", t.counts), ("share", [s.measure for s in t.shares]), ("value", t.values)):
            for name in names:
                roles[name].add(role)
    mixed = sorted(name for name, found in roles.items() if len(found) > 1)
    if mixed:
        raise ReportError(f"{path}: a measure has one role in every table; these have several: {', '.join(mixed)}")
    not_by_ward = [f"{t.name}: {m}" for t in views.tables for m in t.measures
                   if BY not in layer.applicable_dimensions(layer.measure(m).fact)]
    if not_by_ward:
        raise ReportError(f"{path}: measures with no ward to publish by: {', '.join(not_by_ward)}")
    undescribed = sorted({m for t in views.tables for m in t.measures if not layer.measure(m).public_description})
    if undescribed:   # the public reads what a published figure means in plain English, never the council's notes
        raise ReportError(f"{path}: published measures need a public_description (data_models/semantic/): "
                          f"{', '.join(undescribed)}")
    return views


def contact(path: Path = CONFIG_PATH) -> str:
    """The published pages' contact (`contact:` in the configuration), or the default when it cannot be read."""
    try:
        return str(PublishedViews.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8"))).contact)
    except (OSError, yaml.YAMLError, ValidationError):
        return PublishedViews.model_fields["contact"].default


@dataclass(frozen=True)
class Figures:
    """A table's figures before disclosure control: {row key: {measure: value}}, rows in ward order, the borough's
    own figures under BOROUGH; `labels` names each row."""

    spec: TableSpec
    rows: dict[str, dict[str, float | int | None]]
    labels: dict[str, str]


def read_figures(con, layer: SemanticLayer, spec: TableSpec, month: str) -> Figures:
    """Every measure of the table by ward for the month, each from its own fact, and the borough's figure (not a
    sum of the wards': a person counted once however many wards)."""
    together = _by_fact(layer, spec.measures)
    table: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for (fact, _role), measures in together.items():
        state = {"month": [month]}
        for row in rows(con, q.measure_sql(layer, measures, [BY], state, fact=fact, scope=EVERYTHING)):
            key = str(row[BY])
            labels[key] = row[f"{BY}_label"] or key
            table.setdefault(key, {}).update({m: plain_number(row[m]) for m in measures})
        table.setdefault(BOROUGH, {}).update(_borough(con, layer, measures, fact, month))
    wards = _every_ward(con, layer, next(iter(together))[0])
    labels = {**wards, **{k: v for k, v in labels.items() if k not in wards}, BOROUGH: BOROUGH_LABEL}
    # a ward with none of a count in the month is a published 0, not a missing row
    zero = {m: (0 if m in spec.counts or layer.measure(m).format == "count" else None) for m in spec.measures}
    ordered = {key: {**zero, **table.get(key, {})} for key in labels}
    return Figures(spec, ordered, labels)


def _by_fact(layer: SemanticLayer, measures) -> dict[tuple, list[str]]:
    together: dict[tuple, list[str]] = defaultdict(list)   # one query per fact and date role
    for measure in measures:
        fact = layer.measure(measure).fact
        together[(fact, layer.date_role(fact, [measure]))].append(measure)
    return together


def _borough(con, layer: SemanticLayer, measures: list[str], fact: str, month: str) -> dict:
    [borough] = rows(con, q.measure_sql(layer, measures, [], {"month": [month]}, fact=fact, scope=EVERYTHING))
    return {m: plain_number(borough[m]) for m in measures}


def plain_number(value):
    """A figure as a Python number: a sum of pounds comes from the warehouse as a Decimal, which is no figure to
    the published files (it was written as the text "4970.00") nor to the pages (so never averaged or formatted)."""
    return float(value) if isinstance(value, Decimal) else value


def _every_ward(con, layer: SemanticLayer, fact: str) -> dict[str, str]:
    """{ward: its name} of every ward, in the wards' order, whether or not the month has rows for it."""
    found = rows(con, q.filter_values_sql(layer, BY, {}, fact, scope=EVERYTHING))
    return {str(row["value"]): row["label"] or str(row["value"]) for row in found if row["row_count"]
            or not str(row["value"]).lower().startswith(("unknown", "outside"))}

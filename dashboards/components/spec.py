"""Page specs: what a page's KPI tiles, charts and filter lists show, by measure and dimension names only.

A page module declares one PageSpec and hands it to `declare(spec)`; the generic callbacks (callbacks.py) find a
card's spec from its pattern-matching id {"page": name, "card": name}. Declaring again (Dash re-imports the pages
for every app) replaces the earlier spec: specs are plain data, so several apps in one process share them safely.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

CHART_KINDS = ("bar", "hbar", "pie", "line", "fy_months", "table", "map", "heatmap")
OFFERING_KINDS = ("bar", "hbar", "line")  # a chart of one measure's values by a dimension (a pie is of counts)
SHOW_PREFIX = "show-"  # the URL key of a card's "Show" choice: show-<chart name>=<measure>
ORDER_PREFIX = "order-"  # the URL key of a filter list's order: order-<dimension>=count (by name without it)
# how a page's default selection is worked out from its fact (dashboards/components/defaults.py)
DEFAULT_RULES = ("latest_complete_month", "its_financial_year")
Pinned = tuple[tuple[str, tuple[str, ...]], ...]


def pinned_state(pinned: Pinned) -> dict[str, list[str]]:
    return {dimension: list(values) for dimension, values in pinned}


@dataclass(frozen=True)
class Kpi:
    measure: str
    label: str | None = None  # default: the measure's label
    pinned: Pinned = ()  # selections always applied, e.g. (("directorate", ("ADH",)),): the care budget


@dataclass(frozen=True)
class Chart:
    """One chart card: `measures` (the first is plotted) by `dimension`; a click toggles that dimension's value.

    `ignore`: selections this chart does not apply (the FY comparison ignores financial_year and month so that it
    always shows two years); `where_nonzero`: leave out rows whose first measure is 0 or empty (a table of overdue
    jobs lists the wards that have some).
    `across`: a heatmap's second dimension (columns; `dimension` is the rows); a click on a cell selects both values.
    `drill`: a hierarchy of dimensions (the first is `dimension`): the chart shows the first level without exactly
    one selected value, so a click on a directorate drills into its services, then their cost centres.
    `pinned`: selections always applied (a care page's budget chart pinned to the ADH directorate).
    `top`: the N largest rows by the first measure, zeros left out (the most overdue of 90,000 jobs)."""

    name: str
    title: str
    kind: str
    dimension: str
    measures: tuple[str, ...]
    description: str = ""
    ignore: tuple[str, ...] = ()
    where_nonzero: bool = False
    width: int = 6  # of 12 columns at desktop widths
    across: str | None = None
    drill: tuple[str, ...] = ()
    pinned: Pinned = ()
    top: int = 0  # only the N rows with the largest first measure (not zero), chosen by the database
    # other measures the card offers to plot instead of the first (a "Show" choice, carried in the URL as
    # show-<chart name>=<measure>): those that fit a bar by this dimension
    offers: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind {self.kind!r} is not one of {', '.join(CHART_KINDS)}")
        if not self.measures:
            raise ValueError(f"chart {self.name!r} needs at least one measure")
        if (self.kind == "heatmap") != (self.across is not None):
            raise ValueError(f"chart {self.name!r}: a heatmap, and only a heatmap, names the dimension `across`")
        if self.drill and (self.drill[0] != self.dimension or self.kind not in ("bar", "hbar", "table")):
            raise ValueError(f"chart {self.name!r}: a drill starts at the chart's dimension; bar, hbar or table")
        if self.offers and self.kind not in OFFERING_KINDS:
            raise ValueError(f"chart {self.name!r}: only a {', '.join(OFFERING_KINDS)} chart offers other measures")

    def showing(self, measure: str | None) -> Chart:
        """The chart plotting `measure` first when it is one the card offers; else as declared."""
        if not measure or measure == self.measures[0] or measure not in self.offers:
            return self
        return dataclasses.replace(self, measures=(measure, *[m for m in self.measures if m != measure]))

    @property
    def choices(self) -> tuple[str, ...]:
        """What the card's "Show" choice lists: its first measure, then those it offers."""
        return tuple(dict.fromkeys((self.measures[0], *self.offers)))

    def level(self, state) -> str:
        """The dimension shown: for a drill, the first level without exactly one selected value."""
        for dimension in self.drill[:-1]:
            if len((state or {}).get(dimension) or []) != 1:
                return dimension
        return self.drill[-1] if self.drill else self.dimension


@dataclass(frozen=True)
class Default:
    """A selection the page opens on (a Qlik default bookmark), worked out from the page's fact when the page is
    asked for: `latest_complete_month` (the latest month of the fact that has ended by the data's as-of date) or
    `its_financial_year` (the financial year of that month)."""

    dimension: str
    rule: str

    def __post_init__(self):
        if self.rule not in DEFAULT_RULES:
            raise ValueError(f"default rule {self.rule!r} is not one of {', '.join(DEFAULT_RULES)}")


@dataclass(frozen=True)
class PageSpec:
    name: str  # the id prefix and the key of the registry
    path: str
    title: str
    fact: str  # the fact whose filter lists the page shows; "" for a page that reads no fact
    intro: str = ""
    kpis: tuple[Kpi, ...] = ()
    charts: tuple[Chart, ...] = ()
    filters: tuple[str, ...] = ()
    extra_facts: tuple[str, ...] = field(default=())  # other facts the page reads (for "not applicable here")
    # the catalogue services whose rows the page shows (who may open it: dashboards/page_access.py); None: rows of
    # any service (budget and spend), read by each user within their scope
    services: tuple[str, ...] | None = None
    defaults: tuple[Default, ...] = ()  # the selection the page opens on (shown as ordinary, removable chips)
    defaults_text: str = ""  # the defaults in words, for the selection bar ("the current financial year...")
    offers_budget_pack: bool = False  # links to the budget monitoring pack (Excel, PDF) with the selections shown

    def chart(self, name: str) -> Chart:
        for chart in self.charts:
            if chart.name == name:
                return chart
        raise KeyError(f"page {self.name!r} has no chart {name!r}")

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts the page reads; none for a page of its own tables (data quality): no selection applies."""
        return tuple(f for f in (self.fact, *self.extra_facts) if f)


SPECS: dict[str, PageSpec] = {}


def declare(spec: PageSpec) -> PageSpec:
    SPECS[spec.name] = spec
    return spec


def spec(name: str) -> PageSpec:
    return SPECS[name]


def path_matches(template: str, path: str) -> bool:
    """'/services/<slug>' matches '/services/housing-repairs'; plain paths match themselves."""
    want, got = template.rstrip("/").split("/"), path.rstrip("/").split("/")
    return len(want) == len(got) and all(w == g or (w.startswith("<") and w.endswith(">") and g)
                                         for w, g in zip(want, got, strict=True))


def spec_for_path(path: str | None) -> PageSpec | None:
    path = (path or "/").rstrip("/") or "/"
    exact = next((s for s in SPECS.values() if s.path == path), None)
    return exact or next((s for s in SPECS.values() if "<" in s.path and path_matches(s.path, path)), None)

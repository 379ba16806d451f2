"""Publishing: the published tables' figures for a month (published_views.py), through disclosure control
(disclosure.py) and a last check that nothing hidden can be worked out, into a new snapshot of the published store
(published_store.py). Run by the data team: `python -m reports publish`, `... withdraw`, `... snapshots`.

Every count of every table is one cell of one model, keyed by (measure, ward): a measure published in two tables is
the same cells, so both show it hidden alike; each count's borough figure is a total of its wards' when they add up
to it (a person living in one ward), which is what lets a hidden ward be worked out and so what is protected.
Shares are hidden with their base; figures that are not about people are published as they are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_models.semantic_layer import SemanticLayer, load_semantic_layer
from query.periods import latest_complete_month, month_name
from query.reading import data_as_of, read_only
from reports.disclosure import Rule, Shown, State, exposed_cells, protect, suppress_derived
from reports.errors import ReportError
from reports.published_store import PublishedColumn, PublishedStore, PublishedTable, Snapshot
from reports.published_views import BOROUGH, CONFIG_PATH, Figures, load_views, read_figures

AREA = "area"


def default_month(as_of: dt.date | None) -> str:
    """The latest month that has ended by the data's as-of date."""
    if as_of is None:
        raise ReportError("the warehouse records no successful load: say which month to publish (--period)")
    this = as_of.strftime("%Y-%m")
    before = (as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return latest_complete_month([this, before], as_of)


def publish(warehouse: Path, *, published_by: str, month: str | None = None, store: PublishedStore | None = None,
            views_path: Path = CONFIG_PATH) -> Snapshot:
    layer = load_semantic_layer()
    views = load_views(layer, views_path)
    rule = Rule(views.disclosure.threshold)
    with read_only(warehouse) as con:
        as_of = data_as_of(con)
        month = month or default_month(as_of)
        figures = [read_figures(con, layer, spec, month) for spec in views.tables]
    shown = protected_counts(figures, rule)
    tables = [published_table(layer, f, shown, rule, month, as_of) for f in figures]
    return (store or PublishedStore.beside(warehouse)).publish(month, tables, published_by=published_by,
                                                               data_as_of=as_of)


def count_model(figures: list[Figures]) -> tuple[dict, list]:
    """Cells {(measure, ward): count} of every table's counts, and each count's wards adding up to its borough
    figure where they do."""
    cells, constraints = {}, {}
    for table in figures:
        for measure in table.spec.counts:
            wards = []
            for row, values in table.rows.items():
                cells[(measure, row)] = int(values[measure] or 0)
                if row != BOROUGH:
                    wards.append((measure, row))
            if sum(cells[key] for key in wards) == cells[(measure, BOROUGH)]:
                constraints[(measure, BOROUGH)] = tuple(wards)
    return cells, list(constraints.items())


def protected_counts(figures: list[Figures], rule: Rule) -> dict:
    cells, constraints = count_model(figures)
    shown = protect(cells, constraints, rule)
    exposed = exposed_cells(shown, constraints, rule)
    if exposed:   # the last gate: never written if anything could be worked out
        raise ReportError(f"disclosure control left {len(exposed)} figure(s) that could be worked out; nothing was "
                          f"published: {exposed[:5]}")
    return shown


def published_table(layer: SemanticLayer, figures: Figures, shown: dict, rule: Rule, month: str,
                    as_of: dt.date | None) -> PublishedTable:
    spec = figures.spec
    columns = [PublishedColumn(AREA, "Area", "A Camden ward (May 2022 boundaries), or the whole borough.")]
    columns += [column_of(layer, measure, as_of) for measure in spec.measures]
    bases = {share.measure: share.base for share in spec.shares}
    rows = []
    for row, values in figures.rows.items():
        published = {AREA: figures.labels[row]}
        for measure in spec.measures:
            published[measure] = cell_text(layer, measure, values, row, shown, bases, rule)
        rows.append(published)
    as_of_text = f"; data as of {as_of:%-d %B %Y}" if as_of else ""
    notes = (f"Period: {month_name(month)}{as_of_text}.", rule.footnote,
             "Source: the council's service systems, loaded by Borough Insight. Open Government Licence v3.0.")
    return PublishedTable(spec.name, spec.title, spec.description, tuple(columns), tuple(rows), notes)


def column_of(layer: SemanticLayer, measure: str, as_of: dt.date | None) -> PublishedColumn:
    definition = layer.measure(measure)
    text = definition.description.strip()
    if definition.date == "none" and as_of:
        text += f" As at {as_of:%-d %B %Y}, not over the month."
    return PublishedColumn(measure, definition.label, text, definition.format)


def cell_text(layer, measure: str, values: dict, row: str, shown: dict, bases: dict, rule: Rule):
    """A cell as published: a count through disclosure control, a share hidden with its base, a value rounded."""
    if (measure, row) in shown:
        return published_value(shown[(measure, row)])
    value = values[measure]
    if measure in bases:
        base = shown[(bases[measure], row)]
        count = values[bases[measure]] or 0
        value = published_value(suppress_derived(value, None, count, base.state, rule)) if value is not None else None
    return rounded(layer.measure(measure).format, value)


def published_value(figure: Shown):
    return figure.value if figure.state is State.PUBLISHED else figure.marker


def rounded(format_: str, value):
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value   # a marker, or None
    if format_ in ("count", "pounds"):
        return round(value)
    return round(value, 1)

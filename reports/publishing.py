"""Publishing: the published tables' figures for a month (published_views.py), through disclosure control
(disclosure.py) and a last check that nothing hidden can be worked out, into a new snapshot of the published store
(published_store.py). Run by the data team: `python -m reports publish`, `... withdraw`, `... snapshots`.

Every count of every table is one cell of one model, keyed by (measure, ward): a measure published in two tables is
the same cells, so both show it hidden alike; each count's borough figure is a total of its wards' when they add up
to it (a person living in one ward), which is what lets a hidden ward be worked out and so what is protected.
Shares are hidden with their base; figures that are not about people are published as they are."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path

from data_models.semantic_layer import SemanticLayer, load_semantic_layer
from data_models.ward_codes import ward_codes
from query.periods import is_month, latest_complete_month, month_name
from query.reading import data_as_of, read_only
from reports.disclosure import (
    SECONDARY_MARKER,
    AmountBound,
    Model,
    Rule,
    ShareCells,
    Shown,
    State,
    audit_model,
    protect_model,
)
from reports.errors import ReportError
from reports.headlines import TABLE as HEADLINES
from reports.headlines import headline_row, headlines_table, previous_month
from reports.published_store import PublishedColumn, PublishedStore, PublishedTable, Snapshot, is_figure
from reports.published_views import (
    BOROUGH,
    BOROUGH_LABEL,
    CONFIG_PATH,
    Figures,
    PublishedViews,
    load_views,
    read_figures,
)

AREA = "area"
WARD_CODE = "ward_code"
log = logging.getLogger(__name__)


def default_month(as_of: dt.date | None) -> str:
    """The latest month that has ended by the data's as-of date."""
    if as_of is None:
        raise ReportError("the warehouse records no successful load: say which month to publish (--period)")
    this = as_of.strftime("%Y-%m")
    before = (as_of.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return latest_complete_month([this, before], as_of)


def checked_month(month: str | None, as_of: dt.date | None) -> str:
    """The month asked for, if it is a month that has ended by the data's as-of date; else the latest that has."""
    latest = default_month(as_of) if as_of or month is None else None
    if month is None:
        return latest
    if not is_month(month):
        raise ReportError(f"period {month!r} is not a month: write it as YYYY-MM, e.g. 2026-10")
    if latest is not None and month > latest:
        raise ReportError(f"{month_name(month)} has not ended by the data's as-of date ({as_of:%-d %B %Y}): the "
                          f"latest month that can be published is {month_name(latest)}")
    return month


def publish(warehouse: Path, *, published_by: str, month: str | None = None, store: PublishedStore | None = None,
            views_path: Path = CONFIG_PATH, public: bool = False) -> Snapshot:
    """A draft snapshot of the month's published tables (`public`: made public at once, by the same person)."""
    layer = load_semantic_layer()
    views = load_views(layer, views_path)
    rule = Rule(views.disclosure.threshold)
    store = store or PublishedStore.beside(warehouse)
    with read_only(warehouse) as con:
        as_of = data_as_of(con)
        month = checked_month(month, as_of)
        figures = [read_figures(con, layer, spec, month) for spec in views.tables]
        if not has_figures(layer, figures):
            raise ReportError(f"no figures for {month_name(month)} in the warehouse: nothing was published")
        shown = protected_figures(figures, rule, known_from_store(store, layer, month, figures))
        tables = [published_table(layer, f, shown, rule, month, as_of) for f in figures]
        if views.headlines:
            before = month_before(con, layer, views, store, previous_month(month), rule)
            tables.insert(0, headlines(layer, views, figures, shown, before, rule, month, tables[0].notes))
    return store.publish(month, tables, published_by=published_by, data_as_of=as_of, public=public)


def known_from_store(store: PublishedStore, layer: SemanticLayer, month: str, figures: list[Figures]) -> dict:
    """Cells a reader of the store already has for the month: every figure an earlier public version of it
    (`2026-10` beside `2026-10-v2`: superseded versions stay at their addresses) published that today's figures
    leave unchanged, and the borough's figures a later month's headlines gave as its month before. Only figures
    equal to today's: a changed one is another count, not knowledge of this one."""
    published = {}   # (measure, row) -> figure, as published
    next_month = (dt.date.fromisoformat(f"{month}-01") + dt.timedelta(days=31)).strftime("%Y-%m")
    for snapshot in store.snapshots():
        if snapshot.public and snapshot.period == month:
            for f in figures:
                document = json.loads(store.file_bytes(snapshot.id, f.spec.name, "json"))
                row_of = {label: key for key, label in f.labels.items()}
                for row in document["rows"]:
                    key = row_of.get(row.get(AREA))
                    published.update({(m, key): row.get(m) for m in f.spec.measures if key is not None})
        elif snapshot.public and snapshot.period == next_month and HEADLINES in {t.name for t in snapshot.tables}:
            document = json.loads(store.file_bytes(snapshot.id, HEADLINES, "json"))
            published.update({(row["measure"], BOROUGH): row["previous"] for row in document["rows"]})
    return _unchanged(layer, figures, published)


def _unchanged(layer: SemanticLayer, figures: list[Figures], published: dict) -> dict:
    """{model cell: value} for the published figures today's data still give: a count as itself, a share as its
    count and rest."""
    known = {}
    for f in figures:
        shares = {share.measure: share for share in f.spec.shares}
        for row, values in f.rows.items():
            for measure in f.spec.counts:
                if published.get((measure, row)) == int(values[measure] or 0):
                    known[(measure, row)] = int(values[measure] or 0)
            for measure, share in shares.items():
                figure = published.get((measure, row))
                if is_figure(figure) and figure == rounded(layer.measure(measure).format, values[measure]):
                    count = numerator(values, share)
                    known[(f"{measure}:part", row)] = count
                    known[(f"{measure}:rest", row)] = int(values[share.base] or 0) - count
    return known


def has_figures(layer: SemanticLayer, figures: list[Figures]) -> bool:
    """Any count over the month (a figure as at the data's date, such as people in support now, is there whatever
    the month, so it does not count)."""
    return any(f.rows[BOROUGH].get(m) for f in figures for m in f.spec.counts if layer.measure(m).date != "none")


def month_before(con, layer: SemanticLayer, views: PublishedViews, store: PublishedStore, month: str,
                 rule: Rule) -> dict[str, object]:
    """{headline measure: the borough's figure for the month before}, as it was published if that month's snapshot
    is current (a figure it hid stays hidden), else as a publish of that month would give it now, through the
    whole model of every ward (never the borough's cells alone: a borough total hidden to protect its wards
    must not come out a month later). None for a month with no figures."""
    published = next((s for s in store.snapshots() if s.period == month and s.public), None)
    if published is not None:
        return {h.measure: published_borough_figure(store, published, views.table_of(h.measure).name, h.measure)
                for h in views.headlines}
    figures = [read_figures(con, layer, spec, month) for spec in views.tables]
    if not has_figures(layer, figures):
        return {h.measure: None for h in views.headlines}
    try:
        shown = protected_figures(figures, rule)
    except ReportError:   # that month cannot be published as it is: nor can its figures be a month later
        log.warning("headlines: %s cannot be protected; its figures are not shown as the month before", month)
        return {h.measure: SECONDARY_MARKER for h in views.headlines}
    by_table = {f.spec.name: f for f in figures}
    return {h.measure: cell_text(layer, h.measure, by_table[views.table_of(h.measure).name].rows[BOROUGH],
                                 BOROUGH, shown, bases_of(by_table[views.table_of(h.measure).name]), rule)
            for h in views.headlines}


def published_borough_figure(store: PublishedStore, snapshot: Snapshot, table: str, measure: str):
    """A measure's borough figure as a snapshot published it; None if that snapshot did not publish it."""
    try:
        document = json.loads(store.file_bytes(snapshot.id, table, "json"))
    except ReportError:
        return None
    borough = next((row for row in document["rows"] if row.get(AREA) == BOROUGH_LABEL), {})
    return borough.get(measure)


def headlines(layer: SemanticLayer, views: PublishedViews, figures: list[Figures], shown: dict,
              before: dict[str, object], rule: Rule, month: str, notes: tuple[str, ...]) -> PublishedTable:
    """The borough's headline figures: this month's as its table publishes it, the month before as month_before
    gives it."""
    by_table = {f.spec.name: f for f in figures}
    rows = []
    for headline in views.headlines:
        now = by_table[views.table_of(headline.measure).name]
        value = cell_text(layer, headline.measure, now.rows[BOROUGH], BOROUGH, shown, bases_of(now), rule)
        rows.append(headline_row(layer, headline, month, value, before[headline.measure]))
    return headlines_table(rows, notes)


def bases_of(figures: Figures) -> dict[str, str]:
    return {share.measure: share.base for share in figures.spec.shares}


def figures_model(figures: list[Figures], known: dict | None = None) -> Model:
    """Every number the tables publish, as a reader can reason about it, keyed (name, row):
    - each count by ward, with its borough figure as the total of its wards' where they add up to it;
    - a part of a count (emergency jobs of all jobs completed), itself a count shown, and the rest of it: whole =
      part + rest, in each row (the rest is shown nowhere);
    - a share's count and the rest of its base (83.3% of 6 is 5, and 1 more): base = count + rest, in each row,
      shown nowhere but given away by the share when it is shown;
    - an amount that tells of a count (`bounds`: income of 55 pounds is one PCN paid), with its borough total;
    Every name also has its borough total over the wards. `known`: cells a reader knows from other snapshots."""
    counts, unshown, amounts, shares, bounds, constraints = {}, {}, {}, {}, [], []
    for table in figures:
        for measure in table.spec.counts:
            for row, values in table.rows.items():
                counts[(measure, row)] = int(values[measure] or 0)
        for part in table.spec.parts:
            constraints += split(counts, unshown, table, part.of, part.part, f"{part.part}:rest")
        for share in table.spec.shares:
            for row, values in table.rows.items():
                unshown[(f"{share.measure}:part", row)] = numerator(values, share)
                shares[(share.measure, row)] = ShareCells((f"{share.measure}:part", row),
                                                          (f"{share.measure}:rest", row), (share.base, row))
            constraints += split(counts, unshown, table, share.base, f"{share.measure}:part", f"{share.measure}:rest")
        for bound in table.spec.bounds:
            for row, values in table.rows.items():
                amounts[(bound.amount, row)] = float(values[bound.amount] or 0)
                least = bound.least_each is not None
                bounds.append(AmountBound((bound.amount, row), (bound.count, row),
                                          bound.least_each if least else bound.most_each, least))
    cells = {**counts, **unshown, **amounts}
    done = set()
    for table in figures:
        for name in sorted({key[0] for key in cells if key[1] in table.rows} - done):
            constraints += borough_total(cells, table, name)
            done.add(name)
    keep = {key for key in [*counts, *shares, *amounts] if key[1] == BOROUGH}
    return Model(counts, constraints, unshown=unshown, shares=shares, amounts=amounts, bounds=bounds,
                 known=known or {}, keep=keep)


def split(counts: dict, unshown: dict, table: Figures, whole: str, part: str, rest_name: str) -> list:
    """whole = part + rest in each row of the table; the rest's cells are added to those shown nowhere."""
    constraints = []
    cells = {**counts, **unshown}
    for row in table.rows:
        part_count = cells[(part, row)]
        rest = cells[(whole, row)] - part_count
        if rest < 0:
            raise ReportError(f"{table.spec.name}: {part} ({part_count}) is more than {whole} "
                              f"({cells[(whole, row)]}) for {table.labels[row]}: it cannot be a part of it")
        unshown[(rest_name, row)] = rest
        constraints.append(((whole, row), ((part, row), (rest_name, row))))
    return constraints


def numerator(values: dict, share) -> int:
    """The count a share is of: the share of its base, whole (a share is exact: count over base)."""
    base, value = values[share.base] or 0, values[share.measure]
    return 0 if not base or value is None else round(value * base / 100)


def borough_total(cells: dict, table: Figures, name: str) -> list:
    """The borough figure of `name` is the total of its wards' when they add up to it (each person or case in one
    ward): that is what would let a hidden ward be worked out, so it is modelled. When they do not (a person in
    two wards in the month), it is said in the log: an intruder's "at most" is not modelled."""
    wards = [(name, row) for row in table.rows if row != BOROUGH and (name, row) in cells]
    if (name, BOROUGH) not in cells or not wards:
        return []
    if math.isclose(sum(cells[key] for key in wards), cells[(name, BOROUGH)], abs_tol=1e-6):
        return [((name, BOROUGH), tuple(wards))]
    log.warning("published %s: %s's wards do not add up to the borough's figure", table.spec.name, name)
    return []


def protected_figures(figures: list[Figures], rule: Rule, known: dict | None = None) -> dict:
    """Every count, share and amount of the tables as it may be published (the borough's figures hidden to protect
    a ward only when nothing else will do), checked once more in whole numbers before anything is written."""
    model = figures_model(figures, known)
    shown = protect_model(model, rule)
    exposed = audit_model(model, shown, rule)
    if exposed:   # the last gate: never written if anything could be worked out or narrowed
        raise ReportError(f"disclosure control left {len(exposed)} figure(s) that could be worked out; nothing was "
                          f"published: {exposed[:5]}")
    return shown


def published_table(layer: SemanticLayer, figures: Figures, shown: dict, rule: Rule, month: str,
                    as_of: dt.date | None) -> PublishedTable:
    spec = figures.spec
    columns = [PublishedColumn(AREA, "Area", "A Camden ward (May 2022 boundaries), or the whole borough."),
               PublishedColumn(WARD_CODE, "Ward code", "The ward's ONS code (E05...); for the borough, the council's "
                               "(E09...): what other data published by ward or council join on.")]
    columns += [column_of(layer, measure, as_of) for measure in spec.measures]
    bases = bases_of(figures)
    codes = ward_codes()
    rows = []
    for row, values in figures.rows.items():
        code = codes.council if row == BOROUGH else codes.wards.get(figures.labels[row])
        published = {AREA: figures.labels[row], WARD_CODE: code}
        for measure in spec.measures:
            published[measure] = cell_text(layer, measure, values, row, shown, bases, rule)
        rows.append(published)
    as_of_text = f"; data as of {as_of:%-d %B %Y}" if as_of else ""
    notes = (f"Period: {month_name(month)}{as_of_text}.", rule.footnote,
             "Source: the council's service systems, loaded by Borough Insight. Open Government Licence v3.0.")
    return PublishedTable(spec.name, spec.title, spec.description, tuple(columns), tuple(rows), notes)


def column_of(layer: SemanticLayer, measure: str, as_of: dt.date | None) -> PublishedColumn:
    definition = layer.measure(measure)
    text = " ".join(definition.public_description.split())   # every published measure has one (load_views)
    if definition.date == "none" and as_of:
        text += f" As at {as_of:%-d %B %Y}, not over the month."
    return PublishedColumn(measure, definition.label, text, definition.format)


def cell_text(layer, measure: str, values: dict, row: str, shown: dict, bases: dict, rule: Rule):
    """A cell as published: a count, a share or an amount as disclosure control left it (a share over nothing has
    no figure), any other value rounded."""
    value = values[measure]
    figure = shown.get((measure, row))
    if figure is not None and not figure.published:
        return figure.marker
    if figure is not None and measure not in bases:
        value = figure.value
    return rounded(layer.measure(measure).format, value)


def published_value(figure: Shown):
    return figure.value if figure.state is State.PUBLISHED else figure.marker


def rounded(format_: str, value):
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value   # a marker, or None
    if format_ in ("count", "pounds"):
        return round(value)
    return round(value, 1)

"""A ward's figures month by month, read only from the published store: for a snapshot, its own month and each of
the months before it that a public snapshot covers (the newest public version of each; withdrawn and draft
snapshots are never in it), up to MONTHS months. Every figure is the one its month's snapshot published (a marker
stays a marker), so a trend never says more than the months' own pages did; each snapshot's files are read once per
process (content.contents).

Drawn as a table of the figures (what a screen reader and a printout read) with a small line per measure beside
it (inline SVG, hidden from screen readers), from its lowest month to its highest, broken where a month has no
figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboards.published import content
from reports.published_store import PublishedStore, Snapshot, is_figure

MONTHS = 12
WIDTH, HEIGHT, PAD = 120, 36, 4   # the line's box (SVG user units) and the room kept round it for its dots


@dataclass(frozen=True)
class Line:
    """One measure of a ward over the months: the figures as published and, for the SVG, the pieces of line
    between months without a figure and the dots of every month with one."""

    label: str
    shown: tuple[str, ...]                       # each month's figure as the page writes it ('<5', '[c]', '–')
    segments: tuple[str, ...]                    # SVG points of each unbroken run of two months or more
    dots: tuple[tuple[float, float], ...]        # (x, y) of every month with a figure


def months_of(store: PublishedStore, snapshot: Snapshot) -> list[Snapshot]:
    """The snapshot and, for each month before it, the newest public snapshot of that month: oldest first, at most
    MONTHS of them."""
    chosen = {snapshot.period: snapshot}
    for other in store.snapshots():   # newest first, a later version of a month before an earlier one
        if other.public and other.period < snapshot.period:
            chosen.setdefault(other.period, other)
    return [chosen[period] for period in sorted(chosen)[-MONTHS:]]


def month_label(period: str) -> str:
    """'2026-10' -> 'Oct 2026' (a column heading)."""
    return dt.date(int(period[:4]), int(period[5:7]), 1).strftime("%b %Y")


def ward_trend(store: PublishedStore, months: list[Snapshot], ward: str) -> dict[str, list[Line]]:
    """{table name: a Line per measure of the last month's table}, the ward's figure of each month."""
    tables = [{t.name: t for t in content.contents(store, month).tables} for month in months]
    trend = {}
    for table in tables[-1].values():
        trend[table.name] = [_line(column, [_value(month.get(table.name), column.key, ward) for month in tables])
                             for column in table.columns]
    return trend


def _value(table: content.Table | None, key: str, ward: str):
    return None if table is None else table.rows.get(ward, {}).get(key)


def _line(column: content.Column, values: list) -> Line:
    figures = [v for v in values if is_figure(v)]
    # from the lowest month to the highest, as sparklines are read (the figures are beside it): a steady count
    # drawn from zero would be a flat line; the same every month is a line across the middle
    low, high = min(figures, default=0), max(figures, default=0)
    span = (high - low) or None
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    points = [(round(PAD + i * step, 1),
               round(HEIGHT / 2 if span is None else HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v - low) / span, 1))
              if is_figure(v) else None for i, v in enumerate(values)]
    runs, run = [], []
    for point in [*points, None]:   # a month without a figure ends a run: the line has a gap there
        if point is None:
            if len(run) > 1:
                runs.append(" ".join(f"{x},{y}" for x, y in run))
            run = []
        else:
            run.append(point)
    return Line(column.label, tuple(content.shown(v, column.kind) for v in values), tuple(runs),
                tuple(p for p in points if p is not None))

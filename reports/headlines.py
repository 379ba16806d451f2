"""The borough summary's headlines: each a borough figure of a published table for the month, with the month before,
its target and red/amber/green, and a sentence in plain English ("84.0% of emergency repairs were completed within
24 hours in October, up from 79.2% in September"). Published as a table of their own (`borough-headlines`), so the
pages, the CSV and the JSON say the same words; the sentences are written once, at publishing, and never change.

A headline's figure for the month is its table's borough cell as published (the same disclosure control); the month
before is read for the borough alone and goes through the same model (a share with its base, numerator and rest)."""

from __future__ import annotations

import datetime as dt

from data_models.formats import format_value
from data_models.rag import WORDS, measure_rag
from data_models.semantic_layer import SemanticLayer
from query.periods import month_name
from reports.published_store import PublishedColumn, PublishedTable, is_figure
from reports.published_views import Headline

TABLE = "borough-headlines"
TITLE = "Borough headlines"
COLUMNS = (
    PublishedColumn("measure", "Measure", "The measure's name in the council's semantic layer."),
    PublishedColumn("headline", "Headline", "What is measured."),
    PublishedColumn("value", "This month", "The borough's figure for the month published.", "number"),
    PublishedColumn("previous", "Month before", "The borough's figure for the month before.", "number"),
    PublishedColumn("format", "Format", "How the figures are written: count, percent or pounds."),
    PublishedColumn("target", "Target", "The council's target for the measure, where it has one.", "number"),
    PublishedColumn("status", "Status", "Green: meets the target; Amber: close to it; Red: not close to it."),
    PublishedColumn("sentence", "In words", "The headline in a sentence."),
)


def previous_month(month: str) -> str:
    first = dt.date.fromisoformat(f"{month}-01")
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def headline_row(layer: SemanticLayer, headline: Headline, month: str, value, previous) -> dict:
    """One headline as published; `value` and `previous` are numbers, or markers ('<5', '[c]'), or None."""
    measure = layer.measure(headline.measure)
    status = measure_rag(value, measure) if is_figure(value) else None
    return {"measure": measure.name, "headline": measure.label, "value": value, "previous": previous,
            "format": measure.format, "target": measure.target, "status": WORDS.get(status, "") if status else "",
            "sentence": sentence(headline.says, measure.label, measure.format, month, value, previous,
                                 measure.target)}


def sentence(says: str, label: str, format_: str, month: str, value, previous, target=None) -> str:
    """'84.0% of emergency repairs were completed within 24 hours in October, up from 79.2% in September; the
    target is 98.0%.' A figure not shown is said to be not shown; a month before not shown is left out."""
    this_month, month_before = _month_words(month, previous_month(month))
    if value is None:
        return f"{label}: there is no figure for {this_month} (nothing to measure it over)."
    if not is_figure(value):
        return (f"{label}: the figure for {this_month} is not shown ({value}), as it is too small "
                f"to publish without identifying someone, or would let such a figure be worked out.")
    figure = format_value(value, format_)
    text = f"{figure} {says} in {this_month}"
    if is_figure(previous):
        before = format_value(previous, format_)
        change = "the same as" if before == figure else "up from" if value > previous else "down from"
        text += f", {change} {before} in {month_before}"
    if target is not None:
        text += f"; the target is {format_value(target, format_)}"
    return text + "."


def _month_words(month: str, before: str) -> tuple[str, str]:
    """'October', 'September' in one year; 'January 2027', 'December 2026' across two."""
    if month[:4] == before[:4]:
        return month_name(month).split()[0], month_name(before).split()[0]
    return month_name(month), month_name(before)


def headlines_table(rows: list[dict], notes: tuple[str, ...]) -> PublishedTable:
    return PublishedTable(TABLE, TITLE, "The borough's headline figures for the month against their targets, with "
                          "the month before, and each in a sentence.", COLUMNS, tuple(rows), notes)

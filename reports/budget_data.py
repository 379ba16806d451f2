"""The budget monitoring pack's figures, asked of the query layer by measure name within a scope, as a page asks:
one line per cost centre (with its service and directorate) at one month end, and the forecast variance month by
month for the year so far. The writers (budget_xlsx.py, budget_pdf.py) only lay them out.

A month's lines each carry the year to date and the whole-year figures at that month, so the pack reads exactly
one month (period) of one financial year, and every figure of a group is the sum of its lines."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from data_models.rag import measure_rag
from data_models.semantic_layer import SemanticLayer
from query import compiler as q
from query import selections as sel
from query.periods import (
    financial_year_of,
    is_month,
    latest_complete_month,
    month_name,
    months_of_year_to,
    period_of,
)
from query.reading import data_as_of, rows
from query.scope import Scope
from reports.errors import ReportError

FACT = "fact_budget_monthly"
HIERARCHY = ("directorate", "service", "cost_centre")
AMOUNTS = ("budget_annual", "budget_to_date", "budget_actual_to_date", "budget_forecast_outturn",
           "budget_forecast_variance")
AMOUNT_HEADINGS = ("Annual budget", "Budget to date", "Actual to date", "Forecast outturn", "Variance £")
VARIANCE, VARIANCE_PCT = "budget_forecast_variance", "budget_forecast_variance_pct"
PERIOD_DIMENSIONS = ("financial_year", "month")  # the pack's own period replaces any selection of these


@dataclass(frozen=True)
class Line:
    """One cost centre's position at the month end; `amounts` by measure name, in pounds."""

    directorate: str
    directorate_name: str
    service: str
    service_name: str
    cost_centre: str
    cost_centre_name: str
    amounts: dict[str, Decimal]


@dataclass(frozen=True)
class Group:
    """Lines added up (a service, a directorate, the whole pack)."""

    code: str
    name: str
    lines: tuple[Line, ...]

    def total(self, measure: str) -> Decimal:
        return sum((line.amounts[measure] for line in self.lines), Decimal(0))


def variance_pct(budget: Decimal, variance: Decimal) -> float | None:
    """The variance as a share of the size of the budget, in percent (budget_forecast_variance_pct's rule); None
    for a zero budget."""
    return None if not budget else float(100 * variance / abs(budget))


@dataclass(frozen=True)
class BudgetPack:
    month: str                      # '2026-11'
    data_as_of: dt.date | None
    run_by: str
    run_at: dt.datetime
    selections: dict[str, list[str]]   # what the lines were filtered by, besides the period
    selection_text: list[str]          # the same in words, for the cover ("Directorate: Adults and Health")
    lines: tuple[Line, ...]
    variance_by_month: tuple[tuple[str, str, Decimal], ...]   # (month, directorate name, variance)
    prepared_for: str = ""             # a burst pack's manager and services
    layer: SemanticLayer = field(repr=False, compare=False, default=None)

    @property
    def financial_year(self) -> str:
        return financial_year_of(self.month)

    @property
    def period(self) -> int:
        return period_of(self.month)

    @property
    def period_text(self) -> str:
        return f"{month_name(self.month)} (period {self.period} of {self.financial_year})"

    @property
    def selections_text(self) -> str:
        return "; ".join(self.selection_text) or "No selection: every service within access"

    def directorates(self) -> list[Group]:
        return _groups(self.lines, lambda line: (line.directorate, line.directorate_name))

    def whole(self) -> Group:
        return Group("", "Total", self.lines)

    def rag(self, budget: Decimal, variance: Decimal) -> str | None:
        return measure_rag(variance_pct(budget, variance), self.layer.measure(VARIANCE_PCT))


def services(group: Group) -> list[Group]:
    return _groups(group.lines, lambda line: (line.service, line.service_name))


def _groups(lines, key) -> list[Group]:
    ordered = sorted(lines, key=lambda line: (key(line), line.cost_centre))
    return [Group(code, name, tuple(members)) for (code, name), members in groupby(ordered, key=key)]


# --- asking the warehouse ---------------------------------------------------------------------------------------

def pack_month(con, layer: SemanticLayer, scope: Scope, month: str | None, selections: Mapping,
               as_of: dt.date | None) -> str:
    """The month asked for (checked: it must have budget lines), or the latest complete month in the data (ended
    by `as_of`, the data's as-of date)."""
    months = _months_with_lines(con, layer, scope, selections)
    if month is None:
        if not months:
            raise ReportError("no budget lines within the selections and access given")
        found = latest_complete_month(months, as_of)
        if found is None:
            raise ReportError("no budget monitoring month has ended by the data's as-of date: load a month first")
        return found
    if not is_month(month):
        raise ReportError(f"period {month!r} is not a month: write it as YYYY-MM, e.g. 2026-11")
    if month not in months:
        span = f"{months[0]} to {months[-1]}" if months else "none"
        raise ReportError(f"no budget lines for {month} within the selections and access given (months with "
                          f"lines: {span})")
    return month


def _months_with_lines(con, layer, scope, selections) -> list[str]:
    others = _without_period(selections)
    found = rows(con, q.filter_values_sql(layer, "month", others, FACT, scope=scope))
    return sorted(str(row["value"]) for row in found if row["possible_count"])


def _without_period(selections: Mapping | None) -> dict[str, list[str]]:
    return {d: v for d, v in sel.normalise(selections).items() if d not in PERIOD_DIMENSIONS}


def read_pack(con, layer: SemanticLayer, *, scope: Scope, month: str | None = None, selections: Mapping | None = None,
              run_by: str | None = None, prepared_for: str = "") -> BudgetPack:
    """The pack's figures within `scope` and `selections` for `month`; without one, for the latest complete month
    the selections allow (a year selected on the page: that year's latest complete month)."""
    chosen = sel.normalise(selections)
    others = _without_period(chosen)
    as_of = data_as_of(con)
    month = pack_month(con, layer, scope, month or month_of_selection(con, layer, scope, chosen, as_of), others,
                       as_of)
    at_month = {**others, "financial_year": [financial_year_of(month)], "month": [month]}
    lines = _lines(con, layer, scope, at_month)
    if not lines:
        raise ReportError(f"no budget lines for {month_name(month)} within the selections and access given")
    return BudgetPack(month=month, data_as_of=as_of, run_by=run_by or getpass.getuser(),
                      run_at=dt.datetime.now().replace(microsecond=0), selections=others,
                      selection_text=selection_words(con, layer, others), lines=tuple(lines),
                      variance_by_month=tuple(_variance_by_month(con, layer, scope, others, month)),
                      prepared_for=prepared_for, layer=layer)


def month_of_selection(con, layer: SemanticLayer, scope: Scope, chosen: Mapping,
                       as_of: dt.date | None) -> str | None:
    """The latest complete month among those the selected months or years allow; None without such selections."""
    if not set(chosen) & set(PERIOD_DIMENSIONS):
        return None
    found = rows(con, q.filter_values_sql(layer, "month", {d: v for d, v in chosen.items() if d != "month"}, FACT,
                                          scope=scope))
    allowed = set(chosen.get("month") or [])
    months = [str(r["value"]) for r in found if r["possible_count"] and (not allowed or str(r["value"]) in allowed)]
    month = latest_complete_month(months, as_of)
    if month is None:
        raise ReportError("no complete month of budget monitoring in the months or years selected")
    return month


def _lines(con, layer, scope, state) -> list[Line]:
    query = q.measure_sql(layer, list(AMOUNTS), HIERARCHY, state, fact=FACT, limit=q.MAX_LIMIT, scope=scope)
    found = q.run(query, lambda sql, params: rows(con, sql, params))
    if found.truncated:  # a pack is all or nothing: never a silently shortened one
        raise ReportError(f"more than {q.MAX_LIMIT} cost centres: narrow the pack with a selection")
    return [Line(row["directorate"], row["directorate_label"], row["service"], row["service_label"],
                 row["cost_centre"], _name_after_code(row["cost_centre"], row["cost_centre_label"]),
                 {m: Decimal(row[m] or 0) for m in AMOUNTS}) for row in found.rows]


def _name_after_code(code: str, label: str | None) -> str:
    """A cost centre's display is 'ADH101 Access team': its name alone, beside the code's own column."""
    label = label or ""
    return label[len(code):].strip() if label.startswith(code) else label


def _variance_by_month(con, layer, scope, selections, month):
    state = {**selections, "financial_year": [financial_year_of(month)], "month": months_of_year_to(month)}
    query = q.measure_sql(layer, [VARIANCE], ["month", "directorate"], state, fact=FACT, scope=scope)
    return [(row["month"], row["directorate_label"], Decimal(row[VARIANCE] or 0)) for row in rows(con, query)]


def selection_words(con, layer: SemanticLayer, selections: Mapping) -> list[str]:
    """["Directorate: Adults and Health", ...]: each selection by its dimension's label and values' names."""
    words = []
    for dimension, values in sel.normalise(selections).items():
        names = {}
        query = q.labels_sql(layer, dimension, values)
        if query is not None:
            names = {str(row["value"]): row["label"] for row in rows(con, query)}
        shown = ", ".join(names.get(value) or value for value in values)
        applies = dimension in layer.applicable_dimensions(FACT)
        words.append(f"{layer.dimension(dimension).label}: {shown}" + ("" if applies else
                                                                        " (does not apply to budget lines)"))
    return words

"""Budget monitoring workbooks: one a month (period 1 = April), one sheet a directorate, a title above the header.

Cost centres belong to the catalogue's services. Each line (cost centre x subjective) has an annual budget, a
year-to-date budget, actuals to date that only move backwards by a journal, and a forecast outturn that converges on
the year's actual outturn by period 12. Adult social care and temporary accommodation overspend, as they do across
London. Workbooks are written by etl.generate.xlsx (see there why not openpyxl), byte-for-byte reproducible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from etl.generate import xlsx
from etl.generate.common import Month, Service, fy_label, months_between, stream

FOLDER = "finance/budget-monitoring"
HEADER = ["Financial Year", "Period", "Directorate", "Service", "Cost Centre", "Cost Centre Name", "Subjective",
          "Annual Budget", "Budget to Date", "Actual to Date", "Forecast Outturn", "Variance"]
SUBJECTIVES = ("Employees", "Premises", "Transport", "Supplies & Services", "Third Party Payments", "Income")
EMPLOYEES, PREMISES, TRANSPORT, SUPPLIES, THIRD_PARTY, INCOME = range(6)
# share of a cost centre's gross spend by subjective: an ordinary service, and a commissioning-heavy one (care)
SHARES = {"ordinary": np.array([0.5, 0.08, 0.03, 0.14, 0.25, 0.0]),
          "commissioning": np.array([0.18, 0.03, 0.01, 0.06, 0.72, 0.0])}
# which optional subjectives a cost centre has, in order of likelihood
OPTIONAL = {"ordinary": [INCOME, PREMISES, THIRD_PARTY, TRANSPORT],
            "commissioning": [THIRD_PARTY, INCOME, PREMISES, TRANSPORT]}
CC_SUFFIXES = ("Management and Support", "Operations", "Commissioning", "North", "South", "Projects")
# the pressures London boroughs report: long-term adult care, learning disabilities, children in care, temporary
# accommodation for homeless households
OVERSPENDING_WORDS = ("long-term support", "learning disabilities", "looked after", "temporary accommodation")
COMMISSIONING_WORDS = ("care", "accommodation", "homeless", "placement", "commission", "support", "looked after",
                       "fostering", "direct payments")


def files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(relpath(m), m.first) for m in months_between(start, until)]


def relpath(month: Month) -> str:
    return f"{FOLDER}/budget-monitoring-{fy_label(month.fy_start_year)}-P{month.period:02d}.xlsx"


@dataclass(frozen=True)
class Lines:
    """The budget lines (cost centre x subjective), fixed over the years."""

    service: list[Service]       # per line
    cost_centre: list[str]
    cost_centre_name: list[str]
    subjective: np.ndarray       # index into SUBJECTIVES
    base: np.ndarray             # 2021-22 annual budget, pence (negative for income)
    growth: np.ndarray           # yearly budget growth
    overspend: np.ndarray        # how far actuals tend to run over budget (share)


def budget_services(ctx) -> list[Service]:
    """The catalogue's services; at small scale only the first few of each directorate, to keep tests quick."""
    services = ctx.services()
    limit = ctx.scale.services_per_directorate
    if limit is None:
        return services
    kept, count = [], {}
    for s in services:
        count[s.directorate] = count.get(s.directorate, 0) + 1
        if count[s.directorate] <= limit or overspends(s):  # the overspending services are the story: keep them
            kept.append(s)
    return kept


def overspends(service: Service) -> bool:
    return any(w in service.name.lower() for w in OVERSPENDING_WORDS)


def build_lines(ctx) -> Lines:
    rng = stream(ctx.seed, "budget", "structure")
    low, high = ctx.scale.cost_centres_per_service
    sub_low, sub_high = ctx.scale.subjectives_per_cost_centre
    numbers: dict[str, int] = {}
    service, cc, cc_name, subjective, base, growth, overspend = [], [], [], [], [], [], []
    for s in budget_services(ctx):
        text = f"{s.name} {s.directorate}".lower()
        kind = "commissioning" if any(w in text for w in COMMISSIONING_WORDS) else "ordinary"
        pressured = overspends(s)
        size = rng.lognormal(np.log(3_500_000), 0.8) * (3 if kind == "commissioning" else 1)
        centres = int(rng.integers(low, high + 1))
        for c in range(centres):
            numbers[s.directorate_code] = numbers.get(s.directorate_code, 100) + 1
            code = f"{s.directorate_code}{numbers[s.directorate_code]:03d}"
            name = s.name if centres == 1 else f"{s.name} - {CC_SUFFIXES[c % len(CC_SUFFIXES)]}"
            count = int(rng.integers(sub_low, sub_high + 1))
            chosen = [EMPLOYEES, SUPPLIES] + OPTIONAL[kind][:max(count - 2, 0)]
            gross = size / centres * rng.lognormal(0, 0.3)
            shares = SHARES[kind][chosen]   # income has no share of spend: it is set below
            amounts = gross * shares / max(shares.sum(), 1e-9)
            for sub, amount in zip(chosen, amounts, strict=True):
                if sub == INCOME:
                    amount = -gross * rng.uniform(0.08, 0.35)
                service.append(s)
                cc.append(code)
                cc_name.append(name)
                subjective.append(sub)
                base.append(round(amount * 100))
                growth.append(0.06 if kind == "commissioning" else 0.03)
                pressure = rng.uniform(0.05, 0.14) if pressured and sub == THIRD_PARTY else 0.0
                overspend.append(pressure)
    return Lines(service, cc, cc_name, np.array(subjective), np.array(base, dtype=float), np.array(growth),
                 np.array(overspend))


@dataclass(frozen=True)
class YearFigures:
    """Year-to-date figures of every line for the 12 periods of one financial year (pence, lines x 12)."""

    annual: np.ndarray          # lines
    budget_to_date: np.ndarray
    actual_to_date: np.ndarray
    forecast: np.ndarray


def year_figures(seed: int, lines: Lines, fy: int) -> YearFigures:
    rng = stream(seed, "budget", fy)
    n = len(lines.base)
    years = fy - 2021
    annual = np.rint(lines.base * (1 + lines.growth) ** years * rng.lognormal(0, 0.04, n))
    profile = np.full((n, 12), 1 / 12)
    winter = np.array([0.7, 0.7, 0.7, 0.7, 0.8, 0.9, 1.1, 1.3, 1.4, 1.4, 1.3, 0.9])  # energy bills, April first
    profile[lines.subjective == PREMISES] = winter / winter.sum()
    budget_to_date = np.rint(annual[:, None] * np.cumsum(profile, axis=1))

    bias = rng.normal(0, 0.03, n) + lines.overspend
    monthly = annual[:, None] * profile * (1 + bias[:, None] + rng.normal(0, 0.08, (n, 12)))
    # now and then a journal (an accrual reversed, a charge moved to another cost centre) takes the month backwards
    journals = rng.random((n, 12)) < 0.012
    monthly = np.where(journals, -annual[:, None] / 12 * rng.uniform(0.05, 0.4, (n, 12)), monthly)
    actual_to_date = np.rint(np.cumsum(monthly, axis=1))

    outturn = actual_to_date[:, -1]
    # Early in the year managers forecast close to budget; the forecast moves to the outturn as the year goes on.
    weight = np.linspace(0.75, 0.0, 12)[None, :]
    wobble = rng.normal(0, 0.015, (n, 12)) * np.abs(annual)[:, None] * np.linspace(1, 0, 12)[None, :]
    forecast = np.rint(weight * annual[:, None] + (1 - weight) * outturn[:, None] + wobble)
    return YearFigures(annual, budget_to_date, actual_to_date, forecast)


def write(ctx) -> None:
    lines = build_lines(ctx)
    months = months_between(ctx.start, ctx.until)
    figures: dict[int, YearFigures] = {}
    directorates = list(dict.fromkeys(s.directorate for s in lines.service))
    for month in months:
        fy = month.fy_start_year
        if fy not in figures:
            figures[fy] = year_figures(ctx.seed, lines, fy)
        path = ctx.output.root / relpath(month)
        path.parent.mkdir(parents=True, exist_ok=True)
        content, rows = workbook_bytes(lines, figures[fy], month, directorates)
        path.write_bytes(content)
        ctx.output.record(relpath(month), rows)
    ctx.output.say(f"budget: {len(months)} monthly workbooks, {len(lines.base):,} lines each")


def workbook_bytes(lines: Lines, f: YearFigures, month: Month, directorates: list[str]) -> tuple[bytes, int]:
    p = month.period - 1
    label = fy_label(month.fy_start_year)
    sheets, rows = [], 0
    for directorate in directorates:
        sheet = xlsx.Sheet(sheet_title(directorate))
        sheet.append([f"{directorate} - budget monitoring P{month.period:02d} {label}"], style=xlsx.BOLD)
        sheet.append([])
        sheet.append(HEADER, style=xlsx.BOLD)
        for i in (i for i, s in enumerate(lines.service) if s.directorate == directorate):
            annual = f.annual[i]
            forecast = f.forecast[i, p]
            sheet.append([label, month.period, directorate, lines.service[i].name, lines.cost_centre[i],
                          lines.cost_centre_name[i], SUBJECTIVES[lines.subjective[i]], pounds(annual),
                          pounds(f.budget_to_date[i, p]), pounds(f.actual_to_date[i, p]), pounds(forecast),
                          pounds(forecast - annual)], money_from=7)
            rows += 1
        sheets.append(sheet)
    stamp = dt.datetime.combine(month.last, dt.time(18, 0))
    return xlsx.workbook(sheets, stamp), rows


def pounds(pence: float) -> float:
    return round(float(pence) / 100, 2)


def sheet_title(name: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ ."""
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]

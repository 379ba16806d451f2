"""Demo monthly management-information returns: one CSV per catalogue service per financial year.

    returns/<slug>/<slug>-2024-25.csv
    Service Code,Service,Period,KPI Code,KPI,Ward Code,Value,Numerator,Denominator

One row per KPI per month for the borough (Ward Code `ALL`), plus one row per ward for KPIs the catalogue marks
`by_ward`. Ward rows add up to the borough row: counts and numerators/denominators are summed, rates and levels are
population-weighted, so the warehouse can check a return against itself.

Every KPI draws from its own random stream, derived from (seed, service code, KPI code) with SHA-256
(common.stream), so the same seed gives the same bytes, and adding a service or a KPI does not change the others.
The `scale` only decides which by-ward rows are written; the borough figures are the same at every scale.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from data_models.service_catalogue import Catalogue, Kpi, Service, load_catalogue
from etl.generate.common import (
    MONTH_ABBR,
    START,
    Wards,
    fy_label,
    fy_start_year,
    load_wards,
    months_between,
    scale_of,
    stream,
)

HEADER = ["Service Code", "Service", "Period", "KPI Code", "KPI", "Ward Code", "Value", "Numerator", "Denominator"]
BOROUGH = "ALL"

# small: ward rows only for a few services (those that also have detailed data, richest first), to stay ~25k rows
SMALL_SCALE_WARD_SERVICES = 3
# about one service in eight keeps its spreadsheet's 'Apr-24' periods instead of '2024-04' (the layout takes both)
SPREADSHEET_PERIOD_ONE_IN = 8

DECIMALS = {"count": 0, "pounds": 2, "percent": 1, "days": 1, "number": 1, "rate_per_1000": 2}
DEFAULT_PERCENT = {"higher": 75.0, "lower": 15.0}  # a percent KPI with no target
DEFAULT_VOLUME = 200.0                               # monthly denominator of a percent KPI with no demo hint
DEFAULT_TYPICAL = 100.0                              # monthly value of any other KPI with no hint and no target
WARD_SPREAD = 0.2      # how far wards sit from the borough, in the same units as the trend (logit or log)
WARD_SHARE_SPREAD = 0.3  # how much a ward's share of activity departs from its share of population
NOISE = 0.04           # month-to-month wobble beyond sampling noise
LANDLORD_SERVICE_PREFIX = "HSG-"  # council-housing services: their activity follows council homes, not residents


class Figures(NamedTuple):
    """One month's figures for one area; numerator and denominator only for percent KPIs."""

    value: float
    numerator: int | None = None
    denominator: int | None = None


class Units(NamedTuple):
    """The areas a KPI is simulated over: the 20 wards for by-ward KPIs, else the borough as a single unit."""

    codes: tuple[str, ...]     # empty for a borough-only KPI
    shares: np.ndarray         # share of the borough's activity in each unit (sums to 1)
    population: np.ndarray     # residents in each unit
    offsets: np.ndarray        # how much better (+) or worse (-) each unit performs


def write_returns(out: Path, scale: str, seed: int, start: dt.date, until: dt.date,
                  record_figures: dict | None = None) -> dict[str, int]:
    """Write every service's returns for the months start..until (until's month included). `record_figures`:
    {(service code, KPI code): {ward code or "ALL": [(value, numerator, denominator) per month]}} of KPIs a family
    generator worked out from its own records, returned as they are (a month with no case: no row).

    Returns {path relative to `out`: data rows}.
    """
    scale_of(scale)  # reject an unknown scale before writing anything
    catalogue = load_catalogue()
    wards = load_wards()
    months = [month.first for month in months_between(start, until)]
    ward_services = services_with_ward_rows(catalogue, scale)
    written: dict[str, int] = {}
    for service in catalogue.services:
        series = {kpi.code: from_records((record_figures or {})[(service.code, kpi.code)])
                  if (service.code, kpi.code) in (record_figures or {}) else
                  kpi_series(seed, service, kpi, months, wards) for kpi in service.kpis}
        with_wards = service.code in ward_services
        for fy, fy_months in months_by_financial_year(months).items():
            rows = return_rows(service, series, months, fy_months, with_wards)
            relative = Path("returns") / service.slug / f"{service.slug}-{fy_label(fy)}.csv"
            write_csv(out / relative, rows)
            written[relative.as_posix()] = len(rows)
    return written


def services_with_ward_rows(catalogue: Catalogue, scale: str) -> set[str]:
    """Codes of the services whose by-ward rows are written at this scale."""
    with_ward_kpis = [s for s in catalogue.services if any(k.by_ward for k in s.kpis)]
    if scale != "small":
        return {s.code for s in with_ward_kpis}
    # the services with detailed data are the ones whose dashboards set a return beside the detail, by ward
    detailed = sorted((s for s in with_ward_kpis if s.data), key=lambda s: -len(s.data))  # stable: catalogue order
    return {s.code for s in detailed[:SMALL_SCALE_WARD_SERVICES]}


def months_by_financial_year(months: list[dt.date]) -> dict[int, list[dt.date]]:
    grouped: dict[int, list[dt.date]] = {}
    for first in months:
        grouped.setdefault(fy_start_year(first), []).append(first)
    return grouped


# --- simulation ------------------------------------------------------------------------------------------------


def kpi_series(seed: int, service: Service, kpi: Kpi, months: list[dt.date], wards: Wards) -> dict[str, list[Figures]]:
    """Monthly figures for the borough (`ALL`) and, for by-ward KPIs, for each ward code."""
    rng = stream(seed, "returns", service.code, kpi.code)
    quality = quality_curve(rng, trajectory(seed, service), months)
    units = simulation_units(rng, service, kpi, wards)
    if kpi.format == "percent":
        return percent_series(rng, kpi, quality, months, units)
    if kpi.format == "count":
        return count_series(rng, kpi, quality, units)
    if kpi.format == "rate_per_1000":
        return rate_series(rng, kpi, quality, units)
    return level_series(rng, kpi, quality, units)


def trajectory(seed: int, service: Service) -> str:
    """Whether the service is improving, worsening or steady over the years (all its KPIs move together)."""
    rng = stream(seed, "returns", service.code)
    return str(rng.choice(["improving", "worsening", "steady"], p=[0.45, 0.3, 0.25]))


def quality_curve(rng: np.random.Generator, how: str, months: list[dt.date]) -> np.ndarray:
    """Performance each month in 'good-direction' units: + is better. Logits for percents, logs otherwise.

    Years are counted from April 2021 whatever `start` is, so a trend does not depend on the period asked for.
    """
    years = np.array([(m.year - START.year) * 12 + m.month - START.month for m in months], dtype=float) / 12
    gap, change = rng.uniform(0.1, 0.4), rng.uniform(0.02, 0.07)
    start_at, per_year = {
        "improving": (-gap, change),       # starts short of the target and closes in on it
        "worsening": (gap / 2, -change),   # starts on or beyond the target and slips
        "steady": (gap / 2 - 0.1, 0.0),
    }[how]
    return start_at + per_year * years + seasonal_wave(rng, months, 0.12) + rng.normal(0, NOISE, len(months))


def seasonal_wave(rng: np.random.Generator, months: list[dt.date], max_amplitude: float) -> np.ndarray:
    """A yearly cycle with its own amplitude and peak month (winter pressures, summer lulls, school terms)."""
    amplitude, peak = rng.uniform(0, max_amplitude), rng.integers(1, 13)
    month_numbers = np.array([m.month for m in months], dtype=float)
    return amplitude * np.cos(2 * np.pi * (month_numbers - peak) / 12)


def simulation_units(rng: np.random.Generator, service: Service, kpi: Kpi, wards: Wards) -> Units:
    if not kpi.by_ward:
        return Units((), np.ones(1), np.array([wards.population.sum()]), np.zeros(1))
    base = wards.council_homes if service.code.startswith(LANDLORD_SERVICE_PREFIX) else wards.population
    # activity follows the ward's size, but not exactly: some wards generate more of it than their size suggests
    weights = base * np.exp(rng.normal(0, WARD_SHARE_SPREAD, len(wards)))
    offsets = rng.normal(0, WARD_SPREAD, len(wards))
    return Units(wards.codes, weights / weights.sum(), wards.population, offsets)


def better_sign(kpi: Kpi) -> int:
    return 1 if kpi.direction == "higher" else -1


def typical_value(kpi: Kpi) -> float:
    if kpi.demo and kpi.demo.typical:
        return kpi.demo.typical
    return kpi.target if kpi.target else DEFAULT_TYPICAL


def percent_series(rng, kpi: Kpi, quality: np.ndarray, months: list[dt.date], units: Units) -> dict[str, list[Figures]]:
    """Denominators vary with demand; numerators are binomial draws around the target, moved by the trend."""
    volume = kpi.demo.volume if kpi.demo and kpi.demo.volume else DEFAULT_VOLUME
    demand = volume * np.exp(seasonal_wave(rng, months, 0.1) + rng.normal(0, 0.05, len(months)))
    # every unit reports at least one case, so that every percent has a denominator
    denominators = np.maximum(rng.poisson(np.outer(demand, units.shares)), 1)
    anchor = kpi.target if kpi.target is not None else DEFAULT_PERCENT[kpi.direction]
    logit = _logit(anchor / 100) + better_sign(kpi) * (quality[:, None] + units.offsets[None, :])
    numerators = rng.binomial(denominators, _expit(logit))
    return _by_unit(units, [percent_figures(n, d) for n, d in zip(numerators.T, denominators.T, strict=True)],
                    percent_figures(numerators.sum(axis=1), denominators.sum(axis=1)))


def from_records(figures: dict[str, list[tuple]]) -> dict[str, list[Figures | None]]:
    """A KPI's series from (value, numerator, denominator) per month; None where there was no case to count."""
    return {area: [None if value is None else Figures(value, numerator, denominator)
                   for value, numerator, denominator in months]
            for area, months in figures.items()}


def percent_figures(numerators: np.ndarray, denominators: np.ndarray) -> list[Figures]:
    pairs = zip(numerators.tolist(), denominators.tolist(), strict=True)
    return [Figures(round(100 * n / d, 1), n, d) for n, d in pairs]


def count_series(rng, kpi: Kpi, quality: np.ndarray, units: Units) -> dict[str, list[Figures]]:
    """Poisson counts around the typical monthly figure; the borough count is the sum of the wards'."""
    means = typical_value(kpi) * np.exp(better_sign(kpi) * quality)
    counts = rng.poisson(np.outer(means, units.shares))
    return _by_unit(units, [[Figures(int(c)) for c in column] for column in counts.T],
                    [Figures(int(c)) for c in counts.sum(axis=1)])


def rate_series(rng, kpi: Kpi, quality: np.ndarray, units: Units) -> dict[str, list[Figures]]:
    """Rates per 1,000 residents from Poisson counts over each unit's population, so small wards are noisier."""
    rates = typical_value(kpi) * np.exp(better_sign(kpi) * (quality[:, None] + units.offsets[None, :]))
    counts = rng.poisson(rates * units.population[None, :] / 1000)
    per_unit = counts / units.population[None, :] * 1000
    borough = counts.sum(axis=1) / units.population.sum() * 1000
    return _by_unit(units, [[Figures(float(r)) for r in column] for column in per_unit.T],
                    [Figures(float(r)) for r in borough])


def level_series(rng, kpi: Kpi, quality: np.ndarray, units: Units) -> dict[str, list[Figures]]:
    """Averages and amounts (days, pounds, numbers); the borough is the activity-weighted mean of the wards."""
    levels = typical_value(kpi) * np.exp(better_sign(kpi) * (quality[:, None] + units.offsets[None, :]))
    levels = levels * np.exp(rng.normal(0, NOISE, levels.shape))
    borough = levels @ units.shares
    return _by_unit(units, [[Figures(float(v)) for v in column] for column in levels.T],
                    [Figures(float(v)) for v in borough])


def _by_unit(units: Units, per_unit: list[list[Figures]], borough: list[Figures]) -> dict[str, list[Figures]]:
    series = dict(zip(units.codes, per_unit, strict=False))  # no codes: a borough-only KPI has no ward series
    series[BOROUGH] = borough
    return series


def _logit(p: float) -> float:
    p = min(max(p, 0.002), 0.998)  # targets of 0% or 100% would be infinite
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# --- writing ---------------------------------------------------------------------------------------------------


def return_rows(service: Service, series: dict[str, dict[str, list[Figures]]], months: list[dt.date],
                fy_months: list[dt.date], with_wards: bool) -> list[list[str]]:
    """The rows of one financial year's file: month by month, KPI by KPI, the borough row then the wards."""
    spreadsheet_periods = uses_spreadsheet_periods(service)
    rows = []
    for first in fy_months:
        index = months.index(first)
        for kpi in service.kpis:
            areas = list(series[kpi.code]) if with_wards else [BOROUGH]
            for area in [BOROUGH] + [a for a in areas if a != BOROUGH]:
                figures = series[kpi.code][area][index]
                if figures is None:
                    continue   # no case this month in this area: nothing returned
                rows.append([service.code, service.name, period_label(first, spreadsheet_periods), kpi.code,
                             kpi.label, area, *formatted(kpi, figures)])
    return rows


def uses_spreadsheet_periods(service: Service) -> bool:
    """A stable choice per service (crc32 of its code, never Python's salted hash())."""
    return zlib.crc32(service.code.encode("utf-8")) % SPREADSHEET_PERIOD_ONE_IN == 0


def period_label(first: dt.date, spreadsheet_style: bool) -> str:
    if spreadsheet_style:  # 'Apr-24', spelt out here rather than with %b, which follows the machine's locale
        return f"{MONTH_ABBR[first.month - 1].title()}-{first.year % 100:02d}"
    return f"{first.year:04d}-{first.month:02d}"


def formatted(kpi: Kpi, figures: Figures) -> list[str]:
    decimals = DECIMALS[kpi.format]
    value = f"{figures.value:.{decimals}f}"
    numerator = "" if figures.numerator is None else str(figures.numerator)
    denominator = "" if figures.denominator is None else str(figures.denominator)
    return [value, numerator, denominator]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # as the services' spreadsheets save them
        writer.writerow(HEADER)
        writer.writerows(rows)

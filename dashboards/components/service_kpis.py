"""Service KPIs as the service pages (/services/<slug>) and the home page's catalogue show them: the page's
address, the selection a service's KPIs take (month, financial year, ward; not service, directorate or KPI), and the
value a KPI return stands for under the ward selection, and the figures of KPIs computed from a semantic measure
(the catalogue's `measure:`), which every page shows instead of the return: one figure per KPI."""

from __future__ import annotations

import functools
from urllib.parse import quote

from access import current_scope
from dashboards.components import data
from data_models.names import normalise_name
from data_models.service_catalogue import load_catalogue
from query import selections as sel

FACT = "fact_service_kpi_monthly"
PATH_PREFIX = "/services/"
# The page's own service comes from its address: a service, directorate or KPI selected elsewhere is not applied.
NOT_APPLIED = ("service", "directorate", "kpi")
MEASURES = ("kpi_value", "kpi_ward_value", "kpi_ward_total", "kpi_ward_pooled_rate")
ADDED_UP = ("count", "pounds")  # formats whose ward values add up to the wards' figure
RETURNED = "Returned by the service"
COMPUTED = "Computed from the service's records"


# ------------------------------------------------------------------------------------------------------ addresses

def service_slug(slug: str | None, name: str) -> str:
    """A service's slug in its address: the catalogue's slug, else one made from its name ('Parks & Open
    Spaces' -> 'parks-and-open-spaces'). The one function both links and the page's lookup use."""
    if slug and slug.strip():
        return slug.strip().lower()
    return normalise_name(name or "").replace(" ", "-")


def service_href(slug: str | None, name: str) -> str:
    return PATH_PREFIX + quote(service_slug(slug, name))


# --------------------------------------------------------------------------------------------------------- values

def basis(kpi_format: str, wards: list[str], pooled: bool = False) -> str:
    """What a shown value is: the borough's, one ward's, or several wards' together."""
    if not wards:
        return "Borough"
    if len(wards) == 1:
        return wards[0]
    if kpi_format in ADDED_UP:
        return f"{len(wards)} wards added up"
    return f"{len(wards)} wards together" if pooled else f"Average of {len(wards)} wards"


def shown_value(row: dict, kpi_format: str, wards: list[str]) -> float | None:
    """The value a row stands for under the ward selection: the borough's return without one; the ward's own
    return for one ward; for several, their sum (counts, pounds), their pooled rate (percent KPIs returned with
    numerator and denominator), else the average of their values."""
    if not wards:
        return row["kpi_value"]
    if len(wards) == 1:
        return row["kpi_ward_value"]
    if kpi_format in ADDED_UP:
        return row["kpi_ward_total"]
    if kpi_format == "percent" and row["kpi_ward_pooled_rate"] is not None:
        return row["kpi_ward_pooled_rate"]
    return row["kpi_ward_value"]


def selected_wards(state) -> list[str]:
    return sel.normalise(state).get("ward", [])


# ----------------------------------------------------------------------------------------------------- headlines

def headline_month(state) -> str | None:
    """The latest month with any KPI returned under the selection (month, financial year, ward)."""
    result = data.measures(["kpi_returns"], ["month"], sel.clear(state, NOT_APPLIED))
    months = [r["month"] for r in result.rows if r["month"] not in (None, "Unknown") and r["kpi_returns"]]
    return months[-1] if months else None


def headlines(state, services: list[dict]) -> tuple[str | None, dict[str, float | None]]:
    """(the month, each headline KPI's value in it): one query for every KPI, whatever the number of services.
    `services` are rows with the service's headline_kpi ('<service code>:<KPI code>') and headline_format."""
    month = headline_month(state)
    if month is None:
        return None, {}
    applied = {**sel.clear(state, NOT_APPLIED), "month": [month]}
    rows = {r["kpi"]: r for r in data.measures(list(MEASURES), ["kpi"], applied).rows}
    wards = selected_wards(state)
    values = {}
    for row in services:
        found = rows.get(row["headline_kpi"])
        values[row["headline_kpi"]] = None if found is None else shown_value(found, row["headline_format"], wards)
    computed = computed_points(computed_kpis(values), applied, month)
    return month, values | {kpi: dict(points).get(month) for kpi, points in computed.items()}


# ------------------------------------------------------------------------------------------------ computed KPIs

@functools.lru_cache(maxsize=1)
def kpi_measures() -> dict[str, str]:
    """{'<service code>:<KPI code>': measure} of the catalogue's KPIs computed from the service's own records."""
    return load_catalogue().kpi_measures()


def computed_kpis(kpis) -> dict[str, str]:
    """{kpi: measure} of these KPIs ('<service code>:<KPI code>') that are computed and whose fact the user's scope
    reads (one that does not sees the return, labelled as returned)."""
    scope, measures = current_scope(), kpi_measures()
    return {kpi: measures[kpi] for kpi in kpis
            if kpi in measures and scope.reads(data.layer().measure(measures[kpi]).fact)}


def source(kpi: str, computed: dict[str, str]) -> str:
    return COMPUTED if kpi in computed else RETURNED


def computed_state(state) -> dict:
    """The selections a computed KPI takes: those its return would take (month, financial year, ward) and no
    other, so that the figure is the measure's under the same selections on the service's dashboard."""
    applied = set(data.layer().applicable_dimensions(FACT)) - set(NOT_APPLIED)
    return {dimension: values for dimension, values in sel.normalise(state).items() if dimension in applied}


def computed_by(computed: dict[str, str], state, group_by: tuple[str, ...] = ("month",)) -> dict[str, list[dict]]:
    """{kpi: rows {<group_by>..., value}} of computed KPIs: the measures of one fact and date role in one query."""
    rows = {}
    for measures in data.by_query(sorted(set(computed.values()))):
        result = data.measures(measures, list(group_by), computed_state(state))
        rows |= {m: [r for r in result.rows if all(r[g] not in (None, "Unknown") for g in group_by)] for m in measures}
    return {kpi: [{**{g: r[g] for g in group_by}, "value": r[m]} for r in rows[m]] for kpi, m in computed.items()}


def computed_points(computed: dict[str, str], state, upto: str | None) -> dict[str, list[tuple[str, float | None]]]:
    """{kpi: [(month, value)]} in month order, up to the month the returns have reached (`upto`), so a figure
    is never of a month the other KPIs have not reported yet."""
    return {kpi: [(r["month"], r["value"]) for r in rows if upto is None or r["month"] <= upto]
            for kpi, rows in computed_by(computed, state).items()}


def returned_against_computed(months: int = 12) -> list[dict]:
    """Rows {kpi, label, format, month, returned, computed, difference} of every computed KPI the scope reads, in
    the latest `months` months with a return, by KPI, latest month first: the data-quality page's check that what
    a service returns is what its own records give."""
    computed = computed_kpis(kpi_measures())
    if not computed:
        return []
    returned = [r for r in data.measures(["kpi_value"], ["kpi", "month"], {"kpi": sorted(computed)}).rows
                if r["kpi_value"] is not None and r["month"] not in (None, "Unknown")]
    figures = {kpi: {r["month"]: r["value"] for r in rows} for kpi, rows in computed_by(computed, {}).items()}
    labels = data.labels("kpi", sorted(computed))
    recent = set(sorted({r["month"] for r in returned}, reverse=True)[:months])
    rows = []
    latest_first = sorted((r for r in returned if r["month"] in recent), key=lambda r: r["month"], reverse=True)
    for row in sorted(latest_first, key=lambda r: r["kpi"]):   # 'YYYY-MM' sorts as text; the sort is stable
        value = figures[row["kpi"]].get(row["month"])
        rows.append({"kpi": row["kpi"], "label": labels.get(row["kpi"], row["kpi"]), "month": row["month"],
                     "format": data.layer().measure(computed[row["kpi"]]).format, "returned": row["kpi_value"],
                     "computed": value, "difference": None if value is None else value - row["kpi_value"]})
    return rows


"""Service KPIs as the service pages (/services/<slug>) and the home page's catalogue show them: the page's
address, the selection a service's KPIs take (month, financial year, ward; not service, directorate or KPI), and the
value a KPI return stands for under the ward selection."""

from __future__ import annotations

from urllib.parse import quote

from dashboards.components import data
from data_models.names import normalise_name
from query import selections as sel

FACT = "fact_service_kpi_monthly"
PATH_PREFIX = "/services/"
# The page's own service comes from its address: a service, directorate or KPI selected elsewhere is not applied.
NOT_APPLIED = ("service", "directorate", "kpi")
MEASURES = ("kpi_value", "kpi_ward_value", "kpi_ward_total", "kpi_ward_pooled_rate")
ADDED_UP = ("count", "pounds")  # formats whose ward values add up to the wards' figure


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
    return month, values

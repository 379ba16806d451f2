"""The number formats a measure or a KPI can have: one list for the semantic layer and the service catalogue, so a
format that validates in one is known to the other and to every page that shows it (dashboards/components/data.fmt).
"""

from __future__ import annotations

# count 1,234 · pounds £1,234 · percent 97.5% · days 4.2 days · minutes 35 min · number 1.25 ·
# rate_per_1000 3.2 per 1,000
FORMATS = ("count", "pounds", "percent", "days", "minutes", "number", "rate_per_1000")


def format_value(value, format_: str) -> str:
    """A measure's or KPI's value as pages and published views show it: 1,234 · £1,234 · 97.5% · 4.2 days · 35 min ·
    3.2 per 1,000; None as a dash."""
    if value is None:
        return "–"
    if format_ == "count":
        return f"{round(value):,}"
    if format_ == "pounds":
        return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"  # -£35, as finance writes it
    if format_ == "percent":
        return f"{value:.1f}%"
    if format_ == "days":
        return f"{value:,.1f} days"
    if format_ == "minutes":
        return f"{value:,.0f} min"
    if format_ == "rate_per_1000":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + " per 1,000"
    return f"{value:,.2f}".rstrip("0").rstrip(".")

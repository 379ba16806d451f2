"""The number formats a measure or a KPI can have: one list for the semantic layer and the service catalogue, so a
format that validates in one is known to the other and to every page that shows it (dashboards/components/data.fmt).
"""

from __future__ import annotations

# count 1,234 · pounds £1,234 · percent 97.5% · days 4.2 days · minutes 35 min · number 1.25 ·
# rate_per_1000 3.2 per 1,000
FORMATS = ("count", "pounds", "percent", "days", "minutes", "number", "rate_per_1000")

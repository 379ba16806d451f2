"""Parking: penalty charge notices (by month, outcome, contravention, ward, zone and vehicle), recovery and income;
bay sensors (when bays are used, overstays); permits (channel, processing time); suspensions. The page is a spec:
dashboards/components draws and filters it. The filter lists are the PCNs'; a selection the permit, suspension or
sensor charts cannot use (a contravention) is named on them as "not applicable here"."""

from __future__ import annotations

import dash

from dashboards import ui
from dashboards.components import Chart, Kpi, PageSpec, declare, page_layout

FACT = "fact_pcn"
PCN_OUTCOMES = ("pcns_issued", "pcns_paid", "pcns_cancelled", "pcns_outstanding", "pcn_recovery_rate_pct",
                "pcn_income")

SPEC = declare(PageSpec(
    name="parking",
    path="/parking",
    title="Parking",
    fact=FACT,
    services=("PRK",),  # the services its facts' rows belong to (query.scope)
    extra_facts=("fact_permit", "fact_suspension", "fact_bay_session", "agg_bay_occupancy_hourly"),
    intro="Penalty charge notices (PCNs), bay sensors, permits and suspensions. Select a bar, slice, cell, table "
          "row or filter value to filter every chart; select it again to remove it. PCNs count by the date they "
          "were issued, permits by the date issued, suspensions by their start and sensor stays by arrival.",
    kpis=(
        Kpi("pcns_issued"),
        Kpi("pcn_recovery_rate_pct"),
        Kpi("pcn_cancellation_rate_pct"),
        Kpi("pcn_income"),
        Kpi("pcns_outstanding"),
        Kpi("pcn_amount_outstanding"),
        Kpi("permits_issued"),
        Kpi("suspensions"),
        Kpi("bay_overstay_pct"),
    ),
    charts=(
        Chart("by-month", "PCNs issued by month: this year and last", "fy_months", "month", ("pcns_issued",),
              "This financial year (the one selected, or the latest) against the one before. Select a point to "
              "select its month.", ignore=("financial_year", "month"), width=12),
        Chart("by-status", "PCNs by outcome", "pie", "status_group", ("pcns_issued",),
              "Where the PCNs issued in the period stand now: paid, cancelled, written off or outstanding (open, "
              "part paid, challenged, appealed)."),
        Chart("by-vehicle", "PCNs by vehicle type", "hbar", "vehicle_group", ("pcns_issued",)),
        Chart("by-ward-map", "Map of PCNs by ward", "map", "ward", ("pcns_issued",),
              "The ward where the contravention happened."),
        Chart("by-zone", "PCNs and recovery by controlled parking zone", "table", "zone",
              ("pcns_issued", "pcn_recovery_rate_pct", "pcn_income"),
              "'No zone': issued outside a controlled zone, or no zone given."),
        Chart("by-contravention", "PCN outcomes and recovery by contravention", "table", "contravention",
              PCN_OUTCOMES, "Recovery rate: of the PCNs not cancelled, the share paid in full. Income: money paid "
              "on these PCNs (refunds not netted). Recent PCNs have had less time to be paid.", width=12),
        Chart("occupancy", "When sensor bays are used: occupied bay-hours by hour and day", "heatmap", "hour",
              ("bay_occupied_hours",), "Hours vehicles spent in sensor-fitted bays, by clock hour and day of the "
              "week. Not a percentage: the sensor data has no row for an empty hour, so the bays' occupancy rate "
              "cannot be worked out yet. Select a cell to select its hour and day.", across="weekday", width=12,
              ignore=("hour", "weekday")),  # the whole week stays in view, the selected cells outlined
        Chart("overstays", "Sensor stays over the maximum, by bay type", "hbar", "bay_type",
              ("bay_overstay_pct", "bay_stays", "bay_average_minutes_stayed"),
              "Of completed stays in bays with a maximum stay, the share that stayed longer. Bay types with no "
              "maximum (resident, disabled) are left out.", where_nonzero=True),
        Chart("suspensions", "Bay suspensions by reason", "hbar", "suspension_reason",
              ("suspensions", "suspension_bay_days", "suspension_income"),
              "Suspensions starting in the period; the table adds bay-days suspended and fees."),
        Chart("permits-by-channel", "Permits issued and processing time by channel", "table", "channel",
              ("permits_issued", "permit_average_processing_working_days"),
              "Permits issued in the period by how the application was made, and the average working days from "
              "application to issue."),
        Chart("permits-by-type", "Permits issued by type", "hbar", "permit_type", ("permits_issued", "permit_income"),
              "The table adds the permits' price."),
    ),
    filters=("financial_year", "month", "ward", "zone", "contravention", "ticket_type", "vehicle_group",
             "status_group"),
))

dash.register_page(__name__, path=SPEC.path, name="Parking", title=ui.page_title("Parking"), order=30,
                   description="Parking: PCNs, recovery, bay sensors, permits and suspensions.")

layout = page_layout(SPEC)

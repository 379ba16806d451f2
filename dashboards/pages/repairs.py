"""Housing repairs: jobs raised, completed, open and overdue, RP02 within target, by month, priority, trade,
contractor, backlog age and ward; the most overdue jobs; damp and mould cases against the Awaab's Law clocks.
The page is a spec: dashboards/components draws and filters it."""

from __future__ import annotations

import dash

from dashboards import ui
from dashboards.components import Chart, Kpi, PageSpec, declare, page_layout

FACT = "fact_repairs_job"
# the service's performance side by side (contractor and ward tables): raised and overdue count jobs raised in the
# period, RP02 and days to complete jobs completed in it (cards.py asks one query per date role)
PERFORMANCE = ("repairs_raised", "rp02_emergency_within_target_pct", "rp02_emergency_missed_target",
               "rp02_non_emergency_within_target_pct", "rp02_non_emergency_missed_target",
               "repairs_average_working_days_to_complete", "repairs_overdue")
# what a bar by trade or contractor can show instead of jobs raised (the card's "Show" choice)
OFFERS = ("rp02_emergency_within_target_pct", "rp02_emergency_missed_target",
          "repairs_average_working_days_to_complete", "repairs_overdue")
BY_NOTE = "Choose what the bars show; the choice is kept in the page's address."
PERFORMANCE_NOTE = ("Jobs raised and overdue count jobs raised in the period; RP02 and days to complete count jobs "
                    "completed in it. Select a column heading to sort (again to reverse); select a name to select it.")

SPEC = declare(PageSpec(
    name="repairs",
    path="/repairs",
    title="Housing repairs",
    fact=FACT,
    services=("HSG-REP",),  # the services its facts' rows belong to (query.scope)
    intro="Responsive repairs to council homes. Select a bar, slice, point, table row or filter value to filter "
          "every chart; select it again to remove it.",
    kpis=(
        Kpi("repairs_raised"),
        Kpi("repairs_completed"),
        Kpi("repairs_open"),
        Kpi("repairs_overdue"),
        Kpi("rp02_emergency_within_target_pct"),
        Kpi("rp02_non_emergency_within_target_pct"),
        # the count a manager is asked for ("how many emergencies missed target?"), beside the RP02 shares
        Kpi("rp02_emergency_missed_target"),
        Kpi("rp02_non_emergency_missed_target"),
        Kpi("repairs_cost_per_job"),
        Kpi("repairs_first_time_fix_pct"),
        Kpi("repairs_recall_pct"),
        Kpi("awaabs_law_cases"),
        Kpi("awaabs_law_clock_breaches"),
        Kpi("awaabs_law_cases_overdue"),
    ),
    charts=(
        Chart("by-month", "Jobs raised by month: this year and last", "fy_months", "month", ("repairs_raised",),
              "This financial year (the one selected, or the latest) against the one before. Select a point to "
              "select its month.", ignore=("financial_year", "month"), width=12),
        Chart("by-priority", "Jobs raised by priority", "pie", "priority", ("repairs_raised",)),
        Chart("by-age", "Open jobs by age", "hbar", "backlog_age_band", ("repairs_open",),
              "How long open jobs have been open at the data's date."),
        Chart("by-trade", "Repairs by trade", "hbar", "trade", ("repairs_raised",), BY_NOTE, offers=OFFERS),
        Chart("by-contractor", "Repairs by contractor", "hbar", "contractor", ("repairs_raised",), BY_NOTE,
              offers=OFFERS),
        Chart("contractors", "Contractors: jobs, RP02, missed target, days and overdue", "table", "contractor",
              PERFORMANCE, PERFORMANCE_NOTE, width=12),
        Chart("wards", "Wards: jobs, RP02, missed target, days and overdue", "table", "ward", PERFORMANCE,
              PERFORMANCE_NOTE, width=12),
        Chart("by-ward-map", "Map of overdue jobs by ward", "map", "ward", ("repairs_overdue",),
              "Open jobs past their target date, by the ward of the property."),
        Chart("overdue", "Overdue jobs by ward", "table", "ward",
              ("repairs_overdue", "repairs_open", "repairs_open_average_days"),
              "Wards with open jobs past their target date. Select a ward to select it.", where_nonzero=True),
        Chart("overdue-jobs", "The 50 most overdue jobs", "table", "job",
              ("repairs_overdue_working_days_open",),
              "Open jobs past their target date, longest open first (working days). Select a job to see it on "
              "every chart.", top=50),
        Chart("awaab", "Damp and mould: Awaab's Law clocks by month raised", "table", "month",
              ("awaabs_law_cases", "awaab_investigation_on_time_pct", "awaab_summary_on_time_pct",
               "awaab_safety_work_on_time_pct", "awaab_preventative_work_on_time_pct", "awaabs_law_clock_breaches"),
              "Cases raised since the law began (27 October 2025), and the share of each statutory clock met, in "
              "working days: investigate in 10, written summary in 3, safety work and the start of preventative "
              "work in 5.", where_nonzero=True, width=12),
    ),
    filters=("financial_year", "month", "ward", "priority", "trade", "contractor"),
))

dash.register_page(__name__, path=SPEC.path, name="Repairs", title=ui.page_title("Housing repairs"), order=10,
                   description="Housing repairs: jobs, backlog and RP02.")

layout = page_layout(SPEC)

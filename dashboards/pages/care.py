"""Adult social care: people in long-term support (by type of support, primary support reason, age band and ward),
new requests and their outcomes, waiting for an assessment, reviews overdue, weekly cost, and the Adults and Health
budget against spend. Aggregates only: no person-level row reaches the page. The page is a spec: dashboards/components
draws and filters it."""

from __future__ import annotations

import dash

from dashboards import ui
from dashboards.components import Chart, Kpi, PageSpec, declare, page_layout

FACT = "fact_care_event"
EPISODES = "fact_care_service_episode"
# adult social care's budget lines are the Adults and Health directorate's (data_models/catalogue/services.yaml)
ADULTS_AND_HEALTH = (("directorate", ("ADH",)),)
LONG_TERM_SUPPORT = ("care_people_in_long_term_support", "care_weekly_cost", "care_weekly_cost_per_person")

SPEC = declare(PageSpec(
    name="care",
    path="/adult-social-care",
    title="Adult social care",
    fact=FACT,
    services=("ASC-ACC", "ASC-LTS", "ASC-REA"),  # the services its facts' rows belong to (query.scope)
    extra_facts=(EPISODES, "fact_budget_monthly"),
    intro="Requests, assessments, reviews and long-term support (Client Level Data), and the Adults and Health "
          "budget. People supported, waiting and overdue a review are counted at the data's date, so a year or month "
          "selection does not apply to them. Select a bar, slice, point, table row or filter value to filter every "
          "chart; select it again to remove it.",
    kpis=(
        Kpi("care_people_in_long_term_support"),
        Kpi("care_requests"),
        Kpi("care_people_awaiting_assessment"),
        Kpi("care_average_days_waited_for_assessment"),
        Kpi("care_assessments_within_28_days_pct"),
        Kpi("care_people_review_overdue"),
        Kpi("care_weekly_cost"),
        Kpi("care_weekly_cost_per_person"),
    ),
    charts=(
        Chart("requests-by-month", "New requests by month: this year and last", "fy_months", "month",
              ("care_requests",), "This financial year (the one selected, or the latest) against the one before. "
              "Select a point to select its month.", ignore=("financial_year", "month"), width=12),
        Chart("requests-by-outcome", "New requests by outcome", "hbar", "request_outcome", ("care_requests",),
              "What requests received in the selected period led to.", width=12),
        Chart("lts-by-support-type", "People in long-term support by type of support", "hbar", "support_type",
              LONG_TERM_SUPPORT, "People with an active long-term support episode at the data's date; the table "
              "adds the weekly cost.", where_nonzero=True, width=12),
        Chart("lts-by-age", "People in long-term support by age band", "hbar", "age_band", LONG_TERM_SUPPORT,
              "Age at the start of the episode."),
        Chart("lts-map", "Map of people in long-term support by ward", "map", "ward",
              ("care_people_in_long_term_support",), "By the ward of the person's address."),
        # a table: the reasons' names are too long for a bar chart's axis
        Chart("lts-by-reason", "People in long-term support by primary support reason", "table",
              "primary_support_reason", LONG_TERM_SUPPORT, "At the data's date. Select a reason to select it.",
              where_nonzero=True, width=12),
        Chart("lts-by-ward", "Long-term support, reviews overdue and weekly cost by ward", "table", "ward",
              ("care_people_in_long_term_support", "care_people_review_overdue", "care_weekly_cost",
               "care_weekly_cost_per_person"), "At the data's date. Select a ward to select it.", width=12),
        Chart("assessments-by-ward", "Requests and assessments by ward", "table", "ward",
              ("care_requests", "care_assessments", "care_average_days_waited_for_assessment",
               "care_assessments_within_28_days_pct"), "In the selected period. Select a ward to select it.",
              width=12),
        Chart("waiting-by-ward", "Waiting for an assessment by ward", "table", "ward",
              ("care_people_awaiting_assessment", "care_average_days_waiting", "care_people_waiting_over_28_days"),
              "Wards with people waiting at the data's date.", where_nonzero=True, width=12),
        Chart("budget-by-year", "Adults and Health budget: forecast variance by financial year", "bar",
              "financial_year", ("budget_forecast_variance", "budget_annual", "budget_actual_to_date",
                                 "budget_forecast_outturn"),
              "Forecast outturn minus annual budget at each year's latest month (above 0 is an overspend); the "
              "table adds the budget, actual to date and forecast.", ignore=("financial_year",),
              pinned=ADULTS_AND_HEALTH, width=12),
        Chart("spend-by-month", "Adults and Health spend by month: this year and last", "fy_months", "month",
              ("budget_actual_in_month",), "Actual spend net of income in each month, from budget monitoring.",
              ignore=("financial_year", "month"), pinned=ADULTS_AND_HEALTH, width=12),
    ),
    filters=("financial_year", "month", "ward", "age_band", "primary_support_reason", "care_event_type",
             "request_outcome", "client_type"),
))

dash.register_page(__name__, path=SPEC.path, name="Adult social care", title=ui.page_title("Adult social care"),
                   order=20, description="Adult social care: requests, assessments, long-term support and budget.")

layout = page_layout(SPEC)

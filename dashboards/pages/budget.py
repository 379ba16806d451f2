"""Budget and spend, for finance officers and budget holders: budget, actual and forecast outturn by directorate,
service and cost centre (drill down by clicking), forecast variance with red/amber/green, the forecast month by
month, and spend over £500 by month, expenditure category and supplier. The page is a spec: dashboards/components
draws and filters it.

Budget lines repeat year-to-date and whole-year amounts on every period's line, so the budget measures read the
latest selected period of each financial year (data_models/semantic/finance.yaml); spend is additive."""

from __future__ import annotations

import dash

from dashboards import ui
from dashboards.components import Chart, Default, Kpi, PageSpec, declare, page_layout

FACT = "fact_budget_monthly"
SPEND = "fact_spend"

# the budget position of a group: what the drill chart and table show beside the variance it plots
POSITION = ("budget_forecast_variance", "budget_forecast_variance_pct", "budget_annual", "budget_actual_to_date",
            "budget_forecast_outturn")
HIERARCHY = ("directorate", "service", "cost_centre")
TOP = 20

SPEC = declare(PageSpec(
    name="budget",
    path="/budget",
    title="Budget and spend",
    fact=FACT,
    extra_facts=(SPEND,),
    intro="Budget monitoring and spend over £500. The page opens on the current financial year at the latest "
          "complete month. Budget figures are read at the latest period selected in each financial year, and "
          "add up across the years selected (remove the year's chip and every year in the data is added up). "
          "Select a directorate's bar to see its services, then a service's to see its cost centres; the bar "
          "above shows the path.",
    # finance reads one year's position at a month end (a Qlik default bookmark): removable chips, not a lock
    defaults=(Default("financial_year", "its_financial_year"), Default("month", "latest_complete_month")),
    defaults_text="the current financial year at the latest complete month",
    offers_budget_pack=True,
    kpis=(
        # with no financial year selected, every year's figures are added up: the label says so
        Kpi("budget_annual", "Annual budget, years selected"),
        Kpi("budget_actual_to_date"),
        Kpi("budget_forecast_outturn"),
        Kpi("budget_forecast_variance"),
        Kpi("budget_forecast_variance_pct"),
        # beside the budget's own figures, the tile says which spend this is (the transparency data, over £500)
        Kpi("spend_amount", "Spend over £500"),
    ),
    # long service and cost-centre names and the two-year month charts need the full width
    charts=(
        Chart("drill", "Forecast variance by directorate, service and cost centre", "hbar", "directorate",
              POSITION, "Forecast outturn minus annual budget: above zero is an overspend. Select a bar to drill "
              "down.", drill=HIERARCHY, width=12),
        Chart("position", "Budget, actual and forecast by directorate, service and cost centre", "table",
              "directorate", POSITION, "Red, amber or green by the forecast variance as a share of the budget. "
              "Select a name to drill down.", drill=HIERARCHY, width=12),
        Chart("variance-by-month", "Forecast variance month by month: this year and last", "fy_months", "month",
              ("budget_forecast_variance",), "The forecast variance as reported at each month end. Select a point "
              "to select its month.", ignore=("financial_year", "month"), width=12),
        Chart("by-year", "Forecast variance by financial year", "hbar", "financial_year", POSITION,
              "Each year at its latest selected period: the outturn for a closed year. Select a bar to select "
              "the year."),
        Chart("by-subjective", "Forecast variance by subjective", "hbar", "subjective", POSITION,
              "Employees, supplies and services, third-party payments and income (negative budgets)."),
        Chart("spend-by-month", "Spend over £500 by month: this year and last", "fy_months", "month",
              ("spend_amount", "spend_payments"), "Payments published under the Transparency Code, by payment "
              "date. Select a point to select its month.", ignore=("financial_year", "month"), width=12),
        Chart("spend-by-directorate", "Spend over £500 by directorate", "hbar", "directorate",
              ("spend_amount", "spend_payments", "spend_suppliers"),
              "By the directorate of the paying service."),
        # the database picks the top 20 (top=): a table of hundreds of rows is slow to draw and to read
        Chart("spend-by-category", "Top 20 expenditure categories", "table", "expenditure_category",
              ("spend_amount", "spend_payments"),
              "Spend over £500 by what it was for, as published: the 20 categories with the most spend in the "
              "selection. Select a category to select it.", top=TOP),
        Chart("top-suppliers", "Top 20 suppliers", "table", "supplier",
              ("spend_amount", "spend_payments", "spend_average_payment"),
              "Payments over £500 added up by supplier, for the 20 suppliers paid most in the selection (select a "
              "month to see that month's); all redacted payees are one line. Select a supplier to select it.",
              top=TOP, width=12),
    ),
    # expenditure category lists from fact_spend (filters read the first of the page's facts that has them)
    filters=("financial_year", "month", "directorate", "service", "cost_centre", "subjective",
             "expenditure_category"),
))

dash.register_page(__name__, path=SPEC.path, name="Budget and spend", title=ui.page_title("Budget and spend"),
                   order=40, description="Budget monitoring, forecast outturn and spend over £500.")

layout = page_layout(SPEC)

"""Reusable dashboard components: the selection store and bar, filter lists, chart cards, KPI tiles, the "data as
of" line, and the generic pattern-matching callbacks that fill them from a page's spec.

A page is a spec and two lines (see dashboards/pages/repairs.py):

    SPEC = declare(PageSpec(name="repairs", path="/repairs", title="Housing repairs", fact="fact_repairs_job",
                            kpis=(Kpi("repairs_raised"),), charts=(Chart("by-trade", "By trade", "hbar", "trade",
                            ("repairs_raised",)),), filters=("financial_year", "ward", "trade")))
    # then register the page with Dash as every page does (path=SPEC.path, title=...)
    layout = page_layout(SPEC)

app.py calls `register(app)` once per app (app.callback, so several apps in one process each work) and puts
`shell_parts()` (location, stores, the #selection-bar) around the page container. The selection lives in the URL's
query string and a dcc.Store; selection.py explains the flow. Pages live in dashboards/pages/, the only folder
Dash scans for them.
"""

from dashboards.components.callbacks import BRAND, NAV, register
from dashboards.components.page import layout_function as page_layout
from dashboards.components.selection import shell_parts
from dashboards.components.spec import Chart, Default, Kpi, PageSpec, declare

__all__ = ["BRAND", "NAV", "Chart", "Default", "Kpi", "PageSpec", "declare", "page_layout", "register", "shell_parts"]

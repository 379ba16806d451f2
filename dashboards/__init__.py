"""The dashboards: pages (dashboards/pages/, one module a page), the components they are drawn from
(dashboards/components/), read-only warehouse access (warehouse.py) and small shared pieces (ui.py)."""

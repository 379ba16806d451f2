"""The pages: one module a page, each calling dash.register_page with a `layout()` and its own callbacks. Dash
scans this folder only (app.py's pages_folder); what pages are built from lives in dashboards/components/."""

"""Chart cards: a plotly figure of aggregated rows, its "view as table" alternative (with a button per row, so a
keyboard selects what a mouse clicks), a CSV download of exactly the plotted rows, and plain messages when there is
nothing to show or the data cannot be read. A click on any chart toggles its dimension's value (callbacks.py)."""

from __future__ import annotations

import csv
import importlib
import io
from urllib.parse import quote

import plotly.graph_objects as go
from dash import dcc, html

from borough import selections as sel
from dashboards.components import data
from dashboards.components.selection import GRAPH, clicked_value, pick_attributes
from dashboards.components.spec import Chart, PageSpec

BODY, SORT, SORT_STATE = "bi-card-body", "bi-sort", "bi-sort-state"
# Okabe-Ito: distinguishable with every common colour-vision deficiency
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BASE, PICKED = "#0072B2", "#D55E00"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13, "color": "#0b0c0c"}
MONTHS_OF_FY = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]
EMPTY = "Nothing matches the current selections. Remove a selection to see data here."


def ward_map_module():
    """The ward map (another module, dashboards/components/ward_map.py) when it is installed, else None."""
    try:
        return importlib.import_module("dashboards.components.ward_map")
    except ImportError:
        return None


def card(spec: PageSpec, chart: Chart):
    ids = {"page": spec.name, "card": chart.name}
    title_id = f"{spec.name}-{chart.name}-title"
    return html.Section([
        html.Div(html.H2(chart.title, id=title_id, className="h5 mb-0"), className="card-header"),
        html.Div([
            html.P(chart.description, className="small text-body-secondary mb-2") if chart.description else None,
            dcc.Store(id={"type": SORT_STATE, **ids}, data=None),
            html.Div(html.P("Loading…", className="small"), id={"type": BODY, **ids}, className="card-content",
                     **{"aria-live": "polite", "aria-busy": "false"}),
        ], className="card-body"),
    ], id=f"{spec.name}-{chart.name}", className="card chart-card h-100", **{"aria-labelledby": title_id})


# ------------------------------------------------------------------------------------------------ data

def applied_state(chart: Chart, state) -> dict:
    return sel.clear(state, chart.ignore) if chart.ignore else sel.normalise(state)


def chart_rows(chart: Chart, state) -> tuple[list[dict], tuple[str, ...], bool]:
    """(rows the chart plots, not-applicable dimensions, truncated): rows {value, label, <measures>...}; for
    fy_months also {financial_year}. Rows with no dimension value are left out."""
    measures = list(chart.measures)
    group = ["financial_year", "month"] if chart.kind == "fy_months" else [chart.dimension]
    result = data.measures(measures, group, applied_state(chart, state))
    rows = []
    for row in result.rows:
        value = row[chart.dimension]
        if value is None or (chart.kind == "fy_months" and value == "Unknown"):
            continue
        if chart.where_nonzero and not row[measures[0]]:
            continue
        item = {"value": str(value), "label": str(row[f"{chart.dimension}_label"] or value),
                **{m: row[m] for m in measures}}
        if chart.kind == "fy_months":
            item["financial_year"] = row["financial_year"]
        rows.append(item)
    if chart.kind == "fy_months":
        rows = _two_years(rows, sel.normalise(state).get("financial_year", []))
    return rows, result.not_applicable, result.truncated


def previous_fy(fy: str) -> str:
    start = int(fy[:4]) - 1
    return f"{start}-{str(start + 1)[-2:]}"


def _two_years(rows: list[dict], selected_years: list[str]) -> list[dict]:
    """This financial year (the one selected, or the latest with data) and the one before it."""
    years = sorted({r["financial_year"] for r in rows if r["financial_year"] not in (None, "Unknown")})
    if not years:
        return []
    this = selected_years[-1] if len(selected_years) == 1 else years[-1]
    keep = {this, previous_fy(this)}
    return [dict(r, series="This FY" if r["financial_year"] == this else "Last FY",
                 month_of_fy=MONTHS_OF_FY[(int(r["value"][5:7]) - 4) % 12])
            for r in rows if r["financial_year"] in keep]


# ------------------------------------------------------------------------------------------------ rendering

def render(spec: PageSpec, chart: Chart, state, sort: dict | None = None) -> list:
    rows, not_applicable, truncated = chart_rows(chart, state)
    notes = []
    if not_applicable:
        labels = ", ".join(data.layer().dimensions[d].label for d in not_applicable)
        notes.append(html.P(f"Not applicable here: {labels} (this chart cannot use that selection).",
                            className="not-applicable small"))
    if truncated:
        notes.append(html.P("Only the first rows are shown.", className="small"))
    if not rows:
        return notes + [html.P(EMPTY, className="empty-message", id=f"{spec.name}-{chart.name}-empty")]
    selected = set(sel.normalise(state).get(chart.dimension, []))
    csv_link = download_link(spec, chart, rows)
    if chart.kind == "table":
        return notes + [sortable_table(spec, chart, rows, selected, sort), csv_link]
    if chart.kind == "map":
        ward_map = ward_map_module()
        if ward_map is None:
            figure = None
            notes.append(html.P("The ward map is not installed yet (dashboards/components/ward_map.py).",
                                className="small", id=f"{spec.name}-{chart.name}-map-missing"))
        else:
            measure = data.layer().measure(chart.measures[0])
            figure = ward_map.ward_figure({r["label"]: r[chart.measures[0]] for r in rows}, sorted(selected), "",
                                          value_label=measure.label)
            figure.update_layout(height=420, margin={"autoexpand": False, "l": 8, "r": 90, "t": 8, "b": 8})
    else:
        figure = build_figure(chart, rows, selected)
    config = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    attribution = []
    if chart.kind == "map" and figure is not None:
        config = {**config, **getattr(ward_map, "GRAPH_CONFIG", {})}
        attribution = [html.P(getattr(ward_map, "ATTRIBUTION", ""), className="small text-body-secondary")]
    parts = list(notes)
    if figure is not None:
        parts.append(dcc.Graph(id={"type": GRAPH, "page": spec.name, "card": chart.name}, figure=figure, config=config,
                               className="chart-graph"))
        parts += attribution
    parts.append(html.Details([html.Summary("View as table"), data_table(spec, chart, rows, selected)],
                              className="chart-table", id=f"{spec.name}-{chart.name}-table"))
    parts.append(csv_link)
    return parts


def _layout(figure: go.Figure, height: int = 300, left: int = 64, bottom: int = 48) -> go.Figure:
    """Fixed margins (no automargin: with a responsive graph it can redraw without end, "Too many auto-margin
    redraws")."""
    figure.update_layout(height=height, margin={"l": left, "r": 16, "t": 40, "b": bottom, "autoexpand": False},
                         font=FONT,
                         paper_bgcolor="#ffffff", plot_bgcolor="#ffffff", colorway=PALETTE,
                         hoverlabel={"font": FONT, "bgcolor": "#ffffff"}, clickmode="event")
    figure.update_xaxes(gridcolor="#dddddd", linecolor="#505a5f", automargin=False)
    figure.update_yaxes(gridcolor="#dddddd", linecolor="#505a5f", automargin=False)
    return figure


def build_figure(chart: Chart, rows: list[dict], selected: set[str]) -> go.Figure:
    measure = data.layer().measure(chart.measures[0])
    name = chart.measures[0]
    values = [r[name] for r in rows]
    labels = [data.value_label(chart.dimension, r["label"]) for r in rows]
    custom = [r["value"] for r in rows]
    colours = [PICKED if r["value"] in selected else BASE for r in rows]
    outline = {"color": ["#000000" if r["value"] in selected else BASE for r in rows],
               "width": [3 if r["value"] in selected else 0 for r in rows]}
    hover = "%{customdata}: %{" + ("x" if chart.kind == "hbar" else "y") + ":,}<extra></extra>"
    if chart.kind == "pie":
        figure = go.Figure(go.Pie(labels=labels, values=values, customdata=custom, hole=0.45, sort=False,
                                  marker={"colors": PALETTE[: len(rows)],
                                          "line": {"color": ["#000000" if v in selected else "#ffffff"
                                                             for v in custom],
                                                   "width": [4 if v in selected else 1 for v in custom]}},
                                  pull=[0.08 if v in selected else 0 for v in custom],
                                  texttemplate="%{label}<br>%{value:,}", textposition="outside",
                                  hovertemplate="%{label}: %{value:,}<extra></extra>"))
        figure.update_layout(showlegend=False)
        figure = _layout(figure, 320, 24, 40)
        figure.update_layout(margin={"t": 40, "r": 24})
        return figure
    if chart.kind == "hbar":
        figure = go.Figure(go.Bar(y=labels, x=values, customdata=custom, orientation="h",
                                  marker={"color": colours, "line": outline}, hovertemplate=hover))
        figure.update_yaxes(autorange="reversed", title=None)
        figure.update_xaxes(title=measure.label, nticks=5, tickangle=0)
        longest = max((len(label) for label in labels), default=8)
        return _layout(figure, max(240, 28 * len(rows) + 70), left=min(280, 7 * longest + 16))
    if chart.kind == "line":
        figure = go.Figure(go.Scatter(x=labels, y=values, customdata=custom, mode="lines+markers",
                                      line={"color": BASE}, marker={"color": colours, "size": 9},
                                      hovertemplate=hover))
        figure.update_yaxes(title=measure.label, rangemode="tozero")
        return _layout(figure)
    if chart.kind == "fy_months":
        figure = go.Figure()
        for series, colour, dash in (("Last FY", "#E69F00", "dash"), ("This FY", BASE, "solid")):
            part = [r for r in rows if r["series"] == series]
            if not part:
                continue
            figure.add_trace(go.Scatter(
                x=[r["month_of_fy"] for r in part], y=[r[name] for r in part], customdata=[r["value"] for r in part],
                name=f"{series} {part[0]['financial_year']}", mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3},
                marker={"size": [13 if r["value"] in selected else 8 for r in part],
                        "symbol": ["diamond" if r["value"] in selected else "circle" for r in part],
                        "color": [PICKED if r["value"] in selected else colour for r in part]},
                hovertemplate="%{customdata}: %{y:,}<extra>" + series + "</extra>"))
        figure.update_xaxes(categoryorder="array", categoryarray=MONTHS_OF_FY, range=[-0.5, 11.5])
        figure.update_yaxes(title=measure.label, rangemode="tozero")
        figure.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
        return _layout(figure)
    figure = go.Figure(go.Bar(x=labels, y=values, customdata=custom, marker={"color": colours, "line": outline},
                              hovertemplate=hover))
    figure.update_yaxes(title=measure.label)
    figure.update_xaxes(tickangle=0)
    return _layout(figure, 300, 64, 40)


def columns(chart: Chart) -> list[tuple[str, str]]:
    """(key, heading) of the rows as tables and CSV show them."""
    head = [("label", data.layer().dimensions[chart.dimension].label)]
    if chart.kind == "fy_months":
        head = [("financial_year", "Financial year"), ("label", "Month")]
    return head + [(m, data.layer().measure(m).label) for m in chart.measures]


def csv_text(chart: Chart, rows: list[dict]) -> str:
    """Exactly the plotted rows: the dimension's value and label, and each measure unformatted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = columns(chart)
    writer.writerow([chart.dimension] + [heading for _, heading in keys])
    for row in rows:
        writer.writerow([row["value"]] + ["" if row[k] is None else row[k] for k, _ in keys])
    return out.getvalue()


def download_link(spec: PageSpec, chart: Chart, rows: list[dict]):
    return html.A("Download CSV", href="data:text/csv;charset=utf-8," + quote(csv_text(chart, rows)),
                  download=f"{spec.name}-{chart.name}.csv", className="csv-link small",
                  id=f"{spec.name}-{chart.name}-csv", **{"aria-label": f"Download {chart.title} as CSV"})


def _cell(row, key, chart):
    if key in ("label", "financial_year"):
        return data.value_label(chart.dimension, row[key]) if key == "label" else row[key]
    return data.fmt(row[key], data.layer().measure(key).format)


def _row_button(row, chart, selected):
    label = _cell(row, "label", chart)
    return html.Button(label, className="row-pick", type="button", title=f"Select {label}",
                       **pick_attributes(chart.dimension, row["value"]),
                       **{"aria-pressed": "true" if row["value"] in selected else "false"})


def data_table(spec: PageSpec, chart: Chart, rows: list[dict], selected: set[str]):
    keys = columns(chart)
    head = html.Thead(html.Tr([html.Th(h, scope="col", className="" if k in ("label", "financial_year")
                                       else "text-end") for k, h in keys]))
    body = []
    for row in rows:
        cells = []
        for key, _ in keys:
            if key == "label":
                cells.append(html.Th(_row_button(row, chart, selected),
                                     scope="row"))
            else:
                cells.append(html.Td(_cell(row, key, chart), className="" if key == "financial_year"
                                     else "text-end"))
        body.append(html.Tr(cells, className="table-active" if row["value"] in selected else None))
    return html.Table([html.Caption(chart.title), head, html.Tbody(body)],
                      className="table table-sm caption-top mb-1")


def sort_rows(rows: list[dict], sort: dict | None) -> list[dict]:
    if not sort or not sort.get("col"):
        return rows
    key = sort["col"]
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=bool(sort.get("desc"))) + missing


def next_sort(sort: dict | None, col: str) -> dict:
    """A header click: sort by that column, descending first for numbers; again flips the direction."""
    if sort and sort.get("col") == col:
        return {"col": col, "desc": not sort.get("desc")}
    return {"col": col, "desc": col != "label"}


def sortable_table(spec: PageSpec, chart: Chart, rows: list[dict], selected: set[str], sort: dict | None):
    keys = columns(chart)
    sort = sort or {"col": chart.measures[0], "desc": True}
    rows = sort_rows(rows, sort)
    head = []
    for key, heading in keys:
        direction = ("descending" if sort.get("desc") else "ascending") if sort.get("col") == key else "none"
        arrow = {"ascending": " ▲", "descending": " ▼", "none": ""}[direction]
        head.append(html.Th(html.Button(heading + arrow, id={"type": SORT, "page": spec.name, "card": chart.name,
                                                             "col": key},
                                        className="sort-button", type="button",
                                        title=f"Sort by {heading}"),
                            scope="col", className="" if key == "label" else "text-end",
                            **{"aria-sort": direction}))
    body = []
    for row in rows:
        cells = [html.Th(_row_button(row, chart, selected), scope="row")]
        cells += [html.Td(_cell(row, key, chart), className="text-end") for key, _ in keys if key != "label"]
        body.append(html.Tr(cells, className="table-active" if row["value"] in selected else None))
    return html.Div(html.Table([html.Caption(chart.title + " (select a column heading to sort)"),
                                html.Thead(html.Tr(head)), html.Tbody(body)],
                               className="table table-sm caption-top mb-1", id=f"{spec.name}-{chart.name}-rows"),
                    className="table-responsive sortable-table")


def chart_click(spec: PageSpec, chart: Chart, click_data) -> tuple[str | None, str | None]:
    """(dimension, value) a click on this chart toggles."""
    if chart.kind == "map":
        ward_map = ward_map_module()
        return chart.dimension, (ward_map.ward_from_click(click_data) if ward_map else None)
    return chart.dimension, clicked_value(click_data)

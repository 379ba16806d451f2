"""Chart cards: a plotly figure of aggregated rows, its "view as table" alternative (with a button per row, so a
keyboard selects what a mouse clicks), a CSV download of exactly the plotted rows, and plain messages when there is
nothing to show or the data cannot be read. A click on any chart toggles its dimension's value (callbacks.py).

A card is drawn once (card()): a plain element that plotly.js draws the figure in, and empty places for notes,
messages, tables and the CSV link. Each selection sends the card's view as plain data (render()), which the browser
lays out in those places and hands to plotly.js itself (assets/page_view.js), not through a dcc.Graph: Dash's
renderer then has no figure props to track, and a chart the selection did not change costs nothing. A table's sort
is the browser's too, with no request."""

from __future__ import annotations

import dataclasses
import importlib
import json

import plotly.graph_objects as go
from dash import dcc, html

from dashboards import csv_download, ui
from dashboards.components import data, download_links
from dashboards.components.kpi import based_on, not_applicable_text
from dashboards.components.selection import point_data
from dashboards.components.spec import SHOW_PREFIX, Chart, PageSpec, pinned_state
from data_models.rag import measure_rag
from query import compiler as q
from query import periods
from query import selections as sel

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


def card_id(spec: PageSpec, chart: Chart) -> str:
    return f"{spec.name}-{chart.name}"


def has_figure(chart: Chart) -> bool:
    return chart.kind != "table"


def card(spec: PageSpec, chart: Chart):
    """The card's frame, drawn once: title, description, and its content: an empty place before the graph (notes,
    messages) and one after it (tables, "View as table", the CSV link), which page_view.js fills."""
    base = card_id(spec, chart)
    title_id = f"{base}-title"
    graph = []
    if has_figure(chart):
        plot = html.Div(id=f"{base}-plot", className="chart-graph",
                        **{"data-plot-config": json.dumps(graph_config(chart))})
        graph = [html.Div(plot, id=f"{base}-graph", hidden=True)]
    return html.Section([
        html.Div(html.H2(chart.title, id=title_id, className="h5 mb-0"), className="card-header"),
        html.Div([
            html.P(chart.description, className="small text-body-secondary mb-2") if chart.description else None,
            *show_choice(spec, chart),
            html.Div([html.Div(id=f"{base}-before"), *graph, html.Div(id=f"{base}-after")],
                     id=f"{base}-content", className="card-content", **{"aria-live": "polite"}),
        ], className="card-body"),
    ], id=base, className="card chart-card h-100", **{"aria-labelledby": title_id})


SHOW = "bi-show"  # a card's "Show" choice store {"type": SHOW, "page", "card"}: the measure the URL names, or None


def show_choice(spec: PageSpec, chart: Chart) -> list:
    """The card's "Show" choice of the measures it offers (labels from the semantic layer), and the store that
    follows the URL's show-<card>; [] for a card that offers none. page_view.js turns a change into the URL."""
    if not chart.offers:
        return []
    base = card_id(spec, chart)
    options = [html.Option(data.layer().measure(m).label, value=m) for m in chart.choices]
    return [html.Div([html.Label("Show", htmlFor=f"{base}-show", className="small me-2"),
                      html.Select(options, id=f"{base}-show", className="form-select form-select-sm show-choice",
                                  **{"data-show-key": SHOW_PREFIX + chart.name})],
                     className="d-flex align-items-center mb-2"),
            dcc.Store(id={"type": SHOW, "page": spec.name, "card": chart.name})]


def graph_config(chart: Chart) -> dict:
    config = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    ward_map = ward_map_module() if chart.kind == "map" else None
    return {**config, **getattr(ward_map, "GRAPH_CONFIG", {})}


# ------------------------------------------------------------------------------------------------ data

def applied_state(chart: Chart, state) -> dict:
    """The selections a chart's query applies: the page's, less what it ignores, plus what it pins."""
    applied = sel.clear(state, chart.ignore) if chart.ignore else sel.normalise(state)
    return sel.normalise({**applied, **pinned_state(chart.pinned)}) if chart.pinned else applied


def resolved(chart: Chart, state) -> Chart:
    """The chart as drawn now: a drill chart becomes a chart of its current level."""
    if not chart.drill:
        return chart
    return dataclasses.replace(chart, dimension=chart.level(sel.normalise(state)), drill=())


def chart_rows(chart: Chart, state) -> tuple[list[dict], tuple[str, ...], bool]:
    """(rows the chart plots, not-applicable dimensions, truncated): rows {value, label, <measures>...}; for
    fy_months also {financial_year}; for a heatmap also {across, across_label}. Rows with no dimension value are
    left out. A drill chart's rows are of its current level (resolved())."""
    chart = resolved(chart, state)
    measures = list(chart.measures)
    group = ["financial_year", "month"] if chart.kind == "fy_months" else [chart.dimension]
    if chart.across:
        group.append(chart.across)
    result = _merged(chart, group, applied_state(chart, state))
    rows = []
    for row in result.rows:
        value = row[chart.dimension]
        if value is None or (chart.kind == "fy_months" and value == "Unknown"):
            continue
        if chart.across and row[chart.across] is None:
            continue
        if chart.where_nonzero and not row[measures[0]]:
            continue
        item = {"value": str(value), "label": str(row[f"{chart.dimension}_label"] or value),
                **{m: row.get(m) for m in [*measures, *shown_bases(chart)]}}
        if chart.kind == "fy_months":
            item["financial_year"] = row["financial_year"]
        if chart.across:
            item["across"] = str(row[chart.across])
            item["across_label"] = str(row[f"{chart.across}_label"] or row[chart.across])
        rows.append(item)
    if chart.kind == "fy_months":
        rows = _two_years(rows, sel.normalise(state).get("financial_year", []))
    return rows, result.not_applicable, result.truncated


def shown_bases(chart: Chart) -> list[str]:
    """The bases of the chart's shares and averages ("based on n" in a table cell), less its own measures."""
    layer = data.layer()
    bases = [layer.measure(m).base for m in chart.measures if layer.shows_base(m)]
    return [b for b in dict.fromkeys(bases) if b not in chart.measures]


def _merged(chart: Chart, group: list[str], state) -> q.Result:
    """One result of the chart's measures (and shown bases) by `group`: a query per date role, rows merged on the
    group's values in the first query's order (a row only a later query has comes after). `top` picks the rows
    by the first measure; the other queries only fill them in."""
    parts = [data.measures(names, group, state, top=chart.top if i == 0 else 0)
             for i, names in enumerate(data.by_query([*chart.measures, *shown_bases(chart)]))]
    rows: dict[tuple, dict] = {}
    for index, part in enumerate(parts):
        for row in part.rows:
            key = tuple(row[g] for g in group)
            if key in rows:
                rows[key].update({k: v for k, v in row.items() if k not in rows[key] or rows[key][k] is None})
            elif index == 0 or not chart.top:
                rows[key] = dict(row)
    not_applicable = tuple(dict.fromkeys(d for part in parts for d in part.not_applicable))
    return q.Result(list(rows.values()), any(part.truncated for part in parts), not_applicable)


def previous_fy(fy: str) -> str:
    return periods.previous_financial_year(fy)


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

def render(spec: PageSpec, chart: Chart, state, show: str | None = None) -> dict:
    """The card's view: notes, the message when there is nothing to draw, the figure (a plotly dict, for the
    card's graph), its rows as a table, the CSV link. page_view.js lays out all but the figure. `show`: the
    measure the card's "Show" choice names (one it offers), plotted first."""
    chart = chart.showing(show)
    rows, not_applicable, truncated = chart_rows(chart, state)
    notes = [drill_note(chart, state)] if chart.drill else []
    drawn = resolved(chart, state)
    if not_applicable:
        notes.append(note(not_applicable_text(not_applicable) + " (this chart cannot use that selection).",
                          "not-applicable small"))
    if truncated:
        notes.append(note("Only the first rows are shown.", "small"))
    view = {"id": card_id(spec, chart), "notes": notes, "message": None, "figure": None, "table": None,
            "csv": None, "xlsx": None, "attribution": None, "sortable": chart.kind == "table",
            "show": chart.measures[0] if chart.offers else None}
    if not rows:
        return {**view, "message": {"text": EMPTY, "class": "empty-message", "id": f"{view['id']}-empty"}}
    selected = set(sel.normalise(state).get(drawn.dimension, []))
    view["table"] = table_data(drawn, rows, selected)
    notes.extend(filter(None, [few_note(drawn, rows)]))
    view["csv"] = download_link(spec, drawn, rows)   # a drill's rows are of its level: so are the headings
    view["xlsx"] = {"href": download_links.table_href(spec.name, chart.name, state), "id": f"{view['id']}-xlsx",
                    "label": f"Download {chart.title} as Excel", "report": f"{chart.title} as Excel"}
    if chart.kind == "table":
        return view
    if drawn.across:
        selected = {(r, c) for r in selected for c in sel.normalise(state).get(drawn.across, [])}
    if chart.kind != "map":
        view["figure"] = build_figure(drawn, rows, selected).to_plotly_json()
        return view
    ward_map = ward_map_module()
    if ward_map is None:
        notes.append(note("The ward map is not installed yet (dashboards/components/ward_map.py).", "small"))
        return view
    measure = data.layer().measure(chart.measures[0])
    figure = ward_map.ward_figure({r["label"]: r[chart.measures[0]] for r in rows}, sorted(selected), "",
                                  value_label=measure.label)
    figure.update_layout(height=420, margin={"autoexpand": False, "l": 8, "r": 90, "t": 8, "b": 8})
    return {**view, "figure": figure.to_plotly_json(), "attribution": getattr(ward_map, "ATTRIBUTION", "")}


def note(text: str, class_name: str, level: str | None = None) -> dict:
    return {"text": text, "class": class_name, "level": level}


def error_view(message: str) -> dict:
    """What a card, tile or list shows when it cannot be drawn: a plain message (page_view.js, role=alert)."""
    return {"error": message}


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


def drill_note(chart: Chart, state) -> dict:
    """Where a drill chart stands: 'Showing services of Adults and Health. Select a bar to see its cost centres.'"""
    state = sel.normalise(state)
    level = chart.level(state)
    depth = chart.drill.index(level)
    names = data.layer().dimensions
    path = []
    for dimension in chart.drill[:depth]:
        value = state[dimension][0]
        path.append(data.labels(dimension, [value]).get(value) or value)
    text = f"Showing by {ui.in_sentence(names[level].label)}" + (f", within {' › '.join(path)}" if path else "") + "."
    if depth + 1 < len(chart.drill):
        text += f" Select one to see it by {ui.in_sentence(names[chart.drill[depth + 1]].label)}."
    else:
        text += " Remove a selection in the bar above to go back up."
    return note(text, "drill-path small", level)


def heatmap_figure(chart: Chart, rows: list[dict], selected: set[tuple[str, str]]) -> go.Figure:
    """Rows = the chart's dimension, columns = `across`; each cell's customdata names both values (JSON), so a
    click selects the pair. Selected cells get a black outline."""
    measure = data.layer().measure(chart.measures[0])
    row_values, col_values = _ordered(rows, "value"), _column_order(chart, rows)
    row_labels = {r["value"]: data.value_label(chart.dimension, r["label"]) for r in rows}
    col_labels = {r["across"]: data.value_label(chart.across, r["across_label"]) for r in rows}
    cells = {(r["value"], r["across"]): r[chart.measures[0]] for r in rows}
    z = [[cells.get((rv, cv)) for cv in col_values] for rv in row_values]
    # a cell's customdata is the pick as JSON text: plotly hands a heat map's 2-D customdata back only as scalars
    custom = [[json.dumps({chart.dimension: rv, chart.across: cv}) for cv in col_values] for rv in row_values]
    x, y = [col_labels[c] for c in col_values], [row_labels[r] for r in row_values]
    figure = go.Figure(go.Heatmap(
        z=z, x=x, y=y, customdata=custom, colorscale="Viridis", hoverongaps=False,
        colorbar={"title": {"text": measure.label, "side": "right"}, "thickness": 14},
        hovertemplate="%{y} · %{x}: %{z:,.1f}<extra></extra>"))
    for rv, cv in sorted(selected):
        if rv in row_values and cv in col_values:
            i, j = row_values.index(rv), col_values.index(cv)
            figure.add_shape(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                             line={"color": "#000000", "width": 3}, xref="x", yref="y")
    figure.update_yaxes(autorange="reversed", type="category", title=data.layer().dimensions[chart.dimension].label)
    figure.update_xaxes(type="category", title=data.layer().dimensions[chart.across].label, side="top")
    return _layout(figure, max(300, 22 * len(row_values) + 90), left=96, bottom=16)


def _ordered(rows: list[dict], key: str) -> list[str]:
    """Distinct values in first-seen order (rows come sorted by the row dimension first)."""
    return list(dict.fromkeys(row[key] for row in rows))


def _column_order(chart: Chart, rows: list[dict]) -> list[str]:
    """The heatmap's columns in the dimension's own order (the filter list's with nothing selected, which lists a
    newest_first dimension the other way), which the rows alone cannot give: within each row the query sorts them,
    but a row may lack some."""
    present = _ordered(rows, "across")
    listed = data.filter_values(chart.across, {}, data.layer().measure(chart.measures[0]).fact).rows
    if data.layer().dimensions[chart.across].newest_first:
        listed = listed[::-1]
    order = [str(r["value"]) for r in listed if str(r["value"]) in set(present)]
    return order + [v for v in present if v not in set(order)]


def build_figure(chart: Chart, rows: list[dict], selected: set[str]) -> go.Figure:
    if chart.kind == "heatmap":
        return heatmap_figure(chart, rows, selected)
    figure = _figure(chart, rows, selected)
    if data.layer().measure(chart.measures[0]).format == "pounds":
        # £1.5M, not 1.5M; the value axis is x for horizontal bars
        axis = figure.update_xaxes if chart.kind == "hbar" else figure.update_yaxes
        axis(tickprefix="£")
    return figure


def _figure(chart: Chart, rows: list[dict], selected: set[str]) -> go.Figure:
    measure = data.layer().measure(chart.measures[0])
    name = chart.measures[0]
    values = [r[name] for r in rows]
    labels = [data.value_label(chart.dimension, r["label"]) for r in rows]
    custom = [point_data(r["value"], {chart.dimension: r["value"]}) for r in rows]  # a drill chart's: its level
    picked = [r["value"] in selected for r in rows]
    colours = [PICKED if r["value"] in selected else BASE for r in rows]
    outline = {"color": ["#000000" if r["value"] in selected else BASE for r in rows],
               "width": [3 if r["value"] in selected else 0 for r in rows]}
    hover = "%{customdata[0]}: %{" + ("x" if chart.kind == "hbar" else "y") + ":,}<extra></extra>"
    if chart.kind == "pie":
        figure = go.Figure(go.Pie(labels=labels, values=values, customdata=custom, hole=0.45, sort=False,
                                  marker={"colors": PALETTE[: len(rows)],
                                          "line": {"color": ["#000000" if p else "#ffffff" for p in picked],
                                                   "width": [4 if p else 1 for p in picked]}},
                                  pull=[0.08 if p else 0 for p in picked],
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
        widest = 480 if chart.width == 12 else 280  # a full-width chart has room for a long service name
        return _layout(figure, max(240, 28 * len(rows) + 70), left=min(widest, 7 * longest + 16))
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
                x=[r["month_of_fy"] for r in part], y=[r[name] for r in part],
                customdata=[point_data(r["value"], {chart.dimension: r["value"]}) for r in part],
                name=f"{series} {part[0]['financial_year']}", mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 3},
                marker={"size": [13 if r["value"] in selected else 8 for r in part],
                        "symbol": ["diamond" if r["value"] in selected else "circle" for r in part],
                        "color": [PICKED if r["value"] in selected else colour for r in part]},
                hovertemplate="%{customdata[0]}: %{y:,}<extra>" + series + "</extra>"))
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
    if chart.across:
        head.append(("across_label", data.layer().dimensions[chart.across].label))
    return head + [(m, data.layer().measure(m).label) for m in chart.measures]


def csv_text(chart: Chart, rows: list[dict]) -> str:
    """Exactly the plotted rows: the dimension's value and label, and each measure unformatted."""
    keys = columns(chart)
    values = [chart.dimension] + ([chart.across] if chart.across else [])
    return csv_download.csv_text(values + [heading for _, heading in keys],
                                 ([row["value"]] + ([row["across"]] if chart.across else []) + [row[k] for k, _ in keys]
                                  for row in rows))


def download_link(spec: PageSpec, chart: Chart, rows: list[dict]) -> dict:
    """The CSV link's attributes (page_view.js makes the link): the file is in the link, no round trip."""
    return csv_download.link_attributes(csv_text(chart, rows), f"{spec.name}-{chart.name}.csv",
                                        f"{spec.name}-{chart.name}-csv", chart.title)


TEXT_KEYS = ("label", "financial_year", "across_label")
RAG_SHORT = {"green": "On target", "amber": "Near", "red": "Off target"}


def _cell(row: dict, key: str, chart: Chart) -> dict:
    """A table cell as shown: its text, the word for its red/amber/green status (WCAG 1.4.1: never colour alone)
    and the raw value a column sort orders by."""
    if key == "label":
        return {"text": data.value_label(chart.dimension, row[key]), "sort": row[key]}
    if key == "across_label":
        return {"text": data.value_label(chart.across, row[key]), "sort": row[key]}
    if key == "financial_year":
        return {"text": row[key], "sort": row[key]}
    measure = data.layer().measure(key)
    colour = measure_rag(row[key], measure)
    cell = {"text": data.fmt(row[key], measure.format), "sort": row[key]}
    if row[key] is not None and data.layer().shows_base(key):
        cell["base"] = based_on(key, row.get(measure.base))
    return {**cell, "rag": colour, "rag_text": RAG_SHORT[colour]} if colour else cell


def few_note(chart: Chart, rows: list[dict]) -> dict | None:
    """Said above a table when a share or average of some row rests on few rows: a ranking by it says little."""
    layer = data.layer()

    def few(name: str, row: dict) -> bool:
        base = based_on(name, row.get(layer.measure(name).base)) if row.get(name) is not None else None
        return bool(base and base["few"])

    marked = [m for m in chart.measures if layer.shows_base(m) and any(few(m, r) for r in rows)]
    if not marked:
        return None
    names = "; ".join(ui.in_sentence(layer.measure(m).label) for m in marked)
    return note(f"Figures marked “few” rest on fewer than {layer.settings.small_base} cases ({names}): too few to "
                "rank on, read them with care.", "few-note small")


def table_data(chart: Chart, rows: list[dict], selected: set[str]) -> dict:
    """The rows as a table: its columns, and per row the value a press selects, whether it is selected and its
    cells. Sorted as a table first shows (the first measure, largest first); the browser sorts again on a press."""
    columns_ = [{"key": key, "heading": heading, "numeric": key not in TEXT_KEYS} for key, heading in columns(chart)]
    body = [{"value": row["value"], "selected": row["value"] in selected,
             "cells": [_cell(row, c["key"], chart) for c in columns_]} for row in rows]
    return {"caption": chart.title, "dimension": chart.dimension, "columns": columns_, "rows": body,
            "sort": {"col": chart.measures[0], "desc": True}}

"""One page for every service of the catalogue, at /services/<slug>: its KPIs (latest value, target, direction,
red/amber/green, sparkline), each KPI's monthly trend against its target, and a ward map and table where its
returns break a KPI down by ward. Nothing here is written for a particular service: the service and its KPIs
(label, format, direction, target) come from dim_service and dim_service_kpi, the values from
fact_service_kpi_monthly through the query layer.

The KPIs differ per service, so the page is not drawn by the generic spec callbacks: its layout and callbacks are
here. It still takes part in the global selection: month, financial year and ward selections (the bi-selection
store) apply; service, directorate and KPI selections do not (the address names the service). A press on a
ward or month in a table, or a click on the map or a trend point, toggles that value as on every other page.
"""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from plotly.subplots import make_subplots

from dashboards import csv_download, page_access, ui
from dashboards.components import PageSpec, cards, data, declare, filters, kpi, ward_map
from dashboards.components.callbacks import safely
from dashboards.components.page import data_as_of_line, only_the_selection_changed
from dashboards.components.page_view import store
from dashboards.components.selection import GRAPH, STORE, known, pick_attributes, point_data
from dashboards.components.service_kpis import (
    COMPUTED,
    FACT,
    MEASURES,
    NOT_APPLIED,
    PATH_PREFIX,
    RETURNED,
    basis,
    computed_by,
    computed_kpis,
    computed_points,
    headline_month,
    selected_wards,
    service_slug,
    shown_value,
    source,
)
from dashboards.warehouse import WarehouseUnavailable
from data_models.rag import rag
from query import compiler as q
from query import selections as sel

NAME = "service"
CODE_STORE = f"{NAME}-service-code"  # the page's service, for its callback
WARD_KPI = f"{NAME}-ward-kpi"
SPARK_MONTHS = 12
UNITS = {"percent": "%", "pounds": "£", "days": "days", "rate_per_1000": "per 1,000"}
D3_FORMATS = {"percent": ",.1f", "days": ",.1f", "count": ",.0f", "pounds": ",.0f", "rate_per_1000": ",.2f"}
ROW_HEIGHT = 190  # px per KPI in the trend figure

# The spec makes the app shell's chips mark selections this fact cannot use "(not applicable here)". The page's two
# graphs are drawn here, not by the generic callbacks; their points name what a click selects (point_data).
SPEC = declare(PageSpec(name=NAME, path=PATH_PREFIX + "<slug>", title="Service", fact=FACT))

SERVICES_SQL = """
select service_code, slug, service_name, owner, description, directorate_code, directorate_name
from dim_service
where service_key > 0
order by service_code
"""
# dim_service_kpi is keyed in service code, KPI code order, which is the catalogue's order of each service's KPIs
# (tests/dashboards/test_service.py checks it)
KPIS_SQL = """
select coalesce(service_code || ':' || kpi_code, 'UNKNOWN') as kpi, kpi_code, label, format, direction, target,
       by_ward, description
from dim_service_kpi
where service_code = $service_code and kpi_key > 0
order by kpi_key
"""


# ------------------------------------------------------------------------------------------------------ addresses

def services() -> list[dict]:
    return data.run(q.Query(SERVICES_SQL, {})).rows


def find_service(slug: str | None) -> dict | None:
    """The service whose slug is `slug` (any case), or None."""
    wanted = (slug or "").strip().lower()
    return next((s for s in services() if wanted and service_slug(s["slug"], s["service_name"]) == wanted), None)


def service_kpis(service_code: str) -> list[dict]:
    return data.run(q.Query(KPIS_SQL, {"service_code": service_code})).rows


def _title(slug: str | None = None, **_):
    """The browser tab's title: the service's name (Dash calls this with the address's slug)."""
    try:
        service = find_service(slug)
    except Exception:  # noqa: BLE001 - a title must never break the page; the page itself says what is wrong
        service = None
    name = service["service_name"] if service else ("No such service" if slug else "Services")
    return f"{name} · {ui.app_title()}"


# example_path: the address tests (accessibility) check the page at; a service with ward data, so the map and the
# ward table are checked too. Another council's catalogue without it gets the plain "no such service" page there.
dash.register_page(__name__, path=PATH_PREFIX.rstrip("/"), path_template=SPEC.path, name="Service", order=90,
                   title=_title, example_path=PATH_PREFIX + "housing-repairs",
                   description="Any service of the catalogue: its KPIs against target, by month and ward.")


# --------------------------------------------------------------------------------------------------------- figures

def service_state(state, service_code: str, drop: tuple[str, ...] = ()) -> dict:
    """The selection as this page applies it: pinned to its service, without NOT_APPLIED and `drop`."""
    return {**sel.clear(state, NOT_APPLIED + drop), "service": [service_code]}


def kpi_rows(service_code: str, state, drop: tuple[str, ...] = ()) -> list[dict]:
    """Rows {kpi, month, <MEASURES>} of the service under the selection, months in order."""
    result = data.measures(list(MEASURES), ["kpi", "month"], service_state(state, service_code, drop))
    return [r for r in result.rows if r["month"] not in (None, "Unknown")]


def series(rows: list[dict], item: dict, wards: list[str]) -> list[tuple[str, float | None]]:
    """(month, value) of one KPI in month order."""
    return [(r["month"], shown_value(r, item["format"], wards)) for r in rows if r["kpi"] == item["kpi"]]


def latest(points: list[tuple[str, float | None]]) -> tuple[str | None, float | None]:
    """The latest month with a value, and the value."""
    return next(((m, v) for m, v in reversed(points) if v is not None), (None, None))


# --------------------------------------------------------------------------------------------------------- layout

def layout(slug: str | None = None, **_query):
    if only_the_selection_changed():
        return dash.no_update  # same service, new selection: the callbacks follow the store
    try:
        service = find_service(slug)
        if service is None:
            return no_such_service(slug)
        if not page_access.may_open_service(service["service_code"]):
            return ui.no_access(service["service_name"], NAME)
        items = service_kpis(service["service_code"])
        ward_kpis = kpis_with_ward_data(service["service_code"], items)
        as_of = data_as_of_line(NAME)
    except WarehouseUnavailable as exc:
        return html.Div([html.H1("Service", id=f"{NAME}-title"), store(SPEC),
                         ui.unavailable(str(exc), f"{NAME}-unavailable")])
    return render_frame(service, items, ward_kpis, as_of)


def no_such_service(slug: str | None):
    what = f"There is no service at the address “{PATH_PREFIX}{slug}”." if slug else "No service was named."
    return html.Div([
        html.H1("No such service", id=f"{NAME}-title"), store(SPEC),
        html.P([what, " Choose one from the service catalogue."], id=f"{NAME}-not-found"),
        html.P(html.A("Go to the service catalogue on the Home page", href="/", id=f"{NAME}-home-link")),
    ], id=f"{NAME}-page")


def kpis_with_ward_data(service_code: str, items: list[dict]) -> list[dict]:
    """The service's KPIs whose returns break down by ward (some ward value in the data, whatever the selection)."""
    result = data.measures(["kpi_ward_value"], ["kpi"], {"service": [service_code]})
    with_wards = {r["kpi"] for r in result.rows if r["kpi_ward_value"] is not None}
    # a computed KPI the catalogue breaks down by ward is computed ward by ward from the records
    computed = computed_kpis([item["kpi"] for item in items])
    return [item for item in items if (item["by_ward"] if item["kpi"] in computed else item["kpi"] in with_wards)]


def render_frame(service: dict, items: list[dict], ward_kpis: list[dict], as_of):
    code = service["service_code"]
    about = html.Dl([
        html.Div([html.Dt("Directorate"), html.Dd(service["directorate_name"], id=f"{NAME}-directorate")],
                 className="figure"),
        html.Div([html.Dt("Owner"), html.Dd(service["owner"] or "–", id=f"{NAME}-owner")], className="figure"),
        html.Div([html.Dt("Code"), html.Dd(html.Code(code), id=f"{NAME}-code")], className="figure"),
        html.Div([html.Dt("KPIs"), html.Dd(ui.count(len(items)), id=f"{NAME}-kpi-count")], className="figure"),
    ], className="figures")
    side = html.Aside([html.H2("Filters", className="h5"),
                       *[filters.filter_list(SPEC, d) for d in _filter_dimensions(ward_kpis)]],
                      className="filters-panel", **{"aria-label": "Filters"})
    main = [
        html.Section([html.H2("Key figures", className="h5", id=f"{NAME}-kpis-heading"),
                      html.Div(html.P("Loading…", className="small"), id=f"{NAME}-kpis", **{"aria-live": "polite"})],
                     className="mb-3", **{"aria-labelledby": f"{NAME}-kpis-heading"}),
        _card("trend", "Monthly trend against target",
              "Each KPI by month, with its target as a dashed line. Select a point or a month in the table to "
              "select that month; the key figures are for the latest selected month.",
              html.Div(html.P("Loading…", className="small"), id=f"{NAME}-trend-body", className="card-content",
                       **{"aria-live": "polite"})),
        _ward_card(ward_kpis),
    ]
    return html.Div([
        dcc.Store(id=CODE_STORE, data=code), store(SPEC),
        html.P(html.A("← All services", href="/", id=f"{NAME}-all-link"), className="small mb-1"),
        html.H1(service["service_name"], id=f"{NAME}-title", className="mb-1"),
        as_of,
        html.P(service["description"], className="page-intro", id=f"{NAME}-description"),
        about,
        dbc.Row([dbc.Col(side, xl=3, lg=12, className="mb-3"), dbc.Col(main, xl=9, lg=12)]),
    ], id=f"{NAME}-page")


def _filter_dimensions(ward_kpis: list[dict]) -> tuple[str, ...]:
    return ("financial_year", "month", "ward") if ward_kpis else ("financial_year", "month")


def _card(key: str, title: str, description: str, body):
    title_id = f"{NAME}-{key}-title"
    return html.Section([
        html.Div(html.H2(title, id=title_id, className="h5 mb-0"), className="card-header"),
        html.Div([html.P(description, className="small text-body-secondary mb-2"), body], className="card-body"),
    ], id=f"{NAME}-{key}", className="card chart-card mb-3", **{"aria-labelledby": title_id})


def _ward_card(ward_kpis: list[dict]):
    """The ward map and table of the KPI chosen (when several KPIs break down by ward). Without ward data the
    chooser is there but hidden, empty: the page's one callback listens to it on every service."""
    chooser = dbc.RadioItems(
        id=WARD_KPI, value=ward_kpis[0]["kpi"] if ward_kpis else None, inline=True, className="mb-2",
        options=[{"label": item["label"], "value": item["kpi"]} for item in ward_kpis])
    if not ward_kpis:
        return _card("wards", "Ward breakdown", "Where a KPI is returned ward by ward.",
                     html.Div([html.Div(chooser, hidden=True),
                               html.Div(_no_wards(), id=f"{NAME}-wards-body")]))
    return _card("wards", "Ward breakdown",
                 "The chosen KPI in each ward, in the latest selected month; every ward is shown, the selected ones "
                 "outlined. Select a ward on the map or in the table to select it.",
                 html.Div([html.Fieldset([html.Legend("KPI shown", className="small fw-semibold mb-1"), chooser]),
                           html.Div(html.P("Loading…", className="small"), id=f"{NAME}-wards-body",
                                    className="card-content", **{"aria-live": "polite"})]))


def _no_wards():
    return html.P("This service's returns have no ward breakdown: its KPIs are returned for the whole borough only.",
                  className="empty-message", id=f"{NAME}-wards-none")


# ---------------------------------------------------------------------------------------------- key figures, trend

def render_body(state, service_code: str) -> tuple[list, list]:
    """(the KPI tiles, the trend card's content) under the selection."""
    items = service_kpis(service_code)
    wards = selected_wards(state)
    computed = computed_kpis([item["kpi"] for item in items])
    upto = headline_month(state) if computed else None
    tiles = points_of(items, kpi_rows(service_code, state), computed_points(computed, state, upto), wards)
    # the trend shows the months around the selection
    around = sel.clear(state, ("month",))
    trend = points_of(items, kpi_rows(service_code, around), computed_points(computed, around, upto), wards)
    months = set(sel.normalise(state).get("month", []))
    notes = _selection_notes(state)
    shown = [kpi_tile(item, tiles[item["kpi"]], trend[item["kpi"]], wards, source(item["kpi"], computed))
             for item in items]
    body = [*notes, html.Div(shown, className="kpi-row")] if items else [
        html.P("The catalogue lists no KPI for this service.", className="empty-message")]
    return body, render_trend(items, trend, wards, months)


def points_of(items: list[dict], rows: list[dict], computed: dict[str, list], wards: list[str]) -> dict[str, list]:
    """{kpi: [(month, value)]}: a computed KPI's figures, else the returns' (one figure per KPI)."""
    return {item["kpi"]: computed[item["kpi"]] if item["kpi"] in computed else series(rows, item, wards)
            for item in items}


def _selection_notes(state) -> list:
    ignored = [data.layer().dimensions[d].label for d in NOT_APPLIED if d in sel.normalise(state)]
    if not ignored:
        return []
    return [html.P(f"Not applied here: {', '.join(ignored)} (this page shows the service in its address).",
                   className="not-applicable small", id=f"{NAME}-not-applied")]


def kpi_tile(item: dict, points, context, wards: list[str], source: str = RETURNED):
    """One KPI: the latest selected month's value against the target, with the 12 months up to it, and whether
    the figure is computed from the service's records or returned by it."""
    month, value = latest(points)
    key = item["kpi_code"].lower()
    colour = rag(value, item["target"], item["direction"], item["format"] == "percent")
    target = f" Target {data.fmt(item['target'], item['format'])}" if item["target"] is not None else ""
    pooled = len(wards) > 1 and item["format"] == "percent" and value is not None
    when = (f"{data.month_label(month)} · {basis(item['format'], wards, pooled)}" if month
            else _no_value(wards, item))
    parts = [
        html.H3(item["label"], className="kpi-label"),
        html.P(data.fmt(value, item["format"]), className="kpi-value", id=f"{NAME}-kpi-{key}-value",
               **{"data-month": month or ""}),
        html.P(when, className="small mb-1", id=f"{NAME}-kpi-{key}-month"),
        html.P(source, className="small text-body-secondary mb-1", id=f"{NAME}-kpi-{key}-source",
               **{"data-source": "computed" if source == COMPUTED else "returned"}),
        html.P([html.Span(status_word(value, colour), className=f"rag rag-{colour or 'none'}",
                          **{"data-rag": colour or "none"}),
                html.Span(target, className="kpi-target")], className="kpi-status"),
        html.P(kpi.DIRECTION_WORDS.get(item["direction"], ""), className="kpi-direction"),
    ]
    spark = _sparkline(context, month, item["format"])
    if spark is not None:
        parts.append(spark)
    return html.Div(parts, className="kpi-tile", id=f"{NAME}-kpi-{key}", title=item["description"])


def status_word(value, colour: str | None) -> str:
    """Red/amber/green in words; without a value there is nothing to compare (not "no target")."""
    return "No value" if value is None else kpi.RAG_WORDS[colour]


def _no_value(wards: list[str], item: dict) -> str:
    if wards and not item["by_ward"]:
        return "Not returned by ward"
    return "No value for the selection"


def _sparkline(points, month: str | None, kpi_format: str):
    """The 12 months up to the tile's month, as a small image with the first and last values in words."""
    if month is None:
        return None
    upto = [(m, v) for m, v in points if m <= month][-SPARK_MONTHS:]
    shown = [(m, v) for m, v in upto if v is not None]
    if len(shown) < 2:
        return None
    (first_month, first), (last_month, last) = shown[0], shown[-1]
    summary = (f"Last {len(upto)} months: {data.fmt(first, kpi_format)} in {data.month_label(first_month)}, "
               f"{data.fmt(last, kpi_format)} in {data.month_label(last_month)}.")
    return html.Img(src="data:image/svg+xml;utf8," + quote(kpi.sparkline_svg([v for _, v in upto])), alt=summary,
                    title=summary, className="kpi-spark")


def trend_points(items: list[dict], points: dict[str, list]) -> list[tuple[dict, list]]:
    """(KPI, its (month, value) points) for each KPI with some value."""
    lines = [(item, points[item["kpi"]]) for item in items]
    return [(item, points) for item, points in lines if any(v is not None for _, v in points)]


def render_trend(items: list[dict], points: dict[str, list], wards: list[str], months: set[str]) -> list:
    lines = trend_points(items, points)
    missing = [item["label"] for item in items if item not in [i for i, _ in lines]]
    notes = []
    if missing and lines:
        why = "not returned by ward" if wards else "no value under the current selections"
        notes.append(html.P(f"Not shown ({why}): {', '.join(missing)}.", className="not-applicable small",
                            id=f"{NAME}-trend-missing"))
    if not lines:
        return [html.P(cards.EMPTY, className="empty-message", id=f"{NAME}-trend-empty")]
    config = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    return [
        *notes,
        dcc.Graph(id={"type": GRAPH, "page": NAME, "card": "trend"}, figure=trend_figure(lines, months),
                  config=config, className="chart-graph"),
        html.Details([html.Summary("View as table"), trend_table(lines, months)], className="chart-table",
                     id=f"{NAME}-trend-table"),
        _download("trend", "Monthly trend against target", trend_csv(lines)),
    ]


def _axis_unit(kpi_format: str) -> dict:
    if kpi_format == "percent":
        return {"ticksuffix": "%"}
    if kpi_format == "pounds":
        return {"tickprefix": "£"}
    return {}


def trend_figure(lines: list[tuple[dict, list]], selected: set[str]) -> go.Figure:
    """One small chart per KPI, one above the other on a shared month axis: its line, the target dashed."""
    titles = [_trend_title(item) for item, _ in lines]
    figure = make_subplots(rows=len(lines), cols=1, shared_xaxes=True, vertical_spacing=0.32 / len(lines),
                           subplot_titles=titles)
    for row, (item, points) in enumerate(lines, start=1):
        x = [f"{m}-01" for m, _ in points]
        text = [f"{data.month_label(m)}: {data.fmt(v, item['format'])}" for m, v in points]
        chosen = [m in selected for m, _ in points]
        figure.add_trace(go.Scatter(
            x=x, y=[v for _, v in points], customdata=[point_data(m, {"month": m}) for m, _ in points],
            text=text, mode="lines+markers",
            line={"color": cards.BASE, "width": 2}, name=item["label"], showlegend=False,
            marker={"color": [cards.PICKED if c else cards.BASE for c in chosen],
                    "size": [12 if c else 5 for c in chosen],
                    "symbol": ["diamond" if c else "circle" for c in chosen]},
            hovertemplate="%{text}<extra></extra>"), row=row, col=1)
        if item["target"] is not None and x:
            figure.add_trace(go.Scatter(
                x=[x[0], x[-1]], y=[item["target"]] * 2, mode="lines", hoverinfo="skip", showlegend=False,
                name="Target", line={"color": "#505a5f", "width": 2, "dash": "dash"}), row=row, col=1)
        figure.update_yaxes(row=row, col=1, nticks=4, **_axis_unit(item["format"]))
    figure = cards._layout(figure, height=ROW_HEIGHT * len(lines) + 48, left=72, bottom=40)
    figure.update_layout(margin={"t": 32})
    figure.update_annotations(font={"size": 13}, x=0, xanchor="left")
    # every small chart keeps its month labels (read across without looking down); yearly, April: the FY's start
    months = len({m for _, points in lines for m, _ in points})
    figure.update_xaxes(showticklabels=True, dtick="M12" if months > 24 else "M3", tick0="2000-04-01",
                        tickformat="%b %Y", tickangle=0)
    return figure


def _trend_title(item: dict) -> str:
    target = f" (target {data.fmt(item['target'], item['format'])})" if item["target"] is not None else " (no target)"
    return f"{item['label']}{target}"


def trend_table(lines: list[tuple[dict, list]], months: set[str]):
    """A month per row, a KPI per column: the month's button selects it, as a point of the chart does."""
    values = {item["kpi"]: dict(points) for item, points in lines}
    all_months = sorted({m for _, points in lines for m, _ in points}, reverse=True)
    head = html.Thead(html.Tr([html.Th("Month", scope="col")] +
                              [html.Th(f"{item['label']}{_target_note(item)}", scope="col", className="text-end")
                               for item, _ in lines]))
    body = html.Tbody([
        html.Tr([html.Th(_pick_button("month", m, data.month_label(m), m in months), scope="row")] +
                [html.Td(data.fmt(values[item["kpi"]].get(m), item["format"]), className="text-end")
                 for item, _ in lines],
                className="table-active" if m in months else None)
        for m in all_months])
    table = html.Table([html.Caption("Monthly trend against target (latest month first)"), head, body],
                       className="table table-sm caption-top mb-1")
    return ui.scroll_region(table, "Monthly trend as a table")


def _target_note(item: dict) -> str:
    return f" (target {data.fmt(item['target'], item['format'])})" if item["target"] is not None else ""


def _pick_button(dimension: str, value: str, label: str, pressed: bool):
    return html.Button(label, className="row-pick text-nowrap", type="button", title=f"Select {label}",
                       **pick_attributes(dimension, value), **{"aria-pressed": "true" if pressed else "false"})


def trend_csv(lines: list[tuple[dict, list]]) -> str:
    """Exactly the plotted points: one row per KPI and month, the value unformatted, and the KPI's target."""
    return csv_download.csv_text(["kpi", "kpi_label", "format", "month", "value", "target"],
                                 ([item["kpi"], item["label"], item["format"], month, value, item["target"]]
                                  for item, points in lines for month, value in points))


def _download(key: str, title: str, text: str):
    return csv_download.download_link(text, f"{NAME}-{key}.csv", f"{NAME}-{key}-csv", title)


# --------------------------------------------------------------------------------------------------- ward breakdown

def ward_rows(service_code: str, kpi_value: str, state) -> tuple[str | None, list[dict]]:
    """(the month shown, rows {ward, value}) of one KPI: every ward in the latest selected month with ward data
    (the ward selection is not applied: the map shows every ward, the selected ones outlined)."""
    computed = computed_kpis([kpi_value])
    if computed:
        upto = headline_month(state)
        rows = [{**r, "kpi_ward_value": r["value"]} for r in computed_by(computed, sel.clear(state, ("ward",)),
                                                                          ("month", "ward"))[kpi_value]
                if r["value"] is not None and (upto is None or r["month"] <= upto)]
    else:
        selection = {**service_state(state, service_code, drop=("ward",)), "kpi": [kpi_value]}
        result = data.measures(["kpi_ward_value"], ["month", "ward"], selection)
        rows = [r for r in result.rows if r["kpi_ward_value"] is not None and r["month"] not in (None, "Unknown")
                and r["ward"] is not None]
    if not rows:
        return None, []
    month = max(r["month"] for r in rows)
    return month, [{"ward": r["ward"], "value": r["kpi_ward_value"]} for r in rows if r["month"] == month]


def render_wards(state, service_code: str, kpi_value: str | None) -> list:
    item = next((i for i in service_kpis(service_code) if i["kpi"] == kpi_value), None)
    if item is None:
        return [_no_wards()]
    month, rows = ward_rows(service_code, item["kpi"], state)
    if not rows:
        return [html.P(cards.EMPTY, className="empty-message", id=f"{NAME}-wards-empty")]
    chosen = selected_wards(state)
    rows = sorted(rows, key=lambda r: (-r["value"] if item["direction"] == "higher" else r["value"], r["ward"]))
    unit = UNITS.get(item["format"])
    figure = ward_map.ward_figure({r["ward"]: r["value"] for r in rows}, chosen, "",
                                  value_label=f"{item['label']} ({unit})" if unit else item["label"],
                                  value_format=D3_FORMATS.get(item["format"], ",.2f"))
    figure.update_layout(height=420, margin={"autoexpand": False, "l": 8, "r": 90, "t": 8, "b": 8})
    config = {"displaylogo": False, "responsive": True, **ward_map.GRAPH_CONFIG}
    caption = f"{item['label']} by ward, {data.month_label(month)} (best first)"
    return [
        html.P(f"{data.month_label(month)}.", className="small mb-1", id=f"{NAME}-wards-month",
               **{"data-month": month}),
        dcc.Graph(id={"type": GRAPH, "page": NAME, "card": "ward-map"}, figure=figure, config=config,
                  className="chart-graph"),
        html.P(ward_map.ATTRIBUTION, className="small text-body-secondary"),
        ward_table(rows, item, chosen, caption),
        _download("wards", caption, wards_csv(rows, item, month)),
    ]


def ward_table(rows: list[dict], item: dict, chosen: list[str], caption: str):
    """Every ward's value and its status against the target; a ward's button selects it (as the map does)."""
    head = html.Thead(html.Tr([html.Th("Ward", scope="col"), html.Th(item["label"], scope="col",
                                                                      className="text-end"),
                               html.Th("Against target", scope="col")]))
    body = []
    for row in rows:
        colour = rag(row["value"], item["target"], item["direction"], item["format"] == "percent")
        body.append(html.Tr([
            html.Th(_pick_button("ward", row["ward"], row["ward"], row["ward"] in chosen), scope="row"),
            html.Td(data.fmt(row["value"], item["format"]), className="text-end"),
            html.Td(html.Span(kpi.RAG_WORDS[colour], className=f"rag rag-{colour or 'none'}")),
        ], className="table-active" if row["ward"] in chosen else None))
    table = html.Table([html.Caption(caption), head, html.Tbody(body)], className="table table-sm caption-top mb-1",
                       id=f"{NAME}-wards-rows")
    return ui.scroll_region(table, caption)


def wards_csv(rows: list[dict], item: dict, month: str) -> str:
    return csv_download.csv_text(["ward", "kpi", "kpi_label", "format", "month", "value", "target"],
                                 ([row["ward"], item["kpi"], item["label"], item["format"], month, row["value"],
                                   item["target"]] for row in rows))


# ------------------------------------------------------------------------------------------------------ callbacks

callbacks = ui.PageCallbacks()  # registered on each app by create_app


def may_open_path(pathname: str) -> bool:
    """Whether the user may open the service page at `pathname` (its view is computed only then)."""
    service = find_service(pathname.rstrip("/").rsplit("/", 1)[-1])
    return service is not None and page_access.may_open_service(service["service_code"])


page_access.check_paths(SPEC.path, may_open_path)


# One callback fills the three parts: with two on the same store, the browser sometimes dropped one's answer.
@callbacks(Output(f"{NAME}-kpis", "children"), Output(f"{NAME}-trend-body", "children"),
           Output(f"{NAME}-wards-body", "children"),
           Input(STORE, "data"), Input(WARD_KPI, "value"), State(CODE_STORE, "data"))
def fill(state, kpi_value, service_code):
    if state is None or not service_code or not page_access.may_open_service(service_code):
        raise PreventUpdate   # the code comes from the browser: one outside the user's scope gets nothing
    state = data.resolved(known(state))  # named values (@last-complete-month) as the render path applies them
    wards = safely(render_wards, state, service_code, kpi_value, what=f"service {service_code} wards")
    if ctx.triggered_id == WARD_KPI:
        return no_update, no_update, wards
    parts = safely(render_body, state, service_code, what=f"service {service_code}")
    if isinstance(parts, tuple):
        return (*parts, wards)
    return parts, [], wards  # a message instead of the figures

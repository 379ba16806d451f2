"""The generic service page (/services/<slug>) and the Home page's service links and headline statuses, against
plain SQL over the demo warehouse written independently of query.compiler: KPI values, trend points and the ward
breakdown of a service with ward data (Housing repairs) and one without (Libraries), under several selections."""

from __future__ import annotations

import json
import sys

import pytest
from component_tree import find as _find
from csv_download_text import parse_download
from signing_in import signed_in, signed_in_client

from app import create_app
from dashboards.components import service_kpis
from dashboards.components.data import fmt
from data_models.service_catalogue import load_catalogue

WITH_WARDS, WITHOUT_WARDS, COUNTS_BY_WARD = "HSG-REP", "LIB", "PRK"
# KPIs computed from a semantic measure show the measure, not the return: tests/dashboards/test_kpi_agreement.py
# checks those against plain SQL over their fact; here the returned ones are checked against the returns
COMPUTED = set(load_catalogue().kpi_measures())
SELECTIONS = [
    {},
    {"financial_year": ["2025-26"]},
    {"month": ["2025-05", "2025-06"]},
    {"ward": ["Belsize"]},
    {"ward": ["Belsize", "Kilburn"], "financial_year": ["2024-25"]},
    {"directorate": ["ADH"], "trade": ["Gas"]},  # not applied here: the page's service is its address's
]


@pytest.fixture(scope="module")
def service(app):
    return sys.modules["dashboards.pages.service"]


@pytest.fixture(scope="module")
def home(app):
    return sys.modules["dashboards.pages.home"]


# --------------------------------------------------------------------------------------------- independent SQL

def _params(values: list[str], prefix: str) -> tuple[str, dict]:
    names = {f"{prefix}{i}": v for i, v in enumerate(values)}
    return ", ".join(f"${n}" for n in names), names


def expected_points(con, service_code: str, state: dict, apply_month: bool) -> dict[str, dict[str, float]]:
    """{kpi_code: {month: value}}: the borough's returned value, one ward's, or several wards' (summed for
    count and pounds KPIs, pooled numerator/denominator for percent KPIs returned with them, else averaged)."""
    where, params = ["f.service_code = $service"], {"service": service_code}
    if state.get("financial_year"):
        names, values = _params(state["financial_year"], "fy")
        where.append(f"d.financial_year in ({names})")
        params |= values
    if apply_month and state.get("month"):
        names, values = _params(state["month"], "m")
        where.append(f"strftime(d.month_start, '%Y-%m') in ({names})")
        params |= values
    wards = state.get("ward", [])
    if wards:
        names, values = _params(wards, "w")
        where.append(f"not f.is_borough_total and w.ward_name in ({names})")
        params |= values
    else:
        where.append("f.is_borough_total")
    rows = con.execute(f"""
        select k.kpi_code, k.format, strftime(d.month_start, '%Y-%m') as month,
               avg(f.kpi_value), sum(f.kpi_value), 100.0 * sum(f.numerator) / nullif(sum(f.denominator), 0)
        from fact_service_kpi_monthly f
        join dim_service_kpi k on k.kpi_key = f.kpi_key
        join dim_date d on d.date_key = f.month_key
        left join dim_ward w on w.ward_key = f.ward_key
        where {' and '.join(where)}
        group by all order by month""", params).fetchall()
    points: dict[str, dict[str, float]] = {}
    for code, kpi_format, month, average, total, pooled in rows:
        value = average
        if len(wards) > 1:
            value = total if kpi_format in ("count", "pounds") else (pooled if pooled is not None else average)
        points.setdefault(code, {})[month] = value
    return points


def _latest(points: dict[str, float]) -> tuple[str | None, float | None]:
    months = sorted(m for m, v in points.items() if v is not None)
    return (months[-1], points[months[-1]]) if months else (None, None)


def _graph(parts, card):
    return next(p for p in parts if getattr(p, "id", None) == {"type": "bi-graph", "page": "service", "card": card})


# ----------------------------------------------------------------------------------------------------- addresses

def test_every_service_has_one_address_that_leads_back_to_it(app, service):
    catalogue = load_catalogue()
    hrefs = [service_kpis.service_href(s.slug, s.name) for s in catalogue.services]
    assert len(catalogue.services) == 95 and len(set(hrefs)) == 95
    with signed_in(app, "/"):
        for entry, href in zip(catalogue.services, hrefs, strict=True):
            slug = href.removeprefix(service_kpis.PATH_PREFIX)
            assert service.find_service(slug)["service_code"] == entry.code
            assert service.find_service(slug.upper())["service_code"] == entry.code  # any case


def test_slugs_made_from_names_are_unique_and_plain(service):
    """A catalogue without slugs would still give every service its own address."""
    names = [s.name for s in load_catalogue().services]
    made = [service_kpis.service_slug(None, name) for name in names]
    assert len(set(made)) == len(names)
    assert all(s and s == s.lower() and "--" not in s and s.strip("-") == s for s in made)
    assert service_kpis.service_slug(None, "Parks & Open Spaces") == "parks-and-open-spaces"
    assert service_kpis.service_slug("housing-repairs", "Anything") == "housing-repairs"


def test_kpis_are_in_the_catalogues_order(con):
    """dim_service_kpi's keys (service code, KPI code order) give each service's KPIs in the catalogue's order,
    which the page and Home's headline KPI (the first) rely on."""
    keyed = {}
    for code, kpi_code in con.execute("select service_code, kpi_code from dim_service_kpi where kpi_key > 0 "
                                      "order by kpi_key").fetchall():
        keyed.setdefault(code, []).append(kpi_code)
    assert keyed == {s.code: [k.code for k in s.kpis] for s in load_catalogue().services}


def test_unknown_slug_is_a_plain_message_with_a_link_home(app, service):
    client = signed_in_client(app)
    for path in ("/services/no-such-service", "/services"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"Traceback" not in response.data
    with signed_in(app, "/services/no-such-service"):
        page = service.layout(slug="no-such-service")
        assert _find(page, "service-title").children == "No such service"
        assert "/services/no-such-service" in str(_find(page, "service-not-found").children)
        assert _find(page, "service-home-link").href == "/"
        assert service._title(slug="no-such-service").startswith("No such service")
        assert service._title(slug="housing-repairs").startswith("Housing repairs")


def test_callbacks_belong_to_each_app(demo_warehouse):
    """Each app gets the page's callback once, even when an earlier app has served a request in this thread (Dash
    then remembers that app as the current one: the pages must register on the app importing them)."""
    for _ in range(2):
        app = create_app({"warehouse": demo_warehouse})
        outputs = [d["output"] for d in json.loads(signed_in_client(app).get("/_dash-dependencies").data)]
        assert sum("service-kpis.children" in o for o in outputs) == 1
        assert sum("home-catalogue.children" in o for o in outputs) == 1


# ---------------------------------------------------------------------------------------------- the page's numbers

@pytest.mark.parametrize("state", SELECTIONS)
@pytest.mark.parametrize("service_code", [WITH_WARDS, WITHOUT_WARDS, COUNTS_BY_WARD])
def test_key_figures_and_trend_equal_plain_sql(app, service, con, service_code, state):
    with signed_in(app, "/services/x"):
        items = service.service_kpis(service_code)
        tiles, trend = service.render_body(state, service_code)
    tile_points = expected_points(con, service_code, state, apply_month=True)
    trend_points = expected_points(con, service_code, state, apply_month=False)
    assert [i["kpi_code"] for i in items] == [k.code for k in load_catalogue().service(service_code).kpis]
    for item in items:
        key = item["kpi_code"].lower()
        if item["kpi"] in COMPUTED:
            assert _find(tiles[-1], f"service-kpi-{key}-source").children == service_kpis.COMPUTED
            continue
        assert _find(tiles[-1], f"service-kpi-{key}-source").children == service_kpis.RETURNED
        month, value = _latest(tile_points.get(item["kpi_code"], {}))
        shown = _find(tiles[-1], f"service-kpi-{key}-value")
        assert shown.children == fmt(value, item["format"]), (item["kpi_code"], state)
        assert shown.to_plotly_json()["props"]["data-month"] == (month or "")
        if state.get("month"):
            assert month is None or month in state["month"]
    expected = {code: pts for code, pts in trend_points.items() if any(v is not None for v in pts.values())
                and f"{service_code}:{code}" not in COMPUTED}
    if not expected and not any(f"{service_code}:{i['kpi_code']}" in COMPUTED for i in items):
        assert any(getattr(p, "id", None) == "service-trend-empty" for p in trend)
        return
    figure = _graph(trend, "trend").figure
    lines = [t for t in figure.data if t.name != "Target"]
    by_label = {i["label"]: i["kpi_code"] for i in items}
    plotted = {by_label[t.name]: dict(zip((c[0] for c in t.customdata), t.y, strict=True)) for t in lines
               if f"{service_code}:{by_label[t.name]}" not in COMPUTED}
    assert all(c[1] == {"month": c[0]} for t in lines for c in t.customdata)  # a click selects its month
    assert plotted.keys() == expected.keys()
    for code, points in expected.items():
        assert plotted[code] == pytest.approx(points), code
    targets = [t for t in figure.data if t.name == "Target"]
    assert sorted(t.y[0] for t in targets) == sorted(i["target"] for i in items if i["target"] is not None and (
        i["kpi_code"] in expected or i["kpi"] in COMPUTED))


def test_a_ward_selection_on_a_service_without_ward_data_says_so(app, service):
    with signed_in(app, "/services/libraries"):
        tiles, trend = service.render_body({"ward": ["Belsize"]}, WITHOUT_WARDS)
        wards = service.render_wards({}, WITHOUT_WARDS, None)
    assert "Not returned by ward" in str(tiles)
    assert any(getattr(p, "id", None) == "service-trend-empty" for p in trend)
    assert wards[0].id == "service-wards-none"


@pytest.mark.parametrize("state", [{}, {"financial_year": ["2024-25"]}, {"ward": ["Belsize"], "month": ["2025-05"]}])
def test_ward_breakdown_equals_plain_sql(app, service, con, state):
    kpi = f"{COUNTS_BY_WARD}:PRK01"  # returned by ward (REP01 is computed: test_kpi_agreement.py)
    months = ["strftime(d.month_start, '%Y-%m') in ($m)"] if state.get("month") else []
    years = ["d.financial_year = $fy"] if state.get("financial_year") else []
    params = {"m": (state.get("month") or [""])[0], "fy": (state.get("financial_year") or [""])[0]}
    rows = con.execute(f"""
        select strftime(d.month_start, '%Y-%m') as month, w.ward_name, avg(f.kpi_value)
        from fact_service_kpi_monthly f
        join dim_date d on d.date_key = f.month_key
        join dim_ward w on w.ward_key = f.ward_key
        where f.service_code = 'PRK' and f.kpi_code = 'PRK01' and not f.is_borough_total
          {''.join(' and ' + c for c in months + years)}
        group by all""", {k: v for k, v in params.items() if f"${k}" in " ".join(months + years)}).fetchall()
    latest = max(month for month, _, _ in rows)
    expected = {ward: value for month, ward, value in rows if month == latest}
    with signed_in(app, "/services/parking"):
        month, shown = service.ward_rows(COUNTS_BY_WARD, kpi, state)
        parts = service.render_wards(state, COUNTS_BY_WARD, kpi)
    assert month == latest
    assert {r["ward"]: r["value"] for r in shown} == pytest.approx(expected)
    figure = _graph(parts, "ward-map").figure
    mapped = {name: z for trace in figure.data if trace.type == "choropleth" and trace.showscale is not False
              for name, z in zip((c[0] for c in trace.customdata), trace.z, strict=True)}
    assert mapped == pytest.approx(expected)
    assert len(expected) == 20


def test_csv_is_what_the_trend_shows(app, service, con):
    with signed_in(app, "/services/libraries"):
        items = service.service_kpis(WITHOUT_WARDS)
        rows = service.kpi_rows(WITHOUT_WARDS, {"financial_year": ["2025-26"]}, drop=("month",))
        lines = service.trend_points(items, service.points_of(items, rows, {}, []))
    text = [",".join(r) for r in parse_download(service.trend_csv(lines))]
    assert text[0] == "kpi,kpi_label,format,month,value,target"
    assert len(text) - 1 == len(items) * 12  # every KPI, twelve months of 2025-26
    expected = expected_points(con, WITHOUT_WARDS, {"financial_year": ["2025-26"]}, apply_month=False)
    first = text[1].split(",")
    code = items[0]["kpi_code"]
    assert first[0] == f"LIB:{code}" and float(first[4]) == pytest.approx(expected[code][first[3]])


# ---------------------------------------------------------------------------------------------------- home page

@pytest.mark.parametrize("state", [{}, {"financial_year": ["2024-25"]}])
def test_home_headline_statuses_equal_plain_sql(app, home, service, con, state):
    fy = "and d.financial_year = $fy" if state else ""
    params = {"fy": state["financial_year"][0]} if state else {}
    latest = con.execute(f"""
        select max(strftime(d.month_start, '%Y-%m')) from fact_service_kpi_monthly f
        join dim_date d on d.date_key = f.month_key where true {fy}""", params).fetchall()[0][0]
    values = {(code, kpi): value for code, kpi, value in con.execute("""
        select f.service_code, f.kpi_code, avg(f.kpi_value)
        from fact_service_kpi_monthly f join dim_date d on d.date_key = f.month_key
        where f.is_borough_total and strftime(d.month_start, '%Y-%m') = $m
        group by all""", {"m": latest}).fetchall()}
    catalogue = load_catalogue()
    expected = {entry.code: values.get((entry.code, entry.kpis[0].code)) for entry in catalogue.services}
    with signed_in(app, "/"):
        parts = home.render_catalogue(state)
    assert parts[2].id == "home-headline-month"
    assert parts[2].to_plotly_json()["props"]["data-month"] == latest
    assert len(expected) == 95 and all(v is not None for v in expected.values())
    for entry in catalogue.services:
        key = entry.code.lower()
        cell = next(c for part in parts[3:] if (c := _find(part, f"home-service-{key}-value")) is not None)
        computed = f"{entry.code}:{entry.kpis[0].code}" in COMPUTED   # test_kpi_agreement.py checks those
        assert cell.to_plotly_json()["props"]["data-source"] == ("computed" if computed else "returned")
        assert computed or cell.children == fmt(expected[entry.code], entry.kpis[0].format), entry.code
        link = next(c for part in parts[3:] if (c := _find(part, f"home-service-{key}")) is not None)
        assert link.href == f"/services/{entry.slug}"

"""The ward map component: boundaries from configuration keyed like dim_ward, the figure's values, selection and
clicks, nothing fetched from the internet; and the map in headless Chromium, clicked like a user would."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from dashboards.components import ward_map
from dashboards.components.ward_map import (
    ATTRIBUTION,
    GRAPH_CONFIG,
    BoundariesError,
    load_boundaries,
    ward_figure,
)

DATA_MODELS = Path(__file__).resolve().parents[2] / "data_models"
WARDS_YAML = DATA_MODELS / "seeds" / "wards.yaml"
SOURCES_ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
                       "Contains OS data © Crown copyright and database right 2022.")


@pytest.fixture(scope="module")
def seed() -> dict:
    """wards.yaml read here, independently of the module: the seed of dim_ward (ward_code, ward_name)."""
    return yaml.safe_load(WARDS_YAML.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def names(seed) -> dict[str, str]:
    """ward code -> ward name as in dim_ward."""
    return {w["code"]: w["name"] for w in seed["wards"]}


def fills(figure) -> list:
    return [t for t in figure.data if t.type == "choropleth"]


def drawn(figure) -> dict[str, tuple[str, float | None]]:
    """ward code -> (customdata name, value or None for the grey 'no data' trace), over every filled trace."""
    out: dict[str, tuple[str, float | None]] = {}
    for trace in fills(figure):
        no_data = trace.showscale is False
        for i, code in enumerate(trace.locations):
            assert code not in out, f"{code} drawn twice"
            out[code] = (trace.customdata[i][0], None if no_data else trace.z[i])
    return out


def geometry_points(geometry: dict) -> set[tuple[float, float]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return {(x, y) for polygon in polygons for ring in polygon for x, y in ring}


# ---------------------------------------------------------------------------------------------------- boundaries

def test_boundaries_are_the_configured_file_keyed_by_dim_ward_codes(seed, names):
    boundaries = load_boundaries()
    assert boundaries["type"] == "FeatureCollection"
    assert len(boundaries["features"]) == 20
    key = seed["boundary_key"]
    codes = [f["properties"][key] for f in boundaries["features"]]
    assert sorted(codes) == sorted(names) and len(set(codes)) == 20
    assert load_boundaries(DATA_MODELS / seed["boundaries"]) is boundaries  # the default is wards.yaml's file
    assert load_boundaries() is boundaries  # cached
    kinds = {f["properties"][key]: f["geometry"]["type"] for f in boundaries["features"]}
    assert {c for c, t in kinds.items() if t == "MultiPolygon"} == {"E05013665", "E05013671"}  # Kilburn, W Hampstead


def test_missing_boundary_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="ward boundary file .*nowhere.geojson is missing"):
        load_boundaries(tmp_path / "nowhere.geojson")


def test_feature_without_the_key_property_is_a_clear_error(tmp_path):
    data = json.loads((DATA_MODELS / "geo" / "camden-wards-2022.geojson").read_text(encoding="utf-8"))
    del data["features"][3]["properties"]["WD22CD"]
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BoundariesError, match="feature 4 has no 'WD22CD' property"):
        load_boundaries(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid GeoJSON"):
        load_boundaries(path)


def test_another_councils_files_are_used(tmp_path, monkeypatch):
    """wards.yaml names the boundary file and key property; a council whose file lacks a listed ward is told so."""
    geo = tmp_path / "geo"
    geo.mkdir()
    (tmp_path / "seeds").mkdir()
    source = json.loads((DATA_MODELS / "geo" / "camden-wards-2022.geojson").read_text(encoding="utf-8"))
    features = source["features"][:2]
    for f in features:
        f["properties"] = {"CODE": f["properties"]["WD22CD"]}
    (geo / "ours.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    config = {"boundaries": "geo/ours.geojson", "boundary_key": "CODE",
              "wards": [{"code": "E05013652", "name": "North  Ward"}, {"code": "E05013653", "name": "South"}]}
    (tmp_path / "seeds" / "wards.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setattr(ward_map, "DATA_MODELS", tmp_path)
    monkeypatch.setattr(ward_map, "WARDS_YAML", tmp_path / "seeds" / "wards.yaml")
    assert len(load_boundaries()["features"]) == 2
    figure = ward_figure({"North Ward": 1.0}, [], "Two wards")
    assert drawn(figure) == {"E05013652": ("North Ward", 1.0), "E05013653": ("South", None)}
    assert fills(figure)[0].featureidkey == "properties.CODE"

    config["wards"].append({"code": "E05099999", "name": "Nowhere"})
    (tmp_path / "seeds" / "wards.yaml").write_text(yaml.safe_dump(config) + "\n# changed\n")
    with pytest.raises(BoundariesError, match="no feature with CODE = E05099999"):
        ward_figure({}, [], "Three wards")


# -------------------------------------------------------------------------------------------------------- figure

def test_values_are_drawn_on_their_wards(names):
    values = {name: float(i * 10 + 1) for i, name in enumerate(sorted(names.values()))}
    del values["Frognal"], values["Kilburn"]
    values["Outside the borough"] = 999.0  # has no area: left out
    figure = ward_figure(values, [], "Repairs by ward", "Repairs")
    out = drawn(figure)
    assert set(out) == set(names)
    for code, name in names.items():
        assert out[code] == (name, values.get(name)), code
    grey = [t for t in fills(figure) if t.showscale is False]
    assert len(grey) == 1 and sorted(c[0] for c in grey[0].customdata) == ["Frognal", "Kilburn"]
    assert "no data" in grey[0].hovertemplate
    assert {stop[1] for stop in grey[0].colorscale} == {ward_map.NO_DATA_COLOR}
    assert grey[0].name == "No data" and grey[0].showlegend
    coloured = [t for t in fills(figure) if t.showscale is not False][0]
    assert coloured.colorscale == ward_map.go.Choropleth(colorscale="Viridis").colorscale
    assert 999.0 not in coloured.z
    # each trace carries only the shapes it draws, keyed by the configured property
    for trace in fills(figure):
        assert [f["properties"]["WD22CD"] for f in trace.geojson["features"]] == list(trace.locations)
        assert trace.featureidkey == "properties.WD22CD"
    for feature in fills(figure)[0].geojson["features"]:
        original = next(f for f in load_boundaries()["features"]
                        if f["properties"]["WD22CD"] == feature["properties"]["WD22CD"])
        assert feature["geometry"] == original["geometry"]


def test_missing_none_and_nan_are_no_data_and_names_match_like_dim_ward(names):
    figure = ward_figure({"Belsize": None, "Bloomsbury": math.nan, "Kings Cross": 7,
                          "holborn and covent garden": 3, "Gospel Oak": 0}, [], "t")
    out = {name: value for name, value in drawn(figure).values()}
    assert out["Belsize"] is None and out["Bloomsbury"] is None and out["Camden Town"] is None
    assert out["King's Cross"] == 7 and out["Holborn & Covent Garden"] == 3
    assert out["Gospel Oak"] == 0  # zero is a value, not "no data"
    everything_missing = ward_figure({}, [], "Nothing yet")
    assert len(fills(everything_missing)) == 1 and len(fills(everything_missing)[0].locations) == 20


def test_hover_title_and_format():
    figure = ward_figure({"Belsize": 0.25}, [], "Share of repairs <late> & overdue", "Late", ".1%")
    coloured = fills(figure)[0]
    assert coloured.hovertemplate == "<b>%{customdata[0]}</b><br>Late: %{z:.1%}<extra></extra>"
    assert coloured.colorbar.tickformat == ".1%" and coloured.colorbar.title.text == "Late"
    assert figure.layout.title.text == "Share of repairs &lt;late&gt; &amp; overdue"
    plain = fills(ward_figure({"Belsize": 1234}, [], "Repairs"))[0]
    assert plain.hovertemplate == "<b>%{customdata[0]}</b><br>%{z:,.0f}<extra></extra>"


def test_map_is_fitted_to_the_borough_without_base_layers():
    geo = ward_figure({"Belsize": 1}, [], "t").layout.geo
    assert geo.visible is False and geo.fitbounds == "locations"
    assert not any(geo[f"show{layer}"] for layer in ("land", "ocean", "lakes", "rivers", "countries", "coastlines",
                                                      "subunits", "frame"))


def test_selected_wards_are_outlined_thick(names):
    boundaries = {f["properties"]["WD22CD"]: f for f in load_boundaries()["features"]}
    figure = ward_figure({"Belsize": 1}, ["Kilburn", "King's Cross", "Nowhere"], "t")
    outlines = [t for t in figure.data if t.type == "scattergeo"]
    assert outlines, "no outline"
    border = fills(figure)[0].marker.line.width
    assert min(t.line.width for t in outlines) > 2 * border
    assert all(t.hoverinfo == "skip" for t in outlines)  # clicks go through to the ward under the outline
    top = outlines[-1]  # drawn last: on top of the fills
    assert figure.data[-1] is top
    points = {(x, y) for x, y in zip(top.lon, top.lat, strict=True) if x is not None}
    code = {name: code for code, name in names.items()}
    expected = (geometry_points(boundaries[code["Kilburn"]]["geometry"])
                | geometry_points(boundaries[code["King's Cross"]]["geometry"]))
    assert points == expected  # both wards, Kilburn's sliver too, and nothing else
    assert not [t for t in ward_figure({"Belsize": 1}, [], "t").data if t.type == "scattergeo"]


@pytest.mark.browser
def test_a_click_on_a_ward_selects_it(names, selection_js):
    figure = ward_figure({"Belsize": 4, "King's Cross": 9}, [], "t")
    for number, trace in enumerate(fills(figure)):
        for i, code in enumerate(trace.locations):
            # what dcc.Graph puts in clickData for a click on a choropleth location
            click = {"points": [{"curveNumber": number, "pointNumber": i, "pointIndex": i, "location": code,
                                 "z": trace.z[i], "customdata": trace.customdata[i]}]}
            assert selection_js("pointPairs", click) == [["ward", names[code]]]
    for nothing in (None, {}, {"points": []}, {"points": [{"lon": 1, "lat": 2}]}):
        assert selection_js("pointPairs", nothing) == []


def clicked_ward(click_data) -> str | None:
    """The ward a click on the map selects (the object at the end of its point's customdata)."""
    points = (click_data or {}).get("points") or []
    return points[0]["customdata"][-1]["ward"] if points and points[0].get("customdata") else None


def test_nothing_is_fetched_from_the_internet():
    figure = ward_figure({"Belsize": 1, "Highgate": 2}, ["Highgate"], "Repairs", "Jobs")
    text = figure.to_json()
    for word in ("http", "mapbox", "tile", "www.", "cdn"):
        assert word not in text.lower(), word
    assert {t.type for t in figure.data} <= {"choropleth", "scattergeo"}
    layout = figure.to_plotly_json()["layout"]
    assert "mapbox" not in layout and "map" not in layout
    # plotly.js loads a world topojson for any geo subplot; the graph config points it at an empty one inline
    assert GRAPH_CONFIG["topojsonURL"].startswith("data:application/json,")
    assert "http" not in json.dumps(GRAPH_CONFIG) and GRAPH_CONFIG["scrollZoom"] is False
    json.loads(GRAPH_CONFIG["topojsonURL"].removeprefix("data:application/json,").removesuffix("#"))


def test_attribution_is_the_one_sources_requires():
    assert ATTRIBUTION == SOURCES_ATTRIBUTION
    sources = (DATA_MODELS / "geo" / "SOURCES.md").read_text(encoding="utf-8")
    assert ATTRIBUTION in sources


def test_module_is_not_a_page():
    source = Path(ward_map.__file__).read_text(encoding="utf-8")
    assert "register" + "_page" not in source


# ------------------------------------------------------------------------------------------------------- browser

@contextmanager
def serve_map(values: dict[str, float]) -> Iterator[str]:
    """A tiny Dash app with the map: a click shows the ward in #clicked and outlines it. Yields its base URL."""
    import dash
    from dash import Input, Output, dcc, html
    from werkzeug.serving import make_server

    title = "Repairs by ward"
    app = dash.Dash(__name__, assets_folder=str(Path(__file__).parent / "no-assets"), title="Ward map test")
    app.layout = html.Main([
        dcc.Graph(id="map", figure=ward_figure(values, [], title, "Repairs"), config=GRAPH_CONFIG,
                  style={"height": "560px", "width": "720px"}),
        html.Div(id="clicked"),
        html.P(ATTRIBUTION, id="attribution", className="small"),
    ])

    @app.callback(Output("clicked", "children"), Output("map", "figure"), Input("map", "clickData"),
                  prevent_initial_call=True)
    def clicked(click_data):
        ward = clicked_ward(click_data)
        return ward or "", ward_figure(values, [ward] if ward else [], title, "Repairs")

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# A point well inside a ward's drawn shape, in page coordinates: the interior grid point of the ward's path
# (found with isPointInFill) farthest from its outline, so a click there is on that ward and no other.
INSIDE_WARD_JS = """
code => {
  const paths = [...document.querySelectorAll('.js-plotly-plot path.choroplethlocation')]
    .filter(p => p.__data__ && p.__data__.loc === code);
  if (paths.length !== 1) return null;
  const path = paths[0], box = path.getBoundingClientRect(), ctm = path.getScreenCTM().inverse();
  const svg = path.ownerSVGElement, inside = (x, y) => {
    const p = new DOMPoint(x, y).matrixTransform(ctm);
    return path.isPointInFill(p) && !path.isPointInStroke(p);
  };
  let best = null;
  for (let x = box.left; x <= box.right; x += 2) for (let y = box.top; y <= box.bottom; y += 2) {
    if (!inside(x, y)) continue;
    let r = 1;
    while (r < 60 && [[r, 0], [-r, 0], [0, r], [0, -r], [r, r], [-r, -r], [r, -r], [-r, r]]
        .every(([dx, dy]) => inside(x + dx, y + dy))) r += 1;
    if (!best || r > best.r) best = {x, y, r};
  }
  return best && {x: best.x + window.scrollX, y: best.y + window.scrollY, r: best.r};
}
"""

# The drawn wards' extent, the geo subplot's frame and the whole graph, in page pixels; the geo layers drawn.
EXTENT_JS = """
() => {
  const gd = document.querySelector('.js-plotly-plot'), box = e => e.getBoundingClientRect().toJSON();
  const wards = [...gd.querySelectorAll('path.choroplethlocation')].map(box);
  return {left: Math.min(...wards.map(b => b.left)), right: Math.max(...wards.map(b => b.right)),
          top: Math.min(...wards.map(b => b.top)), bottom: Math.max(...wards.map(b => b.bottom)),
          frame: box(gd.querySelector('.geo rect')), graph: box(gd),
          layers: [...gd.querySelectorAll('.geo g.layer')].map(g => g.getAttribute('class') + ':' +
                                                                g.querySelectorAll('path').length)};
}
"""


def mercator_aspect(boundaries: dict) -> float:
    """Width over height of the borough's bounding box in the Mercator projection (true shape at this scale)."""
    points = [p for f in boundaries["features"] for p in geometry_points(f["geometry"])]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    y = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    return math.radians(max(lons) - min(lons)) / (y(max(lats)) - y(min(lats)))


@pytest.mark.browser
def test_map_in_the_browser(page, artifacts, names):
    from playwright.sync_api import expect

    values = {name: float(100 + 37 * i) for i, name in enumerate(sorted(names.values()))}
    del values["Frognal"]  # one grey "no data" ward
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    code = {name: code for code, name in names.items()}
    with serve_map(values) as url:
        page.goto(url + "/")
        expect(page.locator("path.choroplethlocation")).to_have_count(20)
        expect(page.locator("#attribution")).to_have_text(SOURCES_ATTRIBUTION)

        # the borough fills the map's frame, undistorted, and nothing else is drawn: no land, sea or countries
        extent = page.evaluate(EXTENT_JS)
        assert extent["layers"] == ["layer bg:0", "layer backplot:20", "layer frontplot:0"], extent
        frame, graph = extent["frame"], extent["graph"]
        width, height = extent["right"] - extent["left"], extent["bottom"] - extent["top"]
        assert max(width / frame["width"], height / frame["height"]) > 0.85, extent
        assert frame["height"] > 0.85 * graph["height"], extent
        assert width / height == pytest.approx(mercator_aspect(load_boundaries()), rel=0.03)

        # hover shows the ward and its formatted value
        target = "King's Cross"
        point = page.evaluate(INSIDE_WARD_JS, code[target])
        assert point and point["r"] >= 4, point
        page.mouse.move(point["x"], point["y"])
        expect(page.locator(".hoverlayer .hovertext")).to_contain_text(target)
        expect(page.locator(".hoverlayer .hovertext")).to_contain_text(f"Repairs: {values[target]:,.0f}")

        # a click gives the ward back and the figure outlines it
        page.mouse.click(point["x"], point["y"])
        expect(page.locator("#clicked")).to_have_text(target)
        expect(page.locator(".scattergeo path.js-line")).to_have_count(2)  # halo and line

        # the grey ward says so, and clicking it works too
        grey = page.evaluate(INSIDE_WARD_JS, code["Frognal"])
        page.mouse.move(grey["x"], grey["y"])
        expect(page.locator(".hoverlayer .hovertext")).to_contain_text("no data")
        page.mouse.click(grey["x"], grey["y"])
        expect(page.locator("#clicked")).to_have_text("Frognal")
        holborn = "Holborn & Covent Garden"  # "&" in a name survives plotly's pseudo-HTML labels
        inside = page.evaluate(INSIDE_WARD_JS, code[holborn])
        page.mouse.move(inside["x"], inside["y"])
        expect(page.locator(".hoverlayer .hovertext")).to_contain_text(f"{holborn}Repairs: {values[holborn]:,.0f}")
        page.mouse.move(point["x"], point["y"])
        expect(page.locator(".hoverlayer .hovertext")).to_contain_text(target)
        page.screenshot(path=str(artifacts / "ward-map.png"), full_page=True)

    external = [u for u in requests if urlsplit(u).scheme not in ("data", "blob")
                and urlsplit(u).hostname != "127.0.0.1"]
    assert external == []
    assert page.errors == []


# ------------------------------------------------------------------------ the published map's colour steps (SVG)

def published_classes(values: list[float]) -> dict[float, str]:
    from dashboards.published.ward_svg import fill_for, steps

    bounds = steps(values)
    return {value: fill_for(value, bounds) for value in values}


@pytest.mark.parametrize("values", [
    [3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 7, 8, 9, 12, 12, 21, 40],   # repeats, as a small month's repairs
    [1] * 19 + [2],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 5, 9],
    list(range(20)),
    [7.5, 7.5, 12.25, 3.0, 99.0, 42.0],
])
def test_published_steps_never_split_a_value_and_hold_two_distinct_values_each(values):
    from dashboards.published.ward_svg import STEPS, steps

    bounds = steps(values)
    distinct = sorted(set(values))
    assert bounds == sorted(set(bounds)) and bounds[-1] == max(values)          # rising, the last the highest
    assert len(bounds) == max(1, min(len(STEPS), len(distinct) // 2))         # fewer steps for few values
    classes = published_classes(values)
    lows = [-math.inf, *bounds[:-1]]
    for low, high in zip(lows, bounds, strict=True):
        inside = [v for v in distinct if low < v <= high]
        assert len(inside) >= 2 or len(distinct) < 2, (low, high, inside)     # never one value wide
        assert len({classes[v] for v in inside}) == 1                         # one colour a step
    assert len(set(classes.values())) == len(bounds)                          # a colour for each step


def test_published_steps_of_few_values_and_of_none():
    from dashboards.published.ward_svg import NOT_SHOWN, STEPS, fill_for, steps

    assert steps([]) == [] and steps([4, 4, 4]) == [4] and steps([1, 2, 3]) == [3]
    assert steps([1, 2, 3, 4]) == [2, 4]
    assert fill_for("[c]", [2, 4]) == NOT_SHOWN and fill_for(None, [2, 4]) == NOT_SHOWN
    assert [fill_for(v, [2, 4]) for v in (1, 2, 3, 4)] == [STEPS[0], STEPS[0], STEPS[-1], STEPS[-1]]


def test_the_published_legend_has_a_line_per_step_and_hidden_figures():
    from dashboards.published.ward_svg import NOT_SHOWN, choropleth

    names = [name for _, name in ward_map._ward_names()]
    values = dict(zip(names, [3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 7, 8, 9, 12, 12, 21, "<5"], strict=True))
    wards, legend = choropleth(values, lambda w, v: f"{w}: {v}", lambda w: f"/w/{w}")
    texts = [item.text for item in legend]
    # nine distinct values, four steps: 3 4 5 | 6 7 | 8 9 | 12 21, and the hidden one
    assert texts == ["5 or less", "over 5, up to 7", "over 7, up to 9", "over 9, up to 21", "not shown"]
    assert legend[-1].fill == NOT_SHOWN
    fills = {ward.name: ward.fill for ward in wards}
    assert fills[names[0]] == fills[names[4]] == fills[names[7]] and fills[names[11]] == fills[names[13]]
    assert fills[names[13]] != fills[names[14]] and fills[names[19]] == NOT_SHOWN

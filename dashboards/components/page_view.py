"""A page's view for one selection: every KPI tile, filter list and chart card of the page as plain data, answered
in one response and laid out by the browser (assets/page_view.js) into a layout drawn once.

Why plain data: the Dash renderer re-checks every component of the page on each change it applies, so a page of
hundreds of filter buttons and table cells made of Dash components cost hundreds of milliseconds per selection in
the browser. Now the page's Dash components are few and fixed (a store, the graphs, empty places), and a
selection changes one store and the figures.

The parts are computed side by side (their queries run in DuckDB, which releases the GIL) and the whole view is
cached under the warehouse file's identity, the page and the selection, so a view anyone has seen is one cache read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import flask
from dash import dcc

import access
from dashboards.components import cards, data, download_links, filters, kpi, named_entries, selection
from dashboards.components.spec import PageSpec
from dashboards.warehouse import WarehouseUnavailable
from query.scope import OutOfScope

log = logging.getLogger(__name__)
VIEW = "bi-page-view"      # the store a page's view arrives in: {"type": VIEW, "page": name}
WORKERS = 4
FORMAT = 1   # in the cache key: a shared (Redis) cache must not hand a newer page_view.js an older view's shape
FAILED = "This could not be drawn because of an unexpected error. It has been logged; try again or tell support."


def safely(render, *args, what: str = "card", shown_as=cards.error_view):
    """A part's view, or a readable message in its place (`shown_as(message)`: by default an error view for
    page_view.js): never a traceback on the page."""
    try:
        return render(*args)
    except (WarehouseUnavailable, OutOfScope) as exc:
        return shown_as(str(exc))
    except Exception:  # noqa: BLE001 - the page must show a message, the log the detail
        log.exception("cannot render %s", what)
        return shown_as(FAILED)


def store(spec: PageSpec) -> dcc.Store:
    """The store a page's view arrives in: every page has one (a page with no tiles or cards gets the selection
    bar's chips in it), and its appearing in a new page's layout is what asks for the view."""
    return dcc.Store(id={"type": VIEW, "page": spec.name})


def view_key(spec: PageSpec, state: dict, lists: tuple[str, ...], shows: dict | None = None) -> str:
    # the user's scope is part of the key: a view cached for one user is never another's with a wider scope
    text = json.dumps([FORMAT, data.warehouse_version(), access.current_scope().key(), spec.name, state, lists,
                       shows or {}], sort_keys=True)
    return "page-view:" + hashlib.sha256(text.encode()).hexdigest()


def shown_measures(spec: PageSpec, shows) -> dict[str, str]:
    """{card: measure} of the cards' "Show" choices the browser sent, only the measures each card offers (a URL
    naming another is the card's default)."""
    if not isinstance(shows, dict):
        return {}
    offered = {chart.name: chart.offers for chart in spec.charts}
    return {card: m for card, m in shows.items() if isinstance(m, str) and m in offered.get(card, ())}


def page_view(spec: PageSpec, state: dict, lists: tuple[str, ...] | None = None, shows=None) -> dict:
    """{"page", "chips", "tiles": [tile views], "filters": [list views], "cards": [card views]} in the spec's
    order; a card view carries its figure (a plotly dict) for the card's graph. `lists`: the filter lists drawn
    (by default the spec's). Every part carries its id, so a part that failed (an error view) is still placed."""
    lists = tuple(spec.filters if lists is None else lists)
    shows = shown_measures(spec, shows)
    key = view_key(spec, state, lists, shows)
    hit = data.cache.get(key)
    if hit is not None:
        return hit
    view = _computed(spec, state, lists, shows)
    if not _failed(view):  # a passing failure is not kept: the next request tries again
        data.cache.set(key, view)
    return view


def _computed(spec: PageSpec, state: dict, lists: tuple[str, ...], shows: dict[str, str]) -> dict:
    app = flask.current_app._get_current_object()  # noqa: SLF001 - the real app, for the worker threads
    scope = access.current_scope()

    def in_app(render, *args, what):
        with app.app_context():
            access.use_scope(scope)
            return safely(render, *args, what=what)

    # once, before any SQL: named values ('@last-complete-month') become real ones; the chips and the lists'
    # named entries are drawn from the selection as the URL names it
    applied = safely(data.resolved, state, what="named selections", shown_as=lambda _message: state)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        tiles = [pool.submit(in_app, kpi.render, spec, k, applied, what=f"KPI {k.measure}") for k in spec.kpis]
        values = [pool.submit(in_app, named_entries.render_values, spec, d, state, applied, what=f"filter {d}")
                  for d in lists]
        charts = [pool.submit(in_app, cards.render, spec, c, applied, shows.get(c.name), what=f"chart {c.name}")
                  for c in spec.charts]
        chips = pool.submit(in_app, selection.chips, state, spec, what="selection bar")
        return {
            "page": spec.name,
            "chips": chips.result(),
            "tiles": [dict(f.result(), id=kpi.tile_id(spec, k)) for f, k in zip(tiles, spec.kpis, strict=True)],
            "filters": [dict(f.result(), id=filters.values_id(spec, d)) for f, d in zip(values, lists, strict=True)],
            "cards": [dict(f.result(), id=cards.card_id(spec, c)) for f, c in zip(charts, spec.charts, strict=True)],
            "links": links(spec, applied),
        }


def links(spec: PageSpec, state: dict) -> dict[str, str]:
    """{link id: address} of the page's server downloads, with the selection shown (page_view.js sets them)."""
    if not spec.offers_budget_pack:
        return {}
    return {download_links.pack_link_id(spec.name, f): download_links.pack_href(f, state)
            for f in download_links.PACK_FORMATS}


def _failed(view: dict) -> bool:
    parts = [view["chips"], *view["tiles"], *view["filters"], *view["cards"]]
    return any("error" in part for part in parts)

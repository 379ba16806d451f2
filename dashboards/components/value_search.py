"""One search box across every field's values on a page, in the selection bar: typing "kentish" lists the wards,
estates, contractors... whose names contain it, grouped by field, each with its state; choosing one selects it
through the same pick as a filter value (assets/selection.js), so an excluded one clears what excludes it.

The box, its results store and the place the results are laid into are drawn once with the shell; a debounced
input asks one callback (answer()) for the results as plain data, which assets/value_search.js lays out. The
SQL is query.search.value_search_sql, with the user's scope; a text that cannot be searched gets a sentence."""

from __future__ import annotations

import logging

from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import access
from dashboards import page_access
from dashboards.components import data, filters
from dashboards.components.spec import SPECS, PageSpec
from dashboards.warehouse import WarehouseUnavailable
from query import search
from query.scope import OutOfScope

log = logging.getLogger(__name__)
INPUT, RESULTS, ANSWER = "value-search-input", "value-search-results", "value-search-answer"
DEBOUNCE_S = 0.3
NOT_HERE = "This page has no fields to search: open a dashboard page to search its values."
FAILED = "The search could not be answered. Try again, or tell support if it keeps failing."
STATE_WORDS = {"selected": "selected", "possible": "", "excluded": "excluded; selecting it clears what excludes it"}


def box():
    """The search box and the empty place its results are laid into (never given Dash children)."""
    return html.Div([
        html.Label("Search every field's values", htmlFor=INPUT, className="visually-hidden"),
        dcc.Input(id=INPUT, type="search", debounce=DEBOUNCE_S, placeholder="Search all fields, e.g. kentish",
                  autoComplete="off", spellCheck=False, className="value-search-input"),
        dcc.Store(id=ANSWER),
        html.Div(id=RESULTS, className="value-search-results", role="region", hidden=True,
                 **{"aria-label": "Search results", "aria-live": "polite"}),
    ], className="value-search", role="search")


def spec_at(pathname) -> PageSpec | None:
    """The page spec with a fact at this path (None for the audit log, a service page); PreventUpdate (nothing is
    answered, as for a page's view) when it is a page outside the user's access."""
    spec = next((s for s in SPECS.values() if isinstance(pathname, str) and s.path == pathname and s.fact), None)
    if spec is not None and not page_access.may_view(spec, pathname):
        raise PreventUpdate
    return spec


def fields(spec: PageSpec) -> dict[str, list[str]]:
    """{fact: dimensions} a page's search reads: its filter lists' dimensions (each on the fact its list reads),
    then every other dimension of the page's fact that is not a date."""
    by_fact: dict[str, list[str]] = {}
    for dimension in spec.filters:
        by_fact.setdefault(filters.list_fact(spec, dimension), []).append(dimension)
    layer = data.layer()
    others = [d for d in layer.applicable_dimensions(spec.fact)
              if not layer.dimensions[d].date and d not in spec.filters]
    by_fact.setdefault(spec.fact, []).extend(others)
    return by_fact


def answer(raw, pathname, state) -> dict:
    """{"text", "groups": [{"dimension", "label", "values": [...]}], "note"}: the results page value_search.js
    lays out; a note instead when there is nothing to list, or the text cannot be searched; nothing at all (a 204)
    on a page outside the user's access."""
    from dashboards.components.selection import known  # the selection bar draws this box: imported late

    spec = spec_at(pathname)
    try:
        text = search.search_text(raw)
    except search.SearchTextError as exc:
        return {"text": "", "groups": [], "note": str(exc)}
    if not text:
        return {"text": "", "groups": [], "note": ""}
    if spec is None:
        return {"text": text, "groups": [], "note": NOT_HERE}
    try:
        groups = [g for fact, dims in fields(spec).items() for g in _groups(fact, dims, text, known(state))]
    except (WarehouseUnavailable, OutOfScope) as exc:
        return {"text": text, "groups": [], "note": str(exc)}
    except Exception:  # noqa: BLE001 - the page shows a sentence, the log the detail
        log.exception("value search failed")
        return {"text": text, "groups": [], "note": FAILED}
    return {"text": text, "groups": groups, "note": "" if groups else f"Nothing matches “{text}”."}


def _groups(fact: str, dimensions: list[str], text: str, state: dict) -> list[dict]:
    query = search.value_search_sql(data.layer(), fact, dimensions, text, access.current_scope(), selections=state)
    by_dimension: dict[str, list[dict]] = {}
    for row in data.run(query).rows:
        by_dimension.setdefault(row["dimension"], []).append(_entry(row))
    return [{"dimension": d, "label": data.layer().dimensions[d].label, "values": by_dimension[d]}
            for d in dimensions if d in by_dimension]


def _entry(row: dict) -> dict:
    label = data.value_label(row["dimension"], row["label"])
    words = STATE_WORDS[row["state"]]
    return {"value": str(row["value"]), "label": label, "state": row["state"], "clears": ",".join(row["clears"] or []),
            "title": f"{label}: {words}" if words else f"Select {label}"}


def register(app) -> None:
    from dashboards.components.selection import LOCATION, STORE

    app.callback(Output(ANSWER, "data"), Input(INPUT, "value"), State(LOCATION, "pathname"), State(STORE, "data"),
                 prevent_initial_call=True)(answer)
    # (its output is never changed: Dash runs no callback without one)
    app.clientside_callback(ClientsideFunction("valueSearch", "render"), Output(RESULTS, "className"),
                            Input(ANSWER, "data"), prevent_initial_call=True)

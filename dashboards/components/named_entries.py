"""Named values at the top of a filter list: 'Last complete month (Nov 2026)', 'Kentish Town (2 wards)' before the
real months and wards (query/named_selections.py says what each covers).

A named value is selected when the URL names it; otherwise possible when any value it covers is, else excluded
(a click then clears the selections that exclude what it covers, as for any excluded value). The real values a
selected name covers are selected too (the queries apply them), and a click on one unselects the name that
selected it: a click on a selected value unselects what selected it."""

from __future__ import annotations

from dashboards.components import data, filters
from dashboards.components.filters import STATE_WORDS
from dashboards.components.spec import PageSpec
from query import selections as sel


def render_values(spec: PageSpec, dimension: str, state, applied) -> dict:
    """The list's view (filters.render_values over the `applied` selection, named values resolved), with the
    dimension's named values first, their states from `state`, the selection as the URL names it."""
    view = filters.render_values(spec, dimension, applied)
    offered = data.offered_names(dimension)
    if not offered:
        return view
    chosen = set(sel.normalise(state).get(dimension, ()))
    listed = {entry["value"]: entry for entry in view["values"]}
    entries = [entry(name, text, [listed[v] for v in covers if v in listed], name in chosen)
               for name, text, covers in offered]
    by_name = {v: (name, text) for name, text, covers in offered if name in chosen for v in covers}
    real = [covered_by(e, *by_name[e["value"]]) if e["value"] in by_name and e["value"] not in chosen else e
            for e in view["values"]]
    return dict(view, values=entries + real)


def entry(name: str, text: str, covered: list[dict], selected: bool) -> dict:
    """A named value's entry, in the shape of filters.render_values' entries (no count: its label says what it
    covers)."""
    if selected:
        state = "selected"
    else:
        state = "possible" if any(e["state"] != "excluded" for e in covered) else "excluded"
    clears = sorted({d for e in covered for d in e.get("clears", "").split(",") if d}) if state == "excluded" else []
    return {"value": name, "state": state, "count": "", "label": text, "named": True,
            "title": f"{text}: {STATE_WORDS[state]}", "clears": ",".join(clears)}


def covered_by(item: dict, name: str, text: str) -> dict:
    """A real value a selected name covers: a click on it unselects the name (its pick is the name's)."""
    return dict(item, pick=name, title=f"{item['label']}: selected by {text}; a click unselects {text}")

"""Filter lists: every value of a dimension with its state (data-state="selected|possible|excluded"), as Qlik
shows them. Excluded values stay listed, greyed, with their count in the unfiltered data.

The list is drawn once (filter_list()); each selection sends its values as plain data (render_values()), which the
browser lays out as buttons (assets/page_view.js): hundreds of values are not hundreds of Dash components."""

from __future__ import annotations

from dash import dcc, html

from dashboards.components import data
from dashboards.components.spec import PageSpec

FILTER = "bi-filter"   # a list's marker: the page view answers the lists a page has drawn (a service page's vary)
STATE_WORDS = {"selected": "selected", "possible": "possible", "excluded": "excluded by other selections"}


def values_id(spec: PageSpec, dimension: str) -> str:
    return f"{spec.name}-filter-{dimension}-values"


def filter_list(spec: PageSpec, dimension: str):
    """A list drawn once: its heading, its search box and its values' listbox (page_view.js lays the values into
    it; assets/filter_lists.js gives it its keys and the search, whose text so survives the values' redraws)."""
    label = data.layer().dimensions[dimension].label
    heading = f"{spec.name}-filter-{dimension}-heading"
    values, search = values_id(spec, dimension), f"{spec.name}-filter-{dimension}-search"
    return html.Section([
        dcc.Store(id={"type": FILTER, "page": spec.name, "dim": dimension}),
        html.H3(label, id=heading, className="h6 filter-heading"),
        html.Label(f"Search {label}", htmlFor=search, className="visually-hidden"),
        dcc.Input(type="search", id=search, className="filter-search", placeholder="Search",
                  autoComplete="off", spellCheck=False, debounce=True),  # typing is no Dash prop change
        html.Div(id=values, className="filter-values", role="listbox",
                 **{"aria-labelledby": heading, "aria-multiselectable": "true", "data-dimension": dimension}),
    ], className="filter-list", id=f"{spec.name}-filter-{dimension}")


def items(rows: list[dict]) -> list[dict]:
    """The filter list's entries from filter_values_sql rows: value, label, state, and the count shown (the
    possible count for selected and possible values, the unfiltered count for excluded ones)."""
    result = []
    for row in rows:
        state = row["state"]
        shown = row["row_count"] if state == "excluded" else row["possible_count"]
        result.append({"value": str(row["value"]), "label": str(row["label"] if row["label"] is not None
                                                                else row["value"]),
                       "state": state, "count": int(shown or 0)})
    return result


def list_fact(spec: PageSpec, dimension: str) -> str:
    """The fact a filter list reads: the page's own, or the first of its other facts that has the dimension (a
    budget page lists expenditure categories from its spend fact)."""
    return data.fact_with(spec.facts, dimension) or spec.fact


def render_values(spec: PageSpec, dimension: str, state) -> dict:
    """The list's view: each value's label, state, count and title as shown (page_view.js makes the buttons)."""
    result = data.filter_values(dimension, state, list_fact(spec, dimension))
    values = [{"value": e["value"], "state": e["state"], "count": f"{e['count']:,}",
               "label": data.value_label(dimension, e["label"]) if dimension == "month" else e["label"],
               "title": f"{e['label']}: {STATE_WORDS[e['state']]}"}
              for e in items(result.rows)]
    return {"dimension": dimension, "values": values, "truncated": result.truncated}

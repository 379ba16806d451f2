"""Filter lists: every value of a dimension with its state (data-state="selected|possible|excluded"), as Qlik
shows them. Excluded values stay listed, greyed, after the selected and possible ones, with no count (a count
in the unfiltered data beside filtered counts was misread); a click on one also clears the selections that exclude
it (docs/selection-rules.md).

The list is drawn once (filter_list()); each selection sends its values as plain data (render_values()), which the
browser lays out as buttons (assets/page_view.js): hundreds of values are not hundreds of Dash components."""

from __future__ import annotations

from dash import dcc, html

from dashboards.components import data
from dashboards.components.spec import ORDER_PREFIX, PageSpec

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
        # the list's order (page_view.js): by name unless pressed; pressed writes order-<dimension>=count in the URL
        html.Button("Sort by count", type="button", className="filter-order", title=f"Sort {label} by count",
                    **{"data-order-key": ORDER_PREFIX + dimension, "aria-pressed": "false"}),
        html.Label(f"Search {label}", htmlFor=search, className="visually-hidden"),
        dcc.Input(type="search", id=search, className="filter-search", placeholder="Search",
                  autoComplete="off", spellCheck=False, debounce=True),  # typing is no Dash prop change
        html.Div(id=values, className="filter-values", role="listbox",
                 **{"aria-labelledby": heading, "aria-multiselectable": "true", "data-dimension": dimension}),
    ], className="filter-list", id=f"{spec.name}-filter-{dimension}")


def items(rows: list[dict]) -> list[dict]:
    """The filter list's entries from filter_values_sql rows: value, label, state, the count shown (the possible
    count; None for an excluded value, which shows none) and the other dimensions a click on it clears."""
    result = []
    for row in rows:
        state = row["state"]
        shown = None if state == "excluded" else int(row["possible_count"] or 0)
        result.append({"value": str(row["value"]), "label": str(row["label"] if row["label"] is not None
                                                                else row["value"]),
                       "state": state, "count": shown, "clears": list(row.get("clears") or [])})
    return result


def list_fact(spec: PageSpec, dimension: str) -> str:
    """The fact a filter list reads: the page's own, or the first of its other facts that has the dimension (a
    budget page lists expenditure categories from its spend fact)."""
    return data.fact_with(spec.facts, dimension) or spec.fact


def render_values(spec: PageSpec, dimension: str, state) -> dict:
    """The list's view: each value's label, state, count and title as shown (page_view.js makes the buttons)."""
    result = data.filter_values(dimension, state, list_fact(spec, dimension))
    values = [{"value": e["value"], "state": e["state"], "n": e["count"],
               "count": "" if e["count"] is None else f"{e['count']:,}",
               "label": data.value_label(dimension, e["label"]) if dimension == "month" else e["label"],
               "title": title(e), "clears": ",".join(e["clears"])}
              for e in items(result.rows)]
    return {"dimension": dimension, "values": values, "truncated": result.truncated}


def title(entry: dict) -> str:
    """A value's tooltip: its state, and for an excluded value the selections a click on it clears."""
    text = f"{entry['label']}: {STATE_WORDS[entry['state']]}"
    if entry["clears"]:
        names = ", ".join(data.layer().dimensions[d].label for d in entry["clears"])
        text += f"; selecting it clears {names}"
    return text

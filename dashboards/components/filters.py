"""Filter lists: every value of a dimension with its state (data-state="selected|possible|excluded"), as Qlik
shows them. Excluded values stay listed, greyed, with their count in the unfiltered data."""

from __future__ import annotations

from dash import html

from dashboards.components import data
from dashboards.components.selection import pick_attributes
from dashboards.components.spec import PageSpec

FILTER = "bi-filter"
STATE_WORDS = {"selected": "selected", "possible": "possible", "excluded": "excluded by other selections"}


def filter_list(spec: PageSpec, dimension: str):
    label = data.layer().dimensions[dimension].label
    heading = f"{spec.name}-filter-{dimension}-heading"
    return html.Section([
        html.H3(label, id=heading, className="h6 filter-heading"),
        html.Div(html.P("Loading…", className="small"), id={"type": FILTER, "page": spec.name, "dim": dimension},
                 className="filter-values", role="group", **{"aria-labelledby": heading}),
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


def render_values(spec: PageSpec, dimension: str, state) -> list:
    result = data.filter_values(dimension, state, list_fact(spec, dimension))
    entries = items(result.rows)
    if not entries:
        return [html.P("No values.", className="small")]
    buttons = [
        html.Button([html.Span(data.value_label(dimension, e["label"]) if dimension == "month" else e["label"],
                               className="filter-label"),
                     html.Span(f"{e['count']:,}", className="filter-count")],
                    className=f"filter-value state-{e['state']}", type="button",
                    title=f"{e['label']}: {STATE_WORDS[e['state']]}",
                    **pick_attributes(dimension, e["value"]), **{"data-state": e["state"], "data-value": e["value"],
                       "aria-pressed": "true" if e["state"] == "selected" else "false"})
        for e in entries]
    if result.truncated:
        buttons.append(html.P("Only the first values are listed.", className="small"))
    return buttons

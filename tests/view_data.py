"""Reading the plain-data views the server sends a page (dashboards/components/page_view.py): the text a card, tile,
list or chip says, and a filter list's states. Imported by tests in tests/ and its folders, as component_tree is."""

from __future__ import annotations

SKIPPED = ("figure", "href", "src")  # a figure is read as a figure; a link's and an image's data are not words


def text(view) -> str:
    """Every string of a view (or a list of views), joined by spaces: what the page will say."""
    if isinstance(view, str):
        return view
    if isinstance(view, dict):
        return " ".join(text(value) for key, value in view.items() if key not in SKIPPED)
    if isinstance(view, list | tuple):
        return " ".join(text(item) for item in view)
    return ""


def states(view: dict) -> dict[str, str]:
    """A filter list's {value: selected | possible | excluded}."""
    return {item["value"]: item["state"] for item in view["values"]}

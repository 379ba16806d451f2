"""A Dash component tree's text, for tests that read what a card or tile says (imported by the page tests: pytest
puts this folder on the path, as it has no __init__.py)."""

from __future__ import annotations


def text(component) -> str:
    if component is None or isinstance(component, str | int | float):
        return "" if component is None else str(component)
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    return text(getattr(component, "children", None))

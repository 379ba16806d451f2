"""Reading a Dash component tree in tests: the component with an id, and the text a card, tile or cell says. Imported
by tests in tests/ and its folders (tests/conftest.py puts this folder on the path: tests have no __init__.py)."""

from __future__ import annotations


def find(component, id_):
    """The component with this id in a layout tree, or None."""
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = find(child, id_)
            if found is not None:
                return found
    return None


def text(component, sep: str = " ") -> str:
    """The tree's strings and numbers, its children's joined by `sep`."""
    if component is None or isinstance(component, str | int | float):
        return "" if component is None else str(component)
    if isinstance(component, list | tuple):
        return sep.join(text(c, sep) for c in component)
    return text(getattr(component, "children", None), sep)


def joined_text(component) -> str:
    """The tree's text with the children's run together (as a browser shows adjacent inline elements)."""
    return text(component, sep="")

"""Where a problem is in a hand-edited YAML file, for the configuration families (catalogue, semantic layer, model
and layout files): `services[12].kpis[1].format (line 345): message` rather than a pydantic traceback."""

from __future__ import annotations

from typing import Any

import yaml


def dotted(loc: tuple[str | int, ...]) -> str:
    """`services[12].kpis[1].format` for the location ("services", 12, "kpis", 1, "format")."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest YAML node the location reaches (a missing key points at its parent)."""
    if node is None:
        return None
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return value_node
    return None


def problem_message(problem: dict[str, Any]) -> str:
    """A pydantic error as a person reads it: a validator's own message, or a plain word for the common kinds."""
    original = (problem.get("ctx") or {}).get("error")
    if isinstance(original, ValueError):
        return str(original)
    if problem["type"] == "extra_forbidden":
        return "unknown key (misspelt?)"
    if problem["type"] == "missing":
        return "required but missing"
    return f"{problem['msg']} (got {problem.get('input')!r})"


def located(error: Any, text: str) -> list[str]:
    """Each problem of a pydantic ValidationError over the YAML `text`, as `groups[0].wards[1] (line 9): message`."""
    root = yaml.compose(text)
    problems = []
    for problem in error.errors(include_url=False):
        loc = tuple(problem["loc"])
        line = line_of(root, loc)
        problems.append(f"{dotted(loc) or '(top level)'}{f' (line {line})' if line else ''}: "
                        f"{problem_message(problem)}")
    return problems

"""Layers run one way: etl -> data_models <- query <- access <- dashboards (and reports). Every import of every module,
function-level ones included, is read from the source, so an import circle or a layer reaching up fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# what each layer may import of the project's own packages (besides itself)
ALLOWED = {
    "data_models": set(),
    "etl": {"data_models"},
    "query": {"data_models"},
    "app_db": set(),   # the application's own state (sessions, audit log), apart from the warehouse
    "access": {"query", "data_models", "app_db"},   # who may see what: the web layer's, beside dashboards
    "dashboards": {"access", "app_db", "query", "data_models", "reports"},
    "reports": {"query", "data_models", "access", "app_db"},
}


def project_imports(path: Path) -> set[str]:
    """The top-level project packages a module imports, wherever in the module the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(ALLOWED)
    return found


def layer_modules():
    for layer in ALLOWED:
        for path in sorted((REPO / layer).rglob("*.py")):
            yield pytest.param(layer, path, id=str(path.relative_to(REPO)))


@pytest.mark.parametrize(("layer", "path"), list(layer_modules()))
def test_a_module_imports_only_the_layers_below_it(layer, path):
    reaching_up = project_imports(path) - ALLOWED[layer] - {layer}
    assert not reaching_up, f"{path.relative_to(REPO)} ({layer}) imports {', '.join(sorted(reaching_up))}"


def test_the_check_reads_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from query import compiler\n    import dashboards.ui\n", encoding="utf-8")
    assert project_imports(module) == {"query", "dashboards"}


def test_every_layer_has_modules():
    present = {layer for layer, _ in (p.values for p in layer_modules())}
    assert {"data_models", "etl", "query", "dashboards"} <= present

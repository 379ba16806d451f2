"""Fixtures of the generator tests: the session's small demo (tests/conftest.py makes it once), its manifest, and
the layouts it must match. Helpers to read the files back are in generated_files.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
LAYOUTS = REPO / "data_models" / "layouts"


@pytest.fixture(scope="session")
def demo(demo_sources) -> Path:
    return demo_sources


@pytest.fixture(scope="session")
def manifest(demo) -> dict:
    return json.loads((demo / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def until(manifest) -> dt.date:
    return dt.date.fromisoformat(manifest["until"])


@pytest.fixture(scope="session")
def layouts() -> dict[str, dict]:
    """Layout name -> its YAML layout entry, across every target."""
    found = {}
    for path in sorted(LAYOUTS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for layout in data["layouts"]:
            found[layout["name"]] = {**layout, "target_columns": data["columns"]}
    return found

"""The published views' configuration: every published measure says what it means in plain English
(`public_description` in data_models/semantic/), and that, not the council's own description, is what the open data
and the pages define each column by."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from data_models.semantic_layer import load_semantic_layer
from reports.errors import ReportError
from reports.published_views import CONFIG_PATH, load_views
from reports.publishing import column_of


@pytest.fixture(scope="module")
def layer():
    return load_semantic_layer()


def test_every_published_measure_has_a_public_description(layer):
    views = load_views(layer)
    for measure in {m for table in views.tables for m in table.measures}:
        text = layer.measure(measure).public_description
        assert text and "selected period" not in text and len(text) <= 160, measure


def test_a_published_measure_without_one_is_refused_by_name(layer, tmp_path):
    assert layer.measure("care_reviews").public_description is None   # a measure only the council's pages show
    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    config["tables"][1]["counts"].append("care_reviews")
    path = tmp_path / "views.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with pytest.raises(ReportError, match=r"need a public_description .*: care_reviews$"):
        load_views(layer, path)


def test_a_public_description_may_not_be_empty():
    from data_models.semantic_layer import Measure

    with pytest.raises(ValueError, match="public_description"):
        Measure(name="m", label="M", fact="f", sql="count(*)", format="count", description="D", direction="neutral",
                public_description="")


def test_the_published_definition_is_the_public_description(layer):
    column = column_of(layer, "pcn_income", dt.date(2026, 10, 31))
    assert column.definition == " ".join(layer.measure("pcn_income").public_description.split())
    as_at = column_of(layer, "care_people_in_long_term_support", dt.date(2026, 10, 31))
    assert as_at.definition.endswith("As at 31 October 2026, not over the month.")

"""Red, amber or green, decided once (data_models/rag.py): by a measure's bands when configured, else within 5% of
its target."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from data_models.rag import measure_rag, rag
from data_models.semantic_layer import Bands, Measure, load_semantic_layer


@pytest.mark.parametrize(("value", "expected"), [(-3.0, "green"), (0.0, "green"), (0.1, "amber"), (5.0, "amber"),
                                                 (5.01, "red"), (40.0, "red")])
def test_the_budget_variance_bands_from_configuration(value, expected):
    measure = load_semantic_layer().measure("budget_forecast_variance_pct")
    assert measure.bands == Bands(amber=0, red=5)
    assert measure_rag(value, measure) == expected


@pytest.mark.parametrize(("value", "expected"), [(95.0, "green"), (90.0, "green"), (89.0, "amber"), (80.0, "amber"),
                                                 (79.9, "red")])
def test_bands_for_a_measure_where_higher_is_better(value, expected):
    assert rag(value, 90, "higher", True, Bands(amber=90, red=80)) == expected


def test_without_bands_amber_is_within_five_percent_of_the_target():
    assert rag(96, 100, "higher") == "amber" and rag(94, 100, "higher") == "red" and rag(100, 100, "higher") == "green"
    assert rag(None, 100, "higher") is None and rag(5, None, "lower") is None and rag(5, 1, "neutral") is None


@pytest.mark.parametrize(("direction", "bands", "message"), [
    ("lower", {"amber": 5, "red": 0}, "amber must be at or below red"),
    ("higher", {"amber": 80, "red": 90}, "amber must be at or above red"),
    ("neutral", {"amber": 0, "red": 5}, "need a direction"),
])
def test_bands_the_wrong_way_round_are_refused_with_a_clear_error(direction, bands, message):
    with pytest.raises(ValidationError, match=message):
        Measure(name="m", label="M", fact="f", sql="sum(x)", format="percent", description="d", direction=direction,
                bands=bands)


@pytest.mark.parametrize("value, target, direction, percent, expected", [
    (99, 98, "higher", True, "green"), (94, 98, "higher", True, "amber"), (90, 98, "higher", True, "red"),
    (0, 0, "lower", False, "green"), (3, 0, "lower", False, "red"), (104, 100, "lower", False, "amber"),
    (5, None, "lower", False, None), (None, 98, "higher", True, None), (5, 5, "neutral", False, None),
])
def test_rag_follows_the_direction(value, target, direction, percent, expected):
    assert rag(value, target, direction, percent) == expected

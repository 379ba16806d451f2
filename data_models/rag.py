"""Red, amber or green: a value against its measure's target, direction and bands, decided once for tiles, tables
and reports (a pack and the page must never disagree on a status)."""

from __future__ import annotations

from data_models.semantic_layer import Bands, Measure

AMBER_BAND = 0.05  # without bands: within 5% of the target (or 5 points for a percent) is amber
WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}


def rag(value, target, direction: str, percent: bool = False, bands: Bands | None = None) -> str | None:
    """'green', 'amber' or 'red' in the measure's direction; None without a value, or without a target or bands,
    or for a neutral measure."""
    if value is None or direction not in ("higher", "lower"):
        return None
    if bands is not None:
        return _banded(value, direction, bands)
    if target is None:
        return None
    band = AMBER_BAND * 100 if percent else abs(target) * AMBER_BAND
    gap = (value - target) if direction == "higher" else (target - value)
    if gap >= 0:
        return "green"
    return "amber" if -gap <= band else "red"


def _banded(value, direction: str, bands: Bands) -> str:
    if direction == "lower":
        return "red" if value > bands.red else "amber" if value > bands.amber else "green"
    return "red" if value < bands.red else "amber" if value < bands.amber else "green"


def measure_rag(value, measure: Measure) -> str | None:
    return rag(value, measure.target, measure.direction, measure.format == "percent", measure.bands)

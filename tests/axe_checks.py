"""axe-core (inside the pinned axe-playwright-python wheel: nothing is fetched) over a page open in Chromium: its
WCAG 2.2 A and AA violations, and which of them fail a test (serious or critical)."""

from __future__ import annotations

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
TARGETS_SHOWN = 3


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe(violation: dict) -> str:
    nodes = violation["nodes"]
    targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:TARGETS_SHOWN])
    more = f" (+{len(nodes) - TARGETS_SHOWN} more)" if len(nodes) > TARGETS_SHOWN else ""
    return f"{violation['id']} [{violation['impact']}] {violation['help']}: {targets}{more}"


def failing(violations: list[dict]) -> list[str]:
    return [describe(v) for v in violations if v["impact"] in FAILING_IMPACTS]

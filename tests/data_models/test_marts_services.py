"""The repairs, care and parking marts together: their YAML tests pass and every loaded record is in a fact."""

from __future__ import annotations

import pytest
from finance_fixture import failing_checks
from services_fixture import OUR_MODELS

from etl import models


def test_yaml_tests_pass(services_con):
    assert failing_checks(services_con, OUR_MODELS) == []


@pytest.mark.parametrize("target, facts", [
    ("repairs_job", ["fact_repairs_job"]),
    ("care_event", ["fact_care_event", "fact_care_service_episode"]),
    ("pcn", ["fact_pcn"]),
    ("permit", ["fact_permit"]),
    ("suspension", ["fact_suspension"]),
    ("bay_session", ["fact_bay_session"]),
])
def test_facts_hold_exactly_the_loaded_rows(services_con, target, facts):
    loaded = sorted(services_con.execute(f"select source_file, source_row from valid_{target}").fetchall())
    carried = sorted(r for fact in facts
                     for r in services_con.execute(f"select source_file, source_row from {fact}").fetchall())
    assert carried == loaded


def test_every_fact_names_its_source(services_con):
    specs = models.load_models(models.MODELS_DIR)
    assert {name: specs[name].source for name in OUR_MODELS if name.startswith("fact_")} == {
        "fact_repairs_job": "repairs_job", "fact_care_event": "care_event",
        "fact_care_service_episode": "care_event", "fact_pcn": "pcn", "fact_permit": "permit",
        "fact_suspension": "suspension", "fact_bay_session": "bay_session",
    }

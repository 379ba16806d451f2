"""The service catalogue: the real file validates, and a broken file says what is wrong and where."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from data_models.service_catalogue import (
    FORMATS,
    Catalogue,
    CatalogueError,
    known_targets,
    load_catalogue,
    seed_rows,
)

ROLE_WORDS = re.compile(r"\b(Head|Director|Manager|Officer|Registrar|Solicitor|Consultant|Strategist|Lead)\b")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# --- the real catalogue ----------------------------------------------------------------------------------------


def test_real_catalogue_has_at_least_72_services(catalogue):
    assert len(catalogue.services) >= 72


def test_every_directorate_has_services(catalogue):
    used = {service.directorate for service in catalogue.services}
    assert used == {directorate.code for directorate in catalogue.directorates}


def test_camden_directorates(catalogue):
    names = {directorate.name for directorate in catalogue.directorates}
    assert names == {"Adults and Health", "Children and Learning", "Corporate Services", "Supporting Communities",
                     "Chief Executive's"}


def test_every_service_has_two_to_five_kpis(catalogue):
    counts = {service.code: len(service.kpis) for service in catalogue.services}
    assert {code: n for code, n in counts.items() if not 2 <= n <= 5} == {}


def test_owners_are_role_titles(catalogue):
    assert [s.owner for s in catalogue.services if not ROLE_WORDS.search(s.owner)] == []


def test_services_with_detailed_data(catalogue):
    by_slug = {service.slug: service for service in catalogue.services}
    assert by_slug["housing-repairs"].data == ["repairs_job"]
    assert set(by_slug["parking"].data) == {"pcn", "permit", "suspension", "bay_session"}
    assert any("care_event" in service.data for service in catalogue.services)


def test_brief_kpis_are_present(catalogue):
    labels = " | ".join(kpi.label.lower() for service in catalogue.services for kpi in service.kpis)
    for expected in ["household waste recycled", "missed bins", "library visits", "council tax collected",
                     "days to process new claims", "major applications decided in 13 weeks",
                     "households in temporary accommodation", "food premises inspected", "within 1 hour",
                     "referrals to children's social care", "re-referrals", "ehc plans issued within 20 weeks"]:
        assert expected in labels


def test_percent_targets_are_percentages(catalogue):
    percents = [k for s in catalogue.services for k in s.kpis if k.format == "percent" and k.target is not None]
    assert percents and all(0 <= k.target <= 100 for k in percents)


def test_known_targets_come_from_the_layouts():
    assert {"repairs_job", "pcn", "permit", "suspension", "bay_session", "care_event", "service_kpi"} <= known_targets()


def test_seed_rows_match_the_seed_tables(catalogue):
    directorates, services, kpis = seed_rows(catalogue)
    assert list(directorates[0]) == ["directorate_code", "directorate_name"]
    assert list(services[0]) == ["service_code", "slug", "service_name", "directorate_code", "owner", "description"]
    assert list(kpis[0]) == ["service_code", "kpi_code", "label", "format", "direction", "target", "by_ward",
                             "description"]
    assert len(services) == len(catalogue.services)
    assert len(kpis) == sum(len(service.kpis) for service in catalogue.services)
    assert len({(row["service_code"], row["kpi_code"]) for row in kpis}) == len(kpis)
    assert all(isinstance(row["by_ward"], bool) for row in kpis)


# --- broken catalogues -----------------------------------------------------------------------------------------

VALID = {
    "directorates": [{"code": "SCM", "name": "Supporting Communities"}, {"code": "COR", "name": "Corporate Services"}],
    "services": [
        {"code": "HSG-REP", "slug": "housing-repairs", "name": "Housing repairs", "directorate": "SCM",
         "owner": "Head of Repairs", "description": "Repairs to council homes.", "data": ["repairs_job"],
         "kpis": [
             {"code": "REP01", "label": "Emergency repairs in target", "format": "percent", "direction": "higher",
              "target": 98, "by_ward": True, "description": "Emergency repairs made safe within 24 hours."},
             {"code": "REP02", "label": "Average cost per repair", "format": "pounds", "direction": "lower",
              "by_ward": False, "description": "Average cost of a completed repair."},
         ]},
        {"code": "REV-CT", "slug": "council-tax", "name": "Council tax", "directorate": "COR",
         "owner": "Head of Revenues", "description": "Council tax billing and collection.",
         "kpis": [{"code": "CT01", "label": "Collected in year", "format": "percent", "direction": "higher",
                   "target": 96, "by_ward": False, "description": "Council tax collected."}]},
    ],
}


def write(tmp_path, data) -> object:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(tmp_path, data) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(write(tmp_path, data))
    assert str(caught.value).count("\n") == len(caught.value.problems)  # one line per problem after the heading
    return caught.value.problems


def broken(change) -> dict:
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_the_small_valid_catalogue_loads(tmp_path):
    catalogue = load_catalogue(write(tmp_path, VALID))
    assert [s.code for s in catalogue.services] == ["HSG-REP", "REV-CT"]
    assert catalogue.service("HSG-REP").kpi("REP02").target is None


def test_unknown_format_names_its_location_and_the_allowed_values(tmp_path):
    data = broken(lambda d: d["services"][0]["kpis"][1].update(format="percentage"))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[0].kpis[1].format (line ")
    assert problem.endswith(f"'percentage' is not one of {', '.join(FORMATS)}")


def test_unknown_direction(tmp_path):
    data = broken(lambda d: d["services"][1]["kpis"][0].update(direction="up"))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[1].kpis[0].direction")
    assert "'up' is not one of higher, lower" in problem


def test_duplicate_service_codes_are_both_reported(tmp_path):
    data = broken(lambda d: d["services"][1].update(code="HSG-REP"))
    problems = problems_of(tmp_path, data)
    assert [p.split(" ")[0] for p in problems] == ["services[0].code", "services[1].code"]
    assert "service code 'HSG-REP' is used more than once" in problems[1]


def test_duplicate_slugs(tmp_path):
    data = broken(lambda d: d["services"][1].update(slug="housing-repairs"))
    assert any(p.startswith("services[1].slug") and "used more than once" in p for p in problems_of(tmp_path, data))


def test_slug_must_be_url_safe(tmp_path):
    data = broken(lambda d: d["services"][0].update(slug="Housing Repairs"))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[0].slug")
    assert "'Housing Repairs' is not a valid slug" in problem


def test_directorate_must_exist(tmp_path):
    data = broken(lambda d: d["services"][1].update(directorate="FIN"))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[1].directorate")
    assert "'FIN' is not one of SCM, COR" in problem


def test_kpi_codes_unique_within_a_service(tmp_path):
    data = broken(lambda d: d["services"][0]["kpis"][1].update(code="REP01"))
    problems = problems_of(tmp_path, data)
    assert [p.split(" ")[0] for p in problems] == ["services[0].kpis[0].code", "services[0].kpis[1].code"]


def test_kpi_codes_may_repeat_across_services(tmp_path):
    data = broken(lambda d: d["services"][1]["kpis"][0].update(code="REP01"))
    assert load_catalogue(write(tmp_path, data)).service("REV-CT").kpis[0].code == "REP01"


def test_data_must_be_a_known_target(tmp_path):
    data = broken(lambda d: d["services"][0].update(data=["repairs_job", "repairs"]))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[0].data[1]")
    assert "'repairs' is not one of" in problem and "repairs_job" in problem


def test_missing_and_misspelt_keys(tmp_path):
    def change(d):
        del d["services"][0]["kpis"][0]["label"]
        d["services"][0]["kpis"][0]["direciton"] = d["services"][0]["kpis"][0].pop("direction")

    problems = problems_of(tmp_path, broken(change))
    assert any(p.startswith("services[0].kpis[0].label") and "required" in p for p in problems)
    assert any(p.startswith("services[0].kpis[0].direction") and "required" in p for p in problems)
    assert any(p.startswith("services[0].kpis[0].direciton") and "unknown key" in p for p in problems)


def test_percent_target_out_of_range(tmp_path):
    data = broken(lambda d: d["services"][1]["kpis"][0].update(target=960))
    [problem] = problems_of(tmp_path, data)
    assert problem.startswith("services[1].kpis[0].target")
    assert "outside 0-100" in problem


def test_every_problem_is_listed_at_once(tmp_path):
    def change(d):
        d["services"][0]["kpis"][0]["format"] = "percentage"
        d["services"][0]["slug"] = "housing_repairs"
        d["services"][1]["kpis"][0]["direction"] = "down"

    locations = [p.split(" ")[0] for p in problems_of(tmp_path, broken(change))]
    assert locations == ["services[0].slug", "services[0].kpis[0].format", "services[1].kpis[0].direction"]


def test_cross_record_problems_are_listed_beside_record_problems(tmp_path):
    def change(d):
        d["services"][0]["kpis"][0]["format"] = "percentage"
        d["services"][1]["directorate"] = "FIN"
        d["services"][1]["slug"] = "housing-repairs"

    locations = [p.split(" ")[0] for p in problems_of(tmp_path, broken(change))]
    assert locations == ["services[0].kpis[0].format", "services[0].slug", "services[1].slug",
                         "services[1].directorate"]


def test_line_numbers_point_into_the_file(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text(
        "directorates:\n"
        "  - {code: COR, name: Corporate Services}\n"
        "services:\n"
        "  - code: REV-CT\n"
        "    slug: council-tax\n"
        "    name: Council tax\n"
        "    directorate: COR\n"
        "    owner: Head of Revenues\n"
        "    description: Council tax billing and collection.\n"
        "    kpis:\n"
        "      - code: CT01\n"
        "        label: Collected in year\n"
        "        format: percentage\n"
        "        direction: higher\n"
        "        description: Council tax collected.\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert caught.value.problems == [
        "services[0].kpis[0].format (line 13): 'percentage' is not one of count, pounds, percent, days, minutes, "
        "number, rate_per_1000"
    ]
    assert str(path) in str(caught.value)


def test_invalid_yaml(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text("services: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(path)


def test_missing_file(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read the file"):
        load_catalogue(tmp_path / "nowhere.yaml")


def test_empty_sections(tmp_path):
    problems = problems_of(tmp_path, {"directorates": [], "services": []})
    assert [p.split(" ")[0] for p in problems] == ["directorates", "services"]


# --- KPIs computed from a semantic measure ----------------------------------------------------------------------

def measured(**kpi) -> dict:
    """VALID with its first KPI naming a measure (and any fields given)."""
    def change(d):
        d["services"][0]["data"] = ["repairs_job"]
        d["services"][0]["kpis"][0] = {"code": "REP01", "by_ward": True, **kpi}
    return broken(change)


def test_a_kpi_naming_a_measure_takes_its_label_format_direction_and_target(tmp_path):
    from data_models.semantic_layer import load_semantic_layer

    measure = load_semantic_layer().measure("rp02_emergency_within_target_pct")
    kpi = load_catalogue(write(tmp_path, measured(measure=measure.name))).service("HSG-REP").kpi("REP01")
    assert (kpi.label, kpi.format, kpi.direction, kpi.target) == (
        measure.label, measure.format, measure.direction, measure.target)
    assert kpi.description == measure.description


def test_a_kpi_naming_a_measure_must_not_restate_its_target(tmp_path):
    problems = problems_of(tmp_path, measured(measure="rp02_emergency_within_target_pct", target=98, label="x"))
    assert any(p.startswith("services[0].kpis[0].target") and "holds the target" in p and "written once" in p
               for p in problems)
    assert any(p.startswith("services[0].kpis[0].label") and "holds the label" in p for p in problems)


def test_the_measure_must_exist_and_give_a_judged_monthly_figure(tmp_path):
    unknown = problems_of(tmp_path, measured(measure="rp02_emergency_within_target"))
    assert any(p.startswith("services[0].kpis[0].measure") and "not a measure" in p
               and "rp02_emergency_within_target_pct" in p for p in unknown)
    snapshot = problems_of(tmp_path, measured(measure="care_people_awaiting_assessment"))
    assert any("snapshot" in p for p in snapshot)
    neutral = problems_of(tmp_path, measured(measure="repairs_raised"))
    assert any("direction 'neutral'" in p for p in neutral)


def test_only_a_service_with_data_names_measures(tmp_path):
    data = measured(measure="rp02_emergency_within_target_pct")
    data["services"][0]["data"] = []
    assert any("has no data" in p for p in problems_of(tmp_path, data))


def test_the_real_catalogue_computes_the_kpis_its_facts_measure(catalogue):
    assert catalogue.kpi_measures()["HSG-REP:REP01"] == "rp02_emergency_within_target_pct"
    assert catalogue.service("HSG-REP").kpi("REP01").target == 98
    assert {"PRK:PRK02", "ASC-ACC:ACC02"} <= set(catalogue.kpi_measures())

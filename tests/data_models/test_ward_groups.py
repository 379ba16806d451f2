"""The localities file (seeds/ward_groups.yaml): every group names wards of wards.yaml, and a mistake is reported
with its file, place and line."""

import pytest

from data_models.ward_codes import WARDS_YAML, WardGroupsError, ward_codes, ward_groups


def write(tmp_path, text: str):
    path = tmp_path / "ward_groups.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_groups_name_real_wards_and_say_they_are_illustrative():
    groups = ward_groups()
    assert groups["@kentish-town"].wards == ["Kentish Town North", "Kentish Town South"]
    assert len(groups) >= 3
    assert all(set(g.wards) <= set(ward_codes().wards) for g in groups.values())
    assert "ILLUSTRATIVE" in (WARDS_YAML.with_name("ward_groups.yaml")).read_text(encoding="utf-8")


def test_a_group_naming_an_unknown_ward_is_a_located_error(tmp_path):
    path = write(tmp_path, "groups:\n  - name: Kentish Town\n    wards:\n      - Kentish Town North\n"
                           "      - Kentish Town Central\n")
    with pytest.raises(WardGroupsError, match=r"ward_groups.yaml: groups\[0\].wards\[1\] \(line 5\): "
                                              r"'Kentish Town Central' is not a ward of wards.yaml"):
        ward_groups(path)


@pytest.mark.parametrize(("text", "message"), [
    ("groups:\n  - {name: A, wards: []}\n", r"groups\[0\].wards \(line 2\): .*at least 1"),
    ("groups:\n  - {name: A, wards: [Belsize], colour: red}\n", r"colour \(line 2\): unknown key"),
    ("groups:\n  - {name: A, wards: [Belsize, Belsize]}\n", "names Belsize more than once"),
    ("groups:\n  - {name: North-West, wards: [Belsize]}\n  - {name: north west, wards: [Frognal]}\n",
     "same value @north-west"),
])
def test_config_mistakes_are_clear(tmp_path, text, message):
    with pytest.raises(WardGroupsError, match=message):
        ward_groups(write(tmp_path, text))


def test_no_file_offers_no_groups(tmp_path):
    assert ward_groups(tmp_path / "missing.yaml") == {}

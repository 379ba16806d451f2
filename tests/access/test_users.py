"""The users file: validated at start-up with every problem placed in the file, hashes only, and each role's scope
computed from the catalogue (a directorate's manager reads all its services' rows)."""

from __future__ import annotations

import pytest

from access.users import DEMO_PASSWORD, Capability, Role, UsersFileError, hash_password, load_users
from data_models.service_catalogue import load_catalogue
from query.scope import EVERYTHING, NOTHING


@pytest.fixture(scope="module")
def demo():
    return load_users()


def write(tmp_path, text: str):
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_users_are_the_ones_the_readme_lists(demo):
    assert {u.username for u in demo} == {"admin", "finance", "councillor", "repairs-manager", "care-manager",
                                          "parking-manager"}
    assert set(demo.with_demo_password()) == {u.username for u in demo}
    assert all(u.password_hash.startswith("scrypt:") for u in demo)


def test_each_role_reads_what_the_security_model_says(demo):
    assert demo.scope(demo.get("admin")) == EVERYTHING
    finance = demo.scope(demo.get("finance"))
    assert finance.facts == {"fact_budget_monthly", "fact_spend"} and finance.services is None
    assert demo.scope(demo.get("councillor")) == NOTHING
    assert demo.scope(demo.get("parking-manager")).services == {"PRK"}
    assert demo.scope(demo.get("repairs-manager")).services == {"HSG-REP", "HSG-DMP"}
    adults = {s.code for s in load_catalogue().services if s.directorate == "ADH"}
    care = demo.scope(demo.get("care-manager"))
    assert care.services == adults and care.facts is None and "PRK" not in care.services
    assert demo.scope(None) == NOTHING


def test_only_the_admin_has_the_data_teams_pages(demo):
    assert [u.username for u in demo if u.can(Capability.DATA_QUALITY)] == ["admin"]


def test_a_password_is_checked_against_its_hash(demo):
    admin = demo.get("admin")
    assert admin.password_matches(DEMO_PASSWORD)
    assert not admin.password_matches("Demo") and not admin.password_matches("")


def test_problems_are_listed_with_their_place(tmp_path):
    path = write(tmp_path, """users:
  - username: Bad Name
    role: admin
  - username: pm
    role: service_manager
  - username: fm
    role: finanse
  - username: sm
    role: service_manager
    services: [PRK, NOPE]
    directorates: [XYZ]
  - username: clear
    role: admin
    password_hash: demo
  - username: sm
    role: admin
""")
    with pytest.raises(UsersFileError) as error:
        load_users(path)
    text = str(error.value)
    for expected in ("users[0].username (line 2)", "users[1] (line 4): ", "service_manager needs services",
                     "users[2].role (line 7)", "users[4].password_hash (line 14)", "never a password"):
        assert expected in text, text


def test_unknown_codes_and_repeated_users_are_placed_too(tmp_path):
    path = write(tmp_path, f"""users:
  - username: sm
    role: service_manager
    services: [PRK, NOPE]
    directorates: [XYZ]
  - username: sm
    role: admin
    password_hash: "{hash_password('x')}"
""")
    with pytest.raises(UsersFileError) as error:
        load_users(path)
    text = str(error.value)
    assert "users[0].services[1] (line 4): 'NOPE' is no service of the catalogue" in text
    assert "users[0].directorates[0] (line 5): 'XYZ' is no directorate" in text
    assert "users[1].username (line 6): 'sm' is listed twice" in text


@pytest.mark.parametrize("text, message", [
    ("", "must be a mapping"),
    ("users: [", "not valid YAML"),
    ("users: []", "users"),
    ("people: []", "unknown key"),
])
def test_a_file_that_is_not_a_users_file_says_so(tmp_path, text, message):
    with pytest.raises(UsersFileError, match=message):
        load_users(write(tmp_path, text))


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(UsersFileError, match="cannot read the file"):
        load_users(tmp_path / "nope.yaml")


def test_roles_are_the_five_of_the_brief():
    assert {r.value for r in Role} == {"admin", "finance", "service_manager", "councillor", "public"}


def test_the_hash_command_makes_a_hash_the_users_file_accepts(capsys):
    from access.__main__ import main
    from access.users import User

    answers = iter(["a long enough passphrase"] * 2)
    assert main(["hash-password"], ask=lambda _prompt: next(answers)) == 0
    printed = capsys.readouterr().out.strip()
    user = User(username="ops", role="admin", password_hash=printed)
    assert user.password_matches("a long enough passphrase") and "passphrase" not in printed
    assert main(["hash-password"], ask=lambda _prompt: "short") == 2
    different = iter(["a long enough passphrase", "another long passphrase"])
    assert main(["hash-password"], ask=lambda _prompt: next(different)) == 2

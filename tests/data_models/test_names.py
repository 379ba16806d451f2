"""normalise_name (Python, for the dashboards) does exactly what the marts' SQL macro does, and the models use the
macros rather than restating them."""


import duckdb
import pytest

from data_models.names import normalise_name
from etl.models import MACROS_DIR, MODELS_DIR, create_macros

TRICKY = [
    "King's Cross", "King’s Cross", "King`s Cross", "Regent's  Park", "Holborn & Covent Garden",
    "St Pancras&Somers Town", "  Parks &  Open   Spaces ", "Gospel Oak (North)", "Kentish Town - South",
    "St. John's Wood", "Highgate/Hampstead", "Belsize, Swiss Cottage", "Ward 7", "Café Quarter", "A&&B",
    "O'Neill’s `Corner`", "''", "&", "", "\tTabbed\nName\t", "UPPER & lower", "50% Done!", "Fortune Green-",
]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    create_macros(con)
    yield con
    con.close()


def sql_results(con, macro: str, names: list[str]) -> dict[str, str]:
    return dict(con.execute(f"select x, {macro}(x) from unnest($names) as t(x)", {"names": names}).fetchall())


def test_python_normalise_name_equals_the_sql_macro(con):
    assert sql_results(con, "normalise_name", TRICKY) == {x: normalise_name(x) for x in TRICKY}


def test_ward_names_also_lose_a_trailing_ward(con):
    got = sql_results(con, "normalise_ward_name", ["Belsize Ward", "Belsize", "Ward 7", "Kilburn  ward "])
    assert got == {"Belsize Ward": "belsize", "Belsize": "belsize", "Ward 7": "ward 7", "Kilburn  ward ": "kilburn"}


def test_vehicle_categories_keep_the_signs_that_tell_them_apart(con):
    got = sql_results(con, "normalise_vehicle_category", ["Bus <5 Tonnes", "Hgv 12+ Tonnes", "Car & Van"])
    assert got == {"Bus <5 Tonnes": "bus <5 tonnes", "Hgv 12+ Tonnes": "hgv 12+ tonnes", "Car & Van": "car and van"}


def test_date_keys_inside_outside_and_without_the_calendar(con):
    got = con.execute("""
        select date_key(date '2024-02-29', date '2021-01-01', date '2030-12-31'),
               date_key(date '2019-05-01', date '2021-01-01', date '2030-12-31'),
               date_key(cast(null as date), date '2021-01-01', date '2030-12-31')""").fetchone()
    assert got == (20240229, -1, None)


def test_no_model_restates_a_macro():
    restated = [p.name for p in sorted(MODELS_DIR.rglob("*.sql"))
                if "replace(lower(" in p.read_text(encoding="utf-8")
                or "'%Y%m%d') as integer)" in p.read_text(encoding="utf-8") and p.stem != "dim_date"]
    assert restated == []
    assert {p.name for p in MACROS_DIR.glob("*.sql")} >= {"normalise_name.sql", "date_key.sql"}


def test_examples():
    assert normalise_name("King’s Cross  &  St. Pancras") == "kings cross and st pancras"
    assert normalise_name("Holborn & Covent Garden") == "holborn and covent garden"

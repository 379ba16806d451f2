"""normalise_name (Python, for the dashboards) does exactly what the marts' SQL name matching does."""

import re
from pathlib import Path

import duckdb
import pytest

from data_models.names import normalise_name

MARTS = Path(__file__).resolve().parents[2] / "data_models" / "models" / "marts"
TRICKY = [
    "King's Cross", "King’s Cross", "King`s Cross", "Regent's  Park", "Holborn & Covent Garden",
    "St Pancras&Somers Town", "  Parks &  Open   Spaces ", "Gospel Oak (North)", "Kentish Town - South",
    "St. John's Wood", "Highgate/Hampstead", "Belsize, Swiss Cottage", "Ward 7", "Café Quarter", "A&&B",
    "O'Neill’s `Corner`", "''", "&", "", "\tTabbed\nName\t", "UPPER & lower", "50% Done!", "Fortune Green-",
]


def mart_expression(file: str, column: str) -> str:
    """The name-matching expression of a mart, with `x` for the column it reads."""
    sql = (MARTS / file).read_text(encoding="utf-8")
    before = re.split(rf"\s+as\s+{column}\b", sql)[0]
    expression = re.sub(r"\s+", " ", before[before.rindex("trim(regexp_replace(regexp_replace(replace(lower("):])
    name = re.match(r"trim\(regexp_replace\(regexp_replace\(replace\(lower\((\w+)\)", expression).group(1)
    return re.sub(rf"\blower\({name}\)", "lower(x)", re.sub(r"\s+", " ", expression))


@pytest.mark.parametrize("file, column", [("dim_ward.sql", "match_name"),
                                          ("dim_cost_centre.sql", "service_match_name"),
                                          ("dim_cost_centre.sql", "directorate_match_name")])
def test_python_normalise_name_equals_the_marts_sql(file, column):
    expression = mart_expression(file, column)
    con = duckdb.connect()
    got = con.execute(f"select x, {expression} from unnest($names) as t(x)", {"names": TRICKY}).fetchall()
    assert {x: sql for x, sql in got} == {x: normalise_name(x) for x in TRICKY}


def test_examples():
    assert normalise_name("King’s Cross  &  St. Pancras") == "kings cross and st pancras"
    assert normalise_name("Holborn & Covent Garden") == "holborn and covent garden"

"""Names as the warehouse matches them: one Python function for the dashboards, the same as the SQL."""

from __future__ import annotations

import re


def normalise_name(name: str) -> str:
    """A name as the warehouse matches it: lower-case, '&' -> ' and ', apostrophes (' ’ `) dropped, every other run
    of anything but a-z and 0-9 one space, no space at either end ("King’s Cross  &  St. Pancras" ->
    "kings cross and st pancras").

    It mirrors the SQL macro `normalise_name(x)` (data_models/macros/normalise_name.sql) that the marts match names
    with (dim_ward.match_name, dim_cost_centre's *_match_name). Change both together; tests/data_models/test_names.py
    runs the macro in DuckDB against this.
    """
    text = re.sub(r"['’`]", "", name.lower().replace("&", " and "))
    return re.sub(r"[^a-z0-9]+", " ", text).strip(" ")

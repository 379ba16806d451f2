"""Relative periods resolved against the as-of date, across a month end and a year end."""

import datetime as dt

import pytest

from data_models.ward_codes import WardGroup
from query import named_selections as ns

D = dt.date


@pytest.mark.parametrize(("as_of", "month", "this_year", "last_year"), [
    (D(2027, 3, 31), "2027-03", "2026-27", "2025-26"),  # last day of the year: March has ended
    (D(2027, 4, 1), "2027-03", "2027-28", "2026-27"),   # first day of the next: March still the last complete
    (D(2026, 12, 31), "2026-12", "2026-27", "2025-26"),
    (D(2027, 1, 1), "2026-12", "2026-27", "2025-26"),
    (D(2026, 12, 7), "2026-11", "2026-27", "2025-26"),
])
def test_periods_across_month_and_year_ends(as_of, month, this_year, last_year):
    assert ns.resolve({"month": ["@last-complete-month"]}, as_of) == {"month": [month]}
    assert ns.resolve({"financial_year": "@this-financial-year"}, as_of) == {"financial_year": [this_year]}
    assert ns.resolve({"financial_year": ["@last-financial-year"]}, as_of) == {"financial_year": [last_year]}
    twelve = ns.resolve({"month": ["@last-12-months"]}, as_of)["month"]
    assert len(twelve) == 12 and twelve[-1] == month and len(set(twelve)) == 12


def test_last_12_months_cross_the_calendar_year():
    assert ns.months_back("2027-01", 3) == ["2026-11", "2026-12", "2027-01"]


def test_real_values_kept_and_merged_without_duplicates():
    got = ns.resolve({"month": ["2026-11", "@last-complete-month"], "ward": ["E1"]}, D(2026, 12, 7))
    assert got == {"month": ["2026-11"], "ward": ["E1"]}


def test_unknown_name_is_refused_readably():
    with pytest.raises(ns.UnknownNamedValue, match="not a named value of month"):
        ns.resolve({"month": ["@next-century"]}, D(2026, 12, 7))
    with pytest.raises(ns.UnknownNamedValue):
        ns.resolve({"ward": ["@last-complete-month"]}, D(2026, 12, 7))


def test_without_an_as_of_date_a_name_matches_nothing_never_everything():
    assert ns.resolve({"month": ["@last-complete-month"]}, None) == {"month": ["@last-complete-month"]}


def test_labels_show_the_resolved_range():
    as_of = D(2026, 12, 7)
    assert ns.label("month", "@last-complete-month", as_of) == "Last complete month (Nov 2026)"
    assert ns.label("month", "@last-12-months", as_of) == "Last 12 months (Dec 2025 – Nov 2026)"
    assert ns.label("financial_year", "@this-financial-year", as_of) == "This financial year (2026-27)"
    assert ns.label("month", "2026-11", as_of) is None
    assert [name for name, _ in ns.offered("month", as_of)] == ["@last-complete-month", "@last-12-months"]
    assert ns.offered("month", None) == [] and ns.offered("service", as_of) == []
    assert ns.offered("ward", as_of, groups={}) == []


KENTISH = {"@kentish-town": WardGroup.model_validate(
    {"name": "Kentish Town", "wards": ["Kentish Town North", "Kentish Town South"]},
    context={"wards": ["Kentish Town North", "Kentish Town South", "Belsize"]})}


def test_a_ward_group_is_its_wards_with_or_without_an_as_of_date():
    for as_of in (D(2026, 12, 7), None):
        got = ns.resolve({"ward": ["@kentish-town", "Belsize"]}, as_of, groups=KENTISH)
        assert got == {"ward": ["Kentish Town North", "Kentish Town South", "Belsize"]}
        assert ns.label("ward", "@kentish-town", as_of, groups=KENTISH) == "Kentish Town (2 wards)"
    assert ns.offered("ward", None, groups=KENTISH) == [("@kentish-town", "Kentish Town (2 wards)")]
    with pytest.raises(ns.UnknownNamedValue, match="known: @kentish-town"):
        ns.check({"ward": ["@kentish"]}, groups=KENTISH)
    ns.check({"ward": "@kentish-town", "month": ["@last-12-months", "2026-11"]}, groups=KENTISH)


def test_the_configured_localities_are_offered_first_kentish_town():
    assert ns.offered("ward", None)[0] == ("@kentish-town", "Kentish Town (2 wards)")

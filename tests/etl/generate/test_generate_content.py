"""What the demo data says: the domain facts of the brief hold in the generated files, read back independently
(csv module, openpyxl, numpy, the holidays package), with the planted dirty records set aside."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from statistics import median

import holidays
import numpy as np
import openpyxl
import pytest
import yaml
from generated_files import clean_rows, read_csv

from etl.generate.common import DATA_MODELS


@pytest.fixture(scope="module")
def wards() -> list[dict]:
    return yaml.safe_load((DATA_MODELS / "seeds" / "wards.yaml").read_text(encoding="utf-8"))["wards"]


@pytest.fixture(scope="module")
def pcns(demo, manifest):
    return clean_rows(demo, "parking/pcn/*.csv", manifest)


@pytest.fixture(scope="module")
def jobs(demo, manifest):
    return clean_rows(demo, "repairs/*.csv", manifest)


@pytest.fixture(scope="module")
def care(demo, manifest):
    return clean_rows(demo, "care/*.csv", manifest)


CARE_START = dt.date(2021, 4, 1)   # the first day of the demo period: the opening caseload is in care on it
FIRST_CARE_FILE = "care/cld-2021-q1.csv"


def stamp(text: str, fmt: str = "%d/%m/%Y %H:%M") -> dt.datetime:
    return dt.datetime.strptime(text, fmt)


def working_days_between(start: dt.date, end: dt.date) -> int:
    bank = sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 2)))
    return int(np.busday_count(start, end, holidays=bank))


# ------------------------------------------------------------------------------------------------------ PCNs

def test_pcn_codes_and_categories_are_camdens_real_lists(pcns, real_samples):
    _, codes = read_csv(real_samples / "parking" / "camden-contravention-codes.csv")
    _, categories = read_csv(real_samples / "parking" / "camden-vehicle-categories.csv")
    assert {r["contravention_code"] for r in pcns} <= {c[0] for c in codes if c and c[0]}
    assert {r["vehicle_category"] for r in pcns} <= {c[0] for c in categories if c}
    assert {r["contravention_code"] for r in pcns if r["ticket_type"] == "Bus Lane"} == {"34"}


def test_pcn_shares_of_ticket_types_and_missing_coordinates(pcns):
    types = Counter(r["ticket_type"] for r in pcns)
    assert set(types) == {"Parking", "Bus Lane", "Moving Traffic"}
    assert 0.22 <= (types["Bus Lane"] + types["Moving Traffic"]) / len(pcns) <= 0.45
    coordinates = [(r["easting"], r["northing"], r["longitude"], r["latitude"]) for r in pcns]
    assert all(all(c) or not any(c) for c in coordinates), "coordinates are given together or not at all"
    assert 0.32 <= sum(not any(c) for c in coordinates) / len(pcns) <= 0.46


def test_pcn_coordinates_agree_and_sit_inside_their_ward(pcns):
    located = [r for r in pcns if r["easting"]]
    e = np.array([float(r["easting"]) for r in located])
    n = np.array([float(r["northing"]) for r in located])
    lon = np.array([float(r["longitude"]) for r in located])
    lat = np.array([float(r["latitude"]) for r in located])
    assert e.min() > 523_000 and e.max() < 532_000 and n.min() > 180_500 and n.max() < 187_500
    # over a borough the grid is, to within metres, an affine function of longitude and latitude
    design = np.column_stack([lon, lat, np.ones_like(lon)])
    for target in (e, n):
        fit, *_ = np.linalg.lstsq(design, target, rcond=None)
        assert np.abs(design @ fit - target).max() < 25
    shapes = {}
    geo = json.loads((DATA_MODELS / "geo" / "camden-wards-2022.geojson").read_text(encoding="utf-8"))
    for feature in geo["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        shapes[feature["properties"]["WD22CD"]] = [p[0] for p in polygons]
    for r in located[:: max(len(located) // 400, 1)]:
        point = (float(r["longitude"]), float(r["latitude"]))
        assert any(inside(point, ring) for ring in shapes[r["ward_code"]]), r


def inside(point, ring) -> bool:
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def test_pcn_amounts_follow_london_band_a(pcns):
    for r in pcns:
        charged, paid, owed = float(r["amount_charged"]), float(r["amount_paid"]), float(r["amount_outstanding"])
        assert charged in (160.0, 110.0)
        assert (r["band"] == "Lower") == (charged == 110.0)
        if r["ticket_type"] != "Parking":
            assert charged == 160.0
        if r["status_of_case"] == "Paid":
            assert owed == 0 and paid in (charged / 2, charged, charged * 1.5)
        if r["status_of_case"] in ("Open", "Challenged", "Appealed"):
            assert paid == 0 and owed == charged
        assert bool(r["cancellation_reason"]) == (r["status_of_case"] == "Cancelled")


def test_pcn_recent_notices_are_more_often_open(pcns, until):
    def open_share(rows):
        return sum(r["status_of_case"] == "Open" for r in rows) / len(rows)

    recent = [r for r in pcns if r["_file"].endswith(f"{until:%Y-%m}.csv")]
    old = [r for r in pcns if r["contravention_date"] < f"{until.year - 2}"]
    assert open_share(recent) > 3 * open_share(old)


def test_pcn_weekday_hour_and_ward_patterns(pcns, wards):
    parking = [stamp(r["contravention_date"], "%Y-%m-%dT%H:%M:%S.000") for r in pcns
               if r["ticket_type"] == "Parking"]
    hours = Counter(t.hour for t in parking)
    assert sum(hours[h] for h in range(9, 17)) > 8 * sum(hours[h] for h in range(0, 6))
    weekdays = Counter(t.weekday() for t in parking)
    assert min(weekdays[d] for d in range(5)) > 2 * weekdays[6]
    by_ward = Counter(r["ward_code"] for r in pcns)
    code = {w["name"]: w["code"] for w in wards}
    assert by_ward[code["Holborn & Covent Garden"]] > 2.5 * by_ward[code["Frognal"]]


def test_pcns_dip_in_spring_2021(demo):
    def count(year):
        return sum(len(read_csv(demo / f"parking/pcn/camden-pcns-{year}-{m:02d}.csv")[1]) for m in (4, 5, 6))

    assert count(2021) < 0.85 * count(2023)


# ----------------------------------------------------------------------------------------------------- spend

def test_spend_lines_look_like_camdens(demo, manifest):
    rows = clean_rows(demo, "spend/*.csv", manifest)
    services = {s["name"] for s in yaml.safe_load(
        (DATA_MODELS / "catalogue" / "services.yaml").read_text(encoding="utf-8"))["services"]}
    identifiers = set()
    for r in rows:
        assert re.fullmatch(r"[1-9]\d?/[1-9]\d?/20\d\d", r["Payment Date"]), r["Payment Date"]
        day = stamp(r["Payment Date"], "%d/%m/%Y")
        assert r["Unique Identifier"].startswith(f"{day:%b}-{day:%y}-".lower())
        identifiers.add(r["Unique Identifier"])
        assert abs(float(r["Amount GBP"])) >= 500
        assert r["Organisational Unit"] in services
    assert len(identifiers) == len(rows)
    redacted = sum(r["Beneficiary Name"] == "xxxxREDACTEDxxxx" for r in rows) / len(rows)
    assert 0.1 <= redacted <= 0.22
    assert any(float(r["Amount GBP"]) < 0 for r in rows), "no credit notes"
    payees = Counter(r["Beneficiary Name"] for r in rows if r["Beneficiary Name"] != "xxxxREDACTEDxxxx")
    assert len(payees) > 150, "the supplier list should have a long tail"
    top = sum(count for _, count in payees.most_common(10))
    assert top > 0.08 * sum(payees.values()), "a few big suppliers should stand out"


# --------------------------------------------------------------------------------------------------- parking

def test_permits_online_in_minutes_paper_in_days(demo, manifest):
    rows = clean_rows(demo, "parking/permits/*.csv", manifest, encoding="cp1252")
    waits = defaultdict(list)
    for r in rows:
        if r["Issued"]:
            waits[r["Channel"]].append((stamp(r["Issued"]) - stamp(r["Application Received"])).total_seconds())
            assert stamp(r["Valid To"], "%d/%m/%Y") >= stamp(r["Valid From"], "%d/%m/%Y")
    assert set(waits) == {"Online", "Paper", "Phone"}
    assert median(waits["Online"]) < 3600
    assert median(waits["Paper"]) > 2 * 86400
    assert sum(r["Channel"] == "Online" for r in rows) > sum(r["Channel"] == "Paper" for r in rows)


def test_suspensions_dates_are_in_order(demo, manifest):
    for r in clean_rows(demo, "parking/suspensions/*.csv", manifest):
        applied, start, end = (stamp(r[k], "%d/%m/%Y") for k in ("Applied", "Start Date", "End Date"))
        assert applied <= start <= end
        assert int(r["Bays Suspended"]) >= 1


def test_sensor_stays_one_car_at_a_time_with_some_overstays(demo, manifest):
    rows = clean_rows(demo, "parking/sensors/*.csv", manifest)
    by_bay = defaultdict(list)
    limited = overstays = 0
    for r in rows:
        arrival = stamp(r["arrival_time"], "%Y-%m-%d %H:%M:%S")
        departure = stamp(r["departure_time"], "%Y-%m-%d %H:%M:%S") if r["departure_time"] else None
        assert departure is None or departure > arrival
        by_bay[(r["_file"], r["bay_id"])].append((arrival, departure))
        if r["max_stay_minutes"] and departure:
            limited += 1
            overstays += (departure - arrival).total_seconds() > 60 * int(r["max_stay_minutes"])
    assert 0.03 <= overstays / limited <= 0.2
    for stays in by_bay.values():
        stays.sort()
        for (_, leave), (next_arrival, _) in zip(stays, stays[1:], strict=False):
            assert leave is None or leave <= next_arrival
    hours = Counter(stamp(r["arrival_time"], "%Y-%m-%d %H:%M:%S").hour for r in rows)
    assert sum(hours[h] for h in range(10, 16)) > 5 * sum(hours[h] for h in range(1, 6))


# --------------------------------------------------------------------------------------------------- repairs

def test_repairs_priorities_trades_and_contractors(jobs):
    priorities = Counter(r["Priority"] for r in jobs)
    for name, share in {"Emergency": 0.15, "Urgent": 0.25, "Routine": 0.55, "Planned": 0.05}.items():
        assert abs(priorities[name] / len(jobs) - share) < 0.06, (name, priorities)
    trades = {r["Trade"] for r in jobs}
    assert {"Plumbing", "Electrical", "Carpentry", "Roofing", "Damp & Mould", "Gas", "Lifts", "Door Entry"} <= trades
    assert "Camden Repairs" in {r["Contractor"] for r in jobs}
    assert len({r["Contractor"] for r in jobs}) >= 5


def test_repairs_wards_are_names_with_some_dirt(jobs, wards):
    names = {w["name"] for w in wards}
    spelled = Counter(r["Ward"] for r in jobs)
    assert all(s.replace(" and ", " & ").casefold() in {n.casefold() for n in names} for s in spelled)
    assert set(spelled) - names, "no ward spelt differently: the ETL's matching is not exercised"
    homes = {w["name"].casefold(): w["council_homes"] for w in wards}
    per_ward = Counter(s.replace(" and ", " & ").casefold() for s in (r["Ward"] for r in jobs))
    assert np.corrcoef([per_ward[k] for k in homes], list(homes.values()))[0, 1] > 0.8


def test_repairs_status_as_at_the_export(jobs, until):
    end = dt.datetime.combine(until, dt.time(23, 59))
    refs = Counter(r["Job Ref"] for r in jobs)
    assert max(refs.values()) == 1
    for r in jobs:
        raised = stamp(r["Raised"])
        if r["Attended"]:
            assert raised <= stamp(r["Attended"]) <= end
        if r["Completed"]:
            assert stamp(r["Attended"]) <= stamp(r["Completed"]) <= end
        assert (r["Status"] == "Completed") == bool(r["Completed"])
        assert (r["First Time Fix"] in ("Y", "N")) == bool(r["Completed"]) and r["Recall"] in ("Y", "N")
        assert r["Satisfaction"] == "" or (r["Completed"] and 1 <= int(r["Satisfaction"]) <= 5)
    still_open = [r for r in jobs if r["Status"] not in ("Completed", "Cancelled")]
    recent = [r for r in still_open if stamp(r["Raised"]) > end - dt.timedelta(days=60)]
    overdue = [r for r in still_open if stamp(r["Raised"]) < end - dt.timedelta(days=120)]
    assert recent and overdue, "expected recent open jobs and a backlog of old ones"
    assert len(still_open) < 0.15 * len(jobs)
    assert any(r["Recall"] == "Y" for r in jobs)


def test_repairs_winter_peaks(jobs):
    def share(trade, months):
        chosen = [r for r in jobs if stamp(r["Raised"]).month in months]
        return sum(r["Trade"] == trade for r in chosen) / len(chosen)

    assert share("Gas", (12, 1, 2)) > 1.3 * share("Gas", (6, 7, 8))
    assert share("Damp & Mould", (11, 12, 1)) > 1.3 * share("Damp & Mould", (5, 6, 7))


def test_damp_and_mould_cases_follow_awaabs_law_clocks(jobs, until):
    damp = [r for r in jobs if r["Trade"] == "Damp & Mould"]
    assert damp and all(r["HHSRS Hazard"] == "Damp and mould growth" for r in damp)
    assert not any(r["HHSRS Hazard"] for r in jobs if r["Trade"] != "Damp & Mould")
    within = []
    for r in damp:
        raised = stamp(r["Raised"])
        stages = [r[k] for k in ("Investigated", "Summary Issued", "Safety Works Completed",
                                 "Preventative Works Started")]
        if not r["Investigated"]:
            assert raised.date() > until - dt.timedelta(days=70), "only recent cases wait for investigation"
            continue
        investigated = stamp(r["Investigated"])
        assert raised <= investigated
        if stages[1]:
            assert stamp(stages[1]) >= investigated
        within.append(working_days_between(raised.date(), investigated.date()) <= 10)
    assert 0.55 <= sum(within) / len(within) < 1.0, "most but not all investigations within 10 working days"


# ------------------------------------------------------------------------------------------------------ care

def test_care_events_in_their_quarter_with_stable_people(care):
    references = Counter(r["Event_Reference"] for r in care)
    assert max(references.values()) == 1
    assert {r["Event_Type"] for r in care} == {"Request", "Assessment", "Service", "Review"}
    people = defaultdict(set)
    for r in care:
        start = stamp(r["Event_Start_Date"], "%d/%m/%Y")
        if start.date() < CARE_START:  # the opening caseload: only in the first file (checked below)
            assert r["_file"] == FIRST_CARE_FILE and r["Reporting_Period_Start_Date"] == "01/04/2021", r
        else:
            assert stamp(r["Reporting_Period_Start_Date"], "%d/%m/%Y") <= start
        assert start <= stamp(r["Reporting_Period_End_Date"], "%d/%m/%Y")
        assert re.fullmatch(r"CAM\d{7}", r["LA_Person_Unique_Identifier"])
        people[r["LA_Person_Unique_Identifier"]].add((r["Date_of_Birth"], r["Gender"], r["Ward_Code"]))
        assert bool(r["Unit_Cost"]) == (r["Event_Type"] == "Service")
    assert all(len(v) == 1 for v in people.values()), "a person's details change between events"


def test_care_clients_are_mostly_older_people(care):
    first = {}
    for r in care:
        first.setdefault(r["LA_Person_Unique_Identifier"], r)
    ages = [(stamp(r["Event_Start_Date"], "%d/%m/%Y") - stamp(r["Date_of_Birth"], "%d/%m/%Y")).days / 365.25
            for r in first.values()]
    assert sum(a >= 65 for a in ages) / len(ages) > 0.6
    assert min(ages) >= 18


def test_care_assessments_wait_after_requests_and_some_reviews_are_overdue(care, until):
    by_person = defaultdict(list)
    for r in care:
        by_person[r["LA_Person_Unique_Identifier"]].append(r)
    waits, overdue, long_term_open = [], 0, 0
    for events in by_person.values():
        events.sort(key=lambda r: stamp(r["Event_Start_Date"], "%d/%m/%Y"))
        requests = [stamp(r["Event_Start_Date"], "%d/%m/%Y") for r in events if r["Event_Type"] == "Request"]
        for r in events:
            if r["Event_Type"] == "Assessment" and requests:
                start = stamp(r["Event_Start_Date"], "%d/%m/%Y")
                before = [q for q in requests if q <= start]
                if before:
                    waits.append((start - before[-1]).days)
        open_long_term = [r for r in events if r["Service_Type"].startswith("Long Term Support")
                          and not r["Event_End_Date"]]
        if open_long_term:
            long_term_open += 1
            last = max(stamp(r["Event_Start_Date"], "%d/%m/%Y") for r in events
                       if r["Event_Type"] in ("Review", "Service") and (r["Event_Type"] == "Review"
                                                                        or r in open_long_term))
            overdue += (dt.datetime.combine(until, dt.time()) - last).days > 365
    assert 5 <= median(waits) <= 60
    assert long_term_open and 0 < overdue < 0.6 * long_term_open


def care_day(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def long_term_services(care) -> list[tuple[dict, dt.date, dt.date | None]]:
    return [(r, care_day(r["Event_Start_Date"]), care_day(r["Event_End_Date"])) for r in care
            if r["Event_Type"] == "Service" and r["Service_Type"].startswith("Long Term Support")]


def people_in_long_term_support(services, on: dt.date) -> set[str]:
    return {r["LA_Person_Unique_Identifier"] for r, start, end in services
            if start <= on and (end is None or end >= on)}


def test_care_opening_caseload_is_in_the_first_file(care):
    """People already in long-term support on 1 April 2021 come with their services (started in earlier years,
    longer ago for care homes than for home care) and their last review, but no request or assessment."""
    earlier = [r for r in care if care_day(r["Event_Start_Date"]) < CARE_START]
    assert {r["_file"] for r in earlier} == {FIRST_CARE_FILE}
    assert {r["Event_Type"] for r in earlier} == {"Service", "Review"}
    services = [r for r in earlier if r["Event_Type"] == "Service"]
    opening = {r["LA_Person_Unique_Identifier"] for r in services}
    for r in services:
        assert r["Service_Type"].startswith("Long Term Support"), r
        assert not r["Event_End_Date"] or care_day(r["Event_End_Date"]) >= CARE_START, "ended before the period"
    for r in earlier:
        if r["Event_Type"] == "Review":
            assert r["LA_Person_Unique_Identifier"] in opening
            assert care_day(r["Event_End_Date"]) < CARE_START
    assert not [r for r in care if r["LA_Person_Unique_Identifier"] in opening
                and r["Event_Type"] in ("Request", "Assessment")], "the opening caseload asked before the period"

    years = defaultdict(list)
    for r in services:
        years[r["Service_Component"]].append((CARE_START - care_day(r["Event_Start_Date"])).days / 365.25)
    every = [y for ys in years.values() for y in ys]
    assert sum(y > 1 for y in every) > 0.3 * len(every) and max(every) > 4, "starts not spread over earlier years"
    assert median(years["Residential Care"] + years["Nursing Care"]) > median(years["Home Care"])
    ended = [r for r in services if r["Event_End_Date"]]
    assert 0.3 * len(services) < len(ended) < len(services), "some, not all, should end within the period"


def test_care_long_term_caseload_is_level(care, manifest):
    """About 2,500-3,000 people are in long-term support at any time in Camden (570 requests a month at the large
    scale), scaled by requests to the generated scale: as many on 1 April 2021 as five years later."""
    from etl.generate.common import scale_of

    services = long_term_services(care)
    requests_a_month = scale_of(manifest["scale"]).care_requests_per_month
    low, high = 2_500 / 570 * requests_a_month * 0.65, 3_000 / 570 * requests_a_month * 1.35
    first = len(people_in_long_term_support(services, CARE_START))
    assert low <= first <= high, (first, low, high)
    for year in range(2022, 2027):
        count = len(people_in_long_term_support(services, dt.date(year, 4, 1)))
        assert low <= count <= high and 0.75 <= count / first <= 1.25, (year, count, first)
    window = (CARE_START, dt.date(2026, 4, 1))
    starts = sum(window[0] <= start < window[1] for _, start, _ in services)
    ends = sum(end is not None and window[0] <= end < window[1] for _, _, end in services)
    assert 0.8 <= starts / ends <= 1.25, (starts, ends)


def test_care_caseload_mix_and_how_services_end(care):
    """Home care is the largest part of the caseload, then care homes, supported living and direct payments; most
    care home placements end with a death or a move, and home care turns over faster."""
    services = long_term_services(care)
    active = Counter()
    for year in range(2021, 2027):
        for month in (4, 7, 10, 1):
            on = dt.date(year + (month == 1), month, 1)
            active.update(r["Service_Component"] for r, start, end in services
                          if start <= on and (end is None or end >= on))
    order = [name for name, _ in active.most_common()]
    assert order[0] == "Home Care", active
    assert active["Residential Care"] > active["Supported Living"] and active["Nursing Care"] > active["Direct Payment"]
    assert {"Home Care", "Residential Care", "Nursing Care", "Supported Living", "Direct Payment"} <= set(active)

    for r, _, end in services:
        assert (r["Event_Outcome"] == "Provision of service") == (end is None), r
    homes = [r["Event_Outcome"] for r, _, end in services
             if end and r["Service_Component"] in ("Residential Care", "Nursing Care")]
    assert sum(o in ("NFA - Deceased", "NFA - Moved to another LA") for o in homes) > 0.6 * len(homes)

    def lengths(component):
        return [(end - start).days for r, start, end in services
                if end and start >= CARE_START and r["Service_Component"] == component]

    assert median(lengths("Home Care")) < median(lengths("Residential Care"))


def test_care_opening_reviews_fall_due_yearly(care, until):
    """The opening caseload's last review before April 2021 sets when the next is due (12 months later): most are
    reviewed by then or within a few weeks of it, some fall overdue by more than three months."""
    reviews = defaultdict(list)
    for r in care:
        if r["Event_Type"] == "Review":
            reviews[r["LA_Person_Unique_Identifier"]].append(care_day(r["Event_End_Date"] or r["Event_Start_Date"]))
    in_care_until = {}  # the opening caseload: the last day each person is in long-term support (as at `until`)
    for r, start, end in long_term_services(care):
        if start < CARE_START:
            person = r["LA_Person_Unique_Identifier"]
            in_care_until[person] = max(in_care_until.get(person, CARE_START), min(end or until, until))
    in_time = overdue = 0
    for person, last_day in in_care_until.items():
        dates = sorted(reviews[person])
        before = [d for d in dates if d < CARE_START]
        due = before[-1] + dt.timedelta(days=365) if before else None
        if due is None or due + dt.timedelta(days=90) >= last_day:
            continue
        if any(d <= due + dt.timedelta(days=90) for d in dates if d >= CARE_START):
            in_time += 1
        else:
            overdue += 1
    assert sum(1 for person in in_care_until if any(d < CARE_START for d in reviews[person])) > 0.5 * len(
        in_care_until), "most of the opening caseload should have had a review before April 2021"
    assert in_time > overdue > 0, (in_time, overdue)


# ---------------------------------------------------------------------------------------------------- budget

def test_budget_year_to_date_figures_are_consistent(demo):
    lines = defaultdict(dict)
    for path in sorted(demo.glob("finance/budget-monitoring/budget-monitoring-2023-24-P*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for row in list(sheet.iter_rows(values_only=True))[3:]:
                fy, period, _, service, cc, _, subjective, annual, to_date, actual, forecast, variance = row
                lines[(cc, subjective)][period] = (annual, to_date, actual, forecast, variance, service)
        book.close()
    assert lines and all(len(p) == 12 for p in lines.values())
    steps = backwards = 0
    overspent = []
    for periods in lines.values():
        assert len({p[0] for p in periods.values()}) == 1, "the annual budget changes within the year"
        annual = periods[12][0]
        assert periods[12][1] == pytest.approx(annual, abs=0.02)
        assert periods[12][3] == pytest.approx(periods[12][2], abs=0.02), "P12 forecast is the outturn"
        for p in range(1, 13):
            assert periods[p][4] == pytest.approx(periods[p][3] - annual, abs=0.02)
        for p in range(2, 13):
            steps += 1
            backwards += (periods[p][2] - periods[p - 1][2]) * (1 if annual >= 0 else -1) < 0
        if any(w in periods[12][5].lower() for w in ("long-term support", "temporary accommodation")):
            overspent.append(periods[12][4])
    assert backwards / steps < 0.04, "actuals to date should go backwards only by the odd journal"
    assert overspent and sum(v > 0 for v in overspent) / len(overspent) > 0.5

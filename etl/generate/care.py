"""Adult social care Client Level Data (CLD): one file a financial quarter, event level.

Each request for support starts a chain of events: the request, an assessment after a wait, services (short-term
reablement, long-term support at home, in residential or nursing care) and reviews, planned about 6-8 weeks after a
long-term service starts and then yearly, with some people left long overdue. Every event appears once, in the file
of the quarter it starts in (files are named by the financial year's first calendar year: cld-2024-q1.csv is
April-June 2024), with the end date known as at `until` and, for a service, why it ended (most care home placements
end with a death). Most people are 65 or over; a fifth of requests come back from someone already known.

The council did not start caring for people in April 2021: the first file also carries the opening caseload, the
people already in long-term support on 1 April 2021 (services that started in earlier years, and each person's last
review before April 2021, so that some reviews fall overdue later), with no requests or assessments before April 2021.
The opening caseload is the steady state of the same flow of new starts and lengths of stay, so the number of people
in long-term support stays about level (new starts match ends): about 4.8 people per monthly request, some 2,700 at
the Camden-sized scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from etl.generate import care_finance, csvout
from etl.generate.common import COUNCIL_CODE, Quarter, months_between, pick, quarters_between, stream

FOLDER = "care"
HEADER = ["LA_Code", "Reporting_Period_Start_Date", "Reporting_Period_End_Date", "LA_Person_Unique_Identifier",
          "Gender", "Date_of_Birth", "Ethnicity", "Ward_Code", "Client_Type", "Primary_Support_Reason", "Event_Type",
          "Event_Reference", "Event_Start_Date", "Event_End_Date", "Event_Outcome", "Request_Route_of_Access",
          "Assessment_Type", "Review_Reason", "Service_Type", "Service_Component", "Delivery_Mechanism", "Unit_Cost",
          "Cost_Frequency_Unit_Type", "Planned_Units_Per_Week"]

GENDERS = (("Female", 0.58), ("Male", 0.415), ("Unknown", 0.005))
ETHNICITIES = (("White: English, Welsh, Scottish, Northern Irish or British", 0.40), ("White: Irish", 0.05),
               ("White: Any other White background", 0.12), ("Mixed or Multiple ethnic groups", 0.04),
               ("Asian or Asian British: Bangladeshi", 0.09), ("Asian or Asian British: Indian", 0.03),
               ("Asian or Asian British: Any other Asian background", 0.03), ("Black or Black British: African", 0.07),
               ("Black or Black British: Caribbean", 0.05), ("Chinese", 0.02), ("Other ethnic group", 0.04),
               ("Not stated", 0.06))
# (reason, weight among people 65+, weight among people 18-64)
SUPPORT_REASONS = (("Physical Support: Personal Care Support", 0.55, 0.22),
                   ("Physical Support: Access and Mobility Only", 0.08, 0.05),
                   ("Sensory Support: Support for Visual Impairment", 0.03, 0.02),
                   ("Sensory Support: Support for Hearing Impairment", 0.01, 0.01),
                   ("Support with Memory and Cognition", 0.22, 0.02), ("Learning Disability Support", 0.02, 0.30),
                   ("Mental Health Support", 0.06, 0.30), ("Social Support: Substance Misuse Support", 0.01, 0.05),
                   ("Social Support: Support for Social Isolation/Other", 0.02, 0.03))
LEARNING_DISABILITY, MENTAL_HEALTH = 5, 6
ROUTES = (("Community / Other route", 0.55), ("Discharge from Hospital", 0.28),
          ("Diversion from Hospital Services", 0.05), ("Self-Funder with Depleted Funds", 0.04),
          ("Planned Entry (Transition)", 0.03), ("Prison", 0.005), ("Safeguarding concern", 0.045))
HOSPITAL_DISCHARGE = 1
REQUEST_OUTCOMES = ("Long Term Support", "Short Term Support", "Universal Services/Signposted",
                    "No Services Provided")
LTS, STS, SIGNPOSTED, NO_SERVICES = range(4)
OUTCOMES_AFTER_HOSPITAL = (0.2, 0.55, 0.15, 0.1)    # request outcome weights, in REQUEST_OUTCOMES order
OUTCOMES_OTHER_ROUTES = (0.24, 0.2, 0.33, 0.23)
OLDER_SHARE = 0.72       # people 65 or over
CARER_SHARE = 0.04       # carers in their own right
ONWARD_SHARE = 0.25      # reablement clients who then need long-term support
DAY_CARE_EXTRA = 0.12    # home care clients who also go to a day centre
REVIEW_OUTCOMES = (("No change in Long Term Support", 0.68), ("Long Term Support increased", 0.12),
                   ("Long Term Support decreased", 0.05), ("Change in setting - move to Residential Care", 0.04),
                   ("Change in setting - move to Nursing Care", 0.03), ("Long Term Support ended", 0.08))


@dataclass(frozen=True)
class Component:
    """A service component: its CLD service type, weekly cost and how long people stay on it."""

    name: str
    service_type: str
    weekly_cost: float        # pounds a week in 2021-22 (one-off for equipment)
    sigma: float
    mean_days: float          # mean length of the episode
    frequency: str
    units: tuple[float, float]  # planned units a week (hours of home care, days of day care...), median and sigma


# Lengths of stay: home care churns fastest (people recover, move into a care home or die within a year or two); a
# care home placement lasts two years or so, nursing care less (people arrive frailer); supported living and direct
# payments, mostly for younger adults, last many years.
COMPONENTS = [
    Component("Home Care", "Long Term Support: Community", 420, 0.55, 320, "Weekly", (12, 0.5)),
    Component("Direct Payment", "Long Term Support: Community", 380, 0.5, 1000, "Weekly", (10, 0.5)),
    Component("Supported Living", "Long Term Support: Community", 1450, 0.4, 2000, "Weekly", (30, 0.3)),
    Component("Day Care", "Long Term Support: Community", 190, 0.35, 400, "Weekly", (2, 0.4)),
    Component("Residential Care", "Long Term Support: Residential Care", 1080, 0.25, 760, "Weekly", (1, 0.0)),
    Component("Nursing Care", "Long Term Support: Nursing Care", 1290, 0.2, 500, "Weekly", (1, 0.0)),
    Component("Equipment", "Short Term Support: Ongoing Low Level", 420, 0.9, 0, "One-off", (1, 0.0)),
    Component("Reablement", "Short Term Support: ST-Max", 460, 0.3, 28, "Weekly", (9, 0.35)),
]
HOME_CARE, DIRECT_PAYMENT, SUPPORTED_LIVING, DAY_CARE, RESIDENTIAL, NURSING, EQUIPMENT, REABLEMENT = range(8)
LONG_TERM = 6                                                        # the first six components are long-term
# new long-term starts by component (people with a learning disability or mental health need are steered to
# supported living, rarely to nursing care); with the lengths of stay this makes a caseload of about 40% home care,
# then residential care, nursing care, supported living, direct payments and day care
LONG_TERM_MIX = np.array([0.60, 0.03, 0.014, 0.03, 0.14, 0.17])
COST_INFLATION = 0.055   # a year: the National Living Wage drove care fees up faster than prices
REVIEW_LAPSE = 0.2       # share of long-term clients whose yearly reviews stop at some point (the overdue list)
# why a service ended (CLD event outcomes; a service still open as at `until` is 'Provision of service')
PROVISION = "Provision of service"
END_OUTCOMES = ("NFA - Deceased", "NFA - Moved to another LA", "NFA - 100% NHS funded care",
                "NFA - Self-funded client (inc. 12wk disregard)", "Progress to Support Planning / Services",
                "Service ended as planned", "NFA - Support ended: Other reason", "NFA - Support declined")
DECEASED, MOVED, NHS_FUNDED, SELF_FUNDED, PROGRESS, ENDED_AS_PLANNED, ENDED_OTHER, DECLINED = range(8)
END_WEIGHTS = np.array([  # per component, in END_OUTCOMES order: most care home placements end with a death
    [0.25, 0.07, 0.05, 0.05, 0.28, 0.15, 0.10, 0.05],   # home care: often a move into a care home (progress)
    [0.15, 0.12, 0.03, 0.02, 0.30, 0.18, 0.15, 0.05],   # direct payment
    [0.10, 0.20, 0.02, 0.00, 0.35, 0.15, 0.15, 0.03],   # supported living
    [0.15, 0.05, 0.02, 0.00, 0.30, 0.25, 0.15, 0.08],   # day care
    [0.68, 0.07, 0.08, 0.06, 0.06, 0.00, 0.05, 0.00],   # residential care
    [0.75, 0.04, 0.12, 0.03, 0.03, 0.00, 0.03, 0.00],   # nursing care
    [0.00, 0.00, 0.00, 0.00, 0.00, 1.00, 0.00, 0.00],   # equipment (one-off)
    [0.02, 0.01, 0.02, 0.00, 0.00, 0.90, 0.05, 0.00],   # reablement (onward support is set where it is known)
])


def files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(relpath(q), q.first) for q in quarters_between(start, until)]


def relpath(q: Quarter) -> str:
    return f"{FOLDER}/cld-{q.fy}-q{q.number}.csv"


class Events:
    """Events of all kinds, gathered as column arrays (person index, kind, dates, details) and joined at the end."""

    COLUMNS = ("person", "kind", "start", "end", "outcome", "route", "assessment_type", "review_reason",
               "component", "cost", "units", "delivery")

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in self.COLUMNS}

    def add(self, n: int, **columns) -> None:
        """n events; columns not given are empty (component -1 = not a service; cost in pence; units in tenths)."""
        defaults = {"end": np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"), "component": np.full(n, -1),
                    "cost": np.zeros(n, np.int64), "units": np.zeros(n, np.int64)}
        for name in self.COLUMNS:
            value = columns[name] if name in columns else defaults.get(name, np.full(n, None, dtype=object))
            self.parts[name].append(np.asarray(value))

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.parts.items()}


@dataclass(frozen=True)
class People:
    ids: np.ndarray          # 'CAM0012345'
    birth: np.ndarray        # datetime64[D]
    gender: np.ndarray
    ethnicity: np.ndarray
    ward: np.ndarray
    reason: np.ndarray
    carer: np.ndarray        # a carer in their own right (carers' assessments), not a service user


def write(ctx) -> None:
    rng = stream(ctx.seed, "care", "chains")
    start, until = np.datetime64(ctx.start, "D"), np.datetime64(ctx.until, "D")
    months = (until.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(int) + 1
    requests = max(int(rng.poisson(ctx.scale.care_requests_per_month * months)), 1)
    request_day, person_of_chain = request_dates(rng, requests, start, until)
    people = build_people(rng, ctx, request_day, person_of_chain)
    events = Events()
    waits = chain_events(rng, events, people, person_of_chain, request_day, until)
    people = opening_caseload(stream(ctx.seed, "care", "opening"), ctx, events, people, start, until, waits)
    table = events.arrays()
    kept = table["start"] <= until
    table = {k: v[kept] for k, v in table.items()}
    table["end"] = np.where(table["end"] > until, np.datetime64("NaT"), table["end"])
    order = np.lexsort((table["kind"], table["start"]))
    table = {k: v[order] for k, v in table.items()}
    table["outcome"] = service_outcomes(stream(ctx.seed, "care", "service ends"), table)
    ctx.record_figures.update(return_figures(table, months_between(ctx.start, ctx.until)))
    quarters = quarters_between(ctx.start, ctx.until)
    first = quarters[0].fy * 4 + quarters[0].number - 1
    # sorted by start, so each quarter is a run of rows; the opening caseload (started earlier) goes in the first
    quarter_of = np.maximum(quarter_index(table["start"]), first)
    references = event_references(table["kind"])
    bounds = np.searchsorted(quarter_of, [q.fy * 4 + q.number - 1 for q in quarters] + [1 << 40])
    pieces = [(relpath(q), int(bounds[i]), int(bounds[i + 1])) for i, q in enumerate(quarters)]
    ctx.output.csv_files(events_table(table, quarter_of, references, people, ctx.wards().codes), pieces)
    ctx.output.say(f"care: {len(quarters)} quarterly files, {len(references):,} events")
    care_finance.write(ctx, table, people.birth, people.reason, people.carer,
                       {c.name: i for i, c in enumerate(COMPONENTS)})


# the service's monthly return (ACC02, ACC03) as worked out from these events, so that the demo's return agrees with
# what the warehouse computes from the event records (issue 21)
def return_figures(t: dict[str, np.ndarray], months) -> dict:
    """{("ASC-ACC", KPI code): {"ALL": [(value, numerator, denominator) per month]}} of assessments by the month they
    started: the share within 28 days of the request (ACC02) and the average days waited (ACC03), each assessment
    waiting from the person's latest request on or before it, as the warehouse measures it (fact_care_event)."""
    waited, month = assessment_waits(t, months)
    within = np.bincount(month[waited <= 28], minlength=len(months)).tolist()
    counted = np.bincount(month, minlength=len(months)).tolist()
    days = np.bincount(month, weights=waited, minlength=len(months)).tolist()
    return {("ASC-ACC", "ACC02"): {"ALL": [(100 * a / b if b else None, a, b)
                                           for a, b in zip(within, counted, strict=True)]},
            ("ASC-ACC", "ACC03"): {"ALL": [(d / b if b else None, None, None)
                                           for d, b in zip(days, counted, strict=True)]}}


def assessment_waits(t: dict[str, np.ndarray], months) -> tuple[np.ndarray, np.ndarray]:
    """Days each assessment (in `months`) that follows a request waited from it, and the index of its month."""
    request, assessment = t["kind"] == "Request", t["kind"] == "Assessment"
    rows = np.flatnonzero(request | assessment)
    # by person, then day; a request before an assessment on the same day (it counts as on or before it)
    rows = rows[np.lexsort((assessment[rows], t["start"][rows], t["person"][rows]))]
    position = np.maximum.accumulate(np.where(request[rows], np.arange(len(rows)), -1))
    latest = rows[np.maximum(position, 0)]
    follows = assessment[rows] & (position >= 0) & (t["person"][latest] == t["person"][rows])
    assessed, asked = rows[follows], latest[follows]
    waited = (t["start"][assessed] - t["start"][asked]).astype(np.int64)
    firsts = np.array([np.datetime64(m.first, "M") for m in months])
    month = np.searchsorted(firsts, t["start"][assessed].astype("datetime64[M]"), side="right") - 1
    inside = (month >= 0) & (t["start"][assessed].astype("datetime64[M]") <= firsts[-1])
    return waited[inside], month[inside]


def quarter_index(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    fy_months = months - 3                                    # April -> month 0 of the financial year
    return (fy_months // 12 + 1970) * 4 + (fy_months % 12) // 3


def request_dates(rng, n: int, start: np.datetime64, until: np.datetime64):
    """Request days (weekdays, busier in winter) and the person each chain belongs to."""
    days = np.arange(start, until + 1)
    weekday = (days.astype(np.int64) - 4) % 7
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    weights = np.where(weekday < 5, 1.0, 0.12) * np.where(np.isin(month, [12, 1, 2]), 1.15, 1.0)
    request_day = np.sort(days[pick(rng, n, weights)])
    # about a fifth of requests come from someone who asked before (new needs, a fall, a carer breaking down)
    repeat = rng.random(n) < 0.2
    repeat[0] = False
    parent = np.where(repeat, np.floor(rng.random(n) * np.arange(n)).astype(np.int64), np.arange(n))
    for _ in range(40):  # follow parents back to each chain's first request (pointer jumping)
        parent = parent[parent]
    person = np.unique(parent, return_inverse=True)[1]
    return request_day, person


def build_people(rng, ctx, request_day, person_of_chain) -> People:
    n = int(person_of_chain.max()) + 1
    first_request = np.full(n, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    np.minimum.at(first_request, person_of_chain, request_day)
    older = rng.random(n) < OLDER_SHARE
    age = np.where(older, 65 + rng.gamma(4.0, 4.5, n).clip(0, 38), rng.uniform(18, 65, n))
    birth = first_request - np.rint(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    weights_older = np.array([r[1] for r in SUPPORT_REASONS])
    weights_younger = np.array([r[2] for r in SUPPORT_REASONS])
    reason = np.where(older, pick(rng, n, weights_older), pick(rng, n, weights_younger))
    ids = np.array([f"CAM{i:07d}" for i in (10_000 + rng.permutation(n * 3)[:n])], dtype=object)
    gender, ethnicity, ward = person_details(rng, ctx, n)
    return People(ids=ids, birth=birth, gender=gender, ethnicity=ethnicity, ward=ward, reason=reason,
                  carer=rng.random(n) < CARER_SHARE)


def person_details(rng, ctx, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gender, ethnicity and ward codes of n people."""
    wards = ctx.wards()
    # social care need follows deprivation as well as population: weight wards by their council homes too
    ward_weight = wards.population * (0.5 + wards.council_homes / wards.council_homes.mean())
    return (pick(rng, n, [g[1] for g in GENDERS]), pick(rng, n, [e[1] for e in ETHNICITIES]),
            pick(rng, n, ward_weight))


def chain_events(rng, events: Events, people: People, person, request_day, until) -> np.ndarray:
    """Every chain's events; returns the days from request to long-term support of the chains that reach it in
    their first year (the opening caseload's new starts wait as long)."""
    n = len(person)
    route = pick(rng, n, [r[1] for r in ROUTES])
    hospital = route == HOSPITAL_DISCHARGE
    outcome = np.where(hospital, pick(rng, n, OUTCOMES_AFTER_HOSPITAL), pick(rng, n, OUTCOMES_OTHER_ROUTES))
    outcome = np.where(people.carer[person], np.where(rng.random(n) < 0.5, SIGNPOSTED, NO_SERVICES), outcome)
    events.add(n, person=person, kind=np.full(n, "Request"), start=request_day, end=request_day,
               outcome=np.array(REQUEST_OUTCOMES, dtype=object)[outcome],
               route=np.array([r[0] for r in ROUTES], dtype=object)[route])

    assessed = np.flatnonzero((outcome <= STS) | ((outcome == NO_SERVICES) & (rng.random(n) < 0.35))
                              | people.carer[person])
    wait = assessment_wait(rng, request_day[assessed], hospital[assessed] | (outcome[assessed] == STS))
    a_start = request_day[assessed] + wait
    a_end = a_start + rng.integers(0, 15, len(assessed))
    a_type = np.where(people.carer[person[assessed]], "Carer Assessment",
                      np.where(outcome[assessed] == STS, "Reablement Assessment", "Care Act Assessment"))
    events.add(len(assessed), person=person[assessed], kind=np.full(len(assessed), "Assessment"), start=a_start,
               end=a_end, outcome=np.array(REQUEST_OUTCOMES, dtype=object)[outcome[assessed]],
               assessment_type=a_type)

    # short-term support: reablement (six weeks at most), often with equipment; a quarter then need long-term care
    short = assessed[outcome[assessed] == STS]
    s_start = a_end[outcome[assessed] == STS] + rng.integers(0, 4, len(short))
    s_end = s_start + rng.integers(7, 43, len(short))
    kit = rng.random(len(short)) < 0.4
    onward = rng.random(len(short)) < ONWARD_SHARE
    add_services(rng, events, person[short], np.full(len(short), REABLEMENT), s_start, s_end,
                 outcome=np.where(onward, END_OUTCOMES[PROGRESS], None))
    add_services(rng, events, person[short][kit], np.full(int(kit.sum()), EQUIPMENT), s_start[kit], s_start[kit])
    long_people = np.concatenate([person[assessed[outcome[assessed] == LTS]], person[short][onward]])
    lts = outcome[assessed] == LTS
    long_start = np.concatenate([a_end[lts] + rng.integers(0, 29, int(lts.sum())), s_end[onward] + 1])
    long_term(rng, events, people, long_people, long_start, until)
    asked = np.concatenate([request_day[assessed[lts]], request_day[short[onward]]])
    first_year = asked < request_day[0] + 365
    return (long_start - asked)[first_year].astype(np.int64)


def assessment_wait(rng, day: np.ndarray, quick: np.ndarray) -> np.ndarray:
    """Days from request to assessment: hospital discharges are seen within days; others wait weeks, longer in
    2021-22 while the post-Covid backlog cleared."""
    backlog = np.where(day < np.datetime64("2022-04-01"), 1.45, np.where(day < np.datetime64("2023-04-01"), 1.2, 1.0))
    wait = np.where(quick, rng.lognormal(np.log(4), 0.6, len(day)), rng.lognormal(np.log(20), 0.75, len(day)))
    return np.rint(wait * backlog).astype(np.int64)


def long_term_mix(reason: np.ndarray) -> np.ndarray:
    """The chances of each long-term component (one row per person) given their primary support reason."""
    mix = np.tile(LONG_TERM_MIX, (len(reason), 1))
    steered = np.isin(reason, [LEARNING_DISABILITY, MENTAL_HEALTH])
    mix[steered, SUPPORTED_LIVING] *= 6
    mix[steered, NURSING] *= 0.2
    return mix / mix.sum(axis=1, keepdims=True)


def long_term(rng, events: Events, people: People, person, start, until) -> None:
    n = len(person)
    mix = long_term_mix(people.reason[person])
    component = (rng.random(n)[:, None] > np.cumsum(mix, axis=1)).sum(axis=1).clip(0, LONG_TERM - 1)
    length = rng.exponential(np.array([c.mean_days for c in COMPONENTS])[component]).astype(np.int64) + 14
    end = start + length
    add_services(rng, events, person, component, start, end)
    # some people at home also go to a day centre
    extra = (component == HOME_CARE) & (rng.random(n) < DAY_CARE_EXTRA)
    add_services(rng, events, person[extra], np.full(int(extra.sum()), DAY_CARE), start[extra] + 7,
                 end[extra])
    reviews(rng, events, person, start, end, until)


def add_services(rng, events: Events, person, component, start, end, outcome=None) -> None:
    """Services with their weekly cost (at the prices of the year they start, or of 2021-22 for those that started
    earlier: an ongoing service is recorded at its current rate) and planned units."""
    n = len(person)
    if n == 0:
        return
    spec = [COMPONENTS[c] for c in range(len(COMPONENTS))]
    weekly = np.array([c.weekly_cost for c in spec])[component]
    sigma = np.array([c.sigma for c in spec])[component]
    years = np.maximum((start - np.datetime64("2021-04-01")).astype(np.int64), 0) / 365.25
    cost = np.rint(rng.lognormal(np.log(weekly), sigma) * (1 + COST_INFLATION) ** years * 100).astype(np.int64)
    unit_median = np.array([c.units[0] for c in spec])[component]
    unit_sigma = np.array([c.units[1] for c in spec])[component]
    units = np.rint(rng.lognormal(np.log(unit_median), unit_sigma) * 10).astype(np.int64)
    if (component == HOME_CARE).any():  # a home-care package costs its hours at the hourly rate
        rate = 2_250 * (1 + COST_INFLATION) ** years
        cost = np.where(component == HOME_CARE, np.rint(units / 10 * rate), cost).astype(np.int64)
    delivery = np.where(component == DIRECT_PAYMENT, "Direct Payment",
                        np.where(rng.random(n) < 0.6, "CASSR Managed Personal Budget",
                                 "CASSR Commissioned Support only"))
    events.add(n, person=person, kind=np.full(n, "Service"), start=start, end=end, component=component, cost=cost,
               units=units, delivery=delivery,
               outcome=np.full(n, None, dtype=object) if outcome is None else np.asarray(outcome, dtype=object))


def reviews(rng, events: Events, person, start, end, until) -> None:
    """A first review 6-10 weeks after a long-term service starts, then about yearly while it lasts; for some
    people the yearly reviews stop, which is what makes the overdue list."""
    n = len(person)
    slots = 7
    gaps = np.column_stack([rng.integers(42, 71, n)] + [np.rint(rng.uniform(300, 420, n)).astype(np.int64)
                                                        for _ in range(slots - 1)])
    days = start[:, None] + np.cumsum(gaps, axis=1)
    lapse_after = np.where(rng.random(n) < REVIEW_LAPSE, rng.integers(1, slots, n), slots)
    live = (days < end[:, None]) & (days <= until) & (np.arange(slots)[None, :] < lapse_after[:, None])
    add_reviews(rng, events, person, days, live, earliest=start + 7)


def add_reviews(rng, events: Events, person, days, live, earliest) -> None:
    """The review events of the planned review days (one row per person) that happen (`live`); about one in twelve
    is unplanned and comes early, but never before `earliest` (a day per person)."""
    unplanned = rng.random(days.shape) < 0.08
    row, col = np.nonzero(live)
    k = len(row)
    review_day = days[row, col] - np.where(unplanned[row, col], rng.integers(30, 200, k), 0)
    review_day = np.maximum(review_day, earliest[row])
    events.add(k, person=person[row], kind=np.full(k, "Review"), start=review_day,
               end=review_day + rng.integers(0, 15, k),
               outcome=np.array([o[0] for o in REVIEW_OUTCOMES], dtype=object)[
                   pick(rng, k, [o[1] for o in REVIEW_OUTCOMES])],
               review_reason=np.where(unplanned[row, col], "Unplanned", "Planned"))


# ---------------------------------------------------------------------------------------------- opening caseload

def long_term_starts(requests_per_month: float) -> np.ndarray:
    """Expected new long-term services a day by (65 or over, primary support reason, component), worked out from
    the same constants as the flow of requests (day care that comes with home care aside)."""
    hospital = ROUTES[HOSPITAL_DISCHARGE][1] / sum(r[1] for r in ROUTES)

    def long_term_share(weights) -> float:  # requests that lead to long-term support, directly or after reablement
        w = np.asarray(weights, dtype=float) / sum(weights)
        return w[LTS] + w[STS] * ONWARD_SHARE

    share = (1 - CARER_SHARE) * (hospital * long_term_share(OUTCOMES_AFTER_HOSPITAL)
                                 + (1 - hospital) * long_term_share(OUTCOMES_OTHER_ROUTES))
    starts_a_day = requests_per_month * share * 12 / 365.25
    age = np.array([1 - OLDER_SHARE, OLDER_SHARE])
    reasons = np.array([[r[2] for r in SUPPORT_REASONS], [r[1] for r in SUPPORT_REASONS]], dtype=float)
    reasons /= reasons.sum(axis=1, keepdims=True)
    mix = long_term_mix(np.arange(len(SUPPORT_REASONS)))
    return starts_a_day * age[:, None, None] * reasons[:, :, None] * mix[None, :, :]


def steady_caseload(requests_per_month: float) -> np.ndarray:
    """People in long-term support on any day once the flow of new starts has run for years, by (65 or over,
    primary support reason, component): the starts a day times each component's mean length of stay. An opening
    caseload of this size and make-up neither grows nor shrinks as the new starts come in (about 4.8 people per
    monthly request)."""
    stay = np.array([c.mean_days for c in COMPONENTS[:LONG_TERM]]) + 14   # length = 14 days + exponential
    return long_term_starts(requests_per_month) * stay


def opening_caseload(rng, ctx, events: Events, people: People, day0: np.datetime64, until,
                     waits: np.ndarray) -> People:
    """The people already in long-term support on `day0` (1 April 2021): their services (started before, drawn from
    the steady state of the flow, so longer ago for the longer stays such as care homes and supported living) and
    their reviews (the last one before `day0`, then yearly).

    Also the people whose request came before `day0` and whose long-term support starts after it, `waits` (days
    from request to support) later: without them the caseload would dip while the first requests of the period work
    through their assessments. Neither group has a request or an assessment in the files. Returns the people with
    both groups appended."""
    starts = long_term_starts(ctx.scale.care_requests_per_month)
    expected = steady_caseload(ctx.scale.care_requests_per_month)
    n = int(np.rint(expected.sum()))   # a stock, not a count of arrivals: its size is not left to chance
    cells = pick(rng, n, expected.ravel())
    mean = np.array([c.mean_days for c in COMPONENTS])[np.unravel_index(cells, expected.shape)[2]]
    # a stay lasts 14 days plus an exponential time; on a given day the time already spent is spread as the chance
    # that a stay lasts that long (flat over the first 14 days, then the exponential tail), and what is left is
    # again exponential (memoryless)
    early = rng.random(n) < 14 / (14 + mean)
    spent = np.where(early, rng.uniform(0, 14, n), 14 + rng.exponential(mean))
    left = np.where(early, 14 - spent, 0) + rng.exponential(mean)
    start = day0 - np.maximum(np.ceil(spent), 1).astype(np.int64)
    end = day0 + np.floor(left).astype(np.int64)

    # the requests still working through on `day0`: as many as start in the mean wait; a long wait is the more
    # likely to be under way on a given day, and is then a uniform part of the way through
    waits = waits[waits > 0]
    m = int(np.rint(starts.sum() * waits.mean())) if len(waits) else 0
    cells = np.concatenate([cells, pick(rng, m, starts.ravel())])
    wait = waits[pick(rng, m, waits)] if m else np.zeros(0, np.int64)
    later = day0 + np.floor(rng.random(m) * wait).astype(np.int64)
    older, reason, component = np.unravel_index(cells, expected.shape)
    length = rng.exponential(np.array([c.mean_days for c in COMPONENTS])[component[n:]]).astype(np.int64) + 14
    start, end = np.concatenate([start, later]), np.concatenate([end, later + length])

    total = n + m
    # ages on `day0` as the flow's ages at their first request (people in care are alive, however long they have
    # been there), never under 18 when their support started
    years = (day0 - start).astype(np.int64) / 365.25
    age = np.where(older == 1, 65 + rng.gamma(4.0, 4.5, total).clip(0, 38), rng.uniform(18, 65, total) + years)
    age = np.maximum(age, years + 18)
    birth = day0 - np.rint(age * 365.25).astype(np.int64) - rng.integers(0, 365, total)
    taken = np.array([int(i[3:]) for i in people.ids], dtype=np.int64)
    free = np.setdiff1d(np.arange(10_000, 10_000 + 3 * (len(taken) + total)), taken)
    ids = np.array([f"CAM{i:07d}" for i in rng.choice(free, size=total, replace=False)], dtype=object)
    gender, ethnicity, ward = person_details(rng, ctx, total)
    joined = People(ids=np.concatenate([people.ids, ids]), birth=np.concatenate([people.birth, birth]),
                    gender=np.concatenate([people.gender, gender]),
                    ethnicity=np.concatenate([people.ethnicity, ethnicity]),
                    ward=np.concatenate([people.ward, ward]), reason=np.concatenate([people.reason, reason]),
                    carer=np.concatenate([people.carer, np.zeros(total, dtype=bool)]))

    person = len(people.ids) + np.arange(total)
    add_services(rng, events, person, component, start, end)
    extra = (component == HOME_CARE) & (rng.random(total) < DAY_CARE_EXTRA)
    add_services(rng, events, person[extra], np.full(int(extra.sum()), DAY_CARE), start[extra] + 7, end[extra])
    opening_reviews(rng, events, person[:n], start[:n], end[:n], day0, until)
    reviews(rng, events, person[n:], start[n:], end[n:], until)
    return joined


def opening_reviews(rng, events: Events, person, start, end, day0, until) -> None:
    """The opening caseload's reviews. Someone whose first review (6-10 weeks in) was due before `day0` has their
    last review before `day0`: mostly within the year, but a quarter a year or two earlier (reviews were paused in
    the pandemic) and a few long ago; overdue reviews are caught up in 2021-22. Then reviews are yearly while the
    service lasts, and for some people they stop (the overdue list)."""
    n = len(person)
    first_due = start + rng.integers(42, 71, n)
    reviewed = first_due < day0
    draw = rng.random(n)
    ago = np.where(draw < 0.68, rng.integers(1, 366, n),
                   np.where(draw < 0.93, rng.integers(366, 731, n), rng.integers(731, 1461, n)))
    last = np.maximum(day0 - ago, first_due)
    k = int(reviewed.sum())
    last_end = np.minimum(last[reviewed] + rng.integers(0, 15, k), day0 - 1)
    events.add(k, person=person[reviewed], kind=np.full(k, "Review"), start=last[reviewed], end=last_end,
               outcome=np.array([o[0] for o in REVIEW_OUTCOMES[:3]], dtype=object)[
                   pick(rng, k, [o[1] for o in REVIEW_OUTCOMES[:3]])],
               review_reason=np.full(k, "Planned"))

    slots = 8
    following = last + np.rint(rng.uniform(300, 420, n)).astype(np.int64)
    catch_up = day0 + rng.integers(14, 271, n)
    following = np.where(following < day0 + 14, catch_up, following)
    next_due = np.where(reviewed, following, first_due)
    gaps = np.column_stack([np.zeros(n, np.int64)] + [np.rint(rng.uniform(300, 420, n)).astype(np.int64)
                                                      for _ in range(slots - 1)])
    days = next_due[:, None] + np.cumsum(gaps, axis=1)
    lapse_after = np.where(rng.random(n) < REVIEW_LAPSE, rng.integers(0, slots, n), slots)
    live = (days < end[:, None]) & (days <= until) & (np.arange(slots)[None, :] < lapse_after[:, None])
    add_reviews(rng, events, person, days, live, earliest=np.maximum(start + 7, day0))


def service_outcomes(rng, t: dict[str, np.ndarray]) -> np.ndarray:
    """Event outcomes with each service's: 'Provision of service' while it is open as at `until`, else why it ended
    (drawn by component unless the chain already knows, e.g. reablement that led on to long-term support)."""
    outcome = t["outcome"].copy()
    service = t["component"] >= 0
    outcome[service & np.isnat(t["end"])] = PROVISION
    ended = np.flatnonzero(service & ~np.isnat(t["end"]) & np.equal(outcome, None))
    if len(ended):
        weights = END_WEIGHTS[t["component"][ended]]
        cumulative = np.cumsum(weights, axis=1)
        drawn = (rng.random(len(ended))[:, None] * cumulative[:, -1:] >= cumulative).sum(axis=1)
        outcome[ended] = np.array(END_OUTCOMES, dtype=object)[np.minimum(drawn, len(END_OUTCOMES) - 1)]
    return outcome


def event_references(kind: np.ndarray) -> np.ndarray:
    """REQ0000001, ASM0000001, SRV..., REV...: numbered per kind in start-date order."""
    prefix = {"Request": "REQ", "Assessment": "ASM", "Service": "SRV", "Review": "REV"}
    refs = np.empty(len(kind), dtype=object)
    for name, code in prefix.items():
        rows = np.flatnonzero(kind == name)
        refs[rows] = [f"{code}{i:07d}" for i in range(1, len(rows) + 1)]
    return refs


def events_table(t: dict[str, np.ndarray], quarter_of: np.ndarray, references: np.ndarray, people: People,
                 ward_codes) -> pa.Table:
    p = t["person"]
    is_service = t["component"] >= 0
    component = np.where(is_service, t["component"], 0)
    n = len(references)
    fy, number = quarter_of // 4, quarter_of % 4
    period_start = (fy - 1970) * 12 + 3 + number * 3           # months since 1970-01
    first = period_start.astype("datetime64[M]").astype("datetime64[D]")
    last = (period_start + 3).astype("datetime64[M]").astype("datetime64[D]") - 1
    return pa.table({
        "LA_Code": pa.array(np.full(n, COUNCIL_CODE), type=pa.string()),
        "Reporting_Period_Start_Date": csvout.uk_date(first),
        "Reporting_Period_End_Date": csvout.uk_date(last),
        "LA_Person_Unique_Identifier": csvout.text(people.ids[p]),
        "Gender": csvout.lookup([g[0] for g in GENDERS], people.gender[p]),
        "Date_of_Birth": csvout.uk_date(people.birth[p]),
        "Ethnicity": csvout.lookup([e[0] for e in ETHNICITIES], people.ethnicity[p]),
        "Ward_Code": csvout.lookup(ward_codes, people.ward[p]),
        "Client_Type": csvout.lookup(("Service User", "Carer"), people.carer[p].astype(int)),
        "Primary_Support_Reason": csvout.lookup([r[0] for r in SUPPORT_REASONS], people.reason[p]),
        "Event_Type": csvout.text(t["kind"]),
        "Event_Reference": csvout.text(references),
        "Event_Start_Date": csvout.uk_date(t["start"]),
        "Event_End_Date": csvout.uk_date(t["end"], np.isnat(t["end"])),
        "Event_Outcome": csvout.text(t["outcome"]),
        "Request_Route_of_Access": csvout.text(t["route"]),
        "Assessment_Type": csvout.text(t["assessment_type"]),
        "Review_Reason": csvout.text(t["review_reason"]),
        "Service_Type": csvout.lookup([c.service_type for c in COMPONENTS], component, ~is_service),
        "Service_Component": csvout.lookup([c.name for c in COMPONENTS], component, ~is_service),
        "Delivery_Mechanism": csvout.text(t["delivery"]),
        "Unit_Cost": csvout.money(t["cost"], ~is_service),
        "Cost_Frequency_Unit_Type": csvout.lookup([c.frequency for c in COMPONENTS], component, ~is_service),
        "Planned_Units_Per_Week": csvout.fixed(t["units"] / 10, 1, ~is_service),
    })

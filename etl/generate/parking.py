"""Parking permits, bay suspensions and bay sensor stays, one file a month each.

Permits are the demo's Windows export: cp1252 with CRLF line ends and a '£' in the price, as a back-office system
exporting through Excel produces. Sensor stays are the high-volume family: one record per vehicle stay in a bay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.generate import csvout
from etl.generate.common import (
    Month,
    add_working_days,
    covid_recovery,
    day_kind,
    hour_profile,
    month_fraction,
    months_between,
    pick,
    sample_times,
    stream,
)
from etl.generate.output import Batcher
from etl.generate.places import parking_intensity

PERMITS, SUSPENSIONS, SENSORS = "parking/permits", "parking/suspensions", "parking/sensors"
OFFICE_HOURS = np.array([
    hour_profile((0, 0.0), (8, 0.0), (9, 1.5), (12, 1.2), (13, 0.8), (14, 1.3), (16, 1.0), (17, 0.2), (18, 0.0),
                 (23, 0.0)),
    np.zeros(24), np.zeros(24),
])
ONLINE_HOURS = np.array([
    hour_profile((0, 0.3), (5, 0.1), (7, 0.6), (9, 1.2), (12, 1.3), (17, 1.2), (20, 1.5), (22, 1.0), (23, 0.5)),
    hour_profile((0, 0.3), (7, 0.2), (10, 1.2), (14, 1.1), (20, 1.0), (23, 0.4)),
    hour_profile((0, 0.3), (8, 0.2), (11, 1.0), (15, 1.0), (20, 1.3), (23, 0.5)),
])


# ---------------------------------------------------------------------------------------------------------- permits

@dataclass(frozen=True)
class PermitType:
    name: str
    prefix: str
    share: float
    valid_days: int            # 365 a year, 1 a day...
    prices: tuple[int, ...]    # pence; residents pay by their vehicle's emissions
    price_weights: tuple[float, ...]
    online_share: float | None = None  # None: the year's usual channel mix


PERMIT_TYPES = [
    PermitType("Resident", "RP", 0.50, 365, (9_700, 13_400, 18_000, 23_500, 31_200, 40_500),
               (0.15, 0.30, 0.25, 0.15, 0.10, 0.05)),
    PermitType("Resident 6 Month", "RS", 0.06, 182, (5_500, 7_400, 9_800, 12_600), (0.3, 0.35, 0.25, 0.1)),
    PermitType("Business", "BP", 0.06, 365, (104_000, 126_000, 152_000), (0.4, 0.4, 0.2)),
    PermitType("Visitor", "VP", 0.18, 1, (474, 711, 948, 1_896), (0.35, 0.3, 0.25, 0.1), online_share=0.96),
    PermitType("Trader", "TP", 0.06, 7, (4_500, 9_000), (0.7, 0.3)),
    PermitType("Carer", "CP", 0.04, 365, (0,), (1.0,)),
    PermitType("Doctor", "DR", 0.01, 365, (20_500,), (1.0,)),
    PermitType("Motorcycle", "MC", 0.05, 365, (5_500,), (1.0,)),
    PermitType("Car Club", "CC", 0.01, 365, (37_500,), (1.0,)),
    PermitType("Dispensation", "DS", 0.03, 7, (0, 2_500), (0.5, 0.5)),
]
CHANNELS = ("Online", "Paper", "Phone")
PERMIT_HEADER = ["Permit Number", "Permit Type", "Zone", "Ward Code", "Channel", "Application Received", "Issued",
                 "Valid From", "Valid To", "Price", "Status"]
PERMIT_STATUSES = ("Active", "Expired", "Pending", "Rejected", "Cancelled", "Refunded")


def permit_files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(permit_path(m), m.first) for m in months_between(start, until)]


def permit_path(month: Month) -> str:
    return f"{PERMITS}/permits-{month.first:%Y-%m}.csv"


def channel_mix(month: Month) -> np.ndarray:
    """Online applications grew from about 72% in 2021 to about 88% by 2026."""
    years = min(max((month.first.year - 2021) + (month.first.month - 4) / 12, 0), 5)
    online = 0.72 + 0.032 * years
    phone = 0.11 - 0.008 * years
    return np.array([online, 1 - online - phone, phone])


def write_permits(ctx) -> None:
    wards = ctx.wards()
    streets = ctx.streets()
    resident_weight = wards.population
    business_weight = wards.population * np.array([parking_intensity(n) for n in wards.names])
    months = months_between(ctx.start, ctx.until)
    seq = 0

    def formatter(a: dict[str, np.ndarray]) -> pa.Table:
        return format_permits(a, wards.codes)

    with Batcher(ctx.output, formatter, encoding="cp1252", eol="\r\n") as batch:
        for month in months:
            rng = stream(ctx.seed, "permits", month.key)
            season = 1.12 if month.first.month in (3, 4) else (0.9 if month.first.month in (8, 12) else 1.0)
            n = max(int(rng.poisson(ctx.scale.permits_per_month * season * covid_recovery(month.first) ** 0.5
                                    * month_fraction(month))), 1)
            arrays = permit_arrays(rng, ctx, month, n, resident_weight, business_weight, streets)
            arrays["number"] = seq + 1 + np.arange(n)
            seq += n
            batch.add(permit_path(month), arrays)
    ctx.output.say(f"permits: {len(months)} monthly files (cp1252), {seq:,} applications")


def permit_arrays(rng, ctx, month: Month, n: int, resident_weight, business_weight, streets) -> dict:
    kind = pick(rng, n, [t.share for t in PERMIT_TYPES])
    business = np.isin(kind, [2, 4, 6])
    ward = np.where(business, pick(rng, n, business_weight), pick(rng, n, resident_weight))
    channel = pick(rng, n, channel_mix(month))
    for k, t in enumerate(PERMIT_TYPES):
        if t.online_share is not None:
            rows = kind == k
            channel[rows] = np.where(rng.random(int(rows.sum())) < t.online_share, 0, 2)
    online = channel == 0
    days = month.days
    applied = np.empty(n, dtype="datetime64[s]")
    applied[online] = sample_times(rng, int(online.sum()), days, np.ones(len(days)), ONLINE_HOURS)
    office_days = np.where(day_kind(days) == 0, 1.0, 0.0)
    applied[~online] = sample_times(rng, int((~online).sum()), days, office_days, OFFICE_HOURS)
    order = np.argsort(applied, kind="stable")  # the export lists applications in the order received
    kind, ward, channel, applied = kind[order], ward[order], channel[order], applied[order]
    issued = issue_times(rng, applied, channel)

    until_end = np.datetime64(ctx.until, "s") + np.timedelta64(86_399, "s")
    rejected = rng.random(n) < 0.025
    pending = (issued > until_end) & ~rejected
    status = np.zeros(n, dtype=np.int64)
    status[rng.random(n) < 0.015] = 4
    status[rng.random(n) < 0.01] = 5
    valid_from = issued.astype("datetime64[D]") + (rng.random(n) < 0.2).astype(np.int64)
    valid_days = np.array([t.valid_days for t in PERMIT_TYPES])[kind]
    valid_to = valid_from + (valid_days - 1)
    expired = valid_to < np.datetime64(ctx.until, "D")
    status = np.where(status == 0, np.where(expired, 1, 0), status)
    status[pending] = 2
    status[rejected] = 3
    price = np.zeros(n, dtype=np.int64)
    for k, t in enumerate(PERMIT_TYPES):
        rows = np.flatnonzero(kind == k)
        price[rows] = np.array(t.prices)[pick(rng, len(rows), t.price_weights)]
    return {"kind": kind, "zone": zone_of_ward(rng, streets, ward), "ward": ward, "channel": channel,
            "applied": applied, "issued": issued, "not_issued": pending | rejected, "valid_from": valid_from,
            "valid_to": valid_to, "price": price, "status": status}


def format_permits(a: dict[str, np.ndarray], ward_codes) -> pa.Table:
    not_issued = a["not_issued"]
    number = pc.binary_join_element_wise(csvout.lookup([t.prefix for t in PERMIT_TYPES], a["kind"]),
                                         csvout.integer(a["number"], width=7), "")
    return pa.table({
        "Permit Number": number,
        "Permit Type": csvout.lookup([t.name for t in PERMIT_TYPES], a["kind"]),
        "Zone": csvout.text(a["zone"]),
        "Ward Code": csvout.lookup(ward_codes, a["ward"]),
        "Channel": csvout.lookup(CHANNELS, a["channel"]),
        "Application Received": csvout.timestamp(a["applied"], "uk_minutes"),
        "Issued": csvout.timestamp(a["issued"], "uk_minutes", not_issued),
        "Valid From": csvout.uk_date(a["valid_from"], not_issued),
        "Valid To": csvout.uk_date(a["valid_to"], not_issued),
        "Price": csvout.money(a["price"], prefix="£", thousands=True),
        "Status": csvout.lookup(PERMIT_STATUSES, a["status"]),
    })


def issue_times(rng, applied: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Online permits issue in minutes (a few go to manual checks for days); phone in minutes to hours; paper
    applications wait days for the post room and a back-office officer."""
    n = len(applied)
    minutes = np.where(channel == 0, rng.lognormal(np.log(4), 1.0, n), rng.lognormal(np.log(25), 0.8, n))
    issued = applied + (minutes * 60).astype("timedelta64[s]")
    slow = (channel == 1) | ((channel == 0) & (rng.random(n) < 0.07))
    working_days = np.where(channel == 1, np.ceil(rng.lognormal(np.log(6), 0.5, n)),
                            np.ceil(rng.lognormal(np.log(1.5), 0.6, n))).astype(np.int64)
    day = add_working_days(applied.astype("datetime64[D]"), working_days)
    office_time = (rng.integers(9 * 60, 17 * 60, size=n) * 60).astype("timedelta64[s]")
    return np.where(slow, day.astype("datetime64[s]") + office_time, issued)


def zone_of_ward(rng, streets, ward: np.ndarray) -> np.ndarray:
    """A zone of the ward (wards straddle one or two controlled parking zones)."""
    first = np.searchsorted(streets.ward, ward)
    count = np.bincount(streets.ward, minlength=int(streets.ward.max()) + 1)[ward]
    return streets.zone[first + rng.integers(0, 1 << 30, size=len(ward)) % count]


# ------------------------------------------------------------------------------------------------------ suspensions

SUSPENSION_HEADER = ["Suspension Ref", "Street", "Zone", "Ward Code", "Reason", "Bays Suspended", "Applied",
                     "Start Date", "End Date", "Status", "Fee"]
# reason, share, (min, max) days, mean extra bays
REASONS = [("Building works", 0.20, (14, 90), 1.5), ("Scaffolding", 0.08, (14, 120), 1.0), ("Skip", 0.15, (7, 28), 0.3),
           ("Removals", 0.20, (1, 2), 0.6), ("Filming", 0.08, (1, 5), 3.0), ("Utility works", 0.10, (3, 21), 1.5),
           ("Crane or hoist", 0.05, (1, 3), 2.0), ("Tree works", 0.03, (1, 2), 1.0),
           ("Highways works", 0.07, (1, 14), 2.0), ("Event", 0.02, (1, 3), 4.0),
           ("Wedding or funeral", 0.02, (1, 1), 1.0)]
SUSPENSION_STATUSES = ("Approved", "Active", "Completed", "Cancelled", "Rejected")
ADMIN_FEE, BAY_DAY_FEE = 9_500, 4_550


def suspension_files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(suspension_path(m), m.first) for m in months_between(start, until)]


def suspension_path(month: Month) -> str:
    return f"{SUSPENSIONS}/suspensions-{month.first:%Y-%m}.csv"


def write_suspensions(ctx) -> None:
    wards = ctx.wards()
    streets = ctx.streets()
    intensity = np.array([parking_intensity(n) for n in wards.names])
    street_weight = (wards.population * np.sqrt(intensity))[streets.ward] / np.bincount(streets.ward)[streets.ward]
    months = months_between(ctx.start, ctx.until)
    seq_by_year: dict[int, int] = {}

    def formatter(a: dict[str, np.ndarray]) -> pa.Table:
        return format_suspensions(a, streets, wards.codes)

    with Batcher(ctx.output, formatter) as batch:
        for month in months:
            rng = stream(ctx.seed, "suspensions", month.key)
            n = max(int(rng.poisson(ctx.scale.suspensions_per_month * covid_recovery(month.first)
                                    * month_fraction(month))), 1)
            arrays = suspension_arrays(rng, ctx, month, n, street_weight)
            seq = seq_by_year.get(month.first.year, 0)
            arrays["year"] = np.full(n, month.first.year)
            arrays["number"] = seq + 1 + np.arange(n)   # references restart each calendar year
            seq_by_year[month.first.year] = seq + n
            batch.add(suspension_path(month), arrays)
    ctx.output.say(f"suspensions: {len(months)} monthly files")


def suspension_arrays(rng, ctx, month: Month, n: int, street_weight) -> dict[str, np.ndarray]:
    days = month.days
    start = np.sort(days[pick(rng, n, np.array([1.0, 0.5, 0.2])[day_kind(days)])])
    reason = pick(rng, n, [r[1] for r in REASONS])
    low = np.array([r[2][0] for r in REASONS])[reason]
    high = np.array([r[2][1] for r in REASONS])[reason]
    length = low + np.floor((high - low + 1) * rng.random(n) ** 1.5).astype(np.int64)
    end = start + (length - 1)
    bays = 1 + rng.poisson(np.array([r[3] for r in REASONS])[reason])
    lead = np.maximum(np.rint(rng.lognormal(np.log(16), 0.5, n)), 1).astype(np.int64)
    until = np.datetime64(ctx.until, "D")
    status = np.where(start > until, 0, np.where(end >= until, 1, 2))
    draw = rng.random(n)
    status[draw < 0.06] = 3
    status[(draw >= 0.06) & (draw < 0.09)] = 4
    fee = ADMIN_FEE + bays * length * BAY_DAY_FEE
    fee = np.where(np.array([r[0] for r in REASONS])[reason] == "Filming", fee * 3 // 2, fee)
    fee = np.where(status == 3, ADMIN_FEE, np.where(status == 4, 0, fee))
    return {"street": pick(rng, n, street_weight), "reason": reason, "bays": bays, "applied": start - lead,
            "start": start, "end": end, "status": status, "fee": fee}


def format_suspensions(a: dict[str, np.ndarray], streets, ward_codes) -> pa.Table:
    street = a["street"]
    ref = pc.binary_join_element_wise("PS", csvout.integer(a["year"]), "-", csvout.integer(a["number"], width=5), "")
    return pa.table({
        "Suspension Ref": ref,
        "Street": csvout.text(streets.name[street]),
        "Zone": csvout.text(streets.zone[street]),
        "Ward Code": csvout.lookup(ward_codes, streets.ward[street]),
        "Reason": csvout.lookup([r[0] for r in REASONS], a["reason"]),
        "Bays Suspended": csvout.integer(a["bays"]),
        "Applied": csvout.uk_date(a["applied"]),
        "Start Date": csvout.uk_date(a["start"]),
        "End Date": csvout.uk_date(a["end"]),
        "Status": csvout.lookup(SUSPENSION_STATUSES, a["status"]),
        "Fee": csvout.money(a["fee"]),
    })


# ---------------------------------------------------------------------------------------------------------- sensors

SENSOR_HEADER = ["event_id", "bay_id", "street", "zone", "ward_code", "bay_type", "arrival_time", "departure_time",
                 "max_stay_minutes"]


@dataclass(frozen=True)
class BayType:
    name: str
    share: float
    max_stay: int | None      # minutes; None: no maximum stay
    median: float             # minutes
    sigma: float
    overstay: float           # share of stays that overstay


BAY_TYPES = [
    BayType("Pay by Phone", 0.40, 240, 50, 0.8, 0.08),
    BayType("Shared Use", 0.25, 240, 70, 0.85, 0.07),
    BayType("Resident Permit", 0.10, None, 360, 0.9, 0.0),
    BayType("Disabled", 0.08, None, 120, 0.8, 0.0),
    BayType("Loading", 0.10, 40, 15, 0.6, 0.15),
    BayType("Electric Vehicle", 0.05, 240, 140, 0.6, 0.12),
    BayType("Car Club", 0.02, None, 200, 0.8, 0.0),
]
ARRIVAL_HOURS = np.array([
    hour_profile((0, 0.15), (5, 0.1), (7, 0.8), (9, 1.8), (11, 2.0), (13, 2.1), (15, 1.9), (17, 1.7), (19, 1.2),
                 (21, 0.6), (23, 0.25)),
    hour_profile((0, 0.2), (7, 0.3), (9, 1.0), (11, 2.0), (14, 2.1), (17, 1.6), (20, 1.0), (23, 0.3)),
    hour_profile((0, 0.2), (8, 0.2), (10, 0.9), (13, 1.4), (16, 1.2), (19, 0.7), (23, 0.25)),
])
SENSOR_DAY_WEIGHT = np.array([1.0, 0.9, 0.55])
STAYS_PER_BAY_DAY = 4.5


def sensor_files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(sensor_path(m), m.first) for m in months_between(start, until)]


def sensor_path(month: Month) -> str:
    return f"{SENSORS}/bay-sensor-events-{month.first:%Y-%m}.csv"


@dataclass(frozen=True)
class Bays:
    street: np.ndarray
    kind: np.ndarray
    max_stay: np.ndarray      # minutes, 0 = none
    weight: np.ndarray        # how busy the bay is


def build_bays(ctx) -> Bays:
    """The sensor-equipped bays: more in the busy wards, mostly paid and shared-use bays."""
    rng = stream(ctx.seed, "sensors", "bays")
    wards, streets = ctx.wards(), ctx.streets()
    count = max(40, round(ctx.scale.sensor_stays_per_month / (30 * STAYS_PER_BAY_DAY)))
    intensity = np.array([parking_intensity(n) for n in wards.names])
    street_weight = (wards.population * intensity)[streets.ward] / np.bincount(streets.ward)[streets.ward]
    street = np.sort(pick(rng, count, street_weight))
    kind = pick(rng, count, [t.share for t in BAY_TYPES])
    max_stay = np.array([t.max_stay or 0 for t in BAY_TYPES])[kind]
    busy_ward = intensity[streets.ward[street]] >= 2
    max_stay = np.where((kind == 0) & busy_ward, 120, max_stay)  # short stays in the West End and town centres
    weight = rng.gamma(4.0, 0.25, size=count) * np.sqrt(intensity[streets.ward[street]])
    return Bays(street, kind, max_stay, weight)


def write_sensors(ctx) -> None:
    bays = build_bays(ctx)
    streets = ctx.streets()
    months = months_between(ctx.start, ctx.until)

    def formatter(a: dict[str, np.ndarray]) -> pa.Table:
        return format_stays(a, bays, streets, ctx.wards().codes)

    with Batcher(ctx.output, formatter) as batch:
        for month in months:
            rng = stream(ctx.seed, "sensors", month.key)
            season = {8: 0.9, 12: 1.05, 1: 0.92}.get(month.first.month, 1.0)
            n = max(int(rng.poisson(ctx.scale.sensor_stays_per_month * season * covid_recovery(month.first)
                                    * month_fraction(month))), 1)
            batch.add(sensor_path(month), stay_arrays(rng, ctx, month, n, bays))
    ctx.output.say(f"sensors: {len(months)} monthly files, {batch.written:,} stays")


def stay_arrays(rng, ctx, month: Month, n: int, bays: Bays) -> dict[str, np.ndarray]:
    days = month.days
    arrival = sample_times(rng, n, days, SENSOR_DAY_WEIGHT[day_kind(days)], ARRIVAL_HOURS, seconds=True)
    bay = pick(rng, n, bays.weight)
    minutes = stay_minutes(rng, bays.kind[bay], bays.max_stay[bay])
    departure = arrival + (minutes * 60).astype("timedelta64[s]")

    # One car at a time. Two arrivals in one bay within ten minutes cannot both be real: keep the first. Then each
    # stay ends a few minutes before the next car arrives in the same bay.
    order = np.lexsort((arrival, bay))
    bay, arrival, departure = bay[order], arrival[order], departure[order]
    same_bay = np.r_[False, bay[1:] == bay[:-1]]
    too_close = same_bay & (arrival - np.r_[arrival[:1], arrival[:-1]] < np.timedelta64(600, "s"))
    bay, arrival, departure = bay[~too_close], arrival[~too_close], departure[~too_close]
    n = len(bay)
    same_bay_next = np.r_[bay[1:] == bay[:-1], False]
    next_arrival = np.r_[arrival[1:], arrival[-1:]]
    gap = (rng.integers(1, 6, size=n) * 60).astype("timedelta64[s]")
    departure = np.where(same_bay_next & (departure > next_arrival - gap), next_arrival - gap, departure)

    order = np.lexsort((bay, arrival))
    until_end = np.datetime64(ctx.until, "s") + np.timedelta64(86_399, "s")
    departure = departure[order]
    no_departure = (departure > until_end) | (rng.random(n) < 0.003)  # still parked, or the sensor missed it
    return {"month": np.full(n, month.first.year * 100 + month.first.month), "sequence": 1 + np.arange(n),
            "bay": bay[order], "arrival": arrival[order], "departure": departure, "no_departure": no_departure}


def format_stays(a: dict[str, np.ndarray], bays: Bays, streets, ward_codes) -> pa.Table:
    bay = a["bay"]
    street = bays.street[bay]
    max_stay = bays.max_stay[bay]
    return pa.table({
        "event_id": pc.binary_join_element_wise("EV", csvout.integer(a["month"]),
                                                csvout.integer(a["sequence"], width=6), ""),
        "bay_id": pc.binary_join_element_wise("CB", csvout.integer(bay + 1, width=5), ""),
        "street": csvout.text(streets.name[street]),
        "zone": csvout.text(streets.zone[street]),
        "ward_code": csvout.lookup(ward_codes, streets.ward[street]),
        "bay_type": csvout.lookup([t.name for t in BAY_TYPES], bays.kind[bay]),
        "arrival_time": csvout.timestamp(a["arrival"], "seconds"),
        "departure_time": csvout.timestamp(a["departure"], "seconds", a["no_departure"]),
        "max_stay_minutes": csvout.integer(max_stay, max_stay == 0),
    })


def stay_minutes(rng, kind: np.ndarray, max_stay: np.ndarray) -> np.ndarray:
    """Log-normal stays by bay type; most drivers leave within the maximum stay, a share overstay."""
    n = len(kind)
    median = np.array([t.median for t in BAY_TYPES])[kind]
    sigma = np.array([t.sigma for t in BAY_TYPES])[kind]
    minutes = rng.lognormal(np.log(median), sigma)
    limited = max_stay > 0
    overstay = limited & (rng.random(n) < np.array([t.overstay for t in BAY_TYPES])[kind])
    within = limited & ~overstay & (minutes > max_stay)
    minutes = np.where(within, max_stay * rng.uniform(0.5, 1.0, n), minutes)
    minutes = np.where(overstay, max_stay * rng.uniform(1.05, 2.2, n), minutes)
    return np.maximum(np.rint(minutes), 2).astype(np.int64)

"""Penalty Charge Notices: Camden's open-data columns then back-office columns, one file a month.

Codes and vehicle categories come from Camden's real published lists (read when generating; also copied unchanged
into reference/). About a third of notices are camera-enforced bus lane or moving traffic contraventions; about 39%
of records have no coordinates, as in Camden's open data. Charges are London band A: £160 higher / £110 lower, half
if paid within 14 days.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.generate import csvout
from etl.generate.common import (
    REFERENCE_LISTS,
    Month,
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

FOLDER = "parking/pcn"
REFERENCE_FILES = ("camden-contravention-codes.csv", "camden-vehicle-categories.csv")
HEADER = ["contravention_date", "ticket_type", "contravention_code", "street", "vehicle_category", "status_of_case",
          "ward_code", "easting", "northing", "longitude", "latitude", "location", "pcn_number",
          "controlled_parking_zone", "band", "on_street", "amount_charged", "amount_paid", "amount_outstanding",
          "cancellation_reason"]

TICKET_TYPES = ("Parking", "Bus Lane", "Moving Traffic")
BUS_LANE_CODES = {"34": 1.0}
MOVING_TRAFFIC_CODES = {"52": 30, "31": 20, "50": 15, "53": 12, "51": 10, "33": 6, "29": 3, "32": 2, "38": 1,
                        "54": 1}
PARKING_CODES = {"12": 20, "11": 14, "16": 10, "1": 9, "19": 8, "21": 6, "2": 5, "5": 4, "25": 4, "30": 3,
                 "40": 3, "62": 3, "47": 2, "23": 2, "24": 2, "14": 1, "27": 1, "48": 1, "99": 0.5}
OTHER_PARKING_WEIGHT = 0.3
LOWER_BAND_CODES = {"5", "11", "19", "24", "30", "63"}   # London's lower-level parking contraventions
HIGHER_PENCE, LOWER_PENCE = 16_000, 11_000

STATUSES = ("Paid", "Part Paid", "Cancelled", "Written Off", "Open", "Challenged", "Appealed")
CANCELLATION_REASONS = ("Valid permit produced", "Blue badge produced", "Loading or unloading evidence",
                        "Civil enforcement officer error", "Vehicle stolen", "Compassionate grounds",
                        "Appeal allowed by adjudicator", "Signs or lines defective", "Suspension not signed",
                        "Duplicate PCN", "Diplomatic vehicle", "Vehicle in use by emergency services")
CANCELLATION_WEIGHTS = (26, 12, 14, 10, 3, 6, 5, 9, 4, 5, 2, 4)

MONTH_FACTOR = {1: 0.95, 2: 0.96, 3: 1.03, 4: 0.98, 5: 1.0, 6: 1.02, 7: 1.03, 8: 0.88, 9: 1.02, 10: 1.05,
                11: 1.03, 12: 0.9}
DAY_WEIGHT = {"Parking": (1.0, 0.7, 0.3), "Camera": (1.0, 0.6, 0.35)}
WITHOUT_COORDINATES = 0.39


# Civil enforcement officers patrol 08:00-18:30 with evening patrols in the town centres; cameras follow traffic.
PARKING_HOURS = np.array([
    hour_profile((0, 0.05), (6, 0.05), (7, 0.6), (8, 1.6), (10, 2.0), (12, 1.8), (13, 1.5), (15, 1.9), (17, 1.6),
                 (18, 1.0), (19, 0.6), (22, 0.3), (23, 0.05)),
    hour_profile((0, 0.05), (7, 0.05), (8, 0.7), (10, 1.5), (13, 1.6), (16, 1.4), (18, 0.9), (20, 0.5), (23, 0.05)),
    hour_profile((0, 0.02), (8, 0.02), (9, 0.3), (12, 0.7), (15, 0.6), (18, 0.3), (20, 0.05), (23, 0.02)),
])
CAMERA_HOURS = np.array([
    hour_profile((0, 0.1), (5, 0.1), (7, 1.2), (8, 2.0), (9, 1.7), (12, 1.2), (16, 1.6), (17, 2.0), (18, 1.6),
                 (20, 0.7), (23, 0.2)),
    hour_profile((0, 0.15), (7, 0.3), (10, 1.2), (14, 1.4), (18, 1.0), (23, 0.3)),
    hour_profile((0, 0.15), (8, 0.2), (11, 0.8), (15, 0.9), (19, 0.5), (23, 0.2)),
])


def files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(relpath(m), m.first) for m in months_between(start, until)]


def relpath(month: Month) -> str:
    return f"{FOLDER}/camden-pcns-{month.first:%Y-%m}.csv"


# ------------------------------------------------------------------------------------------------------- reference

def reference_dir():
    return REFERENCE_LISTS


def read_codes() -> list[str]:
    """Distinct contravention codes of Camden's list, in numeric order (the list repeats a code per variant)."""
    with (reference_dir() / REFERENCE_FILES[0]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return sorted({r[0].strip() for r in rows if r and r[0].strip()}, key=int)


def read_vehicle_categories() -> list[str]:
    with (reference_dir() / REFERENCE_FILES[1]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [r[0] for r in rows if r and r[0].strip()]


def copy_reference(ctx) -> None:
    """The two real Camden lists go into reference/ byte for byte."""
    for name in REFERENCE_FILES:
        target = ctx.output.root / "reference" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference_dir() / name, target)
        with target.open(encoding="utf-8", newline="") as handle:
            ctx.output.record(f"reference/{name}", sum(1 for _ in csv.reader(handle)) - 1)


# ---------------------------------------------------------------------------------------------------------- notices

class CodeBook:
    """The codes of each ticket type with their weights, restricted to codes on Camden's real list."""

    def __init__(self, codes: list[str]):
        known = set(codes)
        self.parking = [c for c in codes if c not in BUS_LANE_CODES and c not in MOVING_TRAFFIC_CODES]
        self.by_type = [
            (self.parking, [PARKING_CODES.get(c, OTHER_PARKING_WEIGHT) for c in self.parking]),
            ([c for c in BUS_LANE_CODES if c in known], [BUS_LANE_CODES[c] for c in BUS_LANE_CODES if c in known]),
            ([c for c in MOVING_TRAFFIC_CODES if c in known],
             [MOVING_TRAFFIC_CODES[c] for c in MOVING_TRAFFIC_CODES if c in known]),
        ]


def type_shares(month: Month) -> np.ndarray:
    """Camera enforcement of moving traffic grew over the period (more junctions, school streets)."""
    years = (month.first.year - 2021) + (month.first.month - 4) / 12
    moving = 0.20 + 0.015 * years
    return np.array([1 - 0.09 - moving, 0.09, moving])


def write(ctx) -> None:
    codes = CodeBook(read_codes())
    categories = read_vehicle_categories()
    category_weights = np.array([0.5] + [1 / (rank + 1) ** 1.3 for rank in range(1, len(categories))])
    streets = ctx.streets()
    wards = ctx.wards()
    ward_weight = wards.population * np.array([parking_intensity(n) for n in wards.names])
    street_weight = ward_weight[streets.ward] / np.bincount(streets.ward)[streets.ward]
    rank_in_ward = np.arange(len(streets)) - np.searchsorted(streets.ward, streets.ward)
    street_weight *= 1 / (1 + rank_in_ward) ** 0.4  # main roads come first in each ward's list
    months = months_between(ctx.start, ctx.until)
    issued_so_far = 0
    recovery = []   # the service's return of PCNs paid (PRK02), worked out from these notices (issue 21)

    def formatter(a: dict[str, np.ndarray]) -> pa.Table:
        return format_pcns(a, streets, wards.codes, categories)

    with Batcher(ctx.output, formatter) as batch:
        for month in months:
            rng = stream(ctx.seed, "pcn", month.key)
            mean = ctx.scale.pcn_per_month * MONTH_FACTOR[month.first.month] * covid_recovery(month.first)
            n = max(int(rng.poisson(mean * month_fraction(month))), 1)
            arrays = month_arrays(rng, month, n, codes, category_weights, streets, street_weight, ctx.until)
            arrays["number"] = issued_so_far + 1 + np.arange(n)
            issued_so_far += n
            batch.add(relpath(month), arrays)
            recovery.append(recovery_figures(arrays["status"]))
    ctx.record_figures[("PRK", "PRK02")] = {"ALL": recovery}
    ctx.output.say(f"pcn: {len(months)} monthly files, {issued_so_far:,} notices")


def recovery_figures(status: np.ndarray) -> tuple:
    """(value, numerator, denominator): of a month's notices not cancelled, the share paid in full, as the
    warehouse's PCN recovery rate counts them."""
    paid, kept = int((status == STATUSES.index("Paid")).sum()), int((status != STATUSES.index("Cancelled")).sum())
    return (100 * paid / kept if kept else None, paid, kept)


def month_arrays(rng, month: Month, n: int, codes: CodeBook, category_weights, streets, street_weight,
                 until: dt.date) -> dict[str, np.ndarray]:
    kind = pick(rng, n, type_shares(month))
    camera = kind > 0
    issued = np.empty(n, dtype="datetime64[s]")
    days = month.days
    for is_camera, weights, hours in ((False, DAY_WEIGHT["Parking"], PARKING_HOURS),
                                      (True, DAY_WEIGHT["Camera"], CAMERA_HOURS)):
        rows = np.flatnonzero(camera == is_camera)
        issued[rows] = sample_times(rng, len(rows), days, np.array(weights)[day_kind(days)], hours)
    order = np.argsort(issued, kind="stable")
    kind, camera, issued = kind[order], camera[order], issued[order]

    code = np.empty(n, dtype=object)
    for k, (type_codes, weights) in enumerate(codes.by_type):
        rows = np.flatnonzero(kind == k)
        code[rows] = np.array(type_codes, dtype=object)[pick(rng, len(rows), weights)]
    lower = np.isin(code, list(LOWER_BAND_CODES)) & ~camera
    charged = np.where(lower, LOWER_PENCE, HIGHER_PENCE)
    status, paid, outstanding = outcomes(rng, issued, charged, until)
    return {"issued": issued, "kind": kind, "camera": camera, "code": code,
            "street": pick(rng, n, street_weight), "point": rng.integers(streets.lon.shape[1], size=n),
            "no_coordinates": rng.random(n) < WITHOUT_COORDINATES, "lower": lower, "charged": charged,
            "on_street": (rng.random(n) >= 0.03) | camera, "status": status, "paid": paid,
            "outstanding": outstanding, "reason": pick(rng, n, CANCELLATION_WEIGHTS),
            "category": pick(rng, n, category_weights)}


def format_pcns(a: dict[str, np.ndarray], streets, ward_codes, categories) -> pa.Table:
    street, point, hidden = a["street"], a["point"], a["no_coordinates"]
    street_names = csvout.text(streets.name[street])
    cancelled = a["status"] == STATUSES.index("Cancelled")
    return pa.table({
        "contravention_date": csvout.timestamp(a["issued"], "iso_millis"),
        "ticket_type": csvout.lookup(TICKET_TYPES, a["kind"]),
        "contravention_code": csvout.text(a["code"]),
        "street": street_names,
        "vehicle_category": csvout.lookup(categories, a["category"]),
        "status_of_case": csvout.lookup(STATUSES, a["status"]),
        "ward_code": csvout.lookup(ward_codes, streets.ward[street]),
        "easting": csvout.integer(streets.easting[street, point], hidden),
        "northing": csvout.integer(streets.northing[street, point], hidden),
        "longitude": csvout.fixed(streets.lon[street, point], 6, hidden),
        "latitude": csvout.fixed(streets.lat[street, point], 6, hidden),
        "location": pc.binary_join_element_wise(street_names, "Camden", ", "),
        "pcn_number": pc.binary_join_element_wise(csvout.lookup(("CU", "CT"), a["camera"].astype(int)),
                                                  csvout.integer(a["number"], width=8), ""),
        "controlled_parking_zone": csvout.text(streets.zone[street], a["camera"]),
        "band": csvout.lookup(("Higher", "Lower"), a["lower"].astype(int)),
        "on_street": csvout.lookup(("N", "Y"), a["on_street"].astype(int)),
        "amount_charged": csvout.money(a["charged"]),
        "amount_paid": csvout.money(a["paid"]),
        "amount_outstanding": csvout.money(a["outstanding"]),
        "cancellation_reason": csvout.lookup(CANCELLATION_REASONS, a["reason"], ~cancelled),
    })


def outcomes(rng, issued: np.ndarray, charged: np.ndarray, until: dt.date):
    """Status as at `until`, with what was paid and what is still owed.

    Young notices are mostly open (the 28 days to pay or challenge have not run); old ones are mostly paid,
    cancelled or written off, with a few still in recovery or at appeal.
    """
    n = len(issued)
    age = (np.datetime64(until, "D") - issued.astype("datetime64[D]")).astype(float)
    p_open = 0.04 + 0.62 * np.exp(-age / 35)
    p_challenged = 0.01 + 0.10 * np.exp(-age / 50)
    p_appealed = 0.006 + 0.03 * np.exp(-age / 150)
    settled = 1 - p_open - p_challenged - p_appealed
    written_off = 0.09 * (1 - np.exp(-age / 180))
    shares = np.stack([settled * (0.72 + 0.09 - written_off), settled * 0.03, settled * 0.16, settled * written_off,
                       p_open, p_challenged, p_appealed], axis=1)
    cumulative = np.cumsum(shares, axis=1)
    status = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, len(STATUSES) - 1)

    paid = np.zeros(n, dtype=np.int64)
    outstanding = np.zeros(n, dtype=np.int64)
    is_paid = status == 0
    how = rng.random(n)
    paid[is_paid] = np.where(how[is_paid] < 0.66, charged[is_paid] // 2,
                             np.where(how[is_paid] < 0.9, charged[is_paid], charged[is_paid] * 3 // 2))
    part = status == 1
    paid[part] = charged[part] // 2
    outstanding[part] = charged[part] - paid[part]
    owing = status >= 4
    outstanding[owing] = charged[owing]
    return status, paid, outstanding

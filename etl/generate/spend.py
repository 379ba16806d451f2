"""Spend over £500 (Transparency Code), one file a financial quarter, in Camden's published column set.

Camden publishes about 5,000 lines a month; roughly one in six has its payee redacted as 'xxxxREDACTEDxxxx'
(payments to individuals: direct payments, foster and kinship carers). Supplier names here are made up, apart from a
few public bodies; the big suppliers cover care, construction and repairs, IT, agency staff and waste.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.generate import csvout
from etl.generate.common import (
    COUNCIL_NAME,
    MONTH_ABBR,
    MONTH_NAMES,
    Quarter,
    bank_holidays,
    fy_label,
    fy_start_year,
    pick,
    quarters_between,
    stream,
)
from etl.generate.output import Batcher

FOLDER = "spend"
ORGANISATION_URI = "http://opendatacommunities.org/id/london-borough-council/camden"
REDACTED = "xxxxREDACTEDxxxx"
HEADER = ["Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year",
          "Financial Year", "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP",
          "Irrecoverable VAT Amount GBP", "Latest Financial Year", "Latest Year", "Latest Month", "Unique Identifier"]


@dataclass(frozen=True)
class Sector:
    """A kind of supplier: what it is paid for, which services pay it, and how big its invoices are."""

    name: str
    share: float              # share of payment lines
    purposes: tuple[str, ...]
    service_words: tuple[str, ...]  # a service whose name or directorate has one of these words pays it
    median: float             # median invoice (pounds)
    sigma: float


SECTORS = [
    Sector("care", 0.20, ("Residential Care", "Nursing Care", "Home Care", "Supported Living", "Day Care Services",
                          "Care Packages - Learning Disabilities", "Care Packages - Mental Health"),
           ("adult", "care", "health", "disab", "learning", "mental"), 2_400, 1.0),
    Sector("repairs", 0.14, ("Responsive Repairs Costs", "Planned Maintenance", "Capital Works - Construction",
                             "Building Repairs & Maintenance", "Professional Fees - Capital"),
           ("repair", "housing", "property", "estate", "capital", "building", "asset"), 4_500, 1.3),
    Sector("agency", 0.10, ("Agency Staff", "Interim Staff", "Recruitment Advertising"),
           ("", ), 1_700, 0.7),
    Sector("it", 0.06, ("IT Software Licences", "IT Hardware", "IT Services & Support", "Telephony"),
           ("digital", "technology", "ict", "data", "customer", "information"), 3_000, 1.2),
    Sector("housing", 0.09, ("Temporary Accommodation - Nightly Paid", "Temporary Accommodation - Leased", "Rent"),
           ("homeless", "accommodation", "housing", "rough"), 1_400, 0.8),
    Sector("environment", 0.05, ("Waste Collection Contract", "Street Cleansing", "Grounds Maintenance",
                                 "Highways Maintenance"),
           ("waste", "clean", "street", "environment", "park", "highway", "recycl", "parking", "transport"),
           12_000, 1.1),
    Sector("professional", 0.06, ("Consultancy Fees", "Legal Fees", "Audit Fees", "Professional Fees"),
           ("", ), 3_200, 1.1),
    Sector("voluntary", 0.05, ("Grants to Voluntary Organisations", "Community Grants", "Commissioned Services"),
           ("communit", "voluntary", "youth", "culture", "library", "public health", "equal"), 5_000, 1.0),
    Sector("supplies", 0.08, ("Office Supplies & Stationery", "Printing", "Furniture & Equipment", "Catering",
                              "Cleaning", "Security Services", "Training", "Vehicle Hire", "Postage"),
           ("", ), 1_100, 0.8),
    Sector("utilities", 0.02, ("Electricity", "Gas", "Water Charges"),
           ("property", "estate", "facilit", "housing", "school"), 3_500, 1.2),
]
REDACTED_PURPOSES = ("Direct Payments", "Foster Care Allowances", "Special Guardianship Allowances",
                     "Personal Budgets", "Care Leavers Allowances", "Kinship Care Allowances")
REDACTED_SHARE = 0.155
CREDIT_NOTE_SHARE = 0.012

BIG_SUPPLIERS = {
    "care": ["Heathside Care Partnership Ltd", "Northbank Homecare Ltd", "Primrose Living Services",
             "Elmwood Nursing Homes Ltd", "Brightwater Supported Living CIC"],
    "repairs": ["Meridian Property Services Ltd", "Hallmark Gas & Heating Ltd", "Northway Building Services Ltd",
                "Kinetic Lift Services Ltd", "Fleetline Drainage Ltd", "Keystone Roofing Ltd",
                "Sentinel Door Entry Systems Ltd", "Ardent Damp Solutions Ltd", "Clearview Glazing Ltd"],
    "agency": ["Matrix Public Sector Recruitment Ltd", "Capstone Interim Solutions Ltd", "Hartley Agency Staff Ltd"],
    "it": ["Cloudbridge Systems Ltd", "Datawise Public Sector Ltd", "Tessera Software plc"],
    "housing": ["Citywide Nightly Lets Ltd", "Safehaven Temporary Homes Ltd", "Regent Lettings Partnership"],
    "environment": ["Greenline Environmental Services Ltd", "North London Waste Authority"],
    "professional": ["Fairfield Legal LLP", "Ashby & Cole Chartered Accountants", "Stratton Consulting Ltd"],
    "voluntary": ["Camden Community Trust", "Somers Town Community Association", "Kentish Town Advice Centre"],
    "supplies": ["Officeplus Supplies Ltd", "Guardian Security Services Ltd", "Sparkle Facilities Cleaning Ltd"],
    "utilities": ["Metro Energy Supply Ltd", "Thames Water Utilities Ltd"],
}
NAME_HEADS = ["Abbey", "Albion", "Apex", "Arden", "Ashdale", "Beacon", "Bedford", "Belmont", "Bishop", "Bluebell",
              "Bridge", "Camberley", "Castle", "Cedar", "Chiltern", "Clarence", "Coast", "Crown", "Delta", "Dover",
              "Eagle", "Eden", "Elite", "Evergreen", "Falcon", "Fleet", "Fortis", "Garrick", "Granary", "Harbour",
              "Hawthorn", "Highfield", "Horizon", "Ivy", "Jubilee", "Kestrel", "Kingfisher", "Lambeth", "Laurel",
              "Liberty", "Lime", "Linden", "Madison", "Maple", "Marlow", "Mercury", "Milestone", "Nova", "Oak",
              "Orbit", "Osprey", "Paragon", "Pinnacle", "Premier", "Quantum", "Raven", "Regal", "Riverside", "Rowan",
              "Sapphire", "Sterling", "Summit", "Swift", "Thames", "Trinity", "Unity", "Vantage", "Vertex",
              "Victoria", "Wessex", "Willow", "Windsor", "York", "Zenith"]
NAME_TRADES = {
    "care": ["Care", "Homecare", "Care Services", "Support Services", "Living", "Nursing"],
    "repairs": ["Building", "Construction", "Maintenance", "Plumbing", "Electrical", "Roofing", "Scaffolding"],
    "agency": ["Recruitment", "Staffing", "Personnel", "Resourcing"],
    "it": ["Systems", "Digital", "Software", "Technology", "Networks"],
    "housing": ["Lettings", "Homes", "Property", "Housing", "Residential"],
    "environment": ["Environmental", "Landscapes", "Waste Services", "Tree Care"],
    "professional": ["Consulting", "Associates", "Advisory", "Surveyors", "Chambers"],
    "voluntary": ["Community Centre", "Foundation", "Youth Trust", "Association", "Project"],
    "supplies": ["Supplies", "Print", "Catering", "Cleaning", "Security", "Office Solutions"],
    "utilities": ["Energy", "Power", "Water"],
}
NAME_TAILS = {"voluntary": ["", "CIC", "Charity"], "professional": ["LLP", "Ltd", ""]}


def files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(relpath(q), q.first) for q in quarters_between(start, until)]


def relpath(q: Quarter) -> str:
    return f"{FOLDER}/camden-spend-over-500-{fy_label(q.fy)}-q{q.number}.csv"


@dataclass(frozen=True)
class Suppliers:
    names: np.ndarray     # object array
    sector: np.ndarray    # sector index
    weight: np.ndarray    # how often each is paid, within its sector


BIG_SUPPLIER_SHARE = 0.3   # of a sector's payment lines; the long tail has the rest


def build_suppliers(seed: int, tail: int) -> Suppliers:
    """A few big suppliers per sector and a long tail of small ones (Zipf-like weights)."""
    rng = stream(seed, "spend", "suppliers")
    names, sectors, weights, seen = [], [], [], set()
    for s, sector in enumerate(SECTORS):
        for rank, name in enumerate(BIG_SUPPLIERS.get(sector.name, [])):
            names.append(name)
            sectors.append(s)
            weights.append(1.0 / (rank + 1))
            seen.add(name)
    shares = np.array([s.share for s in SECTORS])
    tail_sectors = pick(rng, tail, shares)
    for i, s in enumerate(tail_sectors.tolist()):
        sector = SECTORS[s]
        for _ in range(20):
            head = NAME_HEADS[rng.integers(len(NAME_HEADS))]
            trade = NAME_TRADES[sector.name][rng.integers(len(NAME_TRADES[sector.name]))]
            tails = NAME_TAILS.get(sector.name, ["Ltd", "Ltd", "Limited", "Ltd", "plc", "Services Ltd"])
            suffix = tails[rng.integers(len(tails))]
            name = " ".join(part for part in (head, trade, suffix) if part).upper() if rng.random() < 0.35 \
                else " ".join(part for part in (head, trade, suffix) if part)
            if name not in seen:
                break
        else:
            name = f"{name} {i}"
        seen.add(name)
        names.append(name)
        sectors.append(s)
        weights.append(1.0 / (1 + i) ** 0.6)
    sectors_array, weights_array = np.array(sectors), np.array(weights)
    big = np.arange(len(names)) < len(names) - tail
    for s in range(len(SECTORS)):  # the big suppliers take a fixed share of their sector, the tail the rest
        for group, share in ((big, BIG_SUPPLIER_SHARE), (~big, 1 - BIG_SUPPLIER_SHARE)):
            rows = group & (sectors_array == s)
            if rows.any():
                weights_array[rows] *= share / weights_array[rows].sum()
    return Suppliers(np.array(names, dtype=object), sectors_array, weights_array)


def services_for_sectors(services) -> list[np.ndarray]:
    """For each sector, the indices of the services that plausibly pay it (all services if none match)."""
    keyed = [f"{s.name} {s.directorate}".lower() for s in services]
    result = []
    for sector in SECTORS:
        words = [w for w in sector.service_words if w]
        matches = [i for i, k in enumerate(keyed) if any(w in k for w in words)] if words else []
        result.append(np.array(matches or list(range(len(services)))))
    return result


def quarter_volume(q: Quarter, per_quarter: int) -> float:
    """Year-end (Q4) invoices pile up; Q1 is quieter. Part quarters get their share."""
    factor = {1: 0.9, 2: 0.97, 3: 1.0, 4: 1.18}[q.number]
    covered = sum((m.last - m.first).days + 1 for m in q.months) / ((q.nominal_last - q.first).days + 1)
    return per_quarter * factor * covered


def write(ctx) -> None:
    suppliers = build_suppliers(ctx.seed, ctx.scale.suppliers)
    services = ctx.services()
    service_names = np.array([s.name for s in services], dtype=object)
    sector_services = services_for_sectors(services)
    quarters = quarters_between(ctx.start, ctx.until)
    with Batcher(ctx.output, format_spend) as batch:
        for q in quarters:
            rng = stream(ctx.seed, "spend", f"{q.fy}-q{q.number}")
            n = max(int(rng.poisson(quarter_volume(q, ctx.scale.spend_per_quarter))), 1)
            batch.add(relpath(q), quarter_arrays(rng, q, n, suppliers, service_names, sector_services))
    ctx.output.say(f"spend: {len(quarters)} quarterly files, {batch.written:,} payments")


def quarter_arrays(rng, q: Quarter, n: int, suppliers: Suppliers, service_names: np.ndarray,
                   sector_services: list[np.ndarray]) -> dict[str, np.ndarray]:
    dates = payment_dates(rng, q, n)
    redacted = rng.random(n) < REDACTED_SHARE
    sector = pick(rng, n, [s.share for s in SECTORS])
    supplier = np.zeros(n, dtype=np.int64)
    purpose = np.empty(n, dtype=object)
    unit = np.empty(n, dtype=object)
    pence = np.zeros(n, dtype=np.int64)
    for s, spec in enumerate(SECTORS):
        rows = np.flatnonzero(sector == s)
        own = np.flatnonzero(suppliers.sector == s)
        supplier[rows] = own[pick(rng, len(rows), suppliers.weight[own])]
        purpose[rows] = np.array(spec.purposes, dtype=object)[rng.integers(len(spec.purposes), size=len(rows))]
        unit[rows] = service_names[sector_services[s][rng.integers(len(sector_services[s]), size=len(rows))]]
        pence[rows] = invoice_pence(rng, len(rows), spec.median, spec.sigma)
    beneficiary = suppliers.names[supplier]
    beneficiary[redacted] = REDACTED
    purpose[redacted] = np.array(REDACTED_PURPOSES, dtype=object)[rng.integers(len(REDACTED_PURPOSES),
                                                                              size=int(redacted.sum()))]
    care_units = sector_services[0]
    unit[redacted] = service_names[care_units[rng.integers(len(care_units), size=int(redacted.sum()))]]
    pence[redacted] = invoice_pence(rng, int(redacted.sum()), 900, 0.6)
    credit = rng.random(n) < CREDIT_NOTE_SHARE
    pence[credit] = -pence[credit]
    vat = np.where(rng.random(n) < 0.004, np.rint(np.abs(pence) * 0.2 * rng.random(n)), 0).astype(np.int64)

    order = np.lexsort((rng.random(n), dates))
    dates = dates[order]
    month = dates.astype("datetime64[M]")
    first_of_month = np.r_[True, month[1:] != month[:-1]]
    run_start = np.maximum.accumulate(np.where(first_of_month, np.arange(n), 0))
    latest = q.last
    return {"date": dates, "beneficiary": beneficiary[order], "purpose": purpose[order], "unit": unit[order],
            "pence": pence[order], "vat": vat[order], "sequence": np.arange(n) - run_start + 1,  # within the month
            "latest_fy": np.full(n, fy_label(fy_start_year(latest), "/"), dtype=object),
            "latest_year": np.full(n, str(latest.year), dtype=object),
            "latest_month": np.full(n, MONTH_NAMES[latest.month - 1], dtype=object)}


def payment_dates(rng, q: Quarter, n: int) -> np.ndarray:
    """Payment runs happen on working days, with more on Tuesdays and Thursdays (the weekly BACS runs)."""
    days = np.concatenate([m.days for m in q.months])
    working = days[np.busday_offset(days, 0, roll="forward", holidays=bank_holidays()) == days]
    weekday = (working.astype(np.int64) - 4) % 7
    weights = np.where(np.isin(weekday, [1, 3]), 2.5, 1.0)
    return working[pick(rng, n, weights)]


def invoice_pence(rng, n: int, median: float, sigma: float) -> np.ndarray:
    """Log-normal invoices from £500 up; a fifth are whole pounds, as fixed-price invoices are."""
    pounds = 500 + rng.lognormal(np.log(max(median - 500, 50)), sigma, size=n)
    pence = np.rint(pounds * 100).astype(np.int64)
    whole = rng.random(n) < 0.2
    pence[whole] = pence[whole] // 100 * 100
    return pence


def format_spend(a: dict[str, np.ndarray]) -> pa.Table:
    dates = a["date"]
    n = len(dates)
    month_index = dates.astype("datetime64[M]").astype(np.int64) % 12
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    fy = np.where(month_index >= 3, year, year - 1)
    identifier = pc.binary_join_element_wise(csvout.lookup(MONTH_ABBR, month_index),
                                             csvout.integer(year % 100, width=2), csvout.integer(a["sequence"]), "-")
    fy_labels = [fy_label(y, "/") for y in range(2015, 2040)]
    return pa.table({
        "Organisation Label": pa.array(np.full(n, COUNCIL_NAME), type=pa.string()),
        "Organisation URI": pa.array(np.full(n, ORGANISATION_URI), type=pa.string()),
        "Payment Date": csvout.uk_date(dates, padded=False),
        "Payment Month": csvout.lookup(MONTH_NAMES, month_index),
        "Payment Year": csvout.integer(year),
        "Financial Year": csvout.lookup(fy_labels, fy - 2015),
        "Beneficiary Name": csvout.text(a["beneficiary"]),
        "Purpose": csvout.text(a["purpose"]),
        "Organisational Unit": csvout.text(a["unit"]),
        "Amount GBP": csvout.money(a["pence"]),
        "Irrecoverable VAT Amount GBP": csvout.money(a["vat"]),
        "Latest Financial Year": csvout.text(a["latest_fy"]),
        "Latest Year": csvout.text(a["latest_year"]),
        "Latest Month": csvout.text(a["latest_month"]),
        "Unique Identifier": identifier,
    })

"""Helpers for the ETL tests: small deterministic source files in the councils' published layouts, an independent
CSV reader (Python's csv module) for expected counts, and a runner for the real CLI in a subprocess.

Nothing here imports the code under test: expected numbers come from the files themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
FALLBACK_TEST_KEY = "borough-insight-test-key-0123456789"
KEY_ENV = "BOROUGH_INSIGHT_PSEUDONYM_KEY"
KEY_FILE_ENV = "BOROUGH_INSIGHT_PSEUDONYM_KEY_FILE"
AS_OF = "2024-12-31"  # every build of the synthetic corpus measures to this date

SPEND_CAMDEN_HEADER = [
    "Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year", "Financial Year",
    "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP", "Irrecoverable VAT Amount GBP",
    "Latest Financial Year", "Latest Year", "Latest Month", "Unique Identifier",
]
PCN_CAMDEN_HEADER = [
    "contravention_date", "ticket_type", "contravention_code", "street", "vehicle_category", "status_of_case",
    "ward_code", "easting", "northing", "longitude", "latitude", "location",
]
CLD_HEADER = [
    "LA_Code", "LA_Person_Unique_Identifier", "Gender", "Date_of_Birth", "Ethnicity", "Ward_Code", "Client_Type",
    "Primary_Support_Reason", "Event_Type", "Event_Reference", "Event_Start_Date", "Event_End_Date", "Event_Outcome",
    "Service_Type", "Service_Component", "Delivery_Mechanism", "Unit_Cost", "Cost_Frequency_Unit_Type",
    "Planned_Units_Per_Week",
]
CAMDEN_WARDS = [f"E050136{n}" for n in range(52, 72)]
STREETS = ["Camden High Street", "Kentish Town Road", "Euston Road", "Gray's Inn Road", "Finchley Road",
           "Haverstock Hill", "Malden Road", "Prince of Wales Road", "Southampton Row", "Fortess Road"]
SUPPLIERS = ["Veolia ES (UK) Ltd", "Kier Services", "O'Brien Contractors Ltd", "xxxxREDACTEDxxxx",
             "London Energy Ltd", "Camden Age UK", "Mears Ltd", "Ricoh UK Ltd"]
UNITS = ["Adult Social Care", "Environment and Sustainability", "Housing Repairs", "Parking Services",
         "Finance and Procurement"]


# ------------------------------------------------------------------------------------------------ independent reads

def decode_independently(path: Path) -> tuple[str, str]:
    """The file's text and encoding, decided here without the ETL: UTF-8 (BOM dropped) if it decodes, else cp1252."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def csv_records(path: Path, header_index: int = 0) -> tuple[list[str], list[list[str]]]:
    """Header and every record after it, as Python's csv module yields them (an empty line is not a record)."""
    text, _ = decode_independently(path)
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    return records[header_index], records[header_index + 1:]


def is_blank(record: list[str]) -> bool:
    return not any(field.strip() for field in record)


def pounds(text: str) -> Decimal | None:
    """'£1,234.50', '-£35.00', '(35.00)', '1054.11' -> Decimal; '' -> None. Written for the tests, not shared."""
    value = text.replace("£", "").replace(",", "").replace(" ", "").strip()
    if not value:
        return None
    if value.startswith("(") and value.endswith(")"):
        value = "-" + value[1:-1]
    return Decimal(value)


# ------------------------------------------------------------------------------------------------ corpus writers

def write_csv(path: Path, header: list[str], rows: list[list[str]], *, newline: str = "\r\n",
              encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _month_days(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.date(year, month, 1)).days


def spend_camden_rows(year: int, month: int, n: int, seed: int = 1) -> list[list[str]]:
    """Camden 'Spend over £500' rows for one month: unpadded dates, ids like 'mar-24-17', amounts with pence."""
    rng = random.Random(f"spend-{year}-{month}-{seed}")
    abbr = dt.date(year, month, 1).strftime("%b").lower()
    fy = f"{year}/{(year + 1) % 100:02d}" if month >= 4 else f"{year - 1}/{year % 100:02d}"
    rows = []
    for i in range(1, n + 1):
        day = rng.randint(1, _month_days(year, month))
        amount = Decimal(rng.randint(50_000, 5_000_000)) / 100 * (-1 if i % 17 == 0 else 1)
        rows.append([
            "London Borough of Camden", "http://opendatacommunities.org/id/london-borough-council/camden",
            f"{day}/{month}/{year}", str(month), str(year), fy, rng.choice(SUPPLIERS),
            rng.choice(["Repairs and Maintenance", "Agency Staff", "Energy", "Grants", "IT Software"]),
            rng.choice(UNITS), f"{amount:.2f}", "" if i % 3 else f"{amount / 5:.2f}", fy, str(year), abbr,
            f"{abbr}-{year % 100:02d}-{seed}{i:04d}",
        ])
    return rows


def pcn_camden_rows(year: int, month: int, n: int, seed: int = 1) -> list[list[str]]:
    rng = random.Random(f"pcn-{year}-{month}-{seed}")
    rows = []
    for _ in range(n):
        day = rng.randint(1, _month_days(year, month))
        when = dt.datetime(year, month, day, rng.randint(7, 21), rng.randint(0, 59))
        kind = rng.choice(["Parking", "Parking", "Parking", "Bus Lane", "Moving Traffic"])
        code = {"Parking": rng.choice(["01", "12", "16", "30", "40"]), "Bus Lane": "34",
                "Moving Traffic": rng.choice(["31", "52"])}[kind]
        located = rng.random() < 0.6
        easting, northing = rng.randint(525000, 531000), rng.randint(181000, 186000)
        lon, lat = round(-0.2 + rng.random() * 0.1, 6), round(51.52 + rng.random() * 0.05, 6)
        rows.append([
            when.strftime("%Y-%m-%dT%H:%M:%S.000"), kind, code, rng.choice(STREETS),
            rng.choice(["Car", "Van", "Motorcycle", "Taxi"]),
            rng.choice(["Paid/Closed", "Outstanding", "Cancelled", "Written off", "Challenge Received"]),
            rng.choice(CAMDEN_WARDS),
            str(easting) if located else "", str(northing) if located else "",
            str(lon) if located else "", str(lat) if located else "",
            f"({lat}, {lon})" if located else "",
        ])
    return rows


def care_event_rows(year: int, quarter_start_month: int, people: int, seed: int = 1) -> list[list[str]]:
    """Client Level Data events: for each person a request, an assessment, a service and sometimes a review.
    Person ids and dates of birth are personal data the warehouse must never hold in clear."""
    rng = random.Random(f"cld-{year}-{quarter_start_month}-{seed}")
    rows = []
    for p in range(people):
        person = f"CAM{seed}{year % 100:02d}{quarter_start_month:02d}{p:04d}"
        dob = dt.date(rng.randint(1925, 1995), rng.randint(1, 12), rng.randint(1, 28))
        base = [
            "E09000007", person, rng.choice(["Male", "Female"]), dob.strftime("%d/%m/%Y"),
            rng.choice(["White British", "Black African", "Asian Bangladeshi", "Not stated"]),
            rng.choice(CAMDEN_WARDS), "Service User",
            rng.choice(["Physical Support: Personal Care Support", "Mental Health Support",
                        "Learning Disability Support", "Support with Memory and Cognition"]),
        ]
        start = dt.date(year, quarter_start_month, rng.randint(1, 20))
        ref = f"EV{seed}{year % 100:02d}{quarter_start_month:02d}{p:04d}"
        events = [
            ("Request", start, start, "Progress to assessment", "", "", "", "", "", ""),
            ("Assessment", start + dt.timedelta(days=7), start + dt.timedelta(days=9), "Long term support", "",
             "", "", "", "", ""),
            ("Service", start + dt.timedelta(days=14), None, "", "Long Term Support: Community",
             "Home Care", "Council managed", f"£{rng.randint(20, 30)}.50", "Hourly", str(rng.randint(5, 20))),
        ]
        if p % 3 == 0:
            events.append(("Review", start + dt.timedelta(days=60), start + dt.timedelta(days=60), "No change",
                           "", "", "", "", "", ""))
        for k, (kind, begin, end, outcome, stype, comp, mech, cost, freq, units) in enumerate(events):
            rows.append(base + [kind, f"{ref}-{k}", begin.strftime("%d/%m/%Y"),
                                end.strftime("%d/%m/%Y") if end else "", outcome, stype, comp, mech, cost, freq,
                                units])
    return rows


def write_base_corpus(root: Path) -> Path:
    """A small Camden-like sources folder: six months of spend and PCNs, two quarters of care events (with one
    record whose date of birth is in an unsupported format and one with an impossible start date, so personal
    data meets etl_rejects), and a care file that lost a column (unrecognised, rejected whole)."""
    for month in range(1, 7):
        write_csv(root / "spend" / f"spend-over-500-2024-{month:02d}.csv", SPEND_CAMDEN_HEADER,
                  spend_camden_rows(2024, month, 60))
        write_csv(root / "parking" / "pcn" / f"pcn-2024-{month:02d}.csv", PCN_CAMDEN_HEADER,
                  pcn_camden_rows(2024, month, 120), newline="\n")
    for quarter_start in (1, 4):
        rows = care_event_rows(2024, quarter_start, 40)
        if quarter_start == 4:
            rows[5][3] = "1948.03.14"   # a date of birth the layout cannot read: the record is rejected
            rows[9][10] = "31/02/2024"  # an impossible event date: rejected, with the DOB in its raw record
        write_csv(root / "social-care" / f"cld-2024-q{(quarter_start + 2) // 3}.csv", CLD_HEADER, rows)
    lost = [c for c in CLD_HEADER if c != "Event_Reference"]
    keep = [CLD_HEADER.index(c) for c in lost]
    write_csv(root / "social-care" / "cld-2024-q3-draft.csv", lost,
              [[r[i] for i in keep] for r in care_event_rows(2024, 7, 5, seed=2)])
    return root


def add_month(root: Path, month: int) -> list[Path]:
    """One more month of spend and PCNs."""
    return [
        write_csv(root / "spend" / f"spend-over-500-2024-{month:02d}.csv", SPEND_CAMDEN_HEADER,
                  spend_camden_rows(2024, month, 60)),
        write_csv(root / "parking" / "pcn" / f"pcn-2024-{month:02d}.csv", PCN_CAMDEN_HEADER,
                  pcn_camden_rows(2024, month, 120), newline="\n"),
    ]


# ------------------------------------------------------------------------------------------------ running the CLI

def cli_env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault(KEY_ENV, FALLBACK_TEST_KEY)
    env.update({"COLUMNS": "250", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TERM": "dumb"})
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([python(), "-m", "etl", *map(str, args)], cwd=REPO, env=env or cli_env(),
                          capture_output=True, text=True, timeout=timeout)


def build_cli(sources: Path, warehouse: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("build", "--sources", sources, "--warehouse", warehouse, "--quiet", "--as-of", AS_OF, *extra)


def describe(proc: subprocess.CompletedProcess) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


# ------------------------------------------------------------------------------------------------ warehouse reads

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def tables(warehouse: Path) -> list[str]:
    return [r[0] for r in query(warehouse, "select table_name from information_schema.tables order by 1")]


def hmac16(key: str, value: str) -> str:
    import hmac

    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

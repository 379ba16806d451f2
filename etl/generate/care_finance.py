"""The council's yearly adult social care finance return (ASC-FR, PSS-EX1 before 2017): its activity table.

One file for each financial year that has ended by `until` (a return covers a whole year and is published after it),
in the layout NHS Digital publishes (``UUID, Council Code, ..., Data Type, Value, Notes``; "-" where a dimension does
not apply). It is worked out from the same care events as the Client Level Data files, so the two sources agree:

- long-term support, residential and nursing care: client weeks in the year (days a placement is open within the
  year, over 7), by provision (in house or external), age band and primary support reason. The mandatory cells split
  ages 18-64 and 65 and over; the voluntary cells split 65 and over into 65-74, 75-84 and 85 and over and add up to
  the mandatory 65-and-over cell. Nursing care is bought in, so it has external cells only.
- short-term support to maximise independence (reablement): clients whose reablement ended in the year, in house
  (Camden runs its own reablement service), with external cells of 0.

Ages are at the start of the financial year. Carers in their own right are not counted (they receive no placement).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from etl.generate import csvout
from etl.generate.common import fy_label, stream

FOLDER = "care/finance"
PSS_COUNCIL_CODE, COUNCIL_NAME = "702", "Camden"
HEADER = ["UUID", "Council Code", "Council Name", "Care Type", "Activity Provision", "Age Bands",
          "Primary support reason", "Long Term Support Setting", "Short Term Purpose", "Data Type", "Value", "Notes"]
# the return's support reasons, and which of the CLD's (care.SUPPORT_REASONS, by index) each one gathers
RETURN_REASONS = (("Physical support", (0, 1)), ("Sensory support", (2, 3)),
                  ("Support with memory and cognition", (4,)), ("Learning disability support", (5,)),
                  ("Mental health support", (6,)), ("Social support", (7, 8)))
MANDATORY_AGES = (("Age 18 to 64", 18, 65), ("Age 65 and over", 65, 200))
VOLUNTARY_AGES = (("Age 65 to 74", 65, 75), ("Age 75 to 84", 75, 85), ("Age 85 and over", 85, 200))
IN_HOUSE_RESIDENTIAL = 0.09   # share of residential placements in the council's own homes
PROVISIONS = (("In house", 1), ("External", 2))


def files(start: dt.date, until: dt.date) -> list[tuple[str, dt.date]]:
    return [(relpath(year), dt.date(year, 4, 1)) for year in completed_years(start, until)]


def relpath(year: int) -> str:
    return f"{FOLDER}/asc-fr-{fy_label(year)}-fin-act.csv"


def completed_years(start: dt.date, until: dt.date) -> list[int]:
    first = start.year if start.month >= 4 else start.year - 1
    return [year for year in range(first, until.year + 1) if dt.date(year + 1, 3, 31) <= until]


def write(ctx, events: dict[str, np.ndarray], birth: np.ndarray, reason: np.ndarray, carer: np.ndarray,
          components: dict[str, int]) -> None:
    """events: the CLD event columns (person, component, start, end); the people's birth days, CLD support reason
    and carer flag, indexed by person; components: component name -> index, for the three counted here."""
    years = completed_years(ctx.start, ctx.until)
    if not years:
        return
    in_house = stream(ctx.seed, "care", "finance provision").random(len(events["person"])) < IN_HOUSE_RESIDENTIAL
    tables = [year_table(year, events, birth, reason, carer, components, in_house) for year in years]
    table = pa.concat_tables(tables)
    bounds = np.cumsum([0] + [t.num_rows for t in tables])
    ctx.output.csv_files(table, [(relpath(y), int(bounds[i]), int(bounds[i + 1])) for i, y in enumerate(years)])
    ctx.output.say(f"care finance: {len(years)} yearly returns")


def year_table(year: int, events, birth, reason, carer, components, in_house) -> pa.Table:
    first, end = np.datetime64(f"{year}-04-01"), np.datetime64(f"{year + 1}-04-01")
    person = events["person"]
    age = ((first - birth[person]).astype(np.int64) / 365.25).astype(np.int64)
    return_reason = np.full(len(person), -1)
    for index, (_, cld_reasons) in enumerate(RETURN_REASONS):
        return_reason[np.isin(reason[person], cld_reasons)] = index
    counted = ~carer[person] & (return_reason >= 0)
    ends = np.where(np.isnat(events["end"]), end, events["end"] + 1)   # an end date is the placement's last day
    days = np.clip(np.minimum(ends, end) - np.maximum(events["start"], first), 0, None).astype(np.int64)
    cells = []
    for setting, component in (("Residential", components["Residential Care"]),
                               ("Nursing", components["Nursing Care"])):
        placed = counted & (events["component"] == component)
        weeks = days / 7
        for provision, _ in PROVISIONS:
            if setting == "Nursing" and provision == "In house":
                continue
            own_home = in_house & (setting == "Residential")   # nursing care is all bought in
            mine = placed & (own_home if provision == "In house" else ~own_home)
            cells += grouped_cells("Long term", provision, setting, "-", mine, weeks, age, return_reason)
    ended = (events["component"] == components["Reablement"]) & counted & ~np.isnat(events["end"]) \
        & (events["end"] >= first) & (events["end"] < end)
    for provision, _ in PROVISIONS:
        mine = ended & (provision == "In house")
        cells += grouped_cells("Short term", provision, "-", "To maximise independence", mine,
                               np.ones(len(person)), age, return_reason)
    return cells_table(year, cells)


def grouped_cells(care_type, provision, setting, purpose, rows, amounts, age, return_reason) -> list[tuple]:
    """The cells of one block: (care type, provision, age band, reason, setting, purpose, data type, value)."""
    cells = []
    for data_type, bands in (("Mandatory", MANDATORY_AGES), ("Voluntary", VOLUNTARY_AGES)):
        for band, low, high in bands:
            in_band = rows & (age >= low) & (age < high)
            for index, (label, _) in enumerate(RETURN_REASONS):
                value = float(amounts[in_band & (return_reason == index)].sum())
                cells.append((care_type, provision, band, label, setting, purpose, data_type, value))
    return cells


def cells_table(year: int, cells: list[tuple]) -> pa.Table:
    """Cells numbered as the return numbers them, afresh each year (its template changes from year to year, and
    the ETL takes a UUID seen again for the same council as a duplicate): the year, the line, the provision."""
    provision_code = dict(PROVISIONS)
    uuids = [(year % 100) * 100_000 + line * 100 + provision_code[c[1]] for line, c in enumerate(cells, start=1)]
    column = list(zip(*cells, strict=True))
    return pa.table({
        "UUID": csvout.integer(np.array(uuids)),
        "Council Code": csvout.text([PSS_COUNCIL_CODE] * len(cells)),
        "Council Name": csvout.text([COUNCIL_NAME] * len(cells)),
        "Care Type": csvout.text(column[0]),
        "Activity Provision": csvout.text(column[1]),
        "Age Bands": csvout.text(column[2]),
        "Primary support reason": csvout.text(column[3]),
        "Long Term Support Setting": csvout.text(column[4]),
        "Short Term Purpose": csvout.text(column[5]),
        "Data Type": csvout.text(column[6]),
        "Value": csvout.text([_value_text(v) for v in column[7]]),
        "Notes": csvout.text([None] * len(cells)),
    })


def _value_text(value: float) -> str:
    """As the return prints them: whole numbers bare, client weeks to two places."""
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"

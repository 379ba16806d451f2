"""The Local Government Transparency Code quarterly file: every payment of £500 or more, in Camden's published layout.

write_transparency() writes two files for one calendar quarter (Q1 = January to March, Q2 = April to June, Q3 =
July to September, Q4 = October to December, as Camden publishes them; not financial-year quarters):
- spend-over-500-YYYY-Qn.csv: Camden's 15 columns (Organisation Label ... Unique Identifier) with Camden's value
  formats (unpadded d/m/yyyy dates, '2026/27' financial years, amounts with two decimals and no £ or thousands
  separators), UTF-8 without a byte-order mark, LF line ends: the demo generator's format (etl/generate/spend.py),
  so the file loads back through the ETL as a Camden spend file;
- spend-over-500-YYYY-Qn-validation.txt: what was written, redacted and left out, and why.

The rows are the home council's payment lines of fact_spend (the fact's `where:` in the semantic layer) dated in the
quarter and of £500 or more, read through the query layer (query.records) with the caller's scope. Payees are
written as xxxxREDACTEDxxxx when the source file had already redacted them, when the line's purpose pays
individuals, or when the name looks like a person's: the last two are configuration (reports/transparency.yaml).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from data_models.semantic_layer import SemanticLayer, load_semantic_layer
from data_models.yaml_locations import dotted, line_of, problem_message
from query.reading import data_as_of, read_only, rows
from query.records import column_extent_sql, records_sql
from query.scope import EVERYTHING, Scope
from reports.errors import ReportError
from reports.files import write_whole

CONFIG_PATH = Path(__file__).resolve().parent / "transparency.yaml"
FACT = "fact_spend"
THRESHOLD = Decimal("500")
REDACTED = "xxxxREDACTEDxxxx"
HEADER = ["Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year",
          "Financial Year", "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP",
          "Irrecoverable VAT Amount GBP", "Latest Financial Year", "Latest Year", "Latest Month", "Unique Identifier"]
MONTH_ABBR = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
# dim_supplier's natural key of every payee the source had redacted (is_redacted; see stg_spend), and of the
# line with neither a name nor a supplier id (written with an empty name, not as a payee called 'Unknown')
REDACTED_SUPPLIER, UNKNOWN_SUPPLIER = "redacted", "unknown"

# reasons, as the result and the validation report name them
UNDER_THRESHOLD = "under £500 (credits included)"
NO_PAYMENT_DATE = "no payment date"
IN_SOURCE = "redacted in the source file"
PERSONAL_PURPOSE = "purpose pays individuals"
PERSON_NAME = "name looks like a person's"
EXAMPLES = 5

LINE_COLUMNS = ["payment_date", "purpose", "department_name", "beneficiary_name", "amount_pounds",
                "irrecoverable_vat_pounds",
                "transaction_id"]
LINE_ORDER = ["payment_date", "transaction_id", "source_file", "source_row"]  # ties: file order, so reruns agree


# --- quarters ------------------------------------------------------------------------------------------------

QUARTER_PATTERN = re.compile(r"^\s*(\d{4})-[qQ]([1-4])\s*$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: Q1 = January to March ... Q4 = October to December."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = QUARTER_PATTERN.match(text) if isinstance(text, str) else None
        if not match:
            raise ReportError(f"{text!r} is not a quarter: write YYYY-Qn with n from 1 to 4, e.g. 2026-Q3 (calendar "
                              "quarters: Q1 = January to March, Q4 = October to December)")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def latest_complete(cls, last_day: dt.date) -> Quarter:
        """The latest quarter whose last day is on or before `last_day`."""
        quarter = cls(last_day.year, (last_day.month - 1) // 3 + 1)
        return quarter if quarter.last <= last_day else quarter.previous()

    def previous(self) -> Quarter:
        return Quarter(self.year, self.number - 1) if self.number > 1 else Quarter(self.year - 1, 4)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.number * 3 - 2, 1)

    @property
    def last(self) -> dt.date:
        following = Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)
        return following.first - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


# --- configuration -------------------------------------------------------------------------------------------


def _compiled(pattern: str) -> str:
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {error}") from None
    return pattern


Purpose = Annotated[str, Field(min_length=1)]
NamePattern = Annotated[str, Field(min_length=1), AfterValidator(_compiled)]  # checked one by one: [i] in problems


class TransparencyConfig(BaseModel):
    """reports/transparency.yaml: the publisher's identity and the redaction rules beyond the source's own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    organisation_label: str = Field(min_length=1)
    organisation_uri: str = Field(min_length=1)
    personal_purposes: list[Purpose] = Field(default_factory=list)
    person_name_patterns: list[NamePattern] = Field(default_factory=list)

    def redaction_reason(self, purpose: str | None, name: str | None) -> str | None:
        """Why this payee is redacted by configuration (its purpose, then its name), or None."""
        if purpose is not None and purpose.strip().casefold() in self._purposes:
            return PERSONAL_PURPOSE
        if name and any(pattern.search(name) for pattern in self._patterns):
            return PERSON_NAME
        return None

    @property
    def _purposes(self) -> frozenset[str]:
        return frozenset(purpose.casefold() for purpose in self.personal_purposes)

    @property
    def _patterns(self) -> list[re.Pattern]:
        return [re.compile(pattern, re.IGNORECASE) for pattern in self.person_name_patterns]  # re caches these


def load_config(path: str | Path = CONFIG_PATH) -> TransparencyConfig:
    """Read and validate the configuration; a ReportError lists every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise ReportError(f"{path.name}: cannot be read as YAML: {error}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path.name}: must be a mapping of organisation_label, organisation_uri, "
                          "personal_purposes and person_name_patterns")
    try:
        return TransparencyConfig.model_validate(data)
    except ValidationError as error:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        problems = []
        for problem in error.errors(include_url=False):
            loc = tuple(problem["loc"])
            line = line_of(root, loc)
            problems.append(f"  {dotted(loc)}{f' (line {line})' if line else ''}: {problem_message(problem)}")
        raise ReportError(f"{path.name} has {len(problems)} problem(s):\n" + "\n".join(problems)) from None


# --- the report ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransparencyResult:
    """What write_transparency wrote: the two files, and the figures its validation report states."""

    csv_path: Path
    report_path: Path
    quarter: str                  # 'YYYY-Qn', a calendar quarter
    rows: int                     # payment lines written
    total_pounds: Decimal         # their Amount GBP
    redacted: dict[str, int]      # lines written with xxxxREDACTEDxxxx, by reason
    excluded: dict[str, int]      # lines left out, by reason


@dataclass(frozen=True)
class _Extract:
    """What the warehouse says about the chosen quarter."""

    quarter: Quarter
    lines: list[dict[str, Any]]   # every home-council line dated in the quarter, whatever its amount
    first_payment: dt.date
    last_payment: dt.date
    undated: int
    data_as_of: dt.date | None


def write_transparency(warehouse: Path, out_dir: Path, quarter: str | None = None, *, scope: Scope = EVERYTHING,
                       config: str | Path = CONFIG_PATH) -> TransparencyResult:
    """Write the quarter's spend-over-500 CSV and its validation report into out_dir (created if missing).

    quarter: 'YYYY-Qn', a CALENDAR quarter (Q1 = January to March), as Camden publishes; by default the latest
    complete one, whose last day is on or before the latest payment date. A malformed quarter, a quarter with no
    payments or a bad configuration file raises ReportError."""
    settings = load_config(config)
    wanted = Quarter.parse(quarter) if quarter is not None else None
    extract = _read_warehouse(Path(warehouse), wanted, load_semantic_layer(), scope)
    published = [line for line in extract.lines if _publishable(line)]
    records, redacted = _camden_records(published, extract, settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"spend-over-500-{extract.quarter}"
    result = TransparencyResult(
        csv_path=out_dir / f"{stem}.csv", report_path=out_dir / f"{stem}-validation.txt",
        quarter=str(extract.quarter), rows=len(records),
        total_pounds=sum((line["amount_pounds"] for line in published), Decimal("0.00")),
        redacted=redacted, excluded=_excluded_counts(extract))
    _write_atomically(result.csv_path, _csv_text(records))
    _write_atomically(result.report_path, _validation_text(result, extract, published, settings))
    return result


def _read_warehouse(warehouse: Path, wanted: Quarter | None, layer: SemanticLayer, scope: Scope) -> _Extract:
    with read_only(warehouse) as con:
        [extent] = rows(con, column_extent_sql(layer, FACT, "payment_date", scope=scope))
        if extent["last"] is None:
            raise ReportError("the warehouse has no spend payments to publish (none that you may read)")
        chosen = wanted or _default_quarter(extent["first"], extent["last"])
        query = records_sql(layer, FACT, LINE_COLUMNS, ["supplier"], scope=scope,
                            between={"payment_date": (chosen.first, chosen.last)}, order_by=LINE_ORDER)
        lines = rows(con, query)
        as_of = data_as_of(con)
    if not lines:
        raise ReportError(f"no payments in {chosen} ({_day(chosen.first)} to {_day(chosen.last)}): the warehouse "
                          f"has payments from {_day(extent['first'])} to {_day(extent['last'])}")
    return _Extract(chosen, lines, extent["first"], extent["last"], extent["missing"], as_of)


def _default_quarter(first_payment: dt.date, last_payment: dt.date) -> Quarter:
    quarter = Quarter.latest_complete(last_payment)
    if quarter.last < first_payment:
        raise ReportError(f"the warehouse holds no complete calendar quarter (payments from {_day(first_payment)} "
                          f"to {_day(last_payment)}): name the quarter to publish a part one")
    return quarter


def _publishable(line: dict[str, Any]) -> bool:
    return line["amount_pounds"] is not None and line["amount_pounds"] >= THRESHOLD


def _excluded_counts(extract: _Extract) -> dict[str, int]:
    under = sum(1 for line in extract.lines if not _publishable(line))
    return {UNDER_THRESHOLD: under, NO_PAYMENT_DATE: extract.undated}


# --- the CSV -------------------------------------------------------------------------------------------------


def _camden_records(lines: list[dict[str, Any]], extract: _Extract,
                    settings: TransparencyConfig) -> tuple[list[list[str]], dict[str, int]]:
    """The CSV's records in HEADER order, and the redacted lines counted by reason."""
    latest = _latest_columns(extract)
    identifiers = _unique_identifiers(lines)
    redacted: Counter[str] = Counter()
    records = []
    for line, identifier in zip(lines, identifiers, strict=True):
        reason = _redaction_reason(line, settings)
        if reason:
            redacted[reason] += 1
        records.append([settings.organisation_label, settings.organisation_uri, *_date_columns(line["payment_date"]),
                        REDACTED if reason else _payee(line), _text(line["purpose"]),
                        _text(line["department_name"]), _money(line["amount_pounds"]),
                        _money(line["irrecoverable_vat_pounds"]), *latest, identifier])
    return records, {reason: redacted[reason] for reason in (IN_SOURCE, PERSONAL_PURPOSE, PERSON_NAME)}


def _redaction_reason(line: dict[str, Any], settings: TransparencyConfig) -> str | None:
    if line["supplier"] == REDACTED_SUPPLIER:
        return IN_SOURCE
    return settings.redaction_reason(line["purpose"], _payee(line))


def _payee(line: dict[str, Any]) -> str:
    """The payee as this line's source file spelt it ('Kestrel Staffing Limited'), else its supplier's name."""
    if line.get("beneficiary_name"):
        return _text(line["beneficiary_name"])
    return "" if line["supplier"] in (None, UNKNOWN_SUPPLIER) else _text(line["supplier_label"])


def _date_columns(day: dt.date) -> list[str]:
    """Payment Date, Payment Month, Payment Year, Financial Year: '7/9/2026', 'September', '2026', '2026/27'."""
    return [f"{day.day}/{day.month}/{day.year}", MONTH_NAMES[day.month - 1], str(day.year), _financial_year(day)]


def _latest_columns(extract: _Extract) -> list[str]:
    """Latest Financial Year, Latest Year, Latest Month: of the last day the file covers, which is the quarter's
    end or, for a quarter not over yet, the day the data runs to (as the generator's part-quarter files say)."""
    covered_to = extract.data_as_of or extract.last_payment
    latest = min(extract.quarter.last, max(covered_to, extract.quarter.first))
    return [_financial_year(latest), str(latest.year), MONTH_NAMES[latest.month - 1]]


def _financial_year(day: dt.date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _unique_identifiers(lines: list[dict[str, Any]]) -> list[str]:
    """The published Unique Identifier ('sep-26-7613'); a missing one is made up ('sep-26-no-id') and a repeated
    one gets a suffix ('-2', ...), so that every line of the file can be told apart."""
    seen: set[str] = set()
    identifiers = []
    for line in lines:
        day = line["payment_date"]
        base = _text(line["transaction_id"]) or f"{MONTH_ABBR[day.month - 1]}-{day.year % 100:02d}-no-id"
        identifier, n = base, 1
        while identifier in seen:
            n += 1
            identifier = f"{base}-{n}"
        seen.add(identifier)
        identifiers.append(identifier)
    return identifiers


def _money(pounds: Decimal | None) -> str:
    """'1234.50': two decimals, no £ and no thousands separator, so the file loads back; '' when not given."""
    return "" if pounds is None else f"{pounds:.2f}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _csv_text(records: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # quotes only fields that need it, as the published files
    writer.writerow(HEADER)
    writer.writerows(records)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """A reader (or a publishing job) never sees half a file."""
    write_whole(path, lambda partial: partial.write_text(text, encoding="utf-8", newline=""))


# --- the validation report -----------------------------------------------------------------------------------


def _validation_text(result: TransparencyResult, extract: _Extract, published: list[dict[str, Any]],
                     settings: TransparencyConfig) -> str:
    quarter = extract.quarter
    vat = sum((line["irrecoverable_vat_pounds"] or Decimal("0.00") for line in published), Decimal("0.00"))
    lines = [
        f"Spend over £500 (Local Government Transparency Code): {settings.organisation_label}",
        f"Quarter: {quarter} (calendar quarter, {_day(quarter.first)} to {_day(quarter.last)}; "
        "Q1 = January to March)",
        f"File: {result.csv_path.name}",
        f"Data as of: {_day(extract.data_as_of) if extract.data_as_of else 'not recorded'} "
        f"(payments from {_day(extract.first_payment)} to {_day(extract.last_payment)})",
    ]
    if extract.last_payment < quarter.last:
        lines.append(f"WARNING: part quarter: the payments end on {_day(extract.last_payment)}, before the quarter")
    lines += [
        "",
        f"Rows written: {result.rows}",
        f"Total Amount GBP: {_money(result.total_pounds)}",
        f"Total Irrecoverable VAT Amount GBP: {_money(vat)}",
        *_identifier_note(published),
        "",
        *_redaction_section(result.redacted),
        "",
        *_exclusion_section(result.excluded, extract),
    ]
    return "\n".join(lines) + "\n"


def _redaction_section(redacted: dict[str, int]) -> list[str]:
    where = {IN_SOURCE: "the council's file had already redacted the payee",
             PERSONAL_PURPOSE: "personal_purposes in transparency.yaml",
             PERSON_NAME: "person_name_patterns in transparency.yaml"}
    return [f"Redacted payees ({REDACTED}): {sum(redacted.values())} lines",
            *(f"  {reason}: {count} ({where[reason]})" for reason, count in redacted.items())]


def _exclusion_section(excluded: dict[str, int], extract: _Extract) -> list[str]:
    under = [line for line in extract.lines if not _publishable(line)]
    credits = sum(1 for line in under if line["amount_pounds"] is not None and line["amount_pounds"] < 0)
    examples = ", ".join(_text(line["transaction_id"]) or "(no id)" for line in under[:EXAMPLES])
    return [f"Excluded lines: {sum(excluded.values())}",
            f"  {UNDER_THRESHOLD}: {excluded[UNDER_THRESHOLD]}, of which {credits} credits (negative)"
            + (f"; e.g. {examples}" if examples else ""),
            f"  {NO_PAYMENT_DATE}: {excluded[NO_PAYMENT_DATE]} (in the whole warehouse: a line with no date belongs "
            "to no quarter)",
            "Lines the ETL could not load (an unreadable date or amount) are not in the warehouse; the load records "
            "list them."]


def _identifier_note(published: list[dict[str, Any]]) -> list[str]:
    made_up = sum(1 for line, identifier in zip(published, _unique_identifiers(published), strict=True)
                  if identifier != line["transaction_id"])
    return [f"Unique identifiers made up for {made_up} lines with none or a repeated one"] if made_up else []


def _day(day: dt.date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"

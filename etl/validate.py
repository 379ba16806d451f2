"""Validate and cast staged records: small pure functions that return SQL text and its parameters.

The SQL reads a batch of raw records (columns c0..cN of text, source_file, source_row, _blank, _problem) and gives
every record its typed values and, when it cannot be loaded, its reason. Values are always bound parameters; the
only names pasted into SQL are canonical column names, which the layout schema restricts to [a-z0-9_].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from etl.layouts import ColumnSpec, Layout, Match, Target, normalise_header

DUCKDB_TYPES = {
    "text": "varchar", "integer": "bigint", "decimal": "double", "money": "decimal(18,2)",
    "date": "date", "timestamp": "timestamp", "boolean": "boolean",
}
# Two-digit-year formats come before their four-digit twins: %Y would read '24' as the year 24.
DATE_FORMATS = [
    "%d/%m/%y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
]
TIMESTAMP_FORMATS = [
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d",
]
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100  # a year outside these is a misread, not a council record
NON_DATES = ["00:00:00", "00/00/0000", "0000-00-00", "00/00/00"]  # exports print these for "no date"
TYPE_WORDS = {
    "integer": "a whole number", "decimal": "a number", "money": "an amount in pounds", "date": "a date",
    "timestamp": "a date and time", "boolean": "yes/no",
}
TRUE_WORDS = ["y", "yes", "true", "t", "1"]
FALSE_WORDS = ["n", "no", "false", "f", "0"]


@dataclass
class Params:
    """Collects bound parameters and hands out their placeholders."""

    values: dict = field(default_factory=dict)

    def add(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def create_valid_table_sql(target: Target) -> str:
    """The typed table every loaded record of a target lands in (created even when no file has it)."""
    columns = ",\n  ".join(f"{name} {DUCKDB_TYPES[spec.type]}" for name, spec in target.columns.items())
    return (f"create table if not exists valid_{target.target} (\n  source_file varchar not null,\n"
            f"  source_row bigint not null,\n  layout varchar not null,\n  {columns}\n)")


def cleaned_text_sql(field_sql: str, layout: Layout, params: Params) -> str:
    """Trimmed text, NULL when empty or one of the layout's null markers."""
    trimmed = f"nullif(trim({field_sql}), '')"
    if not layout.null_values:
        return trimmed  # the common case, and far cheaper than a list lookup per value
    markers = ", ".join(params.add(marker) for marker in layout.null_values)
    return f"case when {trimmed} in ({markers}) then null else {trimmed} end"


def typed_value_sql(spec: ColumnSpec, raw: str, params: Params) -> str:
    """Cast cleaned text `raw` to the column's type; NULL when it does not parse (the reason is given apart)."""
    kind = spec.type
    if kind == "text":
        return raw
    if kind == "integer":
        return f"try_cast(replace({raw}, ',', '') as bigint)"
    if kind == "decimal":
        return f"try_cast(replace({raw}, ',', '') as double)"
    if kind == "money":
        return money_sql(raw)
    if kind in ("date", "timestamp"):
        return date_sql(kind, spec.formats, raw, params)
    if kind == "boolean":
        return (f"case when list_contains({params.add(TRUE_WORDS)}::varchar[], lower({raw})) then true "
                f"when list_contains({params.add(FALSE_WORDS)}::varchar[], lower({raw})) then false end")
    raise ValueError(f"unknown column type {kind}")


def money_sql(raw: str) -> str:
    """Pounds from '£1,234.50', '-£35.00', '(35.00)' or '1234.5'; more than two decimals does not parse."""
    digits = f"regexp_replace({raw}, '[£,\\s]', '', 'g')"
    signed = f"case when {digits} like '(%)' then '-' || trim({digits}, '()') else {digits} end"
    return (f"case when regexp_full_match({signed}, '[-+]?[0-9]*\\.?[0-9]{{0,2}}') and {signed} ~ '[0-9]' "
            f"then try_cast({signed} as decimal(18,2)) end")


def date_sql(kind: str, formats: list[str] | None, raw: str, params: Params) -> str:
    default = DATE_FORMATS if kind == "date" else TIMESTAMP_FORMATS
    parsed = f"try_strptime({tidy_date_sql(raw)}, {params.add(formats or default)}::varchar[])"
    plausible = f"case when year({parsed}) between {EARLIEST_YEAR} and {LATEST_YEAR} then {parsed} end"
    return f"cast({plausible} as date)" if kind == "date" else plausible


def tidy_date_sql(raw: str) -> str:
    """'01/03/2020  00:11: ' -> '01/03/2020 00:11'; the regexes run only on values that need them."""
    fixed = f"regexp_replace(regexp_replace({raw}, '\\s+', ' ', 'g'), '[\\s:]+$', '')"
    return f"case when {raw} like '%  %' or {raw} like '%:' then {fixed} else {raw} end"


def candidate_formats(spec: ColumnSpec) -> list[str]:
    return spec.formats or (DATE_FORMATS if spec.type == "date" else TIMESTAMP_FORMATS)


def format_ranking_sql(field_sql: str, formats: list[str], params: Params, sample: int = 2000) -> str:
    """How many of a sample of values each format parses: try_strptime tries formats in order, so putting the
    file's own format first makes parsing many times faster. All formats stay as fallbacks."""
    value = tidy_date_sql(f"trim({field_sql})")
    counts = ", ".join(f"count(try_strptime({value}, {params.add(f)}))" for f in formats)
    return f"select {counts} from (select {field_sql} from batch where trim({field_sql}) <> '' limit {int(sample)})"


def ranked_formats(formats: list[str], parsed_counts: list[int]) -> list[str]:
    order = sorted(range(len(formats)), key=lambda i: (-parsed_counts[i], i))
    return [formats[i] for i in order]


def is_non_date_sql(raw: str, params: Params) -> str:
    return f"coalesce(list_contains({params.add(NON_DATES)}::varchar[], {raw}), false)"


def mapped_value_sql(raw: str, mapping: dict[str, str], params: Params) -> str:
    if not mapping:
        return raw
    whens = " ".join(f"when {params.add(k)} then {params.add(v)}" for k, v in mapping.items())
    return f"case {raw} {whens} else {raw} end"


def reason_sql(name: str, spec: ColumnSpec, raw: str, typed: str, params: Params) -> str:
    """Why this column stops the record loading, or NULL."""
    parts = []
    if spec.required:
        parts.append(f"when {raw} is null then {params.add(f'{name} is missing')}")
    if spec.type in ("date", "timestamp"):
        parts.append(f"when {is_non_date_sql(raw, params)} then "
                     + (f"{params.add(f'{name} is missing (a non-date 00:00:00)')}" if spec.required else "null"))
    if spec.type != "text" and spec.personal:
        withheld = f"{name} is not {TYPE_WORDS[spec.type]} (value withheld: personal data)"
        parts.append(f"when {raw} is not null and {typed} is null then {params.add(withheld)}")
    elif spec.type != "text":
        word = TYPE_WORDS[spec.type]
        value = f"left({raw}, 60)"
        parts.append(f"when {raw} is not null and {typed} is null then "
                     f"{params.add(name + ' ' + chr(39))} || {value} || {params.add(chr(39) + ' is not ' + word)}")
    return f"case {' '.join(parts)} end" if parts else "null"


def classify_sql(match: Match, header: list[str], run_id: str, params: Params | None = None,
                 format_order: dict[str, list[str]] | None = None,
                 targets: list[Target] | None = None) -> tuple[str, dict]:
    """SELECT over `batch` giving lineage, _blank, _reason ('' when loadable), _raw JSON (rejected records
    only) and every canonical column typed. Working columns start with _ so no canonical name can clash."""
    params = params or Params()
    targets = targets if targets is not None else [match.target]
    target, layout = match.target, match.layout
    cleaned, typed, reasons, text_cols, number_cols = [], [], [], [], []
    for name, spec in target.columns.items():
        raw = _raw_value_sql(name, spec, match, params)
        cleaned.append(f"{raw} as _r_{name}")
        if format_order and name in format_order:
            spec = spec.model_copy(update={"formats": format_order[name]})
        value = typed_value_sql(spec, f"_r_{name}", params)
        if spec.type in ("date", "timestamp"):
            value = f"case when {is_non_date_sql(f'_r_{name}', params)} then null else {value} end"
        if spec.personal == "pseudonymise":
            value = f"pseudonymise({value})"
        typed.append(f"{value} as {name}")
        reasons.append(reason_sql(name, spec, f"_r_{name}", name, params))
        if name in match.mapping:
            (text_cols if spec.type == "text" else number_cols).append(f"_r_{name}")
    reason = f"concat_ws('; ', _problem, {', '.join(reasons)})"
    totals = _totals_row_sql(text_cols, number_cols)
    raw_fields = ", ".join(f"c{i}" for i in range(len(header)))
    sql = f"""
with cleaned as (
  select source_file, source_row, {blank_sql(len(header))} as _blank, _problem, {', '.join(cleaned)}, {raw_fields}
  from batch
),
typed as (
  select *, {', '.join(typed)} from cleaned
),
reasons as (
  select *, {reason} as _base_reason from typed
),
reasoned as (
  select *, case when _blank then '' when _base_reason <> '' and {totals}
                 then {params.add('totals or summary row: ')} || _base_reason else _base_reason end as _reason
  from reasons
),
final as (
  select source_file, source_row, {params.add(layout.name)} as layout, _blank, _reason,
         case when _reason <> '' then {raw_json_sql(match, header, params, personal_headers(targets))} end as _raw,
         {', '.join(target.columns)}
  from reasoned
)
select * from final"""
    return sql, params.values


def blank_sql(width: int) -> str:
    """A record of empty fields: the reader's verdict when it gave one, else every field blank."""
    if width == 0:
        return "coalesce(_blank, true)"
    # CASE evaluates each WHEN only on the rows not yet decided, so a typical record costs one trim()
    decided = " ".join(f"when trim(c{i}) <> '' then false" for i in range(width))
    return f"coalesce(_blank, case {decided} else true end)"


def _raw_value_sql(name: str, spec: ColumnSpec, match: Match, params: Params) -> str:
    layout = match.layout
    if name in match.mapping:
        raw = cleaned_text_sql(f"c{match.mapping[name]}", layout, params)
    elif name in layout.constants:
        raw = f"{params.add(layout.constants[name])}::varchar"
    else:
        raw = "null::varchar"
    return mapped_value_sql(raw, layout.value_map.get(name, {}), params)


def _totals_row_sql(text_cols: list[str], number_cols: list[str]) -> str:
    """A totals row: numbers filled, every text field empty (the Manchester account ends with one)."""
    if not number_cols:
        return "false"
    no_text = " and ".join(f"{c} is null" for c in text_cols) or "true"
    some_number = " or ".join(f"{c} is not null" for c in number_cols)
    return f"({no_text} and ({some_number}))"


def raw_json_sql(match: Match | None, header: list[str], params: Params,
                 personal_headers: dict[str, str] | None = None) -> str:
    """The record as it came, keyed by the file's own header; personal fields never leave in clear.

    A field is personal when the layout maps it to a personal column, or when its header is a known alias of a
    personal column in any layout (so an unrecognised care file, or a stray column, is masked too)."""
    personal = dict.fromkeys(range(len(header)))
    for i, name in enumerate(header):
        personal[i] = (personal_headers or {}).get(normalise_header(name))
    if match is not None:
        for column, spec in match.target.columns.items():
            if spec.personal and column in match.mapping:
                personal[match.mapping[column]] = spec.personal
    pairs = [f"{params.add(name or f'column {i + 1}')}, {masked_field_sql(i, personal[i], params)}"
             for i, name in enumerate(header)]
    return f"json_object({', '.join(pairs)})" if pairs else "'{}'"


def masked_field_sql(position: int, personal: str | None, params: Params) -> str:
    if personal == "pseudonymise":
        return f"pseudonymise(nullif(trim(c{position}), ''))"
    if personal == "derive_only":
        return params.add("[withheld: personal data]")
    return f"c{position}"


def personal_headers(targets: list[Target]) -> dict[str, str]:
    """Every header spelling of every personal column, normalised, with how it is protected."""
    found = {}
    for target in targets:
        for layout in target.layouts:
            for column, aliases in layout.columns.items():
                kind = target.columns[column].personal
                if kind:
                    found.update({normalise_header(alias): kind for alias in aliases})
    return found


def duplicate_keys_sql(target: Target) -> str:
    """Records whose natural key an earlier record (file order, then row) already has. A key with a gap is not
    compared, since a missing part identifies nothing, unless the target says that a NULL there is a value
    (`key_nulls_match`, e.g. a return's borough-wide row has no ward)."""
    keys = target.natural_key
    complete = " and ".join(f"{k} is not null" for k in keys if k not in target.key_nulls_match) or "true"
    partition = ", ".join(keys)
    return f"""
with keyed as (
  select source_file, source_row, {partition},
         first_value(source_file) over w as first_file,
         first_value(source_row) over w as first_row,
         row_number() over w as occurrence
  from valid_{target.target}
  where {complete}
  window w as (partition by {partition} order by source_file, source_row)
),
final as (
  select source_file, source_row, first_file, first_row, to_json(struct_pack({partition})) as key_json
  from keyed where occurrence > 1
)
select * from final"""

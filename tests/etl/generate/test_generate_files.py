"""The demo generator's files: every family for every month, headers the layouts recognise, encodings, the
manifest and its dirty records, and byte-for-byte determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import openpyxl
import pytest
from generated_files import START, months, read_csv

from etl.generate import generate

SPEND_HEADER = ["Organisation Label", "Organisation URI", "Payment Date", "Payment Month", "Payment Year",
                "Financial Year", "Beneficiary Name", "Purpose", "Organisational Unit", "Amount GBP",
                "Irrecoverable VAT Amount GBP", "Latest Financial Year", "Latest Year", "Latest Month",
                "Unique Identifier"]  # Camden's published column set (real-samples/SOURCES.md)
PCN_HEADER = ["contravention_date", "ticket_type", "contravention_code", "street", "vehicle_category",
              "status_of_case", "ward_code", "easting", "northing", "longitude", "latitude", "location", "pcn_number",
              "controlled_parking_zone", "band", "on_street", "amount_charged", "amount_paid", "amount_outstanding",
              "cancellation_reason"]
CSV_FAMILIES = {  # glob -> (layout name, encoding)
    "spend/*.csv": ("spend_camden", "utf-8"),
    "parking/pcn/*.csv": ("pcn_camden", "utf-8"),
    "parking/permits/*.csv": ("permits_camden", "cp1252"),
    "parking/suspensions/*.csv": ("suspensions_camden", "utf-8"),
    "parking/sensors/*.csv": ("bay_sensor_events", "utf-8"),
    "repairs/*.csv": ("repairs_jobs_export", "utf-8"),
    "care/*.csv": ("cld_events", "utf-8"),
    "care/finance/*.csv": ("pss_ex1", "utf-8"),
    "reference/camden-contravention-codes.csv": ("contravention_codes", "utf-8"),
    "reference/camden-vehicle-categories.csv": ("vehicle_categories", "utf-8"),
}


def fy(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def expected_files(until: dt.date) -> set[str]:
    """File names worked out here from the brief, not from the generator's own listing functions."""
    names = set()
    for m in months(START, until):
        year, quarter, period = fy(m), (m.month - 4) % 12 // 3 + 1, (m.month - 4) % 12 + 1
        label = f"{year}-{(year + 1) % 100:02d}"
        names |= {f"spend/camden-spend-over-500-{label}-q{quarter}.csv", f"care/cld-{year}-q{quarter}.csv",
                  f"parking/pcn/camden-pcns-{m:%Y-%m}.csv", f"parking/permits/permits-{m:%Y-%m}.csv",
                  f"parking/suspensions/suspensions-{m:%Y-%m}.csv",
                  f"parking/sensors/bay-sensor-events-{m:%Y-%m}.csv", f"repairs/repairs-jobs-{m:%Y-%m}.csv",
                  f"finance/budget-monitoring/budget-monitoring-{label}-P{period:02d}.xlsx"}
        if period == 12 and dt.date(year + 1, 3, 31) <= until:  # the yearly care finance return, once a year ends
            names.add(f"care/finance/asc-fr-{label}-fin-act.csv")
    return names


def test_every_family_is_there_for_every_month(demo, until):
    written = {p.relative_to(demo).as_posix() for p in demo.rglob("*") if p.is_file()}
    missing = expected_files(until) - written
    assert not missing, sorted(missing)[:10]
    assert {"reference/camden-contravention-codes.csv", "reference/camden-vehicle-categories.csv"} <= written
    assert any(name.startswith("returns/") for name in written), "the service returns were not written"


def test_every_month_has_records(demo, until):
    for name in expected_files(until):
        if name.endswith(".csv"):
            _, rows = read_csv(demo / name, "cp1252" if "permits" in name else "utf-8")
            assert rows, f"{name} has no records"


def test_monthly_files_hold_their_own_month(demo, until):
    """A monthly file's records fall in its month (sensor arrivals, PCN issue dates, repairs raised)."""
    checks = {"parking/pcn/camden-pcns-{m}.csv": (0, "%Y-%m-%dT%H:%M:%S.000"),
              "parking/sensors/bay-sensor-events-{m}.csv": (6, "%Y-%m-%d %H:%M:%S"),
              "repairs/repairs-jobs-{m}.csv": (8, "%d/%m/%Y %H:%M")}
    for m in months(START, until)[::7]:
        for pattern, (column, fmt) in checks.items():
            _, rows = read_csv(demo / pattern.format(m=f"{m:%Y-%m}"))
            stamps = [dt.datetime.strptime(r[column], fmt) for r in rows if any(r) and r[column]]
            assert stamps and all((s.year, s.month) == (m.year, m.month) for s in stamps), pattern


def test_csv_headers_are_the_layout_aliases(demo, layouts):
    for pattern, (layout_name, encoding) in CSV_FAMILIES.items():
        layout = layouts[layout_name]
        first_alias = {canonical: aliases[0] for canonical, aliases in layout["columns"].items()}
        allowed = set(first_alias.values()) | set(layout.get("ignore", []))
        required = {first_alias[c] for c in first_alias if c not in set(layout.get("optional", []))}
        files = sorted(demo.glob(pattern))
        assert files, pattern
        for path in files:
            header, _ = read_csv(path, encoding)
            assert set(header) <= allowed, (path.name, set(header) - allowed)
            assert required <= set(header), (path.name, required - set(header))
            assert len(header) == len(set(header)), path.name


def test_spend_and_pcn_keep_camdens_published_column_order(demo):
    for path in sorted(demo.glob("spend/*.csv")):
        assert read_csv(path)[0] == SPEND_HEADER
    for path in sorted(demo.glob("parking/pcn/*.csv")):
        assert read_csv(path)[0] == PCN_HEADER


def test_reference_lists_are_copied_unchanged(demo, real_samples):
    for name in ("camden-contravention-codes.csv", "camden-vehicle-categories.csv"):
        assert (demo / "reference" / name).read_bytes() == (real_samples / "parking" / name).read_bytes()


def test_permits_are_a_windows_export(demo):
    for path in sorted(demo.glob("parking/permits/*.csv")):
        raw = path.read_bytes()
        assert b"\xa3" in raw, f"{path.name}: no cp1252 pound sign"
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert raw.count(b"\r\n") == raw.count(b"\n"), f"{path.name}: not CRLF throughout"
        _, rows = read_csv(path, "cp1252")
        prices = [r[9] for r in rows if any(r)]
        assert all(re.fullmatch(r"£\d{1,3}(,\d{3})*\.\d\d", p) for p in prices), prices[:5]


def test_other_csv_families_are_utf8(demo):
    for pattern, (_, encoding) in CSV_FAMILIES.items():
        if encoding != "utf-8":
            continue
        files = sorted(demo.glob(pattern))
        assert files, f"no file matches {pattern}"
        for path in files:
            path.read_bytes().decode("utf-8")


def test_budget_workbooks_have_a_title_then_the_layout_header(demo, layouts):
    header = [aliases[0] for aliases in layouts["budget_monitoring"]["columns"].values()]
    paths = sorted(demo.glob("finance/budget-monitoring/*.xlsx"))
    assert paths
    for path in paths[:: max(len(paths) // 6, 1)]:
        period = int(re.search(r"-P(\d\d)\.xlsx$", path.name).group(1))
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        assert len(book.sheetnames) >= 3
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            assert len(sheet.title) <= 31
            assert re.fullmatch(rf".+ - budget monitoring P{period:02d} \d{{4}}-\d\d", rows[0][0]), rows[0]
            assert rows[0][0].startswith(sheet.title)
            assert not any(rows[1])
            assert list(rows[2]) == header
            data = rows[3:]
            assert data and all(r[1] == period and r[2] == rows[0][0].split(" - budget")[0] for r in data)
        book.close()


def test_manifest_counts_match_the_files(demo, manifest):
    for name, entry in manifest["files"].items():
        path = demo / name
        assert path.is_file(), name
        if name.endswith(".csv"):
            encoding = "cp1252" if "permits" in name else "utf-8"
            assert len(read_csv(path, encoding)[1]) == entry["rows_written"], name
        else:
            book = openpyxl.load_workbook(path, read_only=True)
            rows = sum(max(sheet.max_row - 3, 0) for sheet in book.worksheets)
            book.close()
            assert rows == entry["rows_written"], name
    assert manifest["total_rows"] == sum(e["rows_written"] for e in manifest["files"].values())


def test_summary_is_the_manifest(demo_sources, manifest, tmp_path):
    """generate() returns {path: rows} for exactly the files the manifest lists."""
    summary = generate(tmp_path / "short", scale="small", seed=manifest["seed"], until=dt.date(2021, 5, 31))
    short = json.loads((tmp_path / "short" / "_manifest.json").read_text(encoding="utf-8"))
    assert summary == {name: e["rows_written"] for name, e in short["files"].items()}
    assert all(isinstance(v, int) and v >= 0 for v in summary.values())


def test_dirty_records_are_where_the_manifest_says(demo, manifest):
    dirty = manifest["dirty_records"]
    kinds = {d["kind"] for d in dirty}
    assert {"blank_record", "totals_row", "invalid_date", "time_only_date", "amount_na",
            "duplicate_job_ref"} <= kinds
    for d in dirty:
        encoding = "cp1252" if "permits" in d["file"] else "utf-8"
        header, rows = read_csv(demo / d["file"], encoding)
        record = rows[d["record"] - 1]
        if d["kind"] == "blank_record":
            assert len(record) == len(header) and not any(record), d
        elif d["kind"] == "totals_row":
            column = header.index(d["column"])
            assert [i for i, v in enumerate(record) if v] == [column], d
            others = sum(float(r[column]) for r in rows if r is not record and any(r)
                         and re.fullmatch(r"-?\d+\.\d\d", r[column]))
            assert float(record[column]) == pytest.approx(others, abs=0.01)
        elif d["kind"] == "duplicate_job_ref":
            ref = record[header.index("Job Ref")]
            earlier = [p for p in sorted((demo / "repairs").glob("*.csv")) if p.name < Path(d["file"]).name]
            assert any(ref in {r[0] for r in read_csv(p)[1]} for p in earlier), ref
            assert sum(r[0] == ref for r in rows) == 1
        else:
            assert record[header.index(d["column"])] == d["value"], d
            if d["kind"] == "invalid_date":
                with pytest.raises(ValueError):
                    dt.datetime.strptime(d["value"], "%d/%m/%Y")


def test_dirty_records_are_few(manifest):
    assert 5 <= len(manifest["dirty_records"]) <= 40


# ------------------------------------------------------------------------------------------------ determinism

def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(demo, manifest, tmp_path):
    again = tmp_path / "again"
    generate(again, scale=manifest["scale"], seed=manifest["seed"], until=dt.date.fromisoformat(manifest["until"]))
    assert digests(again) == digests(demo)


def test_each_family_draws_from_its_own_random_streams(tmp_path, monkeypatch):
    """Twice as many care requests changes the care files, and the care access return worked out from them, and no
    other family's bytes (a family's change cannot ripple into the others, so a change to one is reviewed against
    that one alone)."""
    import dataclasses

    import etl.generate

    short = dt.date(2021, 9, 30)
    before, after = tmp_path / "before", tmp_path / "after"
    generate(before, scale="small", seed=7, until=short)
    small = etl.generate.scale_of("small")
    busier = dataclasses.replace(small, care_requests_per_month=small.care_requests_per_month * 2)
    monkeypatch.setattr(etl.generate, "scale_of", lambda name: busier)
    generate(after, scale="small", seed=7, until=short)
    a, b = digests(before), digests(after)
    assert a.keys() == b.keys()
    family = ("care/", "returns/adult-social-care-access/")
    care = [n for n in a if n.startswith(family)]
    others = [n for n in a if not n.startswith(family) and n != "_manifest.json"]
    assert care and others
    assert all(a[n] != b[n] for n in care)
    assert all(a[n] == b[n] for n in others), [n for n in others if a[n] != b[n]][:5]


def test_a_different_seed_gives_different_data(tmp_path):
    short = dt.date(2021, 6, 30)
    one, two = tmp_path / "one", tmp_path / "two"
    generate(one, scale="small", seed=1, until=short)
    generate(two, scale="small", seed=2, until=short)
    a, b = digests(one), digests(two)
    assert a.keys() == b.keys()
    generated = [n for n in a if not n.startswith(("reference/", "returns/")) and n != "_manifest.json"]
    assert generated and all(a[n] != b[n] for n in generated)


def test_generating_again_into_the_same_folder_leaves_no_stale_files(tmp_path):
    out = tmp_path / "out"
    generate(out, scale="small", seed=3, until=dt.date(2021, 8, 31))
    (out / "notes.txt").write_text("mine")
    generate(out, scale="small", seed=3, until=dt.date(2021, 5, 31))
    assert not (out / "parking" / "pcn" / "camden-pcns-2021-07.csv").exists()
    assert (out / "parking" / "pcn" / "camden-pcns-2021-05.csv").exists()
    assert (out / "notes.txt").read_text() == "mine"

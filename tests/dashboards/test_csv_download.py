"""The one CSV format of every download: what goes in comes back out, read by the csv module and by pandas."""

from __future__ import annotations

import io

import pandas as pd
from csv_download_text import parse_download

from dashboards.csv_download import csv_text, download_link

AWKWARD = [["King's Cross, St Pancras", 1234.5, None], ['Said "no"', -35, "✓ £12"], ["two\nlines", 0, ""]]


def test_what_goes_in_comes_back_out():
    text = csv_text(["name", "amount", "note"], AWKWARD)
    records = parse_download(text)
    assert records[0] == ["name", "amount", "note"]
    assert records[1:] == [[str(v) if v is not None else "" for v in row] for row in AWKWARD]


def test_pandas_reads_it_as_a_spreadsheet_would():
    frame = pd.read_csv(io.BytesIO(csv_text(["name", "amount"], [r[:2] for r in AWKWARD]).encode("utf-8")),
                        encoding="utf-8-sig")
    assert list(frame.columns) == ["name", "amount"]
    assert frame["amount"].tolist() == [1234.5, -35, 0]
    assert frame["name"].tolist()[2] == "two\nlines"


def test_the_link_carries_the_text_and_a_filename():
    link = download_link(csv_text(["a"], [[1]]), "x.csv", "page-x-csv", "X")
    assert link.download == "x.csv" and link.href.startswith("data:text/csv;charset=utf-8,%EF%BB%BFa%0D%0A1")

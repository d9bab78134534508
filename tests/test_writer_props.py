"""Property tests for the writer: random values of every kind round-trip write -> read."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
from conftest import basic_sheets, write_book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape
from xlsxparts import append_columns

from xlcrm.xlsx.writeback import write_back

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NUMBER = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda x: abs(x) < 1e300)
DATE = st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31))
DATETIME = st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
COLUMNS = [
    ("t", "Text out", "text"),
    ("n", "Number out", "number"),
    ("d", "Date out", "date"),
    ("w", "When out", "datetime"),
    ("b", "Flag out", "boolean"),
]
ROW = st.tuples(
    st.one_of(st.none(), TEXT),
    st.one_of(st.none(), NUMBER),
    st.one_of(st.none(), DATE),
    st.one_of(st.none(), DATETIME),
    st.one_of(st.none(), st.booleans()),
)
_BASE = Path(tempfile.mkdtemp()) / "base.xlsx"
write_book(_BASE, basic_sheets())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=3, max_size=3))
def test_values_round_trip(rows):
    folder = Path(tempfile.mkdtemp())
    try:
        src, dst = folder / "in.xlsx", folder / "out.xlsx"
        shutil.copy(_BASE, src)
        frame = pd.DataFrame(rows, columns=["t", "n", "d", "w", "b"], index=[2, 3, 4])
        frame["d"] = pd.to_datetime(frame["d"])
        frame["w"] = pd.to_datetime(frame["w"])
        frame["b"] = frame["b"].astype("boolean")
        write_back(src, dst, "Customers", 1, append_columns(COLUMNS, frame), [])
        ws = openpyxl.load_workbook(dst)["Customers"]
        header = [c.value for c in ws[1]]
        assert header[-5:] == [head for _, head, _ in COLUMNS]
        for r, (t, n, d, w, b) in zip((2, 3, 4), rows, strict=True):
            got = [ws.cell(r, len(header) - 4 + i).value for i in range(5)]
            assert (unescape(got[0]) if got[0] else None) == (t if t else None)
            assert got[1] == n
            assert got[2] == (dt.datetime.combine(d, dt.time()) if d else None)
            assert got[3] == w
            assert got[4] == b
    finally:
        shutil.rmtree(folder)

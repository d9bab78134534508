"""The writer's building blocks on their own: shared strings inflated part way, deflated
members made on a worker thread, and customer-ID lookups through Arrow."""

from __future__ import annotations

import math
import threading
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcrm.keys import align, count_per_id, per_id, positions
from xlcrm.problems import BookError
from xlcrm.xlsx import deflate as deflate_module
from xlcrm.xlsx.cellrender import payload_table
from xlcrm.xlsx.deflate import DeflatedPart, deflate
from xlcrm.xlsx.head import head_rows
from xlcrm.xlsx.sharedstrings import SharedStrings
from xlcrm.xlsx.text import xml_escape_text
from xlcrm.xlsx.zipcopy import write_deflated

TEXTS = [
    "Customer ID",
    "",
    "a & b < c",
    "客户编号",
    "x" * 3000,
    " lead space",
    "rich",
    "last",
]


def _sst(prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns:{prefix}="s"' if prefix else ' xmlns="s"'
    items = []
    for i, t in enumerate(TEXTS):
        esc = t.replace("&", "&amp;").replace("<", "&lt;")
        if t == "rich":  # two runs and a phonetic run that is not part of the text
            items.append(
                f"<{p}si><{p}r><{p}t>ri</{p}t></{p}r><{p}r><{p}t>ch</{p}t></{p}r>"
                f"<{p}rPh><{p}t>zz</{p}t></{p}rPh></{p}si>"
            )
        elif i % 2:
            items.append(f'<{p}si ><{p}t xml:space="preserve">{esc}</{p}t></{p}si>')
        else:
            items.append(f"<{p}si><{p}t>{esc}</{p}t></{p}si>")
    return f'<?xml version="1.0"?><{p}sst{ns}>{"".join(items)}</{p}sst>'.encode()


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 1 << 20])
def test_shared_strings_read_part_way_match_a_whole_read(tmp_path: Path, prefix, chunk):
    """Every chunk size cuts tags at a different place; each entry must come out the same."""
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", _sst(prefix))
    with zipfile.ZipFile(path) as z:
        with SharedStrings(z, "xl/sharedStrings.xml", chunk=chunk) as sst:
            assert sst.get(0) == "Customer ID"
            # escapes undone, 'rich' joined from its two runs without the phonetic run
            assert [sst.get(i) for i in range(len(TEXTS))] == TEXTS
            assert len(sst) == len(TEXTS)
        with (
            SharedStrings(z, "xl/sharedStrings.xml", chunk=chunk) as sst,
            pytest.raises(BookError, match="shared string 8"),
        ):
            sst.get(8)


def test_shared_strings_stop_inflating_once_the_entry_is_found(tmp_path: Path):
    big = "".join(f"<si><t>s{i}</t></si>" for i in range(200_000))
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<sst>{big}</sst>")
    with zipfile.ZipFile(path) as z, SharedStrings(z, "xl/sharedStrings.xml", chunk=4096) as sst:
        assert sst.get(3) == "s3"
        assert len(sst._data) < 10_000  # a few chunks of a 3.6 MB part
        assert sst.get(199_999) == "s199999"
        assert len(sst) == 200_000


def _sheet_book(path: Path, header: str, shared: list[str]) -> None:
    """A zip with a sheet whose A1 is inline text and B1 the first shared string."""
    sheet = (
        '<worksheet xmlns="s"><sheetData><row r="1">'
        f'<c r="A1" t="inlineStr"><is><t>{header}</t></is></c><c r="B1" t="s"><v>0</v></c>'
        "</row></sheetData></worksheet>"
    )
    sst = "".join(f"<si><t>{t}</t></si>" for t in shared)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", f"<sst>{sst}</sst>")


def _header(path: Path) -> dict[int, str]:
    with zipfile.ZipFile(path) as z, SharedStrings(z, "xl/sharedStrings.xml") as sst:
        rows = head_rows(z, "xl/worksheets/sheet1.xml", sst, max_rows=1)
        rows[1][9] = "a caller's own change"  # not kept for the next caller
        return head_rows(z, "xl/worksheets/sheet1.xml", sst, max_rows=1)[1]


def test_a_header_read_again_is_the_file_as_it_is_now(tmp_path: Path):
    """The first rows are parsed once per version of the sheet and shared strings: the same
    file rewritten with another header, or only another shared string, is read anew."""
    book = tmp_path / "b.xlsx"
    _sheet_book(book, "Customer ID", ["Name"])
    assert _header(book) == {1: "Customer ID", 2: "Name"}
    _sheet_book(book, "客户编号", ["Name"])
    assert _header(book) == {1: "客户编号", 2: "Name"}
    _sheet_book(book, "客户编号", ["姓名"])
    assert _header(book) == {1: "客户编号", 2: "姓名"}
    (tmp_path / "c.xlsx").write_bytes(book.read_bytes())  # another file: its own reading
    assert _header(tmp_path / "c.xlsx") == {1: "客户编号", 2: "姓名"}


def _chunks(n: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 6, int(rng.integers(0, 50_000))).astype(np.uint8).tobytes()
        for _ in range(n)
    ]


@pytest.mark.parametrize("codec", ["isal", "zlib"])
@pytest.mark.parametrize("n", [0, 1, 25])
def test_a_deflated_part_is_a_valid_zip_member(tmp_path: Path, n, codec, monkeypatch):
    if codec == "zlib":  # what a platform without the ISA-L wheel runs
        monkeypatch.setattr(deflate_module, "_fast", zlib)
    else:
        pytest.importorskip("isal")
        assert deflate_module._fast is not zlib
    chunks = _chunks(n, n)
    data = b"".join(chunks)
    path = tmp_path / "p.zip"
    with deflate(iter(chunks)) as part, zipfile.ZipFile(path, "w") as z:
        assert (part.crc, part.file_size) == (zlib.crc32(data), len(data))
        z.writestr("before.txt", b"before")
        write_deflated(z, "xl/worksheets/sheet1.xml", part)
        z.writestr("after.txt", b"after")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC checked
        assert z.read("xl/worksheets/sheet1.xml") == data
        assert z.read("after.txt") == b"after"
        assert z.getinfo("xl/worksheets/sheet1.xml").compress_type == zipfile.ZIP_DEFLATED


def test_a_producer_that_fails_leaves_no_thread_or_file_behind():
    def rows():
        yield b"<row/>" * 1000
        raise ValueError("refused half way")

    with pytest.raises(ValueError, match="half way"):
        deflate(rows())
    assert not [t for t in threading.enumerate() if t.name == "xlcrm-deflate"]
    part = DeflatedPart()
    part.write(b"<row/>" * 1000)
    part.close()  # the producer stopped without finish(): the worker still ends
    assert part.file.closed and not part._thread.is_alive()


IDS = st.lists(st.one_of(st.none(), st.sampled_from(["1001", "C-1", "", "客户", "1001.0", "x"])))


@settings(max_examples=150, deadline=None)
@given(
    keys=st.lists(st.sampled_from(["1001", "C-1", "", "客户", "x", "9"]), unique=True), values=IDS
)
def test_positions_and_align_answer_as_pandas_does(keys, values):
    for dtype in ("string[pyarrow]", "string[python]", object):
        k = pd.Index(pd.array(keys, dtype="string[pyarrow]"))
        v = pd.Series(pd.array(values, dtype=dtype if dtype is not object else "string[pyarrow]"))
        if dtype is object:
            v = v.astype(object)
        want = pd.Index(keys, dtype=object).get_indexer(pd.Index(v.astype(object)))
        want = np.where(pd.isna(v.to_numpy()), -1, want)
        assert positions(k, v).tolist() == want.tolist()
        vals = pd.Series(np.arange(len(keys), dtype=np.int64) * 10, index=k)
        got = align(vals, v)
        expected = vals.reindex(v.to_numpy())
        expected.index = v.index
        pd.testing.assert_series_equal(got, expected, check_index_type=False)
        n = len(keys)
        frame = pd.DataFrame(
            {
                "count": np.arange(n, dtype=np.int64),
                "amount": np.arange(n) / 4,
                "day": pd.date_range("2024-01-01", periods=n),
                "name": pd.array([f"n{i}" for i in range(n)], dtype="string"),
            },
            index=k,
        )
        expected = frame.reindex(v.to_numpy())
        expected.index = v.index
        pd.testing.assert_frame_equal(align(frame, v), expected, check_index_type=False)


@settings(max_examples=150, deadline=None)
@given(
    ids=st.lists(st.one_of(st.none(), st.sampled_from(["1001", "C-1", "客户", "x", "9"]))),
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["1001", "C-1", "客户", "nobody"])),
            st.one_of(st.none(), st.integers(0, 5)),  # a day, or no date
            st.booleans(),  # kept by ``where``
        ),
        max_size=25,
    ),
)
def test_per_id_answers_as_pandas_group_by_does(ids, rows):
    """Earliest, latest and the latest row per customer, as group-by and align give them
    (the planner's contacts): blank and unknown owners and undated rows count for no one;
    a tie goes to the later row; a customer listed twice gets the same answer twice."""
    customers = pd.Series(pd.array(ids, dtype="str"))
    owners = pd.Series(pd.array([r[0] for r in rows], dtype="str"))
    days = [
        pd.NaT if r[1] is None else pd.Timestamp("2024-01-01") + pd.Timedelta(days=r[1])
        for r in rows
    ]
    dates = pd.Series(pd.to_datetime(pd.Series(days, dtype="datetime64[ns]")))
    where = np.array([r[2] for r in rows], dtype=bool)
    frame = pd.DataFrame({"customer_id": owners, "date": dates})[where]
    for how in ("min", "max"):
        want = align(frame.groupby("customer_id")["date"].agg(how), customers)
        got = per_id(customers, owners, dates, how, where)
        assert got.dtype == "datetime64[ns]"
        assert got.tolist() == want.to_numpy(dtype="datetime64[ns]").tolist()
    counted = align(
        pd.DataFrame({"customer_id": owners})[where].groupby("customer_id").size(), customers
    )
    got = count_per_id(customers, owners, where)
    assert got.tolist() == counted.fillna(0).astype(int).tolist()
    dated = frame[frame["date"].notna()].sort_values("date", kind="stable")
    latest = dated.assign(row=dated.index).groupby("customer_id").tail(1)
    want = align(latest.set_index("customer_id")["row"], customers).fillna(-1).astype(int)
    assert per_id(customers, owners, dates, "last", where).tolist() == want.tolist()


PIECES = [
    "a",
    "客",
    " ",
    "\t",
    "\u3000",
    "&",
    "<",
    ">",
    "_x",
    "0041_",
    "\x01",
    "\r",
    "\ufffe",
    "😀",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), max_size=200))
def test_text_cells_escaped_on_the_whole_column_as_one_by_one(texts):
    """A text column's payloads (a long column's escaped by Arrow kernels on the whole
    dictionary, a short one's text by text) are what escaping each text on its own gives:
    the three escapes, a literal _xHHHH_ kept literal, characters XML cannot carry as
    _xHHHH_, leading or trailing space preserved."""
    _payloads_match(texts)


def test_a_long_text_column_with_every_kind_of_text_is_escaped_as_one_by_one():
    texts = [f"{i}{piece}{piece}" for i, piece in enumerate(PIECES * 10)]
    _payloads_match([*texts, *(f"_x{i:04X}_ & {i}" for i in range(70))])


def _payloads_match(texts: list[str]) -> None:
    codes, table = payload_table(pd.Series(texts, dtype="string"), "text", False)
    for code, text in zip(codes, texts, strict=True):
        space = ' xml:space="preserve"' if text != text.strip() else ""
        want = f' t="inlineStr"><is><t{space}>{xml_escape_text(text)}</t></is>' if text else ""
        assert (table[code] if code >= 0 else "") == want


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(min_value=-1e6, max_value=1e6).map(lambda x: round(x, 2)),
            st.integers(min_value=-(10**16), max_value=10**16).map(float),
            st.sampled_from(
                [1e-4, 9.99e-5, 1e9 - 0.5, 1e9 + 0.5, 1e15 - 0.5, -0.0, 0.3 - 0.1, 5e-324]
            ),
            st.floats(min_value=1e-5, max_value=1e11),
        ),
        max_size=60,
    )
)
def test_number_cells_are_written_as_python_writes_them(values):
    """A number column's payloads (Arrow's casts for most values) are the shortest text
    Python's repr gives, whole numbers without '.0', and no cell for NaN or infinity."""
    codes, table = payload_table(pd.Series(values, dtype="float64"), "number", False)
    for code, x in zip(codes, values, strict=True):
        if not math.isfinite(x):
            want = ""
        elif x % 1 == 0 and abs(x) < 1e15:
            want = f"><v>{int(x)}</v>"
        else:
            want = f"><v>{x!r}</v>"
        assert (table[code] if code >= 0 else "") == want

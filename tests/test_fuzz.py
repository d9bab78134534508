"""Fuzzing: mutated workbooks (zip bytes, sheet XML, cell values) through validate and update.

Whatever the file: no exception escapes; a refusal leaves the file byte-identical and says why
in one line; a success leaves a workbook xlcrm (and zip) can read again. A failing input is
saved under the test's temporary folder and its path printed; a person adds it to
tests/regressions/, which are replayed on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import shutil
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from conftest import write_book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcrm
from xlcrm.xlsx.package import open_package

HERE = Path(__file__).resolve().parent
STAMP = dt.datetime(2024, 7, 1)
# the member names of the demo book every case starts from (XlsxWriter's fixed layout)
SHEETS = [f"xl/worksheets/sheet{i}.xml" for i in range(1, 7)]  # the 6th: the Dashboard


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


@cache
def _base(folder: Path) -> bytes:
    path = folder / "base.xlsx"
    xlcrm.init_workbook(path, demo=15, seed=2)
    return path.read_bytes()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> bytes:
    data = _base(tmp_path_factory.mktemp("fuzz-base"))
    assert sorted(n for n in members(data) if n.startswith("xl/worksheets/sheet")) == SHEETS
    return data


@pytest.fixture
def check(tmp_path):
    """Run one case; on failure keep the input under this test's folder and say where."""

    def run(data: bytes) -> None:
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        try:
            _check(folder / "book.xlsx", data)
        except Exception:
            keep = tmp_path / f"failing-{hashlib.sha256(data).hexdigest()[:16]}.xlsx"
            keep.write_bytes(data)
            print(f"failing input saved to {keep}; copy it to tests/regressions/ to keep it")
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return run


def zipped(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    v = xlcrm.validate(path)
    assert (v.exit_code == 2) == (v.fatal is not None)
    assert (v.exit_code == 1) == (v.fatal is None and bool(v.errors))
    u = xlcrm.update(path, stamp=STAMP, backup=False)
    if v.fatal:  # unreadable: update must refuse too
        assert u.exit_code == 2
    if u.exit_code != 0:
        # refused: nothing changed, and the reason is one plain line (no traceback)
        assert not u.written and path.read_bytes() == data
        line = u.summary()
        assert "\n" not in line and "Traceback" not in line and line.strip()
        return
    # written: a whole zip, and a workbook package xlcrm opens again (parts, sheets, tables)
    assert u.written
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    with open_package(path) as pkg:
        assert {s.name for s in pkg.sheets} >= {"Customers", "Sales"}


def fuzz(n: int):
    return settings(
        max_examples=n,
        deadline=10_000,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# about 690 cases in all, in tests of 25-40 so that two workers share them evenly
@pytest.mark.parametrize("part", [0, 1, 2, 3, 4, 5])
def test_zip_bytes(part, base, check):
    size = len(base)
    lo, hi = part * size // 6, (part + 1) * size // 6
    flips = st.lists(
        st.tuples(st.integers(lo, hi - 1), st.integers(0, 255)), min_size=1, max_size=8
    )

    def mutate_bytes(flips, cut):
        data = bytearray(base)
        for at, value in flips:
            data[at] = value
        check(bytes(data[: max(cut, 1)]))

    fuzz(40)(given(flips, st.integers(0, size))(mutate_bytes))()


XML_PARTS = [
    *SHEETS,
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
]
SNIPPETS = [
    b"",
    b"<",
    b">",
    b"&",
    b'"',
    b'<c r="A1"/>',
    b"<row/>",
    b"</row>",
    b"<v>x</v>",
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;",
    b'<f t="shared" si="0"/>',
    b"\x00",
    b"\xff\xfe",
    b'r="ZZZZ1"',
    b't="s"',
    b"<v>99999999</v>",
    b"<sheetData/>",
    b'ref="A1:XFD1048576"',
]


@pytest.mark.parametrize("part", XML_PARTS)
def test_xml_parts(part, base, check):
    # the parts every read and write goes through get more examples than the optional sheets
    n = 20 if part in (*SHEETS[:2], *XML_PARTS[len(SHEETS) :]) and part != "xl/styles.xml" else 10
    fuzz(n)(given(st.data())(lambda data: mutate_xml(members(base), part, data, check)))()


def mutate_xml(parts, part, data, check):
    xml = parts[part]
    start = data.draw(st.integers(0, len(xml)))
    end = data.draw(st.integers(start, min(len(xml), start + 64)))
    snippet = data.draw(st.sampled_from(SNIPPETS) | st.binary(max_size=12))
    parts = dict(parts)
    parts[part] = xml[:start] + snippet + xml[end:]
    check(zipped(parts))


CELL = re.compile(rb"(<c r=\"[A-Z]+\d+\"[^>]*>)(.*?)(</c>)", re.S)
VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["#N/A", "=1+1", "2024/13/45", "03/04/2024", "-", "1e999", "NaN", "12,5", " ", "是", "\t"]
    ),
)


@pytest.mark.parametrize("part", SHEETS[:2])
@pytest.mark.parametrize("batch", [0, 1, 2])
def test_cell_values(part, batch, base, check):
    parts = members(base)
    fuzz(15)(given(st.data())(lambda data: mutate_cells(parts, part, data, batch, check)))()


def mutate_cells(base_parts, part, data, batch, check):
    xml = base_parts[part]
    cells = list(CELL.finditer(xml))
    lo, hi = (
        batch * len(cells) // 3,
        max(batch * len(cells) // 3, (batch + 1) * len(cells) // 3 - 1),
    )
    pick = data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=5))
    out, pos = [], 0
    for i in sorted(set(pick)):
        m = cells[i]
        value = data.draw(VALUES)
        kind = data.draw(st.sampled_from(["str", "n", "b", "e"]))
        esc = value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "replace")
        body = {
            "str": b"<is><t>" + esc + b"</t></is>",
            "n": b"<v>" + esc + b"</v>",
            "b": b"<v>" + esc[:1] + b"</v>",
            "e": b"<v>#REF!</v>",
        }[kind]
        head = re.sub(rb'\s+t="\w+"', b"", m.group(1))
        t = {"str": b' t="inlineStr"', "n": b"", "b": b' t="b"', "e": b' t="e"'}[kind]
        out += [xml[pos : m.start()], head[:-1] + t + b">", body, m.group(3)]
        pos = m.end()
    out.append(xml[pos:])
    parts = dict(base_parts)
    parts[part] = b"".join(out)
    check(zipped(parts))


@pytest.mark.parametrize(
    "path", sorted((HERE / "regressions").glob("*.xlsx")), ids=lambda p: p.name
)
def test_regressions(path, check):
    check(path.read_bytes())


def messy_sheets(seed: int) -> dict[str, list[list]]:
    """A book an owner could type: any cell may be blank, IDs repeat or point nowhere, an
    order may hold two customers, contacts name complaints and answers in both languages."""
    rnd = random.Random(seed)

    def maybe(value, blank: float = 0.15):
        return None if rnd.random() < blank else value

    ids = [f"C{i}" for i in range(30)] + ["C3", None]
    customers = [
        ["Customer ID", "Name", "Phone", "Birthday", "Joined", "Referred by", "Type"],
        *(
            [
                maybe(c),
                maybe(f"N{i}"),
                maybe("138 0000 0000"),
                maybe(dt.date(1990, 1, 1 + i % 27)),
                maybe(dt.date(2024, 1 + i % 12, 1)),
                maybe(rnd.choice(["C1", c, "C999"]), 0.6),
                maybe(rnd.choice(["ToB", "ToC"])),
            ]
            for i, c in enumerate(ids)
        ),
    ]
    sales = [
        ["Date", "Order ID", "Customer ID", "Product", "Quantity", "Amount"],
        *(
            [
                maybe(dt.date(2023 + j % 2, 1 + j % 12, 1 + j % 28)),
                maybe(f"O{j // 2}"),
                maybe(rnd.choice(ids)),
                maybe("Tea"),
                maybe(rnd.choice([1, 2, -1])),
                maybe(rnd.choice([10.0, -5.0, 20.5, "12,5"])),
            ]
            for j in range(120)
        ),
    ]
    contacts = [
        ["Date", "Customer ID", "Channel", "Kind", "Resolved", "Resolved on", "Satisfaction"],
        *(
            [
                maybe(dt.date(2024, 1 + j % 12, 1 + j % 28)),
                maybe(rnd.choice(ids)),
                maybe(rnd.choice(["phone", "微信"])),
                maybe(rnd.choice(["complaint", "投诉", "feedback", "回访"])),
                maybe(rnd.choice([True, False, "是"])),
                maybe(dt.date(2024, 1 + j % 12, 1 + j % 25)),
                maybe(rnd.choice(["satisfied", "needs_improvement"]), 0.5),
            ]
            for j in range(40)
        ),
    ]
    return {"Customers": customers, "Sales": sales, "Contacts": contacts}


@pytest.mark.parametrize("seed", range(4))
def test_a_messy_book_is_checked_and_updated_with_keep_going(seed, tmp_path):
    """Blanks anywhere, shared orders, unknown and repeated IDs: every problem is a problem
    in the owner's cells, never a book 'that could not be read', and with --keep-going the
    Due sheet lists each customer with their own name."""
    path = write_book(tmp_path / "messy.xlsx", messy_sheets(seed))
    v = xlcrm.validate(path, as_of="2025-06-30")
    assert v.fatal is None and v.errors
    u = xlcrm.update(path, as_of="2025-06-30", stamp=STAMP, keep_going=True, backup=False)
    assert u.fatal is None and u.written
    wb = openpyxl.load_workbook(path, read_only=True)
    names = {}
    for row in wb["Customers"].iter_rows(min_row=2, values_only=True):
        names.setdefault(str(row[0]), set()).add(row[1])
    due = list(wb["Due"].iter_rows(min_row=2, values_only=True))
    head = due[0]
    listed = [dict(zip(head, row, strict=True)) for row in due[1:]]
    assert listed and all(d["Priority"] is not None for d in listed)
    for d in listed:
        assert d["Name"] in names[str(d["Customer ID"])]

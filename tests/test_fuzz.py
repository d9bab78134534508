"""Fuzzing: mutated workbooks (zip bytes, sheet XML, cell values) through validate and update.

Whatever the file: no exception escapes, no case is slow, and when update reports an error
the file is byte-identical afterwards. Inputs that ever broke this are kept in
tests/regressions/ and replayed.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xlcrm

HERE = Path(__file__).resolve().parent
BASE_DIR = Path(tempfile.mkdtemp())
BASE = BASE_DIR / "base.xlsx"
xlcrm.init_workbook(BASE, demo=15, seed=2)
BASE_BYTES = BASE.read_bytes()
STAMP = __import__("datetime").datetime(2024, 7, 1)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


BASE_MEMBERS = members(BASE_BYTES)


def zipped(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def check(data: bytes) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        _check(folder / "book.xlsx", data)
    except Exception:
        keep = HERE / "regressions" / f"{hashlib.sha256(data).hexdigest()[:16]}.xlsx"
        keep.write_bytes(data)  # replayed by test_regressions from now on
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    v = xlcrm.validate(path)
    assert v.exit_code in (0, 1, 2)
    if v.fatal:  # unreadable: update must refuse too, and touch nothing
        u = xlcrm.update(path, stamp=STAMP, backup=False)
        assert u.fatal and path.read_bytes() == data
        return
    u = xlcrm.update(path, stamp=STAMP, backup=False)
    assert u.exit_code in (0, 1, 2)
    if not u.written:
        assert path.read_bytes() == data
    elif _intact(data):
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None


def _intact(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.testzip() is None
    except Exception:
        return False


def fuzz(n: int):
    return settings(
        max_examples=n,
        deadline=10_000,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# about 1,150 cases in all, in tests of 50-60 so that two workers share them evenly
@pytest.mark.parametrize("part", [0, 1, 2, 3, 4, 5])
def test_zip_bytes(part):
    size = len(BASE_BYTES)
    lo, hi = part * size // 6, (part + 1) * size // 6
    flips = st.lists(
        st.tuples(st.integers(lo, hi - 1), st.integers(0, 255)), min_size=1, max_size=8
    )
    fuzz(60)(given(flips, st.integers(0, size))(mutate_bytes))()


def mutate_bytes(flips, cut):
    data = bytearray(BASE_BYTES)
    for at, value in flips:
        data[at] = value
    check(bytes(data[: max(cut, 1)]))


SHEETS = sorted(n for n in BASE_MEMBERS if n.startswith("xl/worksheets/sheet"))
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
def test_xml_parts(part):
    fuzz(50)(given(st.data())(lambda data: mutate_xml(part, data)))()


def mutate_xml(part, data):
    xml = BASE_MEMBERS[part]
    start = data.draw(st.integers(0, len(xml)))
    end = data.draw(st.integers(start, min(len(xml), start + 64)))
    snippet = data.draw(st.sampled_from(SNIPPETS) | st.binary(max_size=12))
    parts = dict(BASE_MEMBERS)
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
def test_cell_values(part, batch):
    fuzz(50)(given(st.data())(lambda data: mutate_cells(part, data, batch)))()


def mutate_cells(part, data, batch):
    xml = BASE_MEMBERS[part]
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
    parts = dict(BASE_MEMBERS)
    parts[part] = b"".join(out)
    check(zipped(parts))


@pytest.mark.parametrize(
    "path", sorted((HERE / "regressions").glob("*.xlsx")), ids=lambda p: p.name
)
def test_regressions(path):
    check(path.read_bytes())

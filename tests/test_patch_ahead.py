"""Cells rendered by Arrow kernels, and the Customers row map update makes ahead of the values.

The map is found while the sales are read; the write must give the same bytes with it as
without it, and must not use a map made from other bytes.
"""

from __future__ import annotations

import datetime as dt
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import basic_sheets, write_book
from xlsxparts import append_columns

from xlcrm.reader import read_book
from xlcrm.xlsx.cellrender import Column, row_cells, row_elements
from xlcrm.xlsx.sheetpatch import ColumnPlan, PatchReport, map_rows, patch_sheet
from xlcrm.xlsx.styles import Styles
from xlcrm.xlsx.writeback import map_output_cells, write_back

STYLES = (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<numFmts count="0"/><fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
    b'<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>'
)


def _columns() -> list[Column]:
    number = Column(1, 3, np.array([0, -1, 1, 0, -1]), ["><v>1</v>", "><v>2.5</v>"])
    text = Column(2, None, np.array([-1, 0, 0, -1, 0]), [' t="inlineStr"><is><t>茶 &amp;</t></is>'])
    return [number, text]


def test_cells_are_joined_row_by_row_across_chunk_edges():
    rows = [2, 3, 4, 10, 11]
    want = [
        '<c r="A2" s="3"><v>1</v></c>',
        '<c r="A3" s="3"/><c r="B3" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
        '<c r="A4" s="3"><v>2.5</v></c><c r="B4" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
        '<c r="A10" s="3"><v>1</v></c>',
        '<c r="A11" s="3"/><c r="B11" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
    ]
    for chunk in (1, 2, 3, 8192):
        assert list(row_cells(_columns(), rows, chunk)) == [w.encode() for w in want]
        whole = b"".join(row_elements(_columns(), rows, chunk))
        assert (
            whole
            == "".join(f'<row r="{r}">{w}</row>' for r, w in zip(rows, want, strict=True)).encode()
        )
    # the careful path's single cells agree with the joined rows
    cols = _columns()
    assert [cols[1].cell(i, r) for i, r in enumerate(rows)] == [
        "",
        '<c r="B3" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
        '<c r="B4" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
        "",
        '<c r="B11" t="inlineStr"><is><t>茶 &amp;</t></is></c>',
    ]
    assert cols[0].present.tolist() == [True] * 5
    assert cols[1].present.tolist() == [False, True, True, False, True]


def test_rows_with_no_cells_at_all_stay_empty():
    empty = Column(4, None, np.array([-1, -1]), [])
    assert list(row_cells([empty], [5, 6])) == [b"", b""]
    assert b"".join(row_elements([empty], [5, 6])) == b'<row r="5"></row><row r="6"></row>'


# a Customers part with a row of every kind the map must sort out: header; plain rows (one
# already holding an output cell); a cell without a reference; a formula in the output
# column; a self-closing row; a row that is no customer's
SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:B7"/><sheetData>'
    b'<row r="1" spans="1:2"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'
    b'<row r="2" spans="1:2"><c r="A2"><v>1</v></c></row>'
    b'<row r="3" spans="1:2"><c r="A3"><v>2</v></c><c r="B3"><v>9</v></c></row>'
    b'<row r="4"><c><v>3</v></c></row>'
    b'<row r="5"><c r="A5"><v>4</v></c><c r="B5"><f>A5*2</f><v>8</v></c></row>'
    b'<row r="6"/>'
    b'<row r="7"><c r="A7"><v>99</v></c></row>'
    b"</sheetData></worksheet>"
)


def _plans() -> list[ColumnPlan]:
    values = pd.Series([10.0, 20.0, 30.0, 40.0, 50.0], index=[2, 3, 4, 5, 6])
    return [ColumnPlan(2, "number", values, header="Out")]


def test_a_map_made_ahead_patches_exactly_as_one_made_in_line():
    ahead = map_rows(SHEET, [2], 1)
    in_line, with_map = PatchReport(), PatchReport()
    plain = b"".join(patch_sheet(SHEET, _plans(), 1, Styles.parse(STYLES), in_line))
    mapped = b"".join(patch_sheet(SHEET, _plans(), 1, Styles.parse(STYLES), with_map, mapped=ahead))
    assert mapped == plain
    assert with_map == in_line
    # rows 2, 3 and 6 are simple; the header, the implicit reference and the formula are not
    assert (with_map.fast_rows, with_map.careful_rows) == (3, 3)
    assert with_map.formulas_overwritten == 1
    assert b'<row r="2" spans="1:2"><c r="A2"><v>1</v></c><c r="B2"><v>10</v></c></row>' in mapped
    assert b'<c r="A3"><v>2</v></c><c r="B3"><v>20</v></c></row>' in mapped
    assert b'<row r="5"><c r="A5"><v>4</v></c><c r="B5"><v>40</v></c></row>' in mapped
    assert b'<row r="6"><c r="B6"><v>50</v></c></row>' in mapped
    assert b'<row r="7"><c r="A7"><v>99</v></c></row>' in mapped  # no customer: untouched


def test_a_map_of_other_columns_or_bytes_is_not_used():
    wrong_cols = map_rows(SHEET, [3], 1)
    other = SHEET.replace(b"<v>99</v>", b"<v>98</v>")
    other_bytes = map_rows(other, [2], 1)
    want = b"".join(patch_sheet(SHEET, _plans(), 1, Styles.parse(STYLES), PatchReport()))
    for stale in (wrong_cols, other_bytes):
        got = b"".join(
            patch_sheet(SHEET, _plans(), 1, Styles.parse(STYLES), PatchReport(), mapped=stale)
        )
        assert got == want


COLUMNS = [("n", "Number out", "number"), ("t", "Text out", "text")]


def _customers_part(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_write_back_uses_a_map_only_of_the_same_part(tmp_path: Path):
    """A map made before the owner saved the book again (the part's bytes changed) is left
    aside: the write gives what it gives with no map at all."""
    old = write_book(tmp_path / "old.xlsx", basic_sheets())
    sheets = basic_sheets()
    sheets["Customers"][2][4] = dt.date(1985, 2, 3)  # a number cell: the part's bytes change
    new = write_book(tmp_path / "new.xlsx", sheets)
    outputs = pd.DataFrame({"n": [1.5, 2.0, None], "t": ["a", None, "茶"]}, index=[2, 3, 4])
    stale = map_output_cells(old, "Customers", 1, append_columns(COLUMNS))
    fresh = map_output_cells(new, "Customers", 1, append_columns(COLUMNS))
    assert stale.member != fresh.member and fresh.cols == (6, 7)
    results = {}
    for name, mapped in (("none", None), ("stale", stale), ("fresh", fresh)):
        dst = tmp_path / f"{name}.xlsx"
        write_back(new, dst, "Customers", 1, append_columns(COLUMNS, outputs), [], mapped=mapped)
        results[name] = _customers_part(dst)
    assert results["stale"] == results["none"] == results["fresh"]
    assert b'<c r="F2"' in results["none"] and b'<c r="G4"' in results["none"]


def test_the_wait_on_the_largest_sheet_does_the_look_ahead_once(tmp_path: Path):
    path = write_book(tmp_path / "b.xlsx", basic_sheets())
    for parallel_from in (0, 1 << 60):
        calls: list[str] = []
        book = read_book(
            path,
            parallel_from=parallel_from,
            meanwhile=lambda calls=calls: calls.append(threading.current_thread().name),
        )
        assert calls == [threading.main_thread().name]
        assert set(book.sheets) == {"customers", "sales"}

"""Sheet extremes: the last column and the last row, merged and hidden headers, a filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlsxwriter
from conftest import AS_OF, CUSTOMERS_HEADER, SALES_HEADER, basic_sheets, write_book, write_cell
from xlsxparts import cells

import xlcrm

LAST_COL, LAST_ROW = 16_383, 1_048_575  # XlsxWriter counts from 0: XFD and 1,048,576


def _custom_book(path: Path, customers_at, extra=None) -> Path:
    """basic_sheets, with the Customers sheet placed by ``customers_at(ws, fmt)``."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    customers_at(wb.add_worksheet("Customers"), fmt)
    ws = wb.add_worksheet("Sales")
    for r, row in enumerate(basic_sheets()["Sales"]):
        for c, v in enumerate(row):
            write_cell(ws, r, c, v, fmt)
    if extra:
        extra(ws, fmt)
    wb.close()
    return path


def _customers(ws, fmt, top: int = 0) -> None:
    for r, row in enumerate(basic_sheets()["Customers"], start=top):
        for c, v in enumerate(row):
            write_cell(ws, r, c, v, fmt)


def test_a_note_in_the_last_column_stays_last_and_outputs_go_before_it(tmp_path, caplog):
    def place(ws, fmt):
        _customers(ws, fmt)
        ws.write_string(1, LAST_COL, "far right note")

    path = _custom_book(tmp_path / "wide.xlsx", place)
    with caplog.at_level("DEBUG"):
        r = xlcrm.update(path, as_of=AS_OF)
    assert r.written, r.fatal
    # no log line per untyped column from the fast reader (16,384 of them here)
    assert not [x for x in caplog.records if x.name.startswith("fastexcel")]
    ws = openpyxl.load_workbook(path)["Customers"]
    assert ws.cell(2, LAST_COL + 1).value == "far right note"
    assert ws.cell(1, 6).value == "First purchase" and ws.cell(2, 6).value is not None
    row2 = [ref for ref in cells(path, "Customers") if ref[-1] == "2" and ref[-2].isalpha()]
    assert row2[0] == "A2" and row2[-1] == "XFD2" and "F2" in row2  # cells still ascend


def test_no_room_for_output_columns_after_the_last_column_is_a_clear_refusal(tmp_path):
    def place(ws, fmt):
        _customers(ws, fmt)
        ws.write_string(0, LAST_COL, "Last header")

    path = _custom_book(tmp_path / "full.xlsx", place)
    before = path.read_bytes()
    r = xlcrm.update(path, as_of=AS_OF)
    assert not r.written and r.exit_code == 2
    assert "no room" in r.fatal and "XFD" in r.fatal
    assert path.read_bytes() == before


def test_a_sale_on_the_last_row_of_the_sheet(tmp_path):
    def last_row(ws, fmt):
        row = [dt.date(2024, 6, 1), "O9", "C2", "Tea", 15.0]
        for c, v in enumerate(row):
            write_cell(ws, LAST_ROW, c, v, fmt)

    path = _custom_book(tmp_path / "tall.xlsx", lambda ws, fmt: _customers(ws, fmt), last_row)
    v = xlcrm.validate(path, as_of=AS_OF)
    assert v.book.frame("sales").index.max() == LAST_ROW + 1
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.written, r.fatal
    out = r.outputs.set_axis(v.book.frame("customers")["customer_id"].tolist())
    assert out.loc["C2", "revenue"] == 35.0 and out.loc["C2", "orders"] == 2


def test_merged_title_and_merged_header_cell(tmp_path):
    def place(ws, fmt):
        ws.merge_range(0, 0, 0, 6, "Our customers 2024")
        header = [*CUSTOMERS_HEADER, "Notes"]
        for c, h in enumerate(header):
            ws.write_string(2, c, h)
        ws.merge_range(2, 5, 2, 6, "Notes")  # 'Notes' over F and G: G has no header of its own
        for r, row in enumerate(basic_sheets()["Customers"][1:], start=3):
            for c, v in enumerate(row):
                write_cell(ws, r, c, v, fmt)

    path = _custom_book(tmp_path / "merged.xlsx", place)
    v = xlcrm.validate(path, as_of=AS_OF)
    assert v.ok, [p.text() for p in v.problems]
    assert v.book.sheets["customers"].header_row == 3
    assert v.book.frame("customers")["customer_id"].tolist() == ["C1", "C2", "1003"]
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.written, r.fatal
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    assert {str(m) for m in ws.merged_cells.ranges} == {"A1:G1", "F3:G3"}
    headers = [c.value for c in ws[3]]
    assert headers[7] == "First purchase"  # after the merged pair, nothing written into G


def test_hidden_header_and_filtered_rows_are_read_and_stay_hidden(tmp_path):
    def place(ws, fmt):
        _customers(ws, fmt)
        ws.set_row(0, None, None, {"hidden": True})
        ws.autofilter(0, 0, 3, len(CUSTOMERS_HEADER) - 1)
        ws.filter_column(1, "x == Ann")
        ws.set_row(2, None, None, {"hidden": True})  # Bob filtered out
        ws.set_row(3, None, None, {"hidden": True})  # Cai filtered out

    path = _custom_book(tmp_path / "hidden.xlsx", place)
    v = xlcrm.validate(path, as_of=AS_OF)
    assert v.ok and len(v.book.frame("customers")) == 3
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.written, r.fatal
    ws = openpyxl.load_workbook(path)["Customers"]
    assert [ws.row_dimensions[i].hidden for i in (1, 2, 3, 4)] == [True, False, True, True]
    assert ws.auto_filter.ref == "A1:E4"
    assert ws.cell(3, 6).value is not None  # Bob's first purchase, written though hidden


def test_formula_error_results_in_sales_are_reported_not_crashed_on(tmp_path):
    sheets = basic_sheets()
    from conftest import Formula

    sheets["Sales"][3][4] = Formula("=1/0", "#DIV/0!")
    path = write_book(tmp_path / "err.xlsx", sheets)
    v = xlcrm.validate(path, as_of=AS_OF)
    bad = [p for p in v.errors if p.sheet == "Sales" and p.row == 4]
    assert bad and bad[0].column == "E" and "#DIV/0!" in (bad[0].value or "")
    assert SALES_HEADER[4] == bad[0].header

"""The preservation matrix: a workbook full of Excel features goes through update; only the
output cells, the Customers table and styles may change, and a real client opens the result."""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import shutil
import struct
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from xlsxparts import cells, col_of, libreoffice_csv, members, outside_sheetdata, raw_compressed

import xlcrm
from xlcrm.present.columns import label
from xlcrm.rules import output_columns

AS_OF = dt.date(2024, 6, 30)
STAMP = dt.datetime(2024, 7, 1, 8, 0)
LABELS = [label(c.key) for c in output_columns()]


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def feature_book(folder: Path, macro: bool) -> Path:
    path = folder / ("features.xlsm" if macro else "features.xlsx")
    png = folder / "logo.png"
    png.write_bytes(tiny_png())
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    bold = wb.add_format({"bold": True, "font_color": "#C00000"})
    cust = wb.add_worksheet("Customers")
    rows = [
        ("C1", "Ann", 5, "http://example.com/ann"),
        ("C2", "Bob", 7, "http://example.com/b"),
        ("007", "Cai", 2, "http://example.com/c"),
    ]
    cust.add_table(
        0,
        0,
        len(rows),
        4,
        {
            "name": "CustomerTable",
            "columns": [
                {"header": "Customer ID"},
                {"header": "Name"},
                {"header": "Visits"},
                {"header": "Site"},
                {"header": "Double visits", "formula": "=[@Visits]*2"},
            ],
        },
    )
    for r, (cid, name, visits, url) in enumerate(rows, start=1):
        cust.write_string(r, 0, cid)
        cust.write_string(r, 1, name)
        cust.write_number(r, 2, visits)
        cust.write_url(r, 3, url)
        cust.write_formula(r, 4, f"=C{r + 1}*2", None, visits * 2)
    cust.write_comment("B2", "Met at the fair", {"author": "Owner"})
    cust.conditional_format("C2:C4", {"type": "data_bar", "data_bar_2010": True})
    cust.freeze_panes(1, 0)
    cust.set_landscape()
    cust.print_area("A1:E4")
    sales = wb.add_worksheet("Sales")
    sales.write_row(0, 0, ["Date", "Order ID", "Customer ID", "Amount"])
    for r, (d, o, c, a) in enumerate(
        [
            (dt.datetime(2024, 1, 3), "O1", "C1", 40.0),
            (dt.datetime(2024, 2, 3), "O2", "C1", 60.0),
            (dt.datetime(2024, 3, 3), "O3", "007", 15.5),
        ],
        start=1,
    ):
        sales.write_datetime(r, 0, d, date)
        sales.write_string(r, 1, o)
        sales.write_string(r, 2, c)
        sales.write_number(r, 3, a)
    dash = wb.add_worksheet("Dashboard")
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Sales!$D$2:$D$4", "categories": "=Sales!$A$2:$A$4"})
    dash.insert_chart("B2", chart)
    dash.insert_image("J2", str(png))
    dash.insert_textbox("J10", "Remember to call gold customers", {"width": 240})
    dash.write_row("A20", [1, 2, 3, 4])
    dash.add_sparkline("E20", {"range": "Dashboard!A20:D20"})
    dash.merge_range("A22:D22", "Merged title", bold)
    dash.write_rich_string("A24", "Plain ", bold, "red bold", " end")
    dash.data_validation("B26", {"validate": "list", "source": "=Lists!$A$1:$A$3"})
    dash.write_formula("A28", "=SUM(A20:D20)", None, 10)
    if macro:
        dash.insert_button("F26", {"macro": "say_hello", "caption": "Hello"})
    lists = wb.add_worksheet("Lists")
    lists.write_column("A1", ["gold", "silver", "standard"])
    lists.protect("secret")
    wb.define_name("TopCustomers", "=Customers!$A$2:$A$4")
    wb.set_custom_property("Department", "Sales")
    if macro:
        vba = folder / "vbaProject.bin"
        vba.write_bytes(b"\xd0\xcf\x11\xe0" + b"fake project" * 40)
        wb.add_vba_project(str(vba))
    wb.close()
    return path


@pytest.mark.parametrize("macro", [False, True])
def test_only_output_cells_table_and_styles_change(tmp_path, macro):
    path = feature_book(tmp_path, macro)
    before_members = members(path)
    before_cells = cells(path, "Customers")
    before_outside = outside_sheetdata(path, "Customers")
    r = xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
    assert r.written, r.fatal
    after_members = members(path)
    added = [n for n in after_members if n not in before_members]
    assert list(after_members) == list(before_members) + added  # same order, new at the end
    # the Due and Points sheets, each an Excel Table (its part and the sheet's relationships)
    assert sorted(a.rsplit("/", 1)[0] for a in added) == [
        "xl/tables",
        "xl/tables",
        "xl/worksheets",
        "xl/worksheets",
        "xl/worksheets/_rels",
        "xl/worksheets/_rels",
    ]
    changed = {n for n in before_members if before_members[n][2] != after_members[n][2]}
    bookkeeping = {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "docProps/app.xml",
    }
    assert changed == {
        "xl/worksheets/sheet1.xml",
        "xl/tables/table1.xml",
        "xl/styles.xml",
        *bookkeeping,
    }
    ct, wbxml = after_members["[Content_Types].xml"][2], after_members["xl/workbook.xml"][2]
    assert all(f'PartName="/{a}"'.encode() in ct for a in added if not a.endswith(".rels"))
    assert b'name="Points"' in wbxml and b'name="Due"' in wbxml
    assert b"<vt:lpstr>Points</vt:lpstr>" in after_members["docProps/app.xml"][2]
    for name in set(before_members) - changed:
        assert before_members[name][:2] == after_members[name][:2], name  # CRC, compressed size
    if macro:
        assert after_members["xl/vbaProject.bin"] == before_members["xl/vbaProject.bin"]
    after_cells = cells(path, "Customers")
    user = {ref: x for ref, x in before_cells.items() if col_of(ref) <= "E"}
    assert {ref: after_cells[ref] for ref in user} == user
    assert outside_sheetdata(path, "Customers") == before_outside
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    assert [c.value for c in ws[1]] == [
        "Customer ID",
        "Name",
        "Visits",
        "Site",
        "Double visits",
        *LABELS,
    ]
    table = ws.tables["CustomerTable"]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(5 + len(LABELS))}4"
    assert [c.name for c in table.tableColumns][-len(LABELS) :] == LABELS
    assert ws["F1"].fill.fgColor.rgb == "FFE2EFDA"
    assert (ws["H4"].value, ws["I4"].value) == (1, 15.5)  # 007's orders and revenue
    assert ws["I2"].number_format == "#,##0.00" and ws["F2"].is_date
    assert ws["A4"].value == "007"


def test_raw_copy_keeps_compressed_bytes(tmp_path):
    path = feature_book(tmp_path, macro=False)
    copy = tmp_path / "before.xlsx"
    shutil.copy(path, copy)
    xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
    for name in (
        "xl/drawings/drawing1.xml",
        "xl/charts/chart1.xml",
        "xl/media/image1.png",
        "xl/worksheets/sheet2.xml",
        "docProps/custom.xml",
        "xl/sharedStrings.xml",
    ):
        assert raw_compressed(path, name) == raw_compressed(copy, name), name


def test_libreoffice_opens_the_result_and_sees_the_values(tmp_path, soffice):
    path = feature_book(tmp_path, macro=False)
    xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
    csv = libreoffice_csv(path, tmp_path / "lo")
    lines = csv.splitlines()
    assert lines[0].split(",")[5:] == LABELS
    rows = list(csv_module.reader(lines))
    c1 = dict(zip(rows[0], rows[1], strict=True))
    assert [c1[h] for h in ("Customer ID", "Name", "Visits", "Double visits")] == [
        "C1",
        "Ann",
        "5",
        "10",
    ]
    got = [
        c1[h]
        for h in (
            "First purchase",
            "Last purchase",
            "Orders",
            "Revenue",
            "Average order",
            "Days since last purchase",
            "Updated at",
        )
    ]
    assert got == ["2024-01-03", "2024-02-03", "2", "100", "50", "148", "2024-07-01 08:00:00"]
    assert lines[3].split(",")[0] == "007"

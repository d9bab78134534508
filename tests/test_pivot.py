"""A pivot table built by a real client survives update: LibreOffice builds it (from a flat
ODF file with a DataPilot) and saves it as xlsx with its pivot table and pivot cache parts;
after xlcrm's update those parts are the same bytes and LibreOffice still reads the pivot."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from test_preservation import AS_OF, STAMP
from xlsxparts import libreoffice_convert, libreoffice_csv, members, raw_compressed

import xlcrm

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
CUSTOMERS = [("Customer ID", "Name"), ("C1", "Ann"), ("C2", "Bob"), ("007", "Cai")]
SALES = [
    ("2024-01-03", "O1", "C1", 40.0),
    ("2024-02-03", "O2", "C1", 60.0),
    ("2024-03-03", "O3", "007", 15.5),
    ("2024-03-04", "O4", "C2", 20.0),
]


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f'<table:table-cell office:value-type="float" office:value="{v}"/>'
    if isinstance(v, str) and v[:2] == "20" and v[4:5] == "-":
        return f'<table:table-cell office:value-type="date" office:date-value="{v}"/>'
    return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'


def _table(name: str, rows: list[tuple]) -> str:
    body = "".join(f"<table:table-row>{''.join(map(_cell, r))}</table:table-row>" for r in rows)
    return f'<table:table table:name="{name}">{body}</table:table>'


def pivot_fods(path: Path) -> Path:
    sales = [("Date", "Order ID", "Customer ID", "Amount"), *SALES]
    pivot = (
        "<table:data-pilot-tables>"
        '<table:data-pilot-table table:name="SalesByCustomer" '
        'table:target-range-address="Report.A1:Report.B6">'
        f'<table:source-cell-range table:cell-range-address="Sales.A1:Sales.D{len(sales)}"/>'
        '<table:data-pilot-field table:source-field-name="Customer ID" '
        'table:orientation="row"/>'
        '<table:data-pilot-field table:source-field-name="Amount" table:orientation="data" '
        'table:function="sum"/>'
        "</table:data-pilot-table></table:data-pilot-tables>"
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        "<office:body><office:spreadsheet>"
        + _table("Customers", CUSTOMERS)
        + _table("Sales", sales)
        + _table("Report", [("",)])
        + pivot
        + "</office:spreadsheet></office:body></office:document>",
        "utf-8",
    )
    return path


def libreoffice_xlsx(src: Path, outdir: Path) -> Path:
    libreoffice_convert(src, outdir, "xlsx:Calc MS Excel 2007 XML")
    out = outdir / (src.stem + ".xlsx")
    assert out.exists(), "LibreOffice made no xlsx"
    return out


def test_a_pivot_table_made_by_libreoffice_is_kept(tmp_path: Path, soffice):
    book = libreoffice_xlsx(pivot_fods(tmp_path / "pivot.fods"), tmp_path / "made")
    before = members(book)
    pivot_parts = [n for n in before if n.startswith(("xl/pivotTables/", "xl/pivotCache/"))]
    assert any("pivotCacheDefinition" in n for n in pivot_parts), sorted(before)
    assert any(n.startswith("xl/pivotTables/pivotTable") for n in pivot_parts), sorted(before)
    copy = tmp_path / "before.xlsx"
    shutil.copy(book, copy)

    r = xlcrm.update(book, as_of=AS_OF, stamp=STAMP)
    assert r.written, r.fatal or [p.text() for p in r.problems]

    after = members(book)
    for name in pivot_parts:  # the same compressed bytes, not just the same content
        assert raw_compressed(book, name) == raw_compressed(copy, name), name
        assert after[name][:2] == before[name][:2], name
    wb_before, wb_after = before["xl/workbook.xml"][2], after["xl/workbook.xml"][2]
    assert b"<pivotCaches>" in wb_before and wb_after.count(b"<pivotCache ") == wb_before.count(
        b"<pivotCache "
    )
    report = list(csv.reader(libreoffice_csv(book, tmp_path / "lo", sheet=3).splitlines()))
    sums = {row[0]: row[1] for row in report if len(row) > 1}
    assert (sums["C1"], sums["C2"], sums["007"]) == ("100", "20", "15.5"), report
    customers = list(csv.reader(libreoffice_csv(book, tmp_path / "lo1", sheet=1).splitlines()))
    first = dict(zip(customers[0], customers[1], strict=False))
    assert (first["Customer ID"], first["Orders"], first["Revenue"]) == ("C1", "2", "100")

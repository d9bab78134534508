"""Rows spliced into a workbook XlsxWriter made, a column at a time.

XlsxWriter writes a cell per Python call (a minute for the two hundred thousand sales rows of
a 20,000-customer demo); here the empty workbook it made keeps its tables, formats and
dropdowns, and each table's rows are rendered by the writer's column renderer and put in
before ``</sheetData>``. Each cell takes its column's style, as a value typed into the column
would.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..record import record
from .cellref import col_letter
from .cellrender import Column, payload_table, row_elements

NUMERIC = {"date": "date", "datetime": "date", "money": "number", "integer": "number"}
NUMERIC |= {"number": "number"}
_COL = re.compile(rb'<col min="(\d+)" max="(\d+)"([^>]*)/>')
_STYLE = re.compile(rb'style="(\d+)"')
_REF = re.compile(rb'(<(?:table|autoFilter)\b[^>]*?\sref=")([A-Z]+)(\d+):([A-Z]+)(\d+)(")')


@record
class Body:
    """The rows of one table: its columns as (first column 1-based, kind, values)."""

    table: str
    columns: Sequence[tuple[int, str, pd.Series]]
    rows: int


def fill(skeleton: bytes, dest: Path, bodies: Sequence[Body], uncached: Sequence[str] = ()) -> None:
    """Write ``skeleton`` (an xlsx) to ``dest`` with each body's rows under its table's
    header, and the table (and its filter) reaching down to the last row. The formulas of
    the ``uncached`` sheet parts lose their cached results, so they are computed on opening."""
    src = zipfile.ZipFile(io.BytesIO(skeleton))
    wanted = {b.table: b for b in bodies if b.rows}
    tables = _tables(src)
    sheet_of = _sheets_of_tables(src)
    fills = {sheet_of[tables[name]]: wanted[name] for name in wanted}
    resize = {tables[name]: wanted[name].rows for name in wanted}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in fills:
                with out.open(_fresh(info), "w", force_zip64=True) as fh:
                    for piece in _filled(data, fills[info.filename]):
                        fh.write(piece)
            elif info.filename in resize:
                out.writestr(_fresh(info), _resized(data, resize[info.filename]))
            elif info.filename in uncached:
                out.writestr(_fresh(info), re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data))
            else:
                out.writestr(_fresh(info), data)


def _fresh(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = zipfile.ZIP_DEFLATED
    return new


def _tables(z: zipfile.ZipFile) -> dict[str, str]:
    """Table name -> its part."""
    out = {}
    for name in z.namelist():
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            m = re.search(rb'<table\b[^>]*?\sname="([^"]+)"', z.read(name))
            if m:
                out[m.group(1).decode()] = name
    return out


def _sheets_of_tables(z: zipfile.ZipFile) -> dict[str, str]:
    """Table part -> the worksheet part it belongs to."""
    out = {}
    for rels in z.namelist():
        if not (rels.startswith("xl/worksheets/_rels/") and rels.endswith(".rels")):
            continue
        sheet = "xl/worksheets/" + posixpath.basename(rels)[: -len(".rels")]
        for target in re.findall(rb'Target="([^"]+/tables/[^"]+)"', z.read(rels)):
            part = posixpath.normpath(posixpath.join("xl/worksheets", target.decode()))
            out[part] = sheet
    return out


def _column_styles(xml: bytes) -> dict[int, int]:
    styles = {}
    for m in _COL.finditer(xml[: xml.find(b"<sheetData")]):
        s = _STYLE.search(m.group(3))
        if s:
            for c in range(int(m.group(1)), int(m.group(2)) + 1):
                styles[c] = int(s.group(1))
    return styles


def _filled(xml: bytes, body: Body) -> Iterator[bytes]:
    styles = _column_styles(xml)
    last_row = body.rows + 1
    last_col = max(c for c, _, _ in body.columns)
    xml = re.sub(
        rb'<dimension ref="[^"]*"/>',
        f'<dimension ref="A1:{col_letter(last_col)}{last_row}"/>'.encode(),
        xml,
        count=1,
    )
    end = xml.rindex(b"</sheetData>")
    yield xml[:end]
    rendered = []
    for col, kind, values in body.columns:
        codes, table = payload_table(
            pd.Series(values.to_numpy(), dtype=values.dtype), NUMERIC.get(kind, "text"), False
        )
        rendered.append(Column(col, styles.get(col), codes, table))
    yield from row_elements(rendered, range(2, last_row + 1))
    yield xml[end:]


def _resized(xml: bytes, rows: int) -> bytes:
    """The table's ref (and its filter's) down to the body's last row."""

    def grow(m: re.Match) -> bytes:
        return m.group(1) + m.group(2) + m.group(3) + b":" + m.group(4) + str(rows + 1).encode()

    return _REF.sub(lambda m: grow(m) + m.group(6), xml)

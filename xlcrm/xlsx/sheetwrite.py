"""Whole worksheets for the sheets xlcrm owns (Problems, Due, Points): text, numbers, dates.

Every text cell is an inline string, so nothing the owner typed can turn into a formula here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

import pandas as pd

from ..problems import BookError
from .cellref import MAX_ROWS, col_letter
from .cellrender import Column, payload_table, row_elements
from .text import CELL_LIMIT, xml_escape_attr, xml_escape_text

NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
OWNED_MARK = "xlcrm"


def cell_xml(
    ref: str,
    value: object,
    style: int | None = None,
    date_style: int | None = None,
    date1904: bool = False,
) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        epoch = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
        day = value.date() if isinstance(value, dt.datetime) else value
        ds = f' s="{date_style}"' if date_style else s
        return f'<c r="{ref}"{ds}><v>{(day - epoch).days}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = str(value)[:CELL_LIMIT]
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{xml_escape_text(text)}</t></is></c>'


def sheet_xml(
    sheet,
    header_style: int | None = None,
    date_style: int | None = None,
    date1904: bool = False,
    wrap_style: int | None = None,
    table_rid: str | None = None,
) -> Iterator[bytes]:
    """A worksheet part: the title in A1, the headers on ``sheet.header_row`` (frozen), then
    the body, given by columns and rendered a column at a time (what keeps a Points sheet of
    a million events to seconds). ``sheet.links`` make the link columns' cells jump to a
    cell of the owner's sheets. Long text columns wrap (``wrap_style``); the sheet prints
    landscape, one page wide; ``table_rid`` names the relationship of its Table."""
    header_row = sheet.header_row if sheet.headers else 0
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(sheet.widths, start=1)
    )
    pane = (
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header_row}" '
        f'topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        if header_row
        else ""
    )
    yield (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}>'
        f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>{pane}'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
    ).encode()
    head = [f'<row r="1">{cell_xml("A1", sheet.title)}</row>']
    if header_row:
        cells = "".join(
            cell_xml(f"{col_letter(c)}{header_row}", v, header_style)
            for c, v in enumerate(sheet.headers, 1)
        )
        head.append(f'<row r="{header_row}">{cells}</row>')
    yield "".join(head).encode()
    wraps = getattr(sheet, "wrap", ()) or ()
    styles = [
        date_style if kind in ("date", "datetime") else (wrap_style if w else None)
        for (kind, _), w in zip(
            sheet.columns, [*wraps, *[False] * len(sheet.columns)], strict=False
        )
    ]
    yield from _body(sheet.columns, header_row or 1, styles, date1904)
    yield b"</sheetData>"
    yield from _hyperlinks(sheet, header_row)
    yield (
        b'<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/><pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    )
    if table_rid:
        yield f'<tableParts count="1"><tablePart r:id="{table_rid}"/></tableParts>'.encode()
    yield b"</worksheet>"


def _hyperlinks(sheet, header_row: int) -> Iterator[bytes]:
    """Links within the book (no relationship part needed): each row's cell to its target."""
    links = getattr(sheet, "links", None)
    if not links or not sheet.link_columns:
        return
    out = []
    for i, target in enumerate(links):
        if not target:
            continue
        row = header_row + 1 + i
        for c in sheet.link_columns:
            ref = f"{col_letter(c + 1)}{row}"
            out.append(f'<hyperlink ref="{ref}" location="{xml_escape_attr(target)}"/>')
    if out:
        yield ("<hyperlinks>" + "".join(out) + "</hyperlinks>").encode()


def _body(
    columns: Sequence[tuple[str, pd.Series]],
    above: int,
    styles: Sequence[int | None],
    date1904: bool,
) -> Iterator[bytes]:
    """Row elements for a body given by columns, starting on the row after ``above``."""
    if not columns:
        return
    n = len(columns[0][1])
    if above + n > MAX_ROWS:  # the caller trims first; never write a sheet Excel must repair
        raise BookError("sheet_too_long", rows=above + n, limit=MAX_ROWS)
    numbers = range(above + 1, above + 1 + n)
    rendered = []
    for c, ((kind, values), style) in enumerate(zip(columns, styles, strict=True), start=1):
        codes, table = payload_table(values.reset_index(drop=True), kind, date1904)
        rendered.append(Column(c, style, codes, table))
    yield from row_elements(rendered, numbers)

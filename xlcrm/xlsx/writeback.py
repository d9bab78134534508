"""Write computed columns and xlcrm's own sheets into a copy of the owner's package.

Members that need no change are copied raw. Changed: the Customers sheet part (only the output
cells), the sheets xlcrm owns, and the bookkeeping they need (content types, workbook and its
rels, app.xml, styles only for a new style, the Customers table when a column is appended,
calcChain when a formula cell is overwritten).

Nothing here knows xlcrm's columns or words: the door says where each column goes (``place``)
and hands over its sheets already worded.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import field
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..problems import BookError
from ..record import record
from . import workbookparts as wp
from .cellref import col_letter, split_range
from .deflate import deflate
from .head import head_rows
from .package import Package, SheetInfo, open_package, part_rels, read_member
from .sharedstrings import SharedStrings
from .sheetpatch import ColumnPlan, PatchReport, RowMap, map_rows, patch_sheet
from .sheetwrite import OWNED_MARK, sheet_xml
from .styles import Styles
from .tablepatch import add_columns
from .text import xml_escape_attr
from .zipcopy import write_package

SHEET_PART_LIMIT = 2 * 1024 * 1024 * 1024

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')


@record
class ColumnOut:
    """One output column to write: its sheet column, kind, values (index = Excel rows) and,
    for a new column, the header to put above it."""

    col: int
    kind: str  # date, datetime, money, integer, number, text, boolean
    values: pd.Series
    header: str | None = None


class WholeSheet(Protocol):
    """A sheet xlcrm owns, in words (``xlcrm.present.sheets.RenderedSheet``)."""

    name: str
    aliases: tuple[str, ...]
    title: str
    headers: list[str]
    columns: list[tuple[str, pd.Series]]
    widths: list[int]
    links: list[str | None] | None
    link_columns: tuple[int, ...]
    header_row: int

    @property
    def has_dates(self) -> bool: ...


# the door's placement policy: (header cells, last used column, table names) -> columns
Place = Callable[[dict[int, str], int, list[str]], list[ColumnOut]]


@record
class WriteReport:
    """What the write-back changed in the file, for the result and the tests."""

    columns: list[int] = field(default_factory=list)
    new_columns: list[str] = field(default_factory=list)
    cells_written: int = 0
    formulas_overwritten: int = 0
    fast_rows: int = 0  # customer rows patched by byte search
    careful_rows: int = 0  # rows that needed a cell-by-cell pass (and the header row)
    changed_members: list[str] = field(default_factory=list)
    added_members: list[str] = field(default_factory=list)
    removed_members: list[str] = field(default_factory=list)


def write_back(
    src: Path,
    dst: Path,
    customers_sheet: str,
    header_row: int,
    place: Place,
    owned: list[WholeSheet],
    replace_only: list[WholeSheet] = (),
    mapped: RowMap | None = None,
) -> WriteReport:
    """Copy ``src`` to ``dst`` with the output columns ``place`` lays out and the sheets xlcrm
    owns written in; ``replace_only`` sheets are written only over an earlier run's sheet.

    ``mapped`` (from ``map_output_cells``) is used when it was made from this very part.
    """
    # the patched Customers part goes to a scratch file, not a list: at 100,000 customers it
    # is 150 MB that would otherwise sit in memory beside the part as read
    with open_package(src) as pkg, ExitStack() as parts:
        return _write(
            pkg, parts, dst, customers_sheet, header_row, place, owned, replace_only, mapped
        )


def _write(
    pkg: Package,
    parts: ExitStack,
    dst: Path,
    customers_sheet: str,
    header_row: int,
    place: Place,
    owned: list[WholeSheet],
    replace_only: list[WholeSheet],
    mapped: RowMap | None,
) -> WriteReport:
    zf = pkg.zf
    report = WriteReport()
    info = pkg.sheet(customers_sheet)
    changed: dict[str, bytes | object] = {}
    styles = Styles.parse(read_member(zf, pkg.styles_part) if pkg.styles_part else None)
    member = _member_id(pkg, info)
    xml = mapped.xml if mapped is not None and mapped.member == member else None
    xml, header, used = _customers_part(pkg, info, header_row, xml)
    placed = place(header, used, [n for t in info.tables for n in t.columns])
    plans, new_cols = [], []
    for c in placed:
        report.columns.append(c.col)
        if c.header is not None:
            new_cols.append((c.col, c.header))
            report.new_columns.append(c.header)
        plans.append(
            ColumnPlan(
                col=c.col,
                kind=c.kind,
                values=c.values,
                header=c.header,
                header_style=styles.style_for("text", header=True) if c.header else None,
            )
        )
    patch = PatchReport()
    # deflated on a worker thread while the rows are patched; spooled, not held in memory
    changed[info.part] = parts.enter_context(
        deflate(patch_sheet(xml, plans, header_row, styles, patch, pkg.date1904, mapped))
    )
    del xml, mapped
    report.cells_written = patch.cells_written
    report.formulas_overwritten = patch.formulas_overwritten
    report.fast_rows, report.careful_rows = patch.fast_rows, patch.careful_rows
    if new_cols:
        table = _table_to_extend(info, min(c for c, _ in new_cols))
        if table is not None:
            changed[table.part] = add_columns(read_member(zf, table.part), [n for _, n in new_cols])
    added, removed = _owned_sheets(pkg, owned, replace_only, changed, styles, parts)
    if styles.changed:
        changed[pkg.styles_part] = styles.xml
    if patch.formulas_overwritten:
        removed += _drop_calc_chain(pkg, changed)
    write_package(zf, dst, changed, added, removed)
    report.changed_members = sorted(k for k in changed if k not in added)
    report.added_members = sorted(added)
    report.removed_members = sorted(removed)
    return report


def _customers_part(
    pkg: Package, info: SheetInfo, header_row: int, xml: bytes | None = None
) -> tuple[bytes, dict[int, str], int]:
    """The Customers part, its header cells and the last column in use: the header's (merged
    cells counted) or a table's on the sheet, whichever reaches further."""
    zf = pkg.zf
    with SharedStrings(zf, pkg.shared_strings_part) as sst:
        heads = head_rows(zf, info.part, sst, max_rows=1, from_row=header_row)
    header = heads.get(header_row, {})
    if not header:
        raise BookError("customers_part", sheet=info.name, detail="header row")
    if xml is None:
        xml = read_member(zf, info.part, SHEET_PART_LIMIT)
    header_end = max(header)
    # a merged header cell covers columns with no text of theirs; mergeCells follow sheetData
    for ref in _MERGE.findall(xml, max(0, xml.rfind(b"sheetData"))):
        try:
            r1, _, r2, c2 = split_range(ref.decode("ascii", "replace"))
        except ValueError:
            continue
        if r1 <= header_row <= r2:
            header_end = max(header_end, c2)
    for t in info.tables:
        header_end = max(header_end, split_range(t.ref)[3])
    return xml, header, header_end


def map_output_cells(src: Path, customers_sheet: str, header_row: int, place: Place) -> RowMap:
    """Where the output cells go in the Customers part: what the write would search for, done
    ahead (update makes it while the sales are being read)."""
    with open_package(src) as pkg:
        info = pkg.sheet(customers_sheet)
        xml, header, used = _customers_part(pkg, info, header_row)
        cols = [c.col for c in place(header, used, [n for t in info.tables for n in t.columns])]
        mapped = map_rows(xml, cols, header_row)
        mapped.member = _member_id(pkg, info)
        return mapped


def _member_id(pkg: Package, info: SheetInfo) -> tuple[str, int, int]:
    z = pkg.zf.getinfo(info.part)
    return (info.part, z.CRC, z.file_size)


def _table_to_extend(info: SheetInfo, first_new_col: int):
    for t in info.tables:
        if t.ref and split_range(t.ref)[3] + 1 == first_new_col:
            return t
    return None


def _owned_sheets(
    pkg: Package,
    owned: list[WholeSheet],
    replace_only: list[WholeSheet],
    changed: dict,
    styles: Styles,
    parts: ExitStack,
) -> tuple[list[str], list[str]]:
    """xlcrm's sheets written over an earlier run's or added at the end: each an Excel
    Table (filters on its header) when it has headers, printed landscape one page wide with
    the header row on every page."""
    zf = pkg.zf
    added: list[str] = []
    removed: list[str] = []
    order = [s.name for s in pkg.sheets]
    tables = Tables(zf, changed, added)
    for sheet in [*owned, *replace_only]:
        existing = _find_owned(pkg, sheet.name, sheet.aliases)
        if existing is None and sheet in replace_only:
            continue
        date_style = styles.style_for("date") if sheet.has_dates else None
        head_style = styles.style_for("text", header=True) if sheet.headers else None
        wrap_style = (
            styles.style_for("text", wrap=True) if any(getattr(sheet, "wrap", ())) else None
        )
        part = (
            existing.part
            if existing is not None
            else wp.free_name("xl/worksheets/sheet{}.xml", zf.NameToInfo, changed)
        )
        rid = tables.place(part, sheet) if sheet.headers else tables.drop(part, removed)
        body = parts.enter_context(
            deflate(sheet_xml(sheet, head_style, date_style, pkg.date1904, wrap_style, rid))
        )
        changed[part] = body
        if existing is None:
            added.append(part)
            ct = changed.get("[Content_Types].xml") or read_member(zf, "[Content_Types].xml")
            changed["[Content_Types].xml"] = wp.add_content_override(ct, part, wp.CT_SHEET)
            rels_name = wp.rels_name(pkg.workbook_part)
            rels = changed.get(rels_name) or read_member(zf, rels_name)
            rels, book_rid = wp.add_relationship(rels, wp.REL_SHEET, "/" + part)
            changed[rels_name] = rels
            wb = changed.get(pkg.workbook_part) or read_member(zf, pkg.workbook_part)
            changed[pkg.workbook_part] = wp.add_sheet(wb, sheet.name, book_rid)
            order.append(sheet.name)
            if "docProps/app.xml" in zf.NameToInfo:
                app = changed.get("docProps/app.xml") or read_member(zf, "docProps/app.xml")
                changed["docProps/app.xml"] = wp.app_add_sheet(app, sheet.name)
        name = existing.name if existing is not None else sheet.name
        if sheet.headers:
            wb = changed.get(pkg.workbook_part) or read_member(zf, pkg.workbook_part)
            row = sheet.header_row
            changed[pkg.workbook_part] = wp.set_print_titles(
                wb, order.index(name), f"{_quoted(name)}!${row}:${row}"
            )
    ct = changed.get("[Content_Types].xml") or read_member(zf, "[Content_Types].xml")
    for t in tables.new_parts:
        ct = wp.add_content_override(ct, t, wp.CT_TABLE)
    for t in tables.gone:
        ct = wp.remove_content_override(ct, t)
    changed["[Content_Types].xml"] = ct
    return added, removed


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


class Tables:
    """The Table of each of xlcrm's sheets: the earlier run's rewritten in place (its id
    and name kept), or a new one with an id and a name no other table of the book has."""

    def __init__(self, zf: zipfile.ZipFile, changed: dict, added: list[str]) -> None:
        self.zf, self.changed, self.added = zf, changed, added
        self.new_parts: list[str] = []
        self.gone: list[str] = []
        ids = [0]
        for n in zf.namelist():
            if n.startswith("xl/tables/") and n.endswith(".xml"):
                m = re.search(rb'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"', zf.read(n)[:2000])
                if m:
                    ids.append(int(m.group(1)))
        self.next_id = max(ids) + 1

    def _existing(self, sheet_part: str) -> tuple[str, str] | None:
        for rid, (kind, target, mode) in part_rels(self.zf, sheet_part).items():
            if kind.endswith("/table") and mode != "External" and target in self.zf.NameToInfo:
                return rid, target
        return None

    def drop(self, sheet_part: str, removed: list[str]) -> None:
        """A sheet without headers (the Problems sheet with none): an earlier run's table
        goes, with its relationship."""
        found = self._existing(sheet_part) if sheet_part in self.zf.NameToInfo else None
        if found is None:
            return None
        rid, part = found
        rels_name = wp.rels_name(sheet_part)
        rels = self.changed.get(rels_name) or read_member(self.zf, rels_name)
        self.changed[rels_name] = re.sub(
            rb'<(?:\w+:)?Relationship\b(?=[^>]*\bId="' + re.escape(rid.encode()) + rb'")[^>]*/>',
            b"",
            rels,
        )
        removed.append(part)
        self.gone.append(part)
        return None

    def place(self, sheet_part: str, sheet) -> str:
        """The relationship id the sheet's tableParts names; its table part written."""
        found = self._existing(sheet_part) if sheet_part in self.zf.NameToInfo else None
        last_row = sheet.header_row + max(len(sheet.columns[0][1]) if sheet.columns else 0, 1)
        ref = f"A{sheet.header_row}:{col_letter(len(sheet.headers))}{last_row}"
        name = "xlcrm" + (sheet.kind or "sheet").capitalize()
        if found is not None:
            rid, part = found
            old = read_member(self.zf, part)
            m = re.search(rb'\sid="(\d+)"', old)
            table_id = int(m.group(1)) if m else self._new_id()
            n = re.search(rb'\sdisplayName="([^"]+)"', old)
            name = n.group(1).decode() if n else name
            self.changed[part] = table_xml(table_id, name, ref, sheet.headers)
            return rid
        part = self._free_part()
        self.changed[part] = table_xml(self._new_id(), name, ref, sheet.headers)
        self.added.append(part)
        self.new_parts.append(part)
        rels_name = wp.rels_name(sheet_part)
        rels = (
            self.changed.get(rels_name)
            or (read_member(self.zf, rels_name) if rels_name in self.zf.NameToInfo else None)
            or wp.EMPTY_RELS
        )
        rels, rid = wp.add_relationship(rels, wp.REL_TABLE, "/" + part)
        if rels_name not in self.zf.NameToInfo and rels_name not in self.added:
            self.added.append(rels_name)
        self.changed[rels_name] = rels
        return rid

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _free_part(self) -> str:
        return wp.free_name("xl/tables/table{}.xml", self.zf.NameToInfo, self.changed)


def table_xml(table_id: int, name: str, ref: str, headers: list[str]) -> bytes:
    """A Table over ``ref`` with a filter on its header row."""
    cols = "".join(
        f'<tableColumn id="{i}" name="{xml_escape_attr(h)}"/>' for i, h in enumerate(headers, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'id="{table_id}" name="{name}" displayName="{name}" ref="{ref}" totalsRowShown="0">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(headers)}">{cols}</tableColumns>'
        '<tableStyleInfo name="TableStyleLight9" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


def _find_owned(pkg: Package, name: str, aliases: tuple[str, ...]) -> SheetInfo | None:
    """The sheet an earlier run wrote under ``name`` or, in the other language, an alias.

    The owner's sheets are never overwritten: one under an alias is simply not ours; one under
    the very name, with none of ours to rewrite instead, is refused.
    """
    by_name = {s.name.casefold(): s for s in pkg.sheets}
    for n in (name, *aliases):
        found = by_name.get(n.casefold())
        if found is not None and _is_owned(pkg, found):
            return found
    taken = by_name.get(name.casefold())
    if taken is not None:
        raise BookError("sheet_name_taken", sheet=taken.name)
    return None


def _is_owned(pkg: Package, info: SheetInfo) -> bool:
    with SharedStrings(pkg.zf, pkg.shared_strings_part) as sst:
        first = head_rows(pkg.zf, info.part, sst, max_rows=1)
    cells = next(iter(first.values()), {}) if first else {}
    return bool(cells) and str(cells.get(1, "")).startswith(OWNED_MARK)


def _drop_calc_chain(pkg: Package, changed: dict) -> list[str]:
    zf = pkg.zf
    wb = changed.get(pkg.workbook_part) or read_member(zf, pkg.workbook_part)
    changed[pkg.workbook_part] = wp.set_full_calc_on_load(wb)
    chain = [n for n in zf.NameToInfo if re.fullmatch(r"xl/calcChain\.xml", n)]
    if not chain:
        return []
    rels_name = wp.rels_name(pkg.workbook_part)
    rels = changed.get(rels_name) or read_member(zf, rels_name)
    changed[rels_name] = wp.remove_relationship_to(rels, "/calcChain")
    ct = changed.get("[Content_Types].xml") or read_member(zf, "[Content_Types].xml")
    changed["[Content_Types].xml"] = wp.remove_content_override(ct, chain[0])
    return chain


def stamp_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)

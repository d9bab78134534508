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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..problems import BookError
from . import workbookparts as wp
from .cellref import split_range
from .deflate import DeflatedPart, deflate
from .head import head_rows
from .package import Package, SheetInfo, open_package, read_member
from .sharedstrings import SharedStrings
from .sheetpatch import ColumnPlan, PatchReport, RowMap, map_rows, patch_sheet
from .sheetwrite import OWNED_MARK, sheet_xml
from .styles import Styles
from .tablepatch import add_columns
from .zipcopy import copy_raw, write_deflated, write_member

SHEET_PART_LIMIT = 2 * 1024 * 1024 * 1024

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')


@dataclass
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


@dataclass
class WriteReport:
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
    _write_zip(zf, dst, changed, added, removed)
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
    zf = pkg.zf
    added: list[str] = []
    removed: list[str] = []
    for sheet in [*owned, *replace_only]:
        existing = _find_owned(pkg, sheet.name, sheet.aliases)
        if existing is None and sheet in replace_only:
            continue
        date_style = styles.style_for("date") if sheet.has_dates else None
        head_style = styles.style_for("text", header=True) if sheet.headers else None
        body = parts.enter_context(deflate(sheet_xml(sheet, head_style, date_style, pkg.date1904)))
        if existing is not None:
            changed[existing.part] = body
            continue
        part = _free_part_name(zf, changed)
        changed[part] = body
        added.append(part)
        ct = changed.get("[Content_Types].xml") or read_member(zf, "[Content_Types].xml")
        changed["[Content_Types].xml"] = wp.add_content_override(ct, part, wp.CT_SHEET)
        rels_name = _rels_name(pkg.workbook_part)
        rels = changed.get(rels_name) or read_member(zf, rels_name)
        target = "/" + part
        rels, rid = wp.add_relationship(rels, wp.REL_SHEET, target)
        changed[rels_name] = rels
        wb = changed.get(pkg.workbook_part) or read_member(zf, pkg.workbook_part)
        changed[pkg.workbook_part] = wp.add_sheet(wb, sheet.name, rid)
        if "docProps/app.xml" in zf.NameToInfo:
            app = changed.get("docProps/app.xml") or read_member(zf, "docProps/app.xml")
            changed["docProps/app.xml"] = wp.app_add_sheet(app, sheet.name)
    return added, removed


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


def _free_part_name(zf: zipfile.ZipFile, changed: dict) -> str:
    n = 1
    while (
        f"xl/worksheets/sheet{n}.xml" in zf.NameToInfo or f"xl/worksheets/sheet{n}.xml" in changed
    ):
        n += 1
    return f"xl/worksheets/sheet{n}.xml"


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def _drop_calc_chain(pkg: Package, changed: dict) -> list[str]:
    zf = pkg.zf
    wb = changed.get(pkg.workbook_part) or read_member(zf, pkg.workbook_part)
    changed[pkg.workbook_part] = wp.set_full_calc_on_load(wb)
    chain = [n for n in zf.NameToInfo if re.fullmatch(r"xl/calcChain\.xml", n)]
    if not chain:
        return []
    rels_name = _rels_name(pkg.workbook_part)
    rels = changed.get(rels_name) or read_member(zf, rels_name)
    changed[rels_name] = wp.remove_relationship_to(rels, "/calcChain")
    ct = changed.get("[Content_Types].xml") or read_member(zf, "[Content_Types].xml")
    changed["[Content_Types].xml"] = wp.remove_content_override(ct, chain[0])
    return chain


def _write_zip(
    src: zipfile.ZipFile, dst: Path, changed: dict, added: list[str], removed: list[str]
) -> None:
    with zipfile.ZipFile(dst, "w", allowZip64=True) as out:
        for info in src.infolist():
            if info.filename in removed:
                continue
            if info.filename in changed:
                data = changed[info.filename]
                if isinstance(data, DeflatedPart):
                    write_deflated(out, info.filename, data, like=info)
                else:
                    write_member(out, info.filename, data, like=info)
            else:
                copy_raw(out, src, info)
        for name in added:
            data = changed[name]
            if isinstance(data, DeflatedPart):
                write_deflated(out, name, data)
            else:
                write_member(out, name, data)


def stamp_now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)

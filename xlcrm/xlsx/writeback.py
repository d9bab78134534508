"""Write computed columns and xlcrm's own sheets into a copy of the owner's package.

Members that need no change are copied raw. Changed: the Customers sheet part (only the output
cells), the sheets xlcrm owns, and the bookkeeping they need (content types, workbook and its
rels, app.xml, styles only for a new style, the Customers table when a column is appended,
calcChain when a formula cell is overwritten).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import BookError
from ..rules.base import OutputColumn
from ..schema import normalize_label
from . import workbookparts as wp
from .cellref import MAX_COLS, col_letter, split_range
from .deflate import DeflatedPart, deflate
from .head import head_rows
from .package import Package, SheetInfo, open_package, read_member
from .sharedstrings import SharedStrings
from .sheetpatch import ColumnPlan, PatchReport, RowMap, map_rows, patch_sheet
from .sheetwrite import OWNED_MARK, sheet_xml
from .styles import Styles
from .tablepatch import add_columns, unique_names
from .zipcopy import copy_raw, write_deflated, write_member

SHEET_PART_LIMIT = 2 * 1024 * 1024 * 1024

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')


@dataclass
class OwnedSheet:
    name: str
    rows: list[list[object]]  # first row: title starting with 'xlcrm'; header_row: headers
    widths: list[int]
    header_row: int = 2
    has_dates: bool = False
    columns: list[tuple[str, pd.Series]] = field(default_factory=list)  # body: (kind, values)
    aliases: tuple[str, ...] = ()  # its name in the other language: an earlier run's sheet


@dataclass
class WriteReport:
    columns: list[str] = field(default_factory=list)
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
    outputs: pd.DataFrame,
    columns: list[OutputColumn],
    owned: list[OwnedSheet],
    lang: str = "en",
    remove_owned: tuple[tuple[str, ...], ...] = (),
    mapped: RowMap | None = None,
) -> WriteReport:
    """``mapped`` (from ``map_output_cells``) is used when it was made from this very part."""
    # the patched Customers part goes to a scratch file, not a list: at 100,000 customers it
    # is 150 MB that would otherwise sit in memory beside the part as read
    with open_package(src) as pkg, ExitStack() as parts:
        return _write(
            pkg,
            parts,
            dst,
            customers_sheet,
            header_row,
            outputs,
            columns,
            owned,
            lang,
            remove_owned,
            mapped,
        )


def _write(
    pkg: Package,
    parts: ExitStack,
    dst: Path,
    customers_sheet: str,
    header_row: int,
    outputs: pd.DataFrame,
    columns: list[OutputColumn],
    owned: list[OwnedSheet],
    lang: str,
    remove_owned: tuple[tuple[str, ...], ...],
    mapped: RowMap | None,
) -> WriteReport:
    zf = pkg.zf
    report = WriteReport()
    info = pkg.sheet(customers_sheet)
    changed: dict[str, bytes | object] = {}
    styles = Styles.parse(read_member(zf, pkg.styles_part) if pkg.styles_part else None)
    member = _member_id(pkg, info)
    xml = mapped.xml if mapped is not None and mapped.member == member else None
    xml, header, header_end = _customers_part(pkg, info, header_row, xml)
    placed = _place_columns(info, header, header_end, columns, lang)
    plans, new_cols = [], []
    for oc, col, header_text in placed:
        report.columns.append(oc.key)
        if header_text is not None:
            new_cols.append((col, header_text))
            report.new_columns.append(header_text)
        plans.append(
            ColumnPlan(
                col=col,
                kind=oc.kind,
                values=outputs[oc.key],
                header=header_text,
                header_style=styles.style_for("text", header=True) if header_text else None,
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
            names = unique_names(table.columns, [n for _, n in new_cols])
            if names != [n for _, n in new_cols]:
                raise BookError("Internal: table column names changed after planning.")
            changed[table.part] = add_columns(read_member(zf, table.part), names)
    added, removed = _owned_sheets(pkg, owned, remove_owned, changed, styles, parts)
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
    """The Customers part, its header cells and the header's last column (merges counted)."""
    zf = pkg.zf
    with SharedStrings(zf, pkg.shared_strings_part) as sst:
        heads = head_rows(zf, info.part, sst, max_rows=1, from_row=header_row)
    header = heads.get(header_row, {})
    if not header:
        raise BookError("The Customers header row could not be read back.")
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
    return xml, header, header_end


def _place_columns(
    info: SheetInfo,
    header: dict[int, str],
    header_end: int,
    columns: list[OutputColumn],
    lang: str,
) -> list[tuple[OutputColumn, int, str | None]]:
    """Each output column's sheet column, and its header text when it is to be appended.

    Positions do not depend on ``lang``: a missing column goes after the last used one.
    """
    by_label: dict[str, int] = {}
    for col, text in header.items():
        by_label.setdefault(normalize_label(text), col)
    used = header_end
    for t in info.tables:
        used = max(used, split_range(t.ref)[3])
    placed: list[tuple[OutputColumn, int, str | None]] = []
    new_names: list[str] = []
    existing_names = [n for t in info.tables for n in t.columns]
    for oc in columns:
        col = next(
            (
                by_label[normalize_label(x)]
                for x in (oc.en, oc.zh, oc.key)
                if normalize_label(x) in by_label
            ),
            None,
        )
        header_text = None
        if col is None:
            used += 1
            col = used
            label = oc.label(lang)
            if col > MAX_COLS:
                raise BookError(
                    f"There is no room for the column '{label}': the Customers header already "
                    f"reaches the last Excel column ({col_letter(MAX_COLS)}). Delete or move the "
                    "far-right columns, or put the xlcrm column headers in yourself."
                )
            header_text = unique_names(existing_names + new_names, [label])[0]
            new_names.append(header_text)
        placed.append((oc, col, header_text))
    return placed


def map_output_cells(
    src: Path, customers_sheet: str, header_row: int, columns: list[OutputColumn]
) -> RowMap:
    """Where the output cells go in the Customers part: what the write would search for, done
    ahead (update makes it while the sales are being read)."""
    with open_package(src) as pkg:
        info = pkg.sheet(customers_sheet)
        xml, header, header_end = _customers_part(pkg, info, header_row)
        cols = [col for _, col, _ in _place_columns(info, header, header_end, columns, "en")]
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
    owned: list[OwnedSheet],
    remove: tuple[tuple[str, ...], ...],
    changed: dict,
    styles: Styles,
    parts: ExitStack,
) -> tuple[list[str], list[str]]:
    zf = pkg.zf
    added: list[str] = []
    removed: list[str] = []
    for sheet in owned:
        date_style = styles.style_for("date") if sheet.has_dates else None
        head_style = styles.style_for("text", header=True)
        body = parts.enter_context(
            deflate(
                sheet_xml(
                    sheet.rows,
                    sheet.widths,
                    sheet.header_row,
                    head_style,
                    date_style,
                    pkg.date1904,
                    sheet.columns,
                )
            )
        )
        existing = _find_owned(pkg, sheet.name, sheet.aliases)
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
    for names in remove:
        existing = _find_owned(pkg, names[0], names[1:])
        if existing is not None:
            header = [["xlcrm: no problems found on the last update."]]
            changed[existing.part] = parts.enter_context(deflate(sheet_xml(header, [60], 1)))
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
        raise BookError(
            f"The workbook already has a sheet named '{taken.name}' that xlcrm did not make. "
            "Rename that sheet so xlcrm can write its own."
        )
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

"""Open an .xlsx/.xlsm package and find its parts: workbook, sheets, tables, shared strings.

Only the small parts are parsed here (workbook, rels, tables); sheet data is left to the fast
reader and to the streaming patcher. Every XML part goes through defusedxml: no DTDs, no entities.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable, Hashable
from dataclasses import field, replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from ..problems import BookError
from ..record import record
from .closing import Closing
from .limits import check_zip

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_OFFICE_DOC = NS_REL + "/officeDocument"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_TABLE = NS_REL + "/table"
REL_SST = NS_REL + "/sharedStrings"
REL_STYLES = NS_REL + "/styles"
REL_CALC_CHAIN = NS_REL + "/calcChain"

BOOK_SUFFIXES = (".xlsx", ".xlsm")
SMALL_PART_LIMIT = 64 * 1024 * 1024  # workbook, rels, tables, styles: far below this in real books
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@record
class TableInfo:
    """An Excel Table on a sheet: where its part is, the range it covers and its column
    names."""

    part: str
    name: str
    display_name: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: list[str]


@record
class SheetInfo:
    """A sheet as the workbook part lists it: its name, relationship, part and Tables."""

    name: str
    rid: str
    part: str
    state: str = "visible"
    tables: list[TableInfo] = field(default_factory=list)


@record
class Package(Closing):
    """An open workbook file and the layout read from it (parts, sheets, date system)."""

    path: Path
    zf: zipfile.ZipFile
    workbook_part: str
    sheets: list[SheetInfo]
    date1904: bool
    shared_strings_part: str | None
    styles_part: str | None

    def close(self) -> None:
        self.zf.close()

    def read_small(self, part: str) -> bytes:
        return read_member(self.zf, part)

    def sheet(self, name: str) -> SheetInfo:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


def read_member(zf: zipfile.ZipFile, part: str, limit: int = SMALL_PART_LIMIT) -> bytes:
    info = zf.getinfo(part)
    if info.file_size > limit:
        raise BookError("part_inflates", part=part, limit=limit)
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BookError("part_inflates", part=part, limit=limit)
    return data


PROLOG_LIMIT = 64 * 1024  # a real part's root element starts within its first few hundred bytes


MEMO_LIMIT = 256  # books a memo below holds: a long Excel session forgets the oldest


def remembered(memo: dict, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per process for each ``key``: what was learnt from a part, keyed by
    what the zip says of it (a changed part changes the key). A failing build is not kept."""
    if key not in memo:
        found = build()
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = found
    return memo[key]


_CLEARED: dict[tuple, bool] = {}  # zip directories whose parts were looked at and passed


def directory(zf: zipfile.ZipFile) -> tuple:
    """What a zip says of each member (name, checksum, sizes, place): a changed part changes
    it, so what was learnt from a package's parts holds while it is the same."""
    return tuple(
        (i.filename, i.CRC, i.compress_size, i.file_size, i.header_offset) for i in zf.infolist()
    )


def refuse_dtds(zf: zipfile.ZipFile, key: tuple) -> None:
    """Refuse a package any of whose XML parts declares a DTD (entities, external references):
    Excel never writes one, and xlcrm, its fast reader or its writer might meet any part.
    A DTD can only stand before the root element, so each part's first bytes tell.

    An update opens its book several times (to read, to map the output cells, to write);
    the parts are looked at once per process for each zip directory (``key``: every part's
    name, checksum, sizes and place), which a changed part would change."""
    remembered(_CLEARED, key, lambda: _no_dtd(zf))


def _no_dtd(zf: zipfile.ZipFile) -> bool:
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")) or info.is_dir():
            continue
        with zf.open(info) as fh:
            head = fh.read(PROLOG_LIMIT)
        if declares_dtd(head):
            raise BookError("dtd_refused", part=info.filename)
    return True


def declares_dtd(head: bytes) -> bool:
    """Whether the prolog (what precedes the root element) declares anything: a DOCTYPE, or a
    prolog so long it does not end within the bytes given."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    data = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    i, n = 0, len(data)
    while True:
        while i < n and data[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return n >= PROLOG_LIMIT
        if data.startswith(b"<?", i):
            close = b"?>"
        elif data.startswith(b"<!--", i):
            close = b"-->"
        else:
            return data.startswith(b"<!", i)
        end = data.find(close, i + 2)
        if end == -1:
            return True
        i = end + len(close)


def parse_xml(data: bytes, part: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise BookError("not_xml", part=part, detail=str(exc)) from exc
    except Exception as exc:  # defusedxml refusals (DTD, entities) and similar
        raise BookError("dtd_refused", part=part) from exc


def sniff(path: Path) -> None:
    """Refuse files that are not an OOXML zip, with a message naming what they are instead."""
    if not path.exists():
        raise BookError("not_found", path=str(path))
    if path.is_dir():
        raise BookError("is_folder", path=str(path))
    size = path.stat().st_size
    if size == 0:
        raise BookError("empty_file", name=path.name)
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            fh.seek(0)
            blob = fh.read(min(size, 64 * 1024 * 1024))
            if ENCRYPTED_MARK in blob:
                raise BookError("encrypted", name=path.name)
            raise BookError("old_xls", name=path.name)
    if head[:4] != b"PK\x03\x04" and head[:4] != b"PK\x05\x06":
        with path.open("rb") as fh:
            head = fh.read(4096)
        text = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
        if text.startswith((b"<html", b"<!doc", b"<?xml", b"<tab")):
            raise BookError("html_renamed", name=path.name, suffix=suffix)
        if suffix in (".csv", ".txt") or b"," in head or b";" in head or b"\t" in head:
            raise BookError("csv_renamed", name=path.name)
        raise BookError("not_a_workbook", name=path.name)
    if suffix in (".xls", ".xlsb", ".ods"):
        raise BookError("unsupported_suffix", name=path.name, suffix=suffix)
    if suffix not in BOOK_SUFFIXES:
        raise BookError("bad_suffix", name=path.name, suffix=suffix or "(none)")


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str]]:
    """Relationships of a part: id -> (type, resolved target part, target mode)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in zf.NameToInfo:
        return {}
    root = parse_xml(read_member(zf, rels_part), rels_part)
    out: dict[str, tuple[str, str, str]] = {}
    for rel in root:
        if local(rel.tag) != "Relationship":
            continue
        target = rel.get("Target", "")
        mode = rel.get("TargetMode", "Internal")
        if mode != "External":
            target = resolve_target(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), target, mode)
    return out


def resolve_target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def part_rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str, str]]:
    return _rels(zf, part)


def _table(zf: zipfile.ZipFile, part: str) -> TableInfo | None:
    if part not in zf.NameToInfo:
        return None
    root = parse_xml(read_member(zf, part), part)
    cols = [c.get("name", "") for el in root if local(el.tag) == "tableColumns" for c in el]
    return TableInfo(
        part=part,
        name=root.get("name", ""),
        display_name=root.get("displayName", root.get("name", "")),
        ref=root.get("ref", ""),
        header_rows=int(root.get("headerRowCount", "1")),
        totals_rows=int(root.get("totalsRowCount", "0") or 0),
        columns=cols,
    )


def open_package(path: str | Path) -> Package:
    path = Path(path)
    sniff(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BookError("not_zip", name=path.name, detail=str(exc)) from exc
    except OSError as exc:
        raise BookError("cannot_open", name=path.name, detail=str(exc.strerror or exc)) from exc
    try:
        check_zip(zf, path.name)
        key = directory(zf)
        refuse_dtds(zf, key)
        return _load(path, zf, key)
    except BookError:
        zf.close()
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, OSError) as exc:
        zf.close()
        raise BookError("damaged", name=path.name, detail=f"{type(exc).__name__}: {exc}") from exc


_LOADED: dict[tuple, tuple] = {}  # a zip directory: what _load found in its parts


def _load(path: Path, zf: zipfile.ZipFile, key: tuple) -> Package:
    """The package's layout (workbook part, sheets and their tables, date system, shared
    strings and styles parts), read once per process for each zip directory: an update opens
    its book four times. ``key``: the zip's ``directory``."""
    found = remembered(_LOADED, key, lambda: _layout(path, zf))
    wb_part, sheets, date1904, sst, styles = found
    return Package(path, zf, wb_part, _fresh(sheets), date1904, sst, styles)


def _fresh(sheets: list[SheetInfo]) -> list[SheetInfo]:
    """A copy of the remembered layout the caller may change (what deepcopy gave, for a
    fraction of its calls: an update opens its book four times)."""
    return [
        replace(s, tables=[replace(t, columns=list(t.columns)) for t in s.tables]) for s in sheets
    ]


def _layout(path: Path, zf: zipfile.ZipFile) -> tuple:
    names = zf.NameToInfo
    if "[Content_Types].xml" not in names:
        raise BookError("zip_not_excel", name=path.name)
    root_rels = _rels(zf, "")
    wb_part = next((t for ty, t, _ in root_rels.values() if ty.endswith("/officeDocument")), None)
    if wb_part is None and "xl/workbook.xml" in names:
        wb_part = "xl/workbook.xml"
    if wb_part is None or wb_part not in names:
        raise BookError("no_workbook_part", name=path.name)
    root = parse_xml(read_member(zf, wb_part), wb_part)
    if root.tag.startswith("{" + NS_STRICT):
        raise BookError("strict_ooxml", name=path.name)
    date1904 = False
    sheets_el = None
    for el in root:
        tag = local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheets":
            sheets_el = el
    rels = _rels(zf, wb_part)
    sheets: list[SheetInfo] = []
    for s in sheets_el if sheets_el is not None else []:
        rid = s.get(f"{{{NS_REL}}}id") or ""
        rel = rels.get(rid)
        if rel is None or not rel[0].endswith("/worksheet"):
            continue  # chartsheets, dialog sheets: never data
        info = SheetInfo(s.get("name", ""), rid, rel[1], s.get("state", "visible"))
        if info.part in names:
            for ty, target, _ in _rels(zf, info.part).values():
                if ty.endswith("/table"):
                    t = _table(zf, target)
                    if t is not None:
                        info.tables.append(t)
        sheets.append(info)
    sst = next((t for ty, t, _ in rels.values() if ty.endswith("/sharedStrings")), None)
    styles = next((t for ty, t, _ in rels.values() if ty.endswith("/styles")), None)
    return (
        wb_part,
        sheets,
        date1904,
        sst if sst in names else None,
        styles if styles in names else None,
    )

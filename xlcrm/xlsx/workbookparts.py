"""Bookkeeping parts: content types, workbook and its rels, app.xml, calcChain.

Each function takes a part's bytes and returns the patched bytes; text is inserted next to
what is there, so everything else in the part stays as it was.
"""

from __future__ import annotations

import re

from .text import xml_escape_attr, xml_escape_text

CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"


def _prefix(xml: bytes, root: str) -> str:
    m = re.search(rb"<(?:(\w+):)?" + root.encode() + rb"\b", xml)
    return (m.group(1).decode() + ":") if m and m.group(1) else ""


def add_content_override(ct: bytes, part: str, content_type: str) -> bytes:
    if f'PartName="/{part}"'.encode() in ct:
        return ct
    p = _prefix(ct, "Types")
    el = f'<{p}Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    end = ct.rfind(f"</{p}Types>".encode())
    return ct[:end] + el + ct[end:]


def remove_content_override(ct: bytes, part: str) -> bytes:
    return re.sub(
        rb"<(?:\w+:)?Override\b[^>]*PartName=\"/" + re.escape(part.encode()) + rb"\"[^>]*/>",
        b"",
        ct,
    )


def add_relationship(rels: bytes, rel_type: str, target: str) -> tuple[bytes, str]:
    ids = {int(x) for x in re.findall(rb'Id="rId(\d+)"', rels)}
    rid = f"rId{max(ids, default=0) + 1}"
    p = _prefix(rels, "Relationships")
    el = f'<{p}Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/>'.encode()
    end = rels.rfind(f"</{p}Relationships>".encode())
    return rels[:end] + el + rels[end:], rid


def remove_relationship_to(rels: bytes, type_suffix: str) -> bytes:
    return re.sub(
        rb"<(?:\w+:)?Relationship\b[^>]*Type=\"[^\"]*"
        + re.escape(type_suffix.encode())
        + rb"\"[^>]*/>",
        b"",
        rels,
    )


def add_sheet(workbook: bytes, name: str, rid: str) -> bytes:
    p = _prefix(workbook, "workbook")
    ids = [int(x) for x in re.findall(rb"<(?:\w+:)?sheet\b[^>]*\bsheetId=\"(\d+)\"", workbook)]
    rel_prefix = re.search(
        rb"xmlns:(\w+)=\"http://schemas.openxmlformats.org/officeDocument/2006/"
        rb"relationships\"",
        workbook,
    )
    rp = rel_prefix.group(1).decode() if rel_prefix else "r"
    decl = (
        ""
        if rel_prefix
        else (' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    )
    el = (
        f'<{p}sheet name="{xml_escape_attr(name)}" sheetId="{max(ids, default=0) + 1}"{decl} '
        f'{rp}:id="{rid}"/>'
    ).encode()
    end = workbook.find(f"</{p}sheets>".encode())
    return workbook[:end] + el + workbook[end:]


def set_full_calc_on_load(workbook: bytes) -> bytes:
    m = re.search(rb"<(?:\w+:)?calcPr\b[^>]*?/?>", workbook)
    if m:
        tag = m.group(0)
        if b"fullCalcOnLoad=" in tag:
            new = re.sub(rb'fullCalcOnLoad="[^"]*"', b'fullCalcOnLoad="1"', tag)
        else:
            cut = -2 if tag.endswith(b"/>") else -1
            new = tag[:cut] + b' fullCalcOnLoad="1"' + tag[cut:]
        return workbook[: m.start()] + new + workbook[m.end() :]
    p = _prefix(workbook, "workbook")
    # calcPr follows sheets/functionGroups/externalReferences/definedNames in the schema
    for after in ("definedNames", "externalReferences", "functionGroups", "sheets"):
        m = re.search(rb"</(?:\w+:)?" + after.encode() + rb">", workbook)
        if m:
            el = f'<{p}calcPr fullCalcOnLoad="1"/>'.encode()
            return workbook[: m.end()] + el + workbook[m.end() :]
    return workbook


def app_add_sheet(app: bytes, name: str) -> bytes:
    """Best effort: list the new sheet in docProps/app.xml; unusual layouts are left as they are."""
    m = re.search(
        rb"(<(?:\w+:)?TitlesOfParts>\s*<(?:\w+:)?vector\b[^>]*size=\")(\d+)(\"[^>]*>)", app
    )
    h = re.search(
        rb"(<(?:\w+:)?lpstr>(?:Worksheets|\xe5\xb7\xa5\xe4\xbd\x9c\xe8\xa1\xa8)</(?:\w+:)?"
        rb"lpstr>\s*</(?:\w+:)?variant>\s*<(?:\w+:)?variant>\s*<(?:\w+:)?i4>)(\d+)(<)",
        app,
    )
    if not m or not h:
        return app
    p = _prefix(app, "lpstr")
    n_sheets = int(h.group(2))
    # the sheet names come first in TitlesOfParts; insert after the last worksheet name
    body_start = m.end()
    items = list(re.finditer(rb"<(?:\w+:)?lpstr>.*?</(?:\w+:)?lpstr>", app[body_start:], re.S))
    if len(items) < n_sheets:
        return app
    at = body_start + (items[n_sheets - 1].end() if n_sheets else 0)
    el = f"<{p}lpstr>{xml_escape_attr(name)}</{p}lpstr>".encode()
    app = app[:at] + el + app[at:]
    app = app[: h.start(2)] + str(n_sheets + 1).encode() + app[h.end(2) :]
    m = re.search(rb"(<(?:\w+:)?TitlesOfParts>\s*<(?:\w+:)?vector\b[^>]*size=\")(\d+)(\")", app)
    return app[: m.start(2)] + str(int(m.group(2)) + 1).encode() + app[m.end(2) :]


def set_print_titles(workbook: bytes, sheet_index: int, ref: str) -> bytes:
    """The rows printed on every page of the sheet at ``sheet_index`` (0-based, in the
    order of <sheets>): its _xlnm.Print_Titles name, replaced or added."""
    p = _prefix(workbook, "workbook")
    el = (
        f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{sheet_index}">'
        f"{xml_escape_text(ref)}</{p}definedName>"
    ).encode()
    old = re.compile(
        rb"<(?:\w+:)?definedName\b(?=[^>]*name=\"_xlnm\.Print_Titles\")"
        rb"(?=[^>]*localSheetId=\""
        + str(sheet_index).encode()
        + rb"\")[^>]*>.*?</(?:\w+:)?definedName>",
        re.S,
    )
    if old.search(workbook):
        return old.sub(lambda _m: el, workbook, count=1)
    m = re.search(rb"</(?:\w+:)?definedNames>", workbook)
    if m:
        return workbook[: m.start()] + el + workbook[m.start() :]
    m = re.search(rb"<(?:\w+:)?definedNames\s*/>", workbook)
    if m:
        wrapped = f"<{p}definedNames>".encode() + el + f"</{p}definedNames>".encode()
        return workbook[: m.start()] + wrapped + workbook[m.end() :]
    # definedNames follows sheets, functionGroups and externalReferences
    for after in ("externalReferences", "functionGroups", "sheets"):
        m = re.search(rb"</(?:\w+:)?" + after.encode() + rb">", workbook)
        if m:
            wrapped = f"<{p}definedNames>".encode() + el + f"</{p}definedNames>".encode()
            return workbook[: m.end()] + wrapped + workbook[m.end() :]
    return workbook


EMPTY_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
    b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
)


def rels_name(part: str) -> str:
    """The relationships part of a part: xl/worksheets/_rels/sheet1.xml.rels."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def free_name(pattern: str, *taken) -> str:
    """The first ``pattern.format(n)`` (n = 1, 2 …) none of the ``taken`` collections holds."""
    n = 1
    while any(pattern.format(n) in t for t in taken):
        n += 1
    return pattern.format(n)

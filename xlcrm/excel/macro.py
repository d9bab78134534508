"""The owner's workbook with an Update CRM button, for desktop Excel with xlwings.

``BOOK.xlsx`` becomes ``BOOK.xlsm`` beside it, every part of the owner's copied as it is,
plus: the VBA project of the installed xlwings' ``quickstart_standalone.xlsm``, embedded byte
for byte (its ``Module1.SampleCall`` runs ``import BOOK; BOOK.main()`` through xlwings'
``RunPython``); the code names its document modules expect (the workbook ``ThisWorkbook``,
the first two sheets ``Sheet1`` and ``Sheet2``); an ``xlwings.conf`` sheet; and a form button
on the Customers sheet, right of where the output columns end, that runs ``SampleCall``.
``BOOK.py`` beside it holds that ``main()``: ``xlcrm.excel.update(xw.Book.caller())``.

VBA cannot be compiled here, so none is generated: the project is xlwings' own.
"""

from __future__ import annotations

import keyword
import posixpath
import re
import zipfile
from pathlib import Path

from ..placement import place_columns
from ..present.words import say
from ..problems import BookError
from ..record import record
from ..rules import output_columns
from ..save import atomic_write, check_new_file
from ..xlsx import workbookparts as wp
from ..xlsx.package import open_package, read_member
from ..xlsx.zipcopy import write_package

CT_MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_VML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing"
MACRO = "SampleCall"
CODE_NAMES = ("Sheet1", "Sheet2")  # the document modules of xlwings' project
CONF_SHEET = "xlwings.conf"
# worksheet children that come after legacyDrawing, in the schema's order
AFTER_LEGACY = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


@record
class MacroBook:
    xlsm: Path
    module: Path


def vba_project() -> bytes:
    """The VBA project of the installed xlwings' standalone quickstart workbook."""
    import xlwings

    quickstart = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
    with zipfile.ZipFile(quickstart) as z:
        return z.read("xl/vbaProject.bin")


def module_name(stem: str) -> str:
    """A name Python can import (the macro imports the module named like the workbook)."""
    name = re.sub(r"\W", "_", stem)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = "book_" + name
    return name


def make(src: Path, force: bool = False, lang: str | None = None) -> MacroBook:
    """``src`` (.xlsx) as a macro workbook with the button, and its Python module."""
    src = Path(src)
    if src.suffix.lower() != ".xlsx":
        raise BookError("out_suffix", name=src.name, want=".xlsx")
    name = module_name(src.stem)
    xlsm = src.with_name(name + ".xlsm")
    module = src.with_name(name + ".py")
    check_new_file(xlsm, ".xlsm", force)
    if module.exists() and not force:
        raise BookError("exists", path=str(module))
    lang = lang or _lang(src)
    atomic_write(xlsm, lambda tmp: _write(src, tmp, lang), backup=True)
    atomic_write(module, lambda tmp: tmp.write_text(module_text(xlsm.name), "utf-8"))
    return MacroBook(xlsm, module)


def module_text(book_name: str) -> str:
    return (
        f'"""What the Update CRM button of {book_name} runs (xlwings RunPython: the\n'
        'workbook\'s macro imports the module named like the workbook and calls main)."""\n\n'
        "import xlwings as xw\n\nimport xlcrm.excel\n\n\n"
        "def main():\n"
        "    xlcrm.excel.update(xw.Book.caller())\n"
    )


def _lang(src: Path) -> str:
    from ..api import validate

    return validate(src).lang


def _write(src: Path, dst: Path, lang: str) -> None:
    with open_package(src) as pkg:
        zf = pkg.zf
        changed: dict[str, bytes] = {}
        added: dict[str, bytes] = {}

        def part(name: str) -> bytes:
            return changed.get(name) or read_member(zf, name)

        ct = part("[Content_Types].xml")
        ct = re.sub(
            rb'(PartName="/' + re.escape(pkg.workbook_part.encode()) + rb'"\s+ContentType=")[^"]*',
            rb"\g<1>" + CT_MACRO_BOOK.encode(),
            ct,
        )
        ct = _default(ct, "bin", CT_VBA)
        rels_name = wp.rels_name(pkg.workbook_part)
        rels, _ = wp.add_relationship(part(rels_name), REL_VBA, "vbaProject.bin")
        vba_part = posixpath.join(posixpath.dirname(pkg.workbook_part), "vbaProject.bin")
        added[vba_part] = vba_project()
        changed[pkg.workbook_part] = _code_name(part(pkg.workbook_part), "workbookPr")
        for sheet, code in zip(pkg.sheets, CODE_NAMES, strict=False):
            changed[sheet.part] = _code_name(part(sheet.part), "sheetPr", code)
        # the xlwings.conf sheet (only what differs from xlwings' defaults)
        conf = wp.free_name("xl/worksheets/sheet{}.xml", zf.NameToInfo, added)
        added[conf] = _conf_sheet()
        ct = wp.add_content_override(ct, conf, wp.CT_SHEET)
        rels, rid = wp.add_relationship(rels, wp.REL_SHEET, "/" + conf)
        changed[pkg.workbook_part] = wp.add_sheet(changed[pkg.workbook_part], CONF_SHEET, rid)
        changed[rels_name] = rels
        # the button, on the Customers sheet
        ct = _button(pkg, changed, added, part, lang, ct)
        changed["[Content_Types].xml"] = ct
        write_package(zf, dst, changed, added)


def _default(ct: bytes, ext: str, content_type: str) -> bytes:
    if f'Extension="{ext}"'.encode() in ct:
        return ct
    m = re.search(rb"<(?:(\w+):)?Types\b[^>]*>", ct)
    p = (m.group(1).decode() + ":") if m and m.group(1) else ""
    el = f'<{p}Default Extension="{ext}" ContentType="{content_type}"/>'.encode()
    return ct[: m.end()] + el + ct[m.end() :]


def _code_name(xml: bytes, element: str, code: str = "ThisWorkbook") -> bytes:
    """``codeName`` on the workbook's workbookPr (or a sheet's sheetPr), added if missing:
    the VBA project's document modules are found by these names."""
    m = re.search(rb"<(?:(\w+):)?" + element.encode() + rb"\b([^>]*?)(/?)>", xml)
    if m:
        attrs = re.sub(rb'\s*codeName="[^"]*"', b"", m.group(2))
        p = (m.group(1) + b":") if m.group(1) else b""
        new = b"<" + p + element.encode() + f' codeName="{code}"'.encode() + attrs
        new += m.group(3) + b">"
        return xml[: m.start()] + new + xml[m.end() :]
    root = re.search(rb"<(?:(\w+):)?(workbook|worksheet)\b[^>]*>", xml)
    p = (root.group(1).decode() + ":") if root.group(1) else ""
    el = f'<{p}{element} codeName="{code}"/>'.encode()
    if element == "workbookPr":  # after fileVersion and fileSharing, when present
        after = list(re.finditer(rb"<(?:\w+:)?(fileVersion|fileSharing)\b[^>]*/>", xml))
        at = after[-1].end() if after else root.end()
    else:
        at = root.end()  # sheetPr is a worksheet's first child
    return xml[:at] + el + xml[at:]


def _conf_sheet() -> bytes:
    rows = [("Show Console", "FALSE")]
    cells = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{k}</t></is></c>'
        f'<c r="B{i}" t="b"><v>{1 if v == "TRUE" else 0}</v></c></row>'
        for i, (k, v) in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def _button(pkg, changed: dict, added: dict, part, lang: str, ct: bytes) -> bytes:
    """An Update CRM form button (a VML shape that runs SampleCall) on the Customers sheet,
    in the drawing the sheet already has for its notes, or in a new one."""
    from ..reader import customers_header

    info, header_row, header, used = customers_header(pkg)
    placed = place_columns(header, used, output_columns(), lang)
    col = max([used, *(p.col for p in placed)]) + 1  # right of where the outputs end
    caption = say("ui.excel.button", lang)
    sheet_xml = part(info.part)
    rels_name = wp.rels_name(info.part)
    rels = part(rels_name) if rels_name in pkg.zf.NameToInfo else None
    vml = _legacy_vml(pkg, sheet_xml, rels, info.part)
    if vml is not None:
        changed[vml] = _add_shape(part(vml), col, header_row, caption)
        return ct
    vml = wp.free_name("xl/drawings/vmlDrawing{}.vml", pkg.zf.NameToInfo, added)
    block = _free_idmap(pkg.zf)
    added[vml] = _new_vml(block, col, header_row, caption)
    target = "../drawings/" + posixpath.basename(vml)
    if rels is None:
        rels, rid = wp.add_relationship(wp.EMPTY_RELS, REL_VML, target)
        added[rels_name] = rels
    else:
        rels, rid = wp.add_relationship(rels, REL_VML, target)
        changed[rels_name] = rels
    changed[info.part] = _legacy_element(sheet_xml, rid)
    return _default(ct, "vml", CT_VML)


def _legacy_vml(pkg, sheet_xml: bytes, rels: bytes | None, sheet_part: str) -> str | None:
    m = re.search(rb"<(?:\w+:)?legacyDrawing\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"", sheet_xml)
    if not m or rels is None:
        return None
    rid = m.group(1).decode()
    found = re.search(
        rb'<(?:\w+:)?Relationship\b(?=[^>]*\bId="' + re.escape(rid.encode()) + rb'")'
        rb'[^>]*\bTarget="([^"]+)"',
        rels,
    )
    if not found:
        return None
    folder = posixpath.dirname(sheet_part)
    target = found.group(1).decode()
    return posixpath.normpath(
        target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    )


def _free_idmap(zf: zipfile.ZipFile) -> int:
    """A shape-id block no other drawing of the book uses."""
    used = {0}
    for name in zf.namelist():
        if name.endswith(".vml"):
            for data in re.findall(rb'idmap\b[^>]*\bdata="([^"]+)"', zf.read(name)):
                used |= {int(x) for x in re.findall(rb"\d+", data)}
    return max(used) + 1


SHAPETYPE = (
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path shadowok="f" '
    'o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/><o:lock v:ext="edit" '
    'shapetype="t"/></v:shapetype>'
)


def _shape(shape_id: int, col: int, row: int, caption: str) -> str:
    """A form button over columns ``col``..``col + 1`` of the header's row (0-based anchor:
    left column, offset, top row, offset, right column, offset, bottom row, offset)."""
    from ..xlsx.text import xml_escape_text

    left, top = col - 1, max(row - 1, 0)
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t201" style="position:absolute;'
        'margin-left:0;margin-top:0;width:120pt;height:30pt;z-index:1;mso-wrap-style:tight" '
        'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" '
        'o:insetmode="auto"><v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
        '<o:lock v:ext="edit" rotation="t"/><v:textbox style="mso-direction-alt:auto" '
        'o:singleclick="f"><div style="text-align:center"><font face="Calibri" size="220" '
        f'color="#000000">{xml_escape_text(caption)}</font></div></v:textbox>'
        f'<x:ClientData ObjectType="Button"><x:Anchor>{left}, 8, {top}, 2, {left + 2}, 8, '
        f"{top + 2}, 0</x:Anchor><x:PrintObject>False</x:PrintObject><x:AutoFill>False"
        f"</x:AutoFill><x:FmlaMacro>[0]!{MACRO}</x:FmlaMacro><x:TextHAlign>Center"
        "</x:TextHAlign><x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>"
    )


def _new_vml(block: int, col: int, row: int, caption: str) -> bytes:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        f"{SHAPETYPE}{_shape(block * 1024 + 1, col, row, caption)}</xml>"
    ).encode()


def _add_shape(vml: bytes, col: int, row: int, caption: str) -> bytes:
    """The button added to a drawing the sheet has (its notes'): the next free shape id."""
    ids = [int(x) for x in re.findall(rb'id="_x0000_s(\d+)"', vml)]
    blocks = re.search(rb'idmap\b[^>]*\bdata="(\d+)', vml)
    start = int(blocks.group(1)) * 1024 if blocks else 1024
    shape = _shape(max([start, *ids]) + 1, col, row, caption)
    extra = ("" if b'id="_x0000_t201"' in vml else SHAPETYPE) + shape
    end = vml.rfind(b"</xml>")
    return vml[:end] + extra.encode("utf-8") + vml[end:]


def _legacy_element(xml: bytes, rid: str) -> bytes:
    root = re.search(rb"<(?:(\w+):)?worksheet\b[^>]*>", xml)
    p = (root.group(1).decode() + ":") if root.group(1) else ""
    rel = re.search(
        rb'xmlns:(\w+)="http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
        xml,
    )
    rp = rel.group(1).decode() if rel else "r"
    decl = (
        ""
        if rel
        else ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    )
    el = f'<{p}legacyDrawing{decl} {rp}:id="{rid}"/>'.encode()
    for name in AFTER_LEGACY:
        m = re.search(rb"<(?:\w+:)?" + name.encode() + rb"\b", xml)
        if m:
            return xml[: m.start()] + el + xml[m.start() :]
    end = xml.rfind(b"</" + p.encode() + b"worksheet>")
    return xml[:end] + el + xml[end:]


__all__ = ["MacroBook", "make", "module_name", "vba_project"]

"""The Dashboard sheet: formulas over the Customers sheet's output columns and native Excel
charts over those formulas, so an accountant without Python sees current numbers whenever
Excel or LibreOffice recalculates.

It is made by XlsxWriter (formulas, charts, drawing) in a scratch workbook and its parts are
added to the owner's package the way the file door adds its own sheets: nothing else in the
book changes. A second run replaces xlcrm's Dashboard (found by name in either language and
its title) with its drawing and charts, rather than adding another.

The formulas count the worded values the update writes (``Core``, ``金卡`` …), so the
Dashboard speaks the book's language and must be made again if the language changes.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from .figures import PRIORITIES, PYRAMID, TIERS, VALUE_CLASSES
from .placement import find_columns
from .present.sheets import owned_name
from .present.words import normalize_lang, say
from .problems import BookError
from .record import record
from .rules import output_columns
from .xlsx import workbookparts as wp
from .xlsx.cellref import col_letter
from .xlsx.package import Package, open_package, read_member
from .xlsx.zipcopy import write_package

NEEDED = (
    "value_class",
    "pyramid",
    "revenue",
    "tier",
    "contact_priority",
    "next_contact",
    "points_balance",
    "points_expiring",
)
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DUE_DAYS = 7


@record(frozen=True)
class Layout:
    """Where the Dashboard's formulas look: the Customers sheet and its output columns."""

    sheet: str
    columns: dict[str, str]  # output key -> column letter

    def ref(self, key: str) -> str:
        name = "'" + self.sheet.replace("'", "''") + "'"
        letter = self.columns[key]
        return f"{name}!${letter}:${letter}"


def add_sheet(wb, layout: Layout, lang: str) -> None:
    """The Dashboard sheet in an XlsxWriter workbook: blocks of label and formula, each with
    its chart beside it."""
    lang = normalize_lang(lang)
    name, _ = owned_name("dashboard", lang)
    ws = wb.add_worksheet(name)
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#E2EFDA", "border": 1})
    pct = wb.add_format({"num_format": "0.0%"})
    money = wb.add_format({"num_format": "#,##0.00"})
    whole = wb.add_format({"num_format": "#,##0"})
    ws.set_column(0, 0, 34)
    ws.set_column(1, 3, 14)
    ws.write_string(0, 0, say("title.dashboard", lang), bold)
    row = 2

    def block(key: str, labels: list[str], columns: list[tuple], kind: str):
        """A titled table (label, then one formula a column) and its chart of the last
        column; ``columns`` are (header, formula of label and row, cell format)."""
        nonlocal row
        title = say(f"ui.dashboard.{key}", lang, days=DUE_DAYS)
        ws.write_string(row, 0, title, bold)
        heads = [say(f"ui.dashboard.head.{key}", lang)] + [c[0] for c in columns]
        ws.write_row(row + 1, 0, heads, head)
        first = row + 2
        for i, label in enumerate(labels):
            ws.write_string(first + i, 0, label)
            for j, (_, formula, fmt) in enumerate(columns, start=1):
                ws.write_formula(first + i, j, formula(label, first + i), fmt)
        last = first + len(labels) - 1
        chart = wb.add_chart({"type": kind})
        value_col = len(columns)
        chart.add_series(
            {
                "categories": [name, first, 0, last, 0],
                "values": [name, first, value_col, last, value_col],
                "fill": {"color": "#4E79A7"},
                "name": columns[-1][0],
            }
        )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        if columns[-1][2] is pct:  # shares read as percentages on the value axis too
            chart.set_y_axis({"num_format": "0%"})
        chart.set_size({"width": 480, "height": 260})
        ws.insert_chart(row, 5, chart)
        row = max(last + 3, row + 15)

    counts = say("ui.report.head.customers", lang)
    words = {k: say(f"value_class.{k}", lang) for k in VALUE_CLASSES}
    block(
        "value_class",
        list(words.values()),
        [(counts, lambda label, r: f'=COUNTIF({layout.ref("value_class")},"{label}")', None)],
        "bar",
    )
    rev = layout.ref("revenue")
    block(
        "pyramid",
        list(PYRAMID),
        [
            (counts, lambda label, r: f'=COUNTIF({layout.ref("pyramid")},"{label}")', None),
            (
                say("ui.report.revenue", lang),
                lambda label, r: f'=SUMIF({layout.ref("pyramid")},"{label}",{rev})',
                money,
            ),
            (
                say("ui.report.head.revenue_share", lang),
                lambda label, r: f"=IF(SUM({rev})=0,0,C{r + 1}/SUM({rev}))",
                pct,
            ),
        ],
        "column",
    )
    block(
        "tier",
        [say(f"tier.{k}", lang) for k in TIERS],
        [(counts, lambda label, r: f'=COUNTIF({layout.ref("tier")},"{label}")', None)],
        "bar",
    )
    prio, nxt = layout.ref("contact_priority"), layout.ref("next_contact")
    block(
        "due",
        [str(p) for p in PRIORITIES],
        [
            (
                say("ui.report.head.contacts", lang),
                lambda label, r: f'=COUNTIFS({prio},{label},{nxt},"<="&(TODAY()+{DUE_DAYS}))',
                None,
            )
        ],
        "column",
    )
    ws.write_string(row, 0, say("ui.dashboard.points", lang), bold)
    ws.write_string(row + 1, 0, say("ui.report.points_outstanding", lang))
    ws.write_formula(row + 1, 1, f'=SUMIF({layout.ref("points_balance")},">0")', whole)
    ws.write_string(row + 2, 0, say("ui.report.points_expiring", lang))
    ws.write_formula(row + 2, 1, f"=SUM({layout.ref('points_expiring')})", whole)


def layout_of(pkg: Package) -> Layout:
    """The Customers sheet's output columns, found by their headers as the update wrote them."""
    from .reader import customers_header

    info, _, header, _ = customers_header(pkg)
    found = find_columns(header, [c for c in output_columns() if c.key in NEEDED])
    missing = [k for k in NEEDED if k not in found]
    if missing:
        raise BookError("dashboard_needs_update", name=Path(pkg.path).name)
    return Layout(info.name, {k: col_letter(c) for k, c in found.items()})


def add_to_book(path: Path, lang: str | None = None) -> Path | None:
    """The Dashboard added to (or replaced in) the workbook file, atomically with a backup.
    Returns the backup made."""
    from .filedoor import guess_lang
    from .save import atomic_write, book_lock, check_writable

    path = Path(path)
    lang = normalize_lang(lang or guess_lang(path))
    check_writable(path)
    with book_lock(path):
        return atomic_write(path, lambda tmp: write_dashboard(path, tmp, lang), backup=True)


def _scratch(layout: Layout, lang: str) -> zipfile.ZipFile:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False})
    add_sheet(wb, layout, lang)
    wb.close()
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def write_dashboard(src: Path, dst: Path, lang: str) -> None:
    """The package ``src`` written to ``dst`` with xlcrm's Dashboard added or replaced."""
    with open_package(src) as pkg:
        layout = layout_of(pkg)
        name, aliases = owned_name("dashboard", lang)
        scratch = _scratch(layout, lang)
        zf = pkg.zf
        changed: dict[str, bytes] = {}
        added: dict[str, bytes] = {}
        removed: set[str] = set()

        def part(n: str) -> bytes:
            return changed.get(n) or read_member(zf, n)

        existing = _owned(pkg, name, aliases)
        ct = part("[Content_Types].xml")
        if existing is not None:  # xlcrm's earlier Dashboard: its drawing and charts go too
            sheet_part = existing.part
            for old in _drawing_parts(zf, sheet_part):
                removed.add(old)
                ct = wp.remove_content_override(ct, old)
        else:
            sheet_part = wp.free_name("xl/worksheets/sheet{}.xml", zf.NameToInfo, added)
        sheet_xml = _plain(scratch.read("xl/worksheets/sheet1.xml"), _strings(scratch))
        drawing = wp.free_name("xl/drawings/drawing{}.xml", set(zf.NameToInfo) - removed, added)
        added[drawing] = scratch.read("xl/drawings/drawing1.xml")
        targets = {}
        for old in sorted(n for n in scratch.namelist() if n.startswith("xl/charts/chart")):
            new = wp.free_name("xl/charts/chart{}.xml", set(zf.NameToInfo) - removed, added)
            added[new] = scratch.read(old)
            targets[posixpath.basename(old)] = posixpath.basename(new)
            ct = wp.add_content_override(ct, new, CT_CHART)
        drawing_rels = scratch.read("xl/drawings/_rels/drawing1.xml.rels")
        for old, new in targets.items():
            drawing_rels = drawing_rels.replace(f'/{old}"'.encode(), f'/{new}"'.encode())
        added[wp.rels_name(drawing)] = drawing_rels
        ct = wp.add_content_override(ct, drawing, CT_DRAWING)
        rels, rid = wp.add_relationship(
            wp.EMPTY_RELS, REL_DRAWING, "../drawings/" + posixpath.basename(drawing)
        )
        sheet_xml = re.sub(rb'(<drawing\b[^>]*\br:id=")[^"]+', rb"\g<1>" + rid.encode(), sheet_xml)
        sheet_rels = wp.rels_name(sheet_part)
        if sheet_rels in zf.NameToInfo:
            changed[sheet_rels] = rels
        else:
            added[sheet_rels] = rels
        if existing is not None:
            changed[sheet_part] = sheet_xml
        else:
            added[sheet_part] = sheet_xml
            ct = wp.add_content_override(ct, sheet_part, wp.CT_SHEET)
            wb_rels = wp.rels_name(pkg.workbook_part)
            book_rels, sheet_rid = wp.add_relationship(
                part(wb_rels), wp.REL_SHEET, "/" + sheet_part
            )
            changed[wb_rels] = book_rels
            changed[pkg.workbook_part] = wp.add_sheet(part(pkg.workbook_part), name, sheet_rid)
            if "docProps/app.xml" in zf.NameToInfo:
                changed["docProps/app.xml"] = wp.app_add_sheet(part("docProps/app.xml"), name)
        changed[pkg.workbook_part] = wp.set_full_calc_on_load(part(pkg.workbook_part))
        changed["[Content_Types].xml"] = ct
        write_package(zf, dst, changed, added, removed)


def _strings(scratch: zipfile.ZipFile) -> list[bytes]:
    """The scratch workbook's shared strings, as the XML text of each."""
    if "xl/sharedStrings.xml" not in scratch.namelist():
        return []
    sst = scratch.read("xl/sharedStrings.xml")
    return [m.group(1) for m in re.finditer(rb"<si><t[^>]*>(.*?)</t></si>", sst, re.S)]


def _plain(xml: bytes, strings: list[bytes]) -> bytes:
    """The scratch sheet standing on its own in another package: its text inline (the
    shared strings it points at are the scratch workbook's), no styles (they index the
    scratch's style table), and formulas without cached values (computed on opening)."""

    def inline(m: re.Match) -> bytes:
        text = strings[int(m.group(2))]
        space = b' xml:space="preserve"' if text != text.strip() else b""
        return m.group(1) + b' t="inlineStr"><is><t' + space + b">" + text + b"</t></is></c>"

    xml = re.sub(rb'\s(?:s|style)="\d+"', b"", xml)
    xml = re.sub(rb'(<c r="[A-Z]+\d+") t="s"><v>(\d+)</v></c>', inline, xml)
    return re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", xml)


def _owned(pkg: Package, name: str, aliases: tuple[str, ...]):
    from .xlsx.writeback import _find_owned

    return _find_owned(pkg, name, aliases)


def _drawing_parts(zf: zipfile.ZipFile, sheet_part: str) -> list[str]:
    """The drawing of a sheet and the charts in it (with their rels)."""
    from .xlsx.package import part_rels

    out = []
    for _, (kind, target, mode) in part_rels(zf, sheet_part).items():
        if kind.endswith("/drawing") and mode != "External" and target in zf.NameToInfo:
            out += [target, wp.rels_name(target)]
            for _, (k2, chart, m2) in part_rels(zf, target).items():
                if k2.endswith("/chart") and m2 != "External":
                    out += [chart, wp.rels_name(chart)]
    return [p for p in out if p in zf.NameToInfo]


__all__ = ["Layout", "add_sheet", "add_to_book", "layout_of"]

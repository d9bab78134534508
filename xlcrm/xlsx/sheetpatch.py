"""Patch cells of one worksheet part in place, row by row, without an object model.

Only the cells of the given columns in the given rows change; every other byte of the part is
passed through. Rows stay ascending and cells ascending within a row, as Excel requires.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..problems import BookError
from .cellref import col_index, col_letter, split_range
from .styles import Styles

_ROOT = re.compile(rb"<(?:(\w+):)?worksheet\b[^>]*>")
_SHEETDATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)(")')
_R_ATTR = re.compile(rb'\br="([A-Za-z]{1,3})?(\d+)?"')
_S_ATTR = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s+spans="[^"]*"')
_F_TAG = re.compile(rb"<(?:\w+:)?f\b([^>]*)")
_T_ATTR = re.compile(rb'\bt="(\w+)"')
_REF_ATTR = re.compile(rb'\bref="([^"]+)"')


class WriteRefused(BookError):
    """The sheet holds something xlcrm must not overwrite; nothing was written."""


@dataclass
class OutputCell:
    kind: str  # value kind: 'n' number, 'd' date serial, 's' text, 'b' boolean, '' blank
    text: str = ""  # rendered value (number repr, escaped text)


@dataclass
class ColumnPlan:
    col: int
    kind: str  # output column kind (for styles): date, datetime, money, integer, number, text
    cells: dict[int, OutputCell]
    header: str | None = None  # write this header text (a new column)
    header_style: int | None = None


@dataclass
class PatchReport:
    formulas_overwritten: int = 0
    cells_written: int = 0
    max_col: int = 0
    header_written: list[int] = field(default_factory=list)


def patch_sheet(
    xml: bytes, plans: list[ColumnPlan], header_row: int, styles: Styles, report: PatchReport
) -> Iterator[bytes]:
    """Yield the patched part in chunks."""
    root = _ROOT.search(xml)
    if root is None:
        raise BookError("The Customers sheet part is not a SpreadsheetML worksheet.")
    p = (root.group(1) + b":") if root.group(1) else b""
    sd = _SHEETDATA.search(xml, root.end())
    if sd is None:
        raise BookError("The Customers sheet has no sheetData element.")
    plans = sorted(plans, key=lambda c: c.col)
    ours = {c.col for c in plans}
    rows_needed = {header_row} | {r for c in plans for r in c.cells}
    _refuse_arrays(xml, ours, rows_needed)
    report.max_col = max(ours) if ours else 0
    head = xml[: sd.start()]
    col_styles = column_styles(head)
    head = _DIMENSION.sub(
        lambda m: m.group(1) + _grow_dimension(m.group(2), report.max_col) + m.group(3),
        head,
        count=1,
    )
    yield head
    if sd.group(1) == b"/":  # <sheetData/>: nothing to patch in; the header row must exist
        raise BookError("The Customers sheet has no rows.")
    yield xml[sd.start() : sd.end()]
    end_tag = re.compile(rb"</" + re.escape(p) + rb"sheetData>")
    close = end_tag.search(xml, sd.end())
    if close is None:
        raise BookError("The Customers sheet part is cut short; the file is damaged.")
    row_rx = re.compile(
        rb"<" + re.escape(p) + rb"row\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + rb"row>)", re.S
    )
    cell_rx = re.compile(
        rb"<" + re.escape(p) + rb"c\b([^>]*?)(?:/>|>(.*?)</" + re.escape(p) + rb"c>)", re.S
    )
    pos = sd.end()
    row_no = 0
    seen: set[int] = set()
    for m in row_rx.finditer(xml, sd.end(), close.start()):
        r = _R_ATTR.search(m.group(1))
        row_no = int(r.group(2)) if r and r.group(2) else row_no + 1
        if row_no not in rows_needed:
            continue
        seen.add(row_no)
        yield xml[pos : m.start()]
        yield _patch_row(m, row_no, plans, ours, header_row, cell_rx, p, styles, col_styles, report)
        pos = m.end()
    yield xml[pos:]
    if header_row not in seen:
        raise BookError("The Customers header row was not found in the sheet part.")


def _patch_row(
    m: re.Match,
    row_no: int,
    plans,
    ours: set[int],
    header_row: int,
    cell_rx,
    p: bytes,
    styles: Styles,
    col_styles: dict[int, int],
    report: PatchReport,
) -> bytes:
    attrs, body = m.group(1), m.group(2) or b""
    kept: list[tuple[int, bytes]] = []
    existing: dict[int, tuple[bytes, bytes]] = {}
    implicit = False
    col = 0
    last = 0
    for c in cell_rx.finditer(body):
        last = c.end()
        r = _R_ATTR.search(c.group(1))
        if r and r.group(1):
            col = col_index(r.group(1).decode())
        else:
            col += 1
            implicit = True
        if col in ours:
            existing[col] = (c.group(1), c.group(2) or b"")
        else:
            kept.append((col, c.group(0)))
    tail = body[last:]  # e.g. a row-level extLst after the cells
    new: list[tuple[int, bytes]] = []
    for plan in plans:
        old_attrs, old_body = existing.get(plan.col, (b"", b""))
        if b"<" in old_body and _F_TAG.search(old_body):
            f_attrs = _F_TAG.search(old_body).group(1)
            t = _T_ATTR.search(f_attrs)
            if t and t.group(1) in (b"shared", b"array", b"dataTable"):
                raise WriteRefused(
                    f"Cell {col_letter(plan.col)}{row_no} on the Customers sheet holds a "
                    f"{t.group(1).decode()} formula in a column xlcrm fills. Delete that formula "
                    "(xlcrm writes this column) and run again."
                )
            report.formulas_overwritten += 1
        if row_no == header_row:
            if plan.header is None:
                if plan.col in existing:
                    new.append((plan.col, _rebuild(p, plan.col, row_no, old_attrs, old_body)))
                continue
            report.header_written.append(plan.col)
            cell = OutputCell("s", plan.header)
            s = plan.header_style
        else:
            cell = plan.cells.get(row_no)
            if cell is None:
                if plan.col in existing:  # not a customer row we fill: leave the cell alone
                    new.append((plan.col, _rebuild(p, plan.col, row_no, old_attrs, old_body)))
                continue
            s = _choose_style(plan, old_attrs, styles, col_styles.get(plan.col))
        new.append((plan.col, _render(p, plan.col, row_no, s, cell)))
        report.cells_written += 1
    if implicit:  # give every kept cell an explicit reference so positions cannot shift
        kept = [(c, _with_ref(x, c, row_no, p)) for c, x in kept]
    cells = sorted(kept + new, key=lambda t: t[0])
    out_attrs = attrs
    if _SPANS.search(attrs) and cells:
        out_attrs = _SPANS.sub(f' spans="{cells[0][0]}:{cells[-1][0]}"'.encode(), attrs, count=1)
    if not _R_ATTR.search(out_attrs):
        out_attrs = f' r="{row_no}"'.encode() + out_attrs
    inner = b"".join(x for _, x in cells) + tail
    return b"<" + p + b"row" + out_attrs + b">" + inner + b"</" + p + b"row>"


def _choose_style(
    plan: ColumnPlan, old_attrs: bytes, styles: Styles, col_style: int | None
) -> int | None:
    """The cell's own style if it suits the value, else its column's, else a plain one."""
    m = _S_ATTR.search(old_attrs)
    for s in (int(m.group(1)) if m else None, col_style):
        if s is not None and styles.suits(s, plan.kind):
            return s
    return None if plan.kind == "text" else styles.style_for(plan.kind)


_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def column_styles(head: bytes) -> dict[int, int]:
    """Column default styles from <cols>, for the columns that have one."""
    out: dict[int, int] = {}
    for m in _COL.finditer(head):
        a = dict(_ATTR.findall(m.group(1)))
        if b"style" in a and b"min" in a:
            lo, hi = int(a[b"min"]), int(a.get(b"max", a[b"min"]))
            for c in range(lo, min(hi, lo + 16384) + 1):
                out[c] = int(a[b"style"])
    return out


def _render(p: bytes, col: int, row: int, s: int | None, cell: OutputCell) -> bytes:
    ref = f"{col_letter(col)}{row}"
    sa = f' s="{s}"' if s else ""
    pre = p.decode()
    if cell.kind == "":
        return f'<{pre}c r="{ref}"{sa}/>'.encode() if sa else b""
    if cell.kind == "s":
        space = ' xml:space="preserve"' if cell.text != cell.text.strip() else ""
        return (
            f'<{pre}c r="{ref}"{sa} t="inlineStr"><{pre}is><{pre}t{space}>{cell.text}'
            f"</{pre}t></{pre}is></{pre}c>"
        ).encode()
    t = ' t="b"' if cell.kind == "b" else ""
    return f'<{pre}c r="{ref}"{sa}{t}><{pre}v>{cell.text}</{pre}v></{pre}c>'.encode()


def _rebuild(p: bytes, col: int, row: int, attrs: bytes, body: bytes) -> bytes:
    attrs = attrs if _R_ATTR.search(attrs) else f' r="{col_letter(col)}{row}"'.encode() + attrs
    if body:
        return b"<" + p + b"c" + attrs + b">" + body + b"</" + p + b"c>"
    return b"<" + p + b"c" + attrs + b"/>"


def _with_ref(cell: bytes, col: int, row: int, p: bytes) -> bytes:
    head_end = 2 + len(p)  # after '<' + prefix + 'c'
    if _R_ATTR.search(cell[: cell.find(b">")]):
        return cell
    return cell[:head_end] + f' r="{col_letter(col)}{row}"'.encode() + cell[head_end:]


def _grow_dimension(ref: bytes, max_col: int) -> bytes:
    try:
        r1, c1, r2, c2 = split_range(ref.decode())
    except ValueError:
        return ref
    c2 = max(c2, max_col)
    return f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}".encode()


def _refuse_arrays(xml: bytes, ours: set[int], rows: set[int]) -> None:
    if b'"array"' not in xml and b'"dataTable"' not in xml:
        return
    for f in _F_TAG.finditer(xml):
        t = _T_ATTR.search(f.group(1))
        ref = _REF_ATTR.search(f.group(1))
        if not t or t.group(1) not in (b"array", b"dataTable") or not ref:
            continue
        try:
            r1, c1, r2, c2 = split_range(ref.group(1).decode())
        except ValueError:
            continue
        if any(c1 <= c <= c2 for c in ours) and any(r1 <= r <= r2 for r in rows):
            raise WriteRefused(
                f"An array formula over {ref.group(1).decode()} on the Customers sheet covers a "
                "column xlcrm fills. Move or delete that formula and run again."
            )

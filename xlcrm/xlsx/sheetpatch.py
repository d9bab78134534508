"""Patch the output cells of one worksheet part, row by row, without an object model.

Only the cells of the given columns in the given rows change; every other byte of the part is
passed through. Rows stay ascending and cells ascending within a row, as Excel requires.

The common case is fast: when the output columns are side by side, each customer row's output
cells form one block, found with two C-level regex searches and replaced with a block rendered
for the whole column set at once. Rows the fast path cannot prove safe (cells without
references, a formula in the block, cells out of place) go through the careful path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import field

import pandas as pd

from ..problems import BookError
from ..record import record
from .cellref import col_index, col_letter, split_range
from .cellrender import Column, payload_table, row_cells
from .styles import Styles
from .text import xml_escape_text

_ROOT = re.compile(rb"<(?:(\w+):)?worksheet\b[^>]*>")
_SHEETDATA = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")([^"]*)(")')
_R_ATTR = re.compile(rb'\br="([A-Za-z]{1,3})?(\d+)?"')
_S_ATTR = re.compile(rb'\bs="(\d+)"')
_SPANS = re.compile(rb'\s+spans="(\d+):(\d+)"')
_F_TAG = re.compile(rb"<(?:\w+:)?f\b([^>]*)")
_T_ATTR = re.compile(rb'\bt="(\w+)"')
_REF_ATTR = re.compile(rb'\bref="([^"]+)"')
_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


class WriteRefused(BookError):
    """The sheet holds something xlcrm must not overwrite; nothing was written."""


@record
class ColumnPlan:
    """One output column to splice into the Customers part: where, what kind, which values."""

    col: int
    kind: str  # date, datetime, money, integer, number, text, boolean
    values: pd.Series  # index = Excel rows of the customers
    header: str | None = None  # write this header text (a new column)
    header_style: int | None = None


@record
class PatchReport:
    """What the patch did: cells written, formulas overwritten, rows patched fast or with
    care."""

    formulas_overwritten: int = 0
    cells_written: int = 0
    max_col: int = 0
    fast_rows: int = 0
    careful_rows: int = 0
    styles: dict[int, int | None] = field(default_factory=dict)


class _Layout:
    """Where the output cells sit in each row: byte searches that need the output columns'
    positions only, not their values, so they can run before the values exist."""

    def __init__(self, p: bytes, cols: list[int], header_row: int) -> None:
        self.p, self.header_row = p, header_row
        pe = re.escape(p)
        self.cell_rx = re.compile(rb"<" + pe + rb"c\b([^>]*?)(?:/>|>(.*?)</" + pe + rb"c>)", re.S)
        self.f_open, self.f_space = b"<" + p + b"f>", b"<" + p + b"f "
        self.f_any = re.compile(rb"<" + pe + rb"f[\s>/]")
        self.c_any = b"<" + p + b"c"
        self.ref_open = b"<" + p + b'c r="'
        self.formulas, self.all_referenced = True, False  # until survey() says otherwise
        cols = sorted(cols)
        self.hi = cols[-1] if cols else 0
        # runs of adjacent output columns: an owner's column may sit between two of them
        self.runs: list[tuple[int, int, list[bytes]]] = []
        for c in cols:
            ref = b"<" + p + b'c r="' + col_letter(c).encode()
            if self.runs and self.runs[-1][1] == c - 1:
                self.runs[-1] = (self.runs[-1][0], c, [*self.runs[-1][2], ref])
            else:
                self.runs.append((c, c, [ref]))

    def survey(self, xml: bytes, start: int, stop: int) -> None:
        """Facts about the whole sheetData that spare every row the same searches: are there
        formulas at all, and does every cell carry its reference."""
        self.formulas = any(xml.find(f, start, stop) != -1 for f in (self.f_open, self.f_space))
        self.all_referenced = xml.count(self.c_any, start, stop) == xml.count(
            self.ref_open, start, stop
        )

    def spans(self, xml: bytes, at: int, end: int, row_no: int) -> list[tuple[int, int]] | None:
        """Each run's cells in the row body ``xml[at:end]`` (or where they would go), or None
        when the row cannot be proven simple: a cell without a reference, a formula among the
        output cells, anything unexpected. Those rows take the careful path.

        Searches are bounded, not made on a copy of the row: a map of a million rows reads
        the part once."""
        if row_no == self.header_row or not self.runs:
            return None
        if not self.all_referenced and xml.count(self.c_any, at, end) != xml.count(
            self.ref_open, at, end
        ):
            return None  # a cell without a reference (positions implicit): careful
        row = str(row_no).encode() + b'"'
        out: list[tuple[int, int]] = []
        pos = at
        for lo, hi, refs in self.runs:
            span = self._run_span(xml, end, row, pos, lo, hi, refs)
            if span is None:
                return None
            out.append(span)
            pos = span[1]
        return out

    def _run_span(
        self, xml: bytes, end: int, row: bytes, pos: int, lo: int, hi: int, refs: list[bytes]
    ) -> tuple[int, int] | None:
        """Where a run's cells are in the row (from ``pos``), or where they would go."""
        start = xml.find(refs[0] + row, pos, end)
        if start == -1:
            found = self._seek(xml, end, pos, lo)
            if found is None:
                return None
            start, col = found
            if col is None or col > hi:
                return start, start
        last = -1
        for r in reversed(refs):
            last = xml.find(r + row, start, end)
            if last != -1:
                break
        cell = self.cell_rx.match(xml, last, end) if last != -1 else None
        if cell is None:
            return None
        stop = cell.end()
        if self.formulas and self.f_any.search(xml, start, stop):
            return None  # a formula in an output cell: the careful path counts or refuses
        return start, stop

    def _seek(self, xml: bytes, end: int, pos: int, lo: int) -> tuple[int, int | None] | None:
        """The first cell at or right of column ``lo`` from ``pos``: (where, its column), or
        (where the run would go, None) when there is none.

        A row's last cell sitting left of the run (a first update: the output cells do not
        exist yet) is settled by one search from the end.
        """
        found = self._cell_or_end(xml, xml.rfind(self.ref_open, pos, end), pos, end)
        if found is None or found[1] is None:
            return found
        last, col = found
        if col < lo:
            cell = self.cell_rx.match(xml, last, end)
            if cell is None or not self._tail_ok(xml, cell.end(), end):
                return None
            return cell.end(), None
        q = pos
        while True:
            found = self._cell_or_end(xml, xml.find(self.ref_open, q, end), q, end)
            if found is None or found[1] is None or found[1] >= lo:
                return found
            cell = self.cell_rx.match(xml, found[0], end)
            if cell is None:
                return None
            q = cell.end()

    def _cell_or_end(self, xml: bytes, i: int, q: int, end: int) -> tuple[int, int | None] | None:
        """A search hit ``i``: (i, its column); no hit (-1): (q, None) when nothing but the
        row's end follows ``q``; None when the row is not simple."""
        if i == -1:
            return (q, None) if self._tail_ok(xml, q, end) else None
        col = self._col_at(xml, i)
        return None if col is None else (i, col)

    def _col_at(self, xml: bytes, i: int) -> int | None:
        r = _R_ATTR.match(xml, i + len(self.ref_open) - 3)
        return col_index(r.group(1).decode()) if r and r.group(1) else None

    def _tail_ok(self, xml: bytes, q: int, end: int) -> bool:
        """Nothing but whitespace (or the row's extLst) after the last cell."""
        tail = xml[q:end].lstrip()
        return not tail or tail.startswith(b"<" + self.p + b"extLst")


class _Sheet:
    """The rendered output cells of one patch run, and the careful path for odd rows."""

    def __init__(
        self,
        xml: bytes,
        layout: _Layout,
        plans: list[ColumnPlan],
        styles: Styles,
        date1904: bool,
        report: PatchReport,
    ) -> None:
        p = layout.p
        self.p, self.plans, self.header_row, self.report = p, plans, layout.header_row, report
        self.cell_rx = layout.cell_rx
        self.ours = {c.col for c in plans}
        ps = p.decode()
        head = xml[: _SHEETDATA.search(xml).start()]
        col_styles = column_styles(head)
        self.rows = plans[0].values.index.tolist() if plans else []
        existing = self._existing_styles(xml, min(self.rows)) if self.rows else {}
        self._columns: dict[int, Column] = {}
        for c in plans:
            style = _pick_style(c.kind, existing.get(c.col), col_styles.get(c.col), styles)
            report.styles[c.col] = style
            codes, table = payload_table(c.values, c.kind, date1904, ps)
            self._columns[c.col] = Column(c.col, style, codes, table, ps)
        self._pos: dict[int, int] | None = None
        self.blocks: list[dict[int, bytes]] = []
        for lo, hi, _ in layout.runs:
            run = [self._columns[c] for c in range(lo, hi + 1)]
            self.blocks.append(dict(zip(self.rows, row_cells(run, self.rows), strict=True)))
        report.cells_written = sum(int(c.present.sum()) for c in self._columns.values())

    def cell(self, col: int, row: int) -> str | None:
        """One rendered cell for the careful path; None when ``row`` is not a customer's."""
        if self._pos is None:
            self._pos = {r: i for i, r in enumerate(self.rows)}
        i = self._pos.get(row)
        return None if i is None else self._columns[col].cell(i, row)

    def _existing_styles(self, xml: bytes, row: int) -> dict[int, int]:
        m = re.search(
            rb"<"
            + re.escape(self.p)
            + rb'row\b[^>]*\br="'
            + str(row).encode()
            + rb'"[^>]*>(.*?)</'
            + re.escape(self.p)
            + rb"row>",
            xml,
            re.S,
        )
        out: dict[int, int] = {}
        if m:
            for c in self.cell_rx.finditer(m.group(1)):
                r, s = _R_ATTR.search(c.group(1)), _S_ATTR.search(c.group(1))
                if r and r.group(1) and s:
                    out[col_index(r.group(1).decode())] = int(s.group(1))
        return out

    def careful(self, m: _Row, row_no: int) -> bytes:
        p = self.p
        attrs, body = m.group(1), m.group(2) or b""
        kept: list[tuple[int, bytes]] = []
        existing: dict[int, bytes] = {}
        implicit, col, last = False, 0, 0
        for c in self.cell_rx.finditer(body):
            last = c.end()
            r = _R_ATTR.search(c.group(1))
            if r and r.group(1):
                col = col_index(r.group(1).decode())
            else:
                col += 1
                implicit = True
            if col in self.ours:
                existing[col] = c.group(0)
            else:
                kept.append((col, c.group(0)))
        tail = body[last:]
        new: list[tuple[int, bytes]] = []
        for plan in self.plans:
            old = existing.get(plan.col, b"")
            f = _F_TAG.search(old) if old else None
            if f is not None:
                t = _T_ATTR.search(f.group(1))
                if t and t.group(1) in (b"shared", b"array", b"dataTable"):
                    raise WriteRefused(
                        "formula_in_output",
                        cell=f"{col_letter(plan.col)}{row_no}",
                        formula=t.group(1).decode(),
                    )
                self.report.formulas_overwritten += 1
            if row_no == self.header_row:
                if plan.header is None:
                    if old:
                        new.append((plan.col, _with_ref(old, plan.col, row_no, p)))
                    continue
                s = f' s="{plan.header_style}"' if plan.header_style else ""
                ps = p.decode()
                text = xml_escape_text(plan.header)
                new.append(
                    (
                        plan.col,
                        (
                            f'<{ps}c r="{col_letter(plan.col)}{row_no}"{s} '
                            f't="inlineStr"><{ps}is><{ps}t>{text}</{ps}t></{ps}is>'
                            f"</{ps}c>"
                        ).encode(),
                    )
                )
                continue
            rendered = self.cell(plan.col, row_no)
            if rendered is None:  # not a customer row: leave the cell as it is
                if old:
                    new.append((plan.col, _with_ref(old, plan.col, row_no, p)))
                continue
            if rendered:
                new.append((plan.col, rendered.encode()))
        if implicit:  # give every kept cell an explicit reference so positions cannot shift
            kept = [(c, _with_ref(x, c, row_no, p)) for c, x in kept]
        row_cells = sorted(kept + new, key=lambda t: t[0])
        out_attrs = _grow_spans(attrs, max((c for c, _ in row_cells), default=0))
        if not _R_ATTR.search(out_attrs):
            out_attrs = f' r="{row_no}"'.encode() + out_attrs
        inner = b"".join(x for _, x in row_cells) + tail
        return b"<" + p + b"row" + out_attrs + b">" + inner + b"</" + p + b"row>"


@record
class RowMap:
    """Every row of a worksheet part, with where the output cells go in the simple ones.

    It needs the part and the output columns' positions only, so update builds it while the
    sales are still being read; ``member`` (the part's name, CRC and size) ties it to the
    bytes it was made from.
    """

    xml: bytes
    cols: tuple[int, ...]
    header_row: int
    layout: _Layout
    sheet_data: tuple[int, int]  # just after <sheetData>, at </sheetData>
    rows: list[tuple[int, _Row, list[tuple[int, int]] | None]]  # row, element, spans
    member: tuple[str, int, int] | None = None


def map_rows(xml: bytes, cols: list[int], header_row: int) -> RowMap:
    root = _ROOT.search(xml)
    if root is None:
        raise BookError("customers_part", detail="not a worksheet")
    p = (root.group(1) + b":") if root.group(1) else b""
    sd = _SHEETDATA.search(xml, root.end())
    if sd is None or sd.group(1) == b"/":
        raise BookError("customers_part", detail="no rows")
    close = re.compile(rb"</" + re.escape(p) + rb"sheetData>").search(xml, sd.end())
    if close is None:
        raise BookError("customers_part", detail="cut short")
    layout = _Layout(p, cols, header_row)
    layout.survey(xml, sd.end(), close.start())
    rows: list[tuple[int, _Row, list[tuple[int, int]] | None]] = []
    row_no = 0
    for m in _rows(xml, p, sd.end(), close.start()):
        attrs = m.group(1)
        i = attrs.find(b' r="')
        row_no = int(attrs[i + 4 : attrs.index(b'"', i + 4)]) if i != -1 else row_no + 1
        rows.append((row_no, m, layout.spans(xml, m.body_at, m.body_end, row_no)))
    return RowMap(xml, tuple(sorted(cols)), header_row, layout, (sd.end(), close.start()), rows)


def patch_sheet(
    xml: bytes,
    plans: list[ColumnPlan],
    header_row: int,
    styles: Styles,
    report: PatchReport,
    date1904: bool = False,
    mapped: RowMap | None = None,
) -> Iterator[bytes]:
    """Yield the patched part in chunks; ``mapped``, when made from these bytes and columns,
    spares the row searches."""
    plans = sorted(plans, key=lambda c: c.col)
    cols = [c.col for c in plans]
    if (
        mapped is None
        or mapped.xml is not xml
        or mapped.cols != tuple(cols)
        or mapped.header_row != header_row
    ):
        mapped = map_rows(xml, cols, header_row)
    layout, p = mapped.layout, mapped.layout.p
    rows_needed = {header_row, *(plans[0].values.index.tolist() if plans else [])}
    sheet = _Sheet(xml, layout, plans, styles, date1904, report)
    if layout.formulas:
        _refuse_arrays(xml, sheet.ours, rows_needed)
    report.max_col = max(cols) if cols else 0
    start = mapped.sheet_data[0]
    head = _DIMENSION.sub(
        lambda m: m.group(1) + _grow_dimension(m.group(2), report.max_col) + m.group(3),
        xml[:start],
        count=1,
    )
    yield head
    pos, seen = start, False
    out: list[bytes] = []
    row_open, row_close = b"<" + p + b"row", b"</" + p + b"row>"
    for row_no, m, spans in mapped.rows:
        if row_no not in rows_needed:
            continue
        seen = seen or row_no == header_row
        out.append(xml[pos : m.start()])
        if spans is not None:
            report.fast_rows += 1
            out += (row_open, _grow_spans(m.group(1), layout.hi), b">")
            q = m.body_at
            for (a, b), blocks in zip(spans, sheet.blocks, strict=True):
                out += (xml[q:a], blocks.get(row_no, b""))
                q = b
            out += (xml[q : m.body_end], row_close)
        else:
            report.careful_rows += 1
            out.append(sheet.careful(m, row_no))
        pos = m.end()
        if len(out) >= 20000:
            yield b"".join(out)
            out = []
    out.append(xml[pos:])
    yield b"".join(out)
    if not seen:
        raise BookError("customers_part", detail="header row")


class _Row:
    """A row element found by byte search: group(1) its attributes, group(2) its cells.

    It keeps offsets into the part, not copies: a map of every row stays small.
    """

    __slots__ = ("_a", "_b", "_end", "_start", "_xml", "body_at", "body_end")

    def __init__(
        self, xml: bytes, start: int, end: int, attrs: tuple[int, int], body: tuple[int, int] | None
    ) -> None:
        self._xml, self._start, self._end = xml, start, end
        self._a = attrs
        self._b = body
        self.body_at, self.body_end = body if body is not None else (end, end)

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, i: int) -> bytes | None:
        if i == 1:
            return self._xml[self._a[0] : self._a[1]]
        return None if self._b is None else self._xml[self._b[0] : self._b[1]]


def _rows(xml: bytes, p: bytes, pos: int, stop: int) -> Iterator[_Row]:
    """Row elements between pos and stop, by memchr-speed searches rather than a regex."""
    open_tag, close_tag = b"<" + p + b"row", b"</" + p + b"row>"
    n = len(open_tag)
    while True:
        start = xml.find(open_tag, pos, stop)
        if start == -1:
            return
        if xml[start + n : start + n + 1] not in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            pos = start + n
            continue
        gt = xml.find(b">", start + n, stop)
        if gt == -1:
            raise BookError("customers_part", detail="a row is cut short")
        if xml[gt - 1 : gt] == b"/":
            yield _Row(xml, start, gt + 1, (start + n, gt - 1), None)
            pos = gt + 1
            continue
        end = xml.find(close_tag, gt, stop)
        if end == -1:
            raise BookError("customers_part", detail="a row is not closed")
        yield _Row(xml, start, end + len(close_tag), (start + n, gt), (gt + 1, end))
        pos = end + len(close_tag)


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


def _pick_style(kind: str, own: int | None, col_style: int | None, styles: Styles) -> int | None:
    """The first data cell's style if it suits the value, else its column's, else a plain one."""
    for s in (own, col_style):
        if s is not None and styles.suits(s, kind):
            return s
    return None if kind == "text" else styles.style_for(kind)


def _grow_spans(attrs: bytes, max_col: int) -> bytes:
    if b"spans" not in attrs:
        return attrs
    m = _SPANS.search(attrs)
    if not m or int(m.group(2)) >= max_col:
        return attrs
    return attrs[: m.start(2)] + str(max_col).encode() + attrs[m.end(2) :]


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
    return f"{col_letter(c1)}{r1}:{col_letter(max(c2, max_col))}{r2}".encode()


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
            raise WriteRefused("array_over_output", ref=ref.group(1).decode())

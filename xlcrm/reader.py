"""Read the xlcrm sheets of a workbook file into typed columns, fast, keeping the odd cells.

The fast reader (fastexcel) types a whole column at once. A cell it cannot type (text in an
amount column, a date typed as text, an Excel error value) is not dropped: it comes back as an
``OddCell`` at its Excel row, so validation can report it and coercion can decide about it.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .problems import NOTE, WARNING, BookError, sheet_problem
from .raw import (
    HEAD_ROWS,
    OddCell,
    RawBook,
    RawColumn,
    RawSheet,
    match_columns,
    missing_sheets,
    pick_header,
)
from .schema import SHEET_KEYS, SheetSpec, match_sheet_name, sheet_spec
from .xlsx.cellref import col_letter, split_range
from .xlsx.head import head_rows
from .xlsx.package import Package, SheetInfo, TableInfo, open_package
from .xlsx.sharedstrings import SharedStrings
from .xlsx.survey import check_part, sheet_extent

# the fast reader logs a line per column whose type it cannot guess (16,384 on a sheet that
# uses the last column); xlcrm reads every column with its own type and reports what matters
logging.getLogger("fastexcel").setLevel(logging.ERROR)

EXCEL_ERRORS = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "GettingData": "#GETTING_DATA",
}
PARALLEL_READ_BYTES = 256 * 1024  # sheet XML size from which reading it on a second thread pays
READ_DTYPE = {"date": "datetime", "number": "float", "money": "float", "integer": "float"}


def read_book(
    path: str | Path,
    kinds: tuple[str, ...] = SHEET_KEYS,
    parallel_from: int = PARALLEL_READ_BYTES,
    then: Callable[[RawSheet], Any] | None = None,
    meanwhile: Callable[[], Any] | None = None,
) -> RawBook:
    """Read every xlcrm sheet of the file. Raises BookError when the file cannot be used at all.

    ``then`` (checking a sheet, say) runs on each sheet as soon as it is read; the small
    sheets' turn comes while the largest is still being read on the other thread, and then
    ``meanwhile``'s (update's look ahead at where its cells go), so this thread never idles.
    """
    path = Path(path)
    with open_package(path) as pkg:
        located = locate_sheets(pkg)
        problems = missing_sheets(located, kinds)
        wanted = [k for k in located if k in kinds]
        infos = pkg.zf.NameToInfo  # a missing part is reported when its header is looked for
        size = {k: getattr(infos.get(located[k].part), "file_size", 0) for k in wanted}
        # the largest sheet (Sales, as a rule) is read on a second thread with a reader of its
        # own while this one reads the rest: the fast reader works without the interpreter
        # lock. Its reader opens (loading every shared string) while the headers are found.
        big = max(wanted, key=size.get) if len(wanted) > 1 else None
        if big is not None and size[big] < parallel_from:
            big = None
        book = RawBook(path, {}, pkg.date1904, problems)

        def take(key: str, sheet: RawSheet) -> None:
            book.sheets[key] = sheet
            if then is not None:
                book.done[key] = then(sheet)

        # what the fast reader opens whole, and each sheet it reads, is surveyed first: its
        # true size and how far its cells reach bound what the reader may build
        for part in _opened_parts(pkg):
            check_part(pkg.zf, part)
        with ThreadPoolExecutor(1, thread_name_prefix="xlcrm-read") as pool:
            opened = pool.submit(_open, path) if big is not None else None
            heads = {}
            later = None
            with SharedStrings(pkg.zf, pkg.shared_strings_part) as sst:
                for k in sorted(wanted, key=lambda k: k != big):
                    heads[k] = _find_header(pkg, sst, located[k], sheet_spec(k))
                    if k == big and opened is not None:
                        _survey(pkg, located[k], heads[k])  # while the reader opens
                        later = pool.submit(
                            _read_opened, opened, located[k], sheet_spec(k), heads[k]
                        )
            reader = _open(path)
            for k in wanted:  # the other sheets are read, and ``then`` run on them, meanwhile
                if k != big:
                    _survey(pkg, located[k], heads[k])
                    take(k, _read_sheet(reader, located[k], sheet_spec(k), *heads[k]))
            if meanwhile is not None:
                meanwhile()
            if later is not None:
                take(big, later.result())
    book.sheets = {k: book.sheets[k] for k in wanted}
    return book


def _opened_parts(pkg: Package) -> list[str]:
    """The parts the fast reader reads whole when it opens a book."""
    wb_rels = posixpath.join(
        posixpath.dirname(pkg.workbook_part), "_rels", posixpath.basename(pkg.workbook_part)
    )
    parts = [pkg.workbook_part, wb_rels + ".rels", pkg.shared_strings_part, pkg.styles_part]
    return [p for p in parts if p]


def _survey(pkg: Package, info: SheetInfo, head: tuple) -> None:
    """Bound what the fast reader will lay out for this sheet, before it does."""
    header, table = head[1], head[2]
    width = max(header) if header else 1
    if table is not None and table.ref:
        width = max(width, split_range(table.ref)[3])
    sheet_extent(pkg.zf, info.part, width, info.name)


def _read_opened(opened: Future, info: SheetInfo, spec: SheetSpec, head: tuple) -> RawSheet:
    return _read_sheet(opened.result(), info, spec, *head)


def _open(path: Path):
    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # the fast reader's own refusal: still a plain message
        raise BookError("unreadable", detail=_one_line(exc)) from exc


def locate_sheets(pkg: Package) -> dict[str, SheetInfo]:
    found: dict[str, SheetInfo] = {}
    for info in pkg.sheets:
        key = match_sheet_name(info.name)
        if key is None:
            key = _sheet_by_table(info)
        if key is not None and key not in found:
            found[key] = info
    return found


def _sheet_by_table(info: SheetInfo) -> str | None:
    for t in info.tables:
        key = match_sheet_name(t.display_name) or match_sheet_name(t.name)
        if key:
            return key
    return None


def sheet_names(path: Path) -> list[str]:
    with open_package(path) as pkg:
        return [s.name for s in pkg.sheets]


def header_of(path: Path, key: str) -> tuple[str, int] | None:
    """The sheet name and header row ``read_book`` will find for ``key``; None without one."""
    with open_package(path) as pkg:
        info = locate_sheets(pkg).get(key)
        if info is None:
            return None
        with SharedStrings(pkg.zf, pkg.shared_strings_part) as sst:
            return info.name, _find_header(pkg, sst, info, sheet_spec(key))[0]


def customers_header(pkg: Package) -> tuple[SheetInfo, int, dict[int, str], int]:
    """The Customers sheet, its header row, the header's cells and the last column in use
    (the header's or its table's)."""
    info = locate_sheets(pkg).get("customers")
    if info is None:
        raise BookError("no_sheet", kind="customers")
    with SharedStrings(pkg.zf, pkg.shared_strings_part) as sst:
        row, header, _ = _find_header(pkg, sst, info, sheet_spec("customers"))
    used = max(header, default=1)
    for t in info.tables:
        if t.ref:
            used = max(used, split_range(t.ref)[3])
    return info, row, header, used


def _find_header(pkg: Package, sst: SharedStrings, info: SheetInfo, spec: SheetSpec):
    """(header row, {col: header text}, table) — the Table's header if it has one, else scanned."""
    for t in info.tables:
        if not t.ref or t.header_rows < 1:
            continue
        r1, c1, _r2, c2 = split_range(t.ref)
        heads = head_rows(pkg.zf, info.part, sst, max_rows=1, from_row=r1)
        row = heads.get(r1, {})
        cells = {c: v for c, v in row.items() if c1 <= c <= c2}
        if not cells:
            cells = {c1 + i: name for i, name in enumerate(t.columns)}
        if sum(spec.match_header(v) is not None for v in cells.values()) >= 1:
            return _side_by_side(info, t, r1, row, cells)
    rows = head_rows(pkg.zf, info.part, sst, HEAD_ROWS)
    best = pick_header(rows, spec, info.name)
    return best, rows[best], None


def _side_by_side(info: SheetInfo, t: TableInfo, r1: int, row: dict, cells: dict):
    """Tables whose headers share the row (the Settings and Holidays tables) read as one:
    their columns join the header, and the rows run to the longest one's end."""
    beside = [
        o
        for o in info.tables
        if o is not t and o.ref and o.header_rows >= 1 and split_range(o.ref)[0] == r1
    ]
    if not beside:
        return r1, cells, t
    refs = [split_range(x.ref) for x in (t, *beside)]
    for _, oc1, _, oc2 in refs[1:]:
        cells |= {c: v for c, v in row.items() if oc1 <= c <= oc2}
    last = max(r2 for _, _, r2, _ in refs)
    left, right = min(c for _, c, _, _ in refs), max(c for _, _, _, c in refs)
    whole = replace(t, ref=f"{col_letter(left)}{r1}:{col_letter(right)}{last}", totals_rows=0)
    return r1, dict(sorted(cells.items())), whole


def _read_sheet(
    reader,
    info: SheetInfo,
    spec: SheetSpec,
    header_row: int,
    header: dict[int, str],
    table: TableInfo | None,
) -> RawSheet:
    ours, user, problems = match_columns(spec, header, info.name, header_row)
    wanted = [k for k in (c.key for c in spec.columns) if k in ours]
    columns: dict[str, RawColumn] = {}
    if not wanted:
        return RawSheet(
            spec.key,
            info.name,
            header_row,
            pd.Index([], dtype="int64"),
            columns,
            user,
            table,
            problems,
        )
    abs_idx = {k: ours[k][0] - 1 for k in wanted}
    dtypes = {k: READ_DTYPE.get(spec.column(k).kind, "string") for k in wanted}
    try:
        sheet = reader.load_sheet(
            info.name,
            header_row=None,
            use_columns=[abs_idx[k] for k in wanted],
            dtypes={abs_idx[k]: dtypes[k] for k in wanted},
        )
        batch, errs = sheet.to_arrow_with_errors()
        avail = sheet.available_columns()
    except Exception as exc:
        raise BookError("sheet_unreadable", sheet=info.name, detail=_one_line(exc)) from exc
    rel_of_abs = {c.absolute_index: c.index for c in avail}
    name_of_abs = {c.absolute_index: c.name for c in avail}
    wanted = [k for k in wanted if abs_idx[k] in name_of_abs]  # a header with no cell below
    frame = {k: batch.column(name_of_abs[abs_idx[k]]).to_pandas() for k in wanted}
    odd_rel: dict[str, dict[int, OddCell]] = {k: {} for k in wanted}
    key_of_rel = {rel_of_abs[abs_idx[k]]: k for k in wanted if abs_idx[k] in rel_of_abs}
    for e in errs.errors if errs is not None else []:
        key = key_of_rel.get(e.position[1])
        if key is not None:
            odd_rel[key][e.position[0]] = parse_cell_detail(e.detail)
    start = _range_start_row(frame, odd_rel, ours, header_row)
    nrows = batch.num_rows
    first_rel = header_row + 1 - start
    last_rel = nrows - 1
    if table is not None:
        _r1, _, r2, _ = split_range(table.ref)
        if table.totals_rows:
            last_rel = min(last_rel, r2 - table.totals_rows - start)
    # trailing blank rows are no rows; blank rows inside the data are reported
    filled = np.zeros(nrows, dtype=bool)
    for k in wanted:
        filled |= _nonblank(batch.column(name_of_abs[abs_idx[k]]))
    for odd in odd_rel.values():
        for r in odd:
            if r < nrows:
                filled[r] = True
    first = max(first_rel, 0)  # the reader's rows from here on are the body
    hits = np.flatnonzero(filled[first : last_rel + 1])
    end = first + int(hits[-1]) + 1 if len(hits) else first  # past the last filled row
    in_data = filled[first:end]
    for r in np.flatnonzero(~in_data):
        problems.append(
            sheet_problem(WARNING, "blank_row", info.name, spec.key, int(r + first + start))
        )
    data_rel = first + np.flatnonzero(in_data)
    rows = pd.Index(data_rel + start, dtype="int64")
    # no blank rows inside (the usual case): a slice, not a gather of every row
    whole = len(data_rel) == len(in_data)
    for k in wanted:
        s = (frame[k].iloc[first:end] if whole else frame[k].iloc[data_rel]).copy()
        s.index = rows
        odd = {
            int(r + start): v
            for r, v in odd_rel[k].items()
            if 0 <= r - first < len(in_data) and in_data[r - first]
        }
        c, text = ours[k]
        columns[k] = RawColumn(k, col_letter(c), text, s, odd)
    return RawSheet(spec.key, info.name, header_row, rows, columns, user, table, problems)


def _nonblank(col: pa.Array) -> np.ndarray:
    """Cells with something in them; text of only spaces counts as blank."""
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return col.is_valid().to_numpy(zero_copy_only=False)
    blank = pc.or_kleene(pc.equal(pc.utf8_length(col), 0), pc.utf8_is_space(col))
    return pc.invert(pc.fill_null(blank, True)).to_numpy(zero_copy_only=False)


def _range_start_row(frame, odd_rel, ours, header_row: int) -> int:
    """The Excel row of the reader's first row, anchored on the header labels it read back."""
    candidates = None
    for k, s in frame.items():
        text = ours[k][1]
        if s.dtype.kind in "fMmi":
            hits = {r for r, o in odd_rel[k].items() if o.kind == "text" and o.raw == text}
        else:
            head = s.iloc[: min(len(s), header_row)].tolist()  # a few rows: plain Python
            hits = {r for r, v in enumerate(head) if isinstance(v, str) and v == text}
        starts = {header_row - r for r in hits if header_row - r >= 1}
        candidates = starts if candidates is None else candidates & starts
    if not candidates:
        raise BookError("header_not_matched")
    return max(candidates)


_DETAIL = re.compile(r"but got '?(\w+)\((.*)\)'?\s*$", re.S)
_RUST_ESC = re.compile(r"\\(u\{[0-9a-fA-F]+\}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def parse_cell_detail(detail: str) -> OddCell:
    """Turn the fast reader's 'Expected float but got String("12,5")' into OddCell('text','12,5')."""
    m = _DETAIL.search(detail)
    if not m:
        return OddCell("other", detail)
    variant, payload = m.group(1), m.group(2)
    if variant == "String":
        return OddCell("text", _unescape(payload))
    if variant == "Error":
        return OddCell("error", EXCEL_ERRORS.get(payload, "#" + payload.upper()))
    if variant == "Bool":
        return OddCell("bool", "TRUE" if payload == "true" else "FALSE")
    if variant in ("Float", "Int"):
        return OddCell("number", payload)
    if variant == "DateTimeIso":
        return OddCell("text", _unescape(payload))
    return OddCell("other", f"{variant}({payload})")


def _unescape(payload: str) -> str:
    if len(payload) >= 2 and payload[0] == payload[-1] == '"':
        payload = payload[1:-1]

    def sub(m: re.Match) -> str:
        s = m.group(1)
        if s.startswith("u{"):
            return chr(int(s[2:-1], 16))
        return _SIMPLE.get(s, s)

    return _RUST_ESC.sub(sub, payload)


def _one_line(exc: BaseException) -> str:
    """A native reader's message, first line only: the rest is its own backtrace."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


__all__ = ["NOTE", "OddCell", "RawBook", "RawColumn", "RawSheet", "read_book"]

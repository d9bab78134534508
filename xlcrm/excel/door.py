"""The live-workbook door: the open workbook in Excel, through xlwings.

It reads each xlcrm sheet in one block (``grid.py``), runs the same checks and engine as the
file door (``xlcrm.doors``, ``xlcrm.engine``), and writes back only the output columns (one
block per run of side-by-side columns, one number format per column) and xlcrm's own sheets
(one block each). A macro cannot be undone in Excel, so when errors stop the run nothing of
the owner's is written: the Problems sheet lists them, and is shown.

No import here needs threads, processes, file locks or a compiled reader: this door runs in
xlwings Lite's Python in the browser too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..doors import Request, checked, done, due_list, fatal, gate, keep_computed
from ..engine import Computed, compute
from ..owned import DueFilter, problems_sheet
from ..placement import place_columns
from ..present.columns import display
from ..present.sheets import RenderedSheet, empty_problems, render
from ..present.words import normalize_lang
from ..problems import BookError
from ..results import DueResult, Result, UpdateResult, ValidationResult
from ..rules import output_columns
from ..schema import match_sheet_name
from ..validation import check_sheet
from ..xlsx.styles import HEADER_FILL, WANTED
from .grid import Grid, raw_book

OWNED_MARK = "xlcrm"
# text Excel would take for something else when typed: a formula, a number, a date
RETYPED = re.compile(r"^\s*([=+\-@]|[\d.,]+\s*%?\s*$|\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?\s*$)")


def validate(book, as_of: dt.date | str | None = None, lang: str | None = None):
    """Check the open workbook; writes nothing."""
    t0 = time.perf_counter()
    result = ValidationResult(_path(book))
    read = _read(book, _request(as_of, lang), result)
    if read is not None:
        checked_book, _ = read
        result.rows = {s.name: len(s.frame) for s in checked_book.sheets.values()}
        result.customers = len(checked_book.frame("customers"))
    return done(result, t0)


def update(
    book,
    as_of: dt.date | str | None = None,
    lang: str | None = None,
    keep_going: bool = False,
    stamp: dt.datetime | None = None,
    alert: bool = True,
) -> UpdateResult:
    """Validate the open workbook, compute every output column and write it back.

    With errors (and no ``keep_going``) nothing of the owner's changes: the Problems sheet
    lists them and is activated, and ``alert`` shows a short message."""
    t0 = time.perf_counter()
    req = _request(as_of, lang, keep_going)
    result = UpdateResult(_path(book))
    read = _read(book, req, result)
    if read is None:
        return _tell(book, done(result, t0), alert)
    passed = gate(*read, req, result)
    try:
        if passed is None:
            sheet = problems_sheet(result.problems, read[0])
            if sheet is not None:
                shown = _write_sheet(book, render(sheet, read[0].settings, result.lang))
                shown.activate()
            return _tell(book, done(result, t0), alert)
        checked_book, problems, left = passed
        computed = compute(checked_book, problems, stamp, left)
        keep_computed(result, checked_book, computed)
        _write_outputs(book, checked_book, computed, result.lang)
        for content in computed.sheets:
            _write_sheet(book, render(content, checked_book.settings, result.lang))
        if not any(c.kind == "problems" for c in computed.sheets):
            # no problems: an earlier run's list is replaced, none is added
            empty = empty_problems(result.lang)
            if _owned(book, empty) is not None:
                _write_sheet(book, empty)
        result.written = True
    except BookError as exc:
        fatal(result, exc.code, exc.params)
    return _tell(book, done(result, t0), alert and not result.written)


def due(
    book,
    days: int | None = None,
    as_of: dt.date | str | None = None,
    lang: str | None = None,
    keep_going: bool = False,
    limit: int | None = None,
    priority: int | None = None,
    channel: str | None = None,
) -> DueResult:
    """The contacts due in the open workbook, most urgent first; writes nothing."""
    t0 = time.perf_counter()
    req = _request(as_of, lang, keep_going)
    result = DueResult(_path(book))
    read = _read(book, req, result)
    passed = None if read is None else gate(*read, req, result)
    if passed is not None:
        due_list(result, passed, days, DueFilter(limit, priority, channel))
    return done(result, t0)


def _request(as_of, lang, keep_going: bool = False) -> Request:
    from ..api import as_date

    return Request(as_date(as_of), lang, keep_going)


def _path(book) -> Path:
    try:
        return Path(book.fullname)
    except Exception:  # an unsaved book has only a name
        return Path(book.name)


def _read(book, req: Request, result: Result):
    """The xlcrm sheets read (one block each) and checked; None, with ``fatal`` set, when the
    workbook cannot be used."""
    try:
        grids = [_grid(s) for s in book.sheets if match_sheet_name(s.name) is not None]
        raw = raw_book(grids)
        for key, sheet in raw.sheets.items():
            raw.done[key] = check_sheet(sheet)
        return checked(raw, req, result)
    except BookError as exc:
        result.lang = normalize_lang(req.lang or _guess(book))
        fatal(result, exc.code, exc.params)
        return None


def _guess(book) -> str:
    names = [s.name for s in book.sheets]
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for n in names for ch in n) else "en"


def _grid(sheet) -> Grid:
    """A sheet's used block in one read, errors as their text ('#N/A')."""
    rng = sheet.used_range
    values = rng.options(ndim=2, err_to_str=True).value
    return Grid(sheet.name, values or [], rng.row, rng.column)


def _write_outputs(book, checked_book, computed: Computed, lang: str) -> None:
    """The output columns on the Customers sheet: found by their headers in either language
    or added after the last used column, written a block of side-by-side columns at a time."""
    customers = checked_book.sheets["customers"]
    sheet = book.sheets[customers.name]
    header_row = customers.header_row
    used = sheet.used_range
    last_col = used.column + used.columns.count - 1
    last_row = used.row + used.rows.count - 1
    width = max(last_col, 1)
    header_values = sheet.range((header_row, 1), (header_row, width)).options(ndim=2).value
    header = {
        c + 1: str(v) for c, v in enumerate(header_values[0]) if v is not None and str(v).strip()
    }
    columns = output_columns()
    kinds = {c.key: c.kind for c in columns}
    placed = place_columns(header, last_col, columns, lang)
    shown = display(computed.outputs, columns, checked_book.settings, lang)
    rows = shown.index
    first, last = header_row + 1, max(int(rows.max()) if len(rows) else header_row, header_row)
    whole = pd.RangeIndex(first, last + 1)
    for run in _runs(placed):
        c1, c2 = run[0].col, run[-1].col
        for new in _runs([p for p in run if p.header is not None]):
            # new columns: their headers, filled as the file door fills them
            cells = sheet.range((header_row, new[0].col), (header_row, new[-1].col))
            cells.value = [[p.header for p in new]]
            cells.color = "#" + HEADER_FILL[-6:]  # a hex string: xlwings Lite takes no tuples
        if last >= first:
            block = [[_cell(x) for x in row] for row in _rows(shown, run, whole)]
            sheet.range((first, c1), (last, c2)).value = block
            for p in run:
                code = WANTED.get(kinds[p.key], (0, "General"))[1]
                sheet.range((first, p.col), (last, p.col)).number_format = code
        if last_row > last:  # customers removed from the end: their old numbers go
            sheet.range((last + 1, c1), (last_row, c2)).clear_contents()


def _runs(placed: list) -> list[list]:
    """Columns side by side, in runs: each run is read and written as one block."""
    runs: list[list] = []
    for p in sorted(placed, key=lambda p: p.col):
        if runs and runs[-1][-1].col == p.col - 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _rows(shown: pd.DataFrame, run: list, whole: pd.RangeIndex):
    part = shown[[p.key for p in run]].reindex(whole)
    return [tuple(r) for r in part.itertuples(index=False, name=None)]


def _cell(v: Any) -> Any:
    """A value as Excel should store it: dates as dates, numbers as numbers, and text kept
    text (an apostrophe in front of what Excel would take for a formula, number or date)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item") and not isinstance(v, str):  # a numpy scalar
        v = v.item()
    if isinstance(v, str):
        return "'" + v if RETYPED.match(v) else v
    return v


def _write_sheet(book, rendered: RenderedSheet):
    """One of xlcrm's own sheets, rewritten whole: found under its name in either language
    (its title says xlcrm wrote it), else added at the end; a sheet of the owner's with its
    name is never overwritten."""
    sheet = _owned(book, rendered)
    if sheet is None:
        sheet = book.sheets.add(rendered.name, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.used_range.clear_contents()
    sheet.range((1, 1)).value = rendered.title
    hr = rendered.header_row
    if hr and rendered.headers:
        sheet.range((hr, 1)).value = [rendered.headers]
    if rendered.columns and len(rendered.columns[0][1]):
        n = len(rendered.columns[0][1])
        cols = [
            [_cell(x) for x in values.astype(object).tolist()] for _, values in rendered.columns
        ]
        sheet.range((hr + 1, 1)).value = [list(r) for r in zip(*cols, strict=True)]
        for j, (kind, _) in enumerate(rendered.columns, start=1):
            if kind in ("date", "datetime"):
                code = WANTED[kind][1]
                sheet.range((hr + 1, j), (hr + n, j)).number_format = code
    return sheet


def _owned(book, rendered: RenderedSheet):
    by_name = {s.name.casefold(): s for s in book.sheets}
    for n in (rendered.name, *rendered.aliases):
        found = by_name.get(n.casefold())
        if found is not None and str(found.range((1, 1)).value or "").startswith(OWNED_MARK):
            return found
    taken = by_name.get(rendered.name.casefold())
    if taken is not None:
        raise BookError("sheet_name_taken", sheet=taken.name)
    return None


def _tell(book, result: Result, alert: bool) -> Result:
    """A short message box for a run that did not write (where the engine has one)."""
    if not alert:
        return result
    # an engine without message boxes: the Problems sheet says it
    with contextlib.suppress(Exception):
        book.app.alert(result.summary(), title="xlcrm")
    return result


__all__ = ["due", "update", "validate"]

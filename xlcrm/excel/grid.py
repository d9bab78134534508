"""The sheets of an open workbook, from the values Excel hands over (one block of rows per
sheet), as the same raw sheets the file reader builds: header row found and columns matched
the same way (``xlcrm.raw``), each column typed as the fast reader types it, and the cells
its type cannot hold kept aside for validation to report.

Values come as Excel gives them through xlwings: numbers as floats, dates as datetimes,
text, booleans, None for a blank, and errors as their text ('#N/A') when asked for so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import raw
from ..problems import WARNING, sheet_problem
from ..record import record
from ..schema import SHEET_KEYS, SheetSpec, match_sheet_name, sheet_spec
from ..values import EXCEL_ERROR_TEXT as EXCEL_ERRORS
from ..xlsx.cellref import col_letter

EPOCH = dt.datetime(1899, 12, 30)
NUMERIC = ("number", "money", "integer")


@record
class Grid:
    """One sheet's values: ``rows`` from Excel row ``top`` and column ``left`` (1-based)."""

    name: str
    rows: Sequence[Sequence[Any]]
    top: int = 1
    left: int = 1


def raw_book(grids: Sequence[Grid], kinds: tuple[str, ...] = SHEET_KEYS) -> raw.RawBook:
    """The xlcrm sheets among an open workbook's sheets, read as the file reader reads them.
    Raises BookError when Customers or Sales is missing or a header cannot be found."""
    located: dict[str, Grid] = {}
    for g in grids:
        key = match_sheet_name(g.name)
        if key is not None and key not in located:
            located[key] = g
    problems = raw.missing_sheets(located, kinds)
    sheets = {k: raw_sheet(located[k], sheet_spec(k)) for k in located if k in kinds}
    return raw.RawBook(None, sheets, False, problems)  # type: ignore[arg-type]


def header_cells(grid: Grid, row: int) -> dict[int, str]:
    """{column: text} of one Excel row, as the owner reads it."""
    i = row - grid.top
    if not 0 <= i < len(grid.rows):
        return {}
    out = {}
    for j, v in enumerate(grid.rows[i]):
        text = shown(v)
        if text is not None and text.strip():
            out[grid.left + j] = text
    return out


def raw_sheet(grid: Grid, spec: SheetSpec) -> raw.RawSheet:
    head = {grid.top + i: header_cells(grid, grid.top + i) for i in range(len(grid.rows))}
    head = {r: cells for r, cells in head.items() if cells}
    first = dict(list(head.items())[: raw.HEAD_ROWS])
    header_row = raw.pick_header(first, spec, grid.name)
    header = head[header_row]
    ours, user, problems = raw.match_columns(spec, header, grid.name, header_row)
    wanted = [c.key for c in spec.columns if c.key in ours]
    body = list(grid.rows[header_row + 1 - grid.top :])
    cells = {k: _column(body, ours[k][0] - grid.left) for k in wanted}
    filled = np.zeros(len(body), dtype=bool)
    for values in cells.values():
        filled |= np.array([not _blank(v) for v in values], dtype=bool)
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    rows = np.arange(last) + header_row + 1
    for r in rows[~filled[:last]]:
        problems.append(sheet_problem(WARNING, "blank_row", grid.name, spec.key, int(r)))
    keep = filled[:last]
    index = pd.Index(rows[keep], dtype="int64")
    columns = {}
    for k in wanted:
        values = [v for v, f in zip(cells[k][:last], keep, strict=True) if f]
        typed, odd = typed_column(values, spec.column(k).kind, index)
        col, text = ours[k]
        columns[k] = raw.RawColumn(k, col_letter(col), text, typed, odd)
    return raw.RawSheet(spec.key, grid.name, header_row, index, columns, user, None, problems)


def _column(body: Sequence[Sequence[Any]], j: int) -> list[Any]:
    return [row[j] if 0 <= j < len(row) else None for row in body]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def typed_column(values: list[Any], kind: str, index: pd.Index) -> tuple[pd.Series, dict]:
    """The column typed as the fast reader types it (dates, floats, or text as shown), with
    the cells that type cannot hold as ``OddCell``s by Excel row."""
    odd: dict[int, raw.OddCell] = {}
    rows = index.tolist()
    if kind == "date":
        out: list[Any] = []
        for r, v in zip(rows, values, strict=True):
            if isinstance(v, dt.datetime | dt.date) and not isinstance(v, bool):
                out.append(v)
            elif isinstance(v, int | float) and not isinstance(v, bool):
                out.append(EPOCH + dt.timedelta(days=float(v)))  # a date typed as its number
            else:
                out.append(None)
                _odd(odd, r, v)
        # as the fast reader gives them (milliseconds reach Excel's year 9999): a year
        # pandas cannot compute with is the checker's to report
        return pd.Series(pd.to_datetime(out).as_unit("ms"), index=index), odd
    if kind in NUMERIC:
        nums = np.full(len(values), np.nan)
        for i, (r, v) in enumerate(zip(rows, values, strict=True)):
            if isinstance(v, int | float):  # a boolean counts as 0 or 1, as the fast reader has it
                nums[i] = float(v)
            else:
                _odd(odd, r, v)
        return pd.Series(nums, index=index, dtype="float64"), odd
    text: list[str | None] = []
    for r, v in zip(rows, values, strict=True):
        if isinstance(v, str) and v in EXCEL_ERRORS:
            odd[r] = raw.OddCell("error", v)
            text.append(None)
        else:
            text.append(shown(v))
    return pd.Series(text, index=index, dtype="string"), odd


def _odd(odd: dict[int, raw.OddCell], row: int, v: Any) -> None:
    if v is None:
        return
    if isinstance(v, str):
        odd[row] = raw.OddCell("error" if v in EXCEL_ERRORS else "text", v)
    elif isinstance(v, bool):
        odd[row] = raw.OddCell("bool", "TRUE" if v else "FALSE")
    else:
        odd[row] = raw.OddCell("other", shown(v) or "")


def shown(v: Any) -> str | None:
    """A cell's value as text, the way the fast reader gives it: 1001.0 is '1001', a date
    '2024-01-05 00:00:00', a boolean 'true'."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e300:
            return str(int(v))
        return np.format_float_positional(v, trim="-")
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d 00:00:00")
    return str(v)

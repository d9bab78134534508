"""The sheets as a door reads them, before any checking: typed columns at their Excel rows,
with the cells their type could not hold kept aside. The file reader (``reader.py``) and the
live workbook's (``xlcrm.excel``) both build these, finding the header row and matching the
columns the same way, here.
"""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Any

import pandas as pd

from .problems import ERROR, WARNING, BookError, Problem, note
from .record import record
from .schema import REQUIRED_SHEETS, SHEET_KEYS, SheetSpec
from .xlsx.cellref import col_letter
from .xlsx.package import TableInfo

HEAD_ROWS = 40  # rows searched for the header


@record(frozen=True)
class OddCell:
    """A cell the column's type could not hold: 'text', 'error', 'bool' or 'other', as typed."""

    kind: str
    raw: str


@record
class RawColumn:
    """One xlcrm column as the fast reader typed it, and the cells it could not type."""

    key: str
    letter: str
    header: str
    values: pd.Series  # typed; index = Excel row numbers
    odd: dict[int, OddCell] = field(default_factory=dict)


@record
class RawSheet:
    """One sheet as read: its header row, xlcrm's columns, the owner's other columns, its
    Table."""

    kind: str
    name: str
    header_row: int
    rows: pd.Index
    columns: dict[str, RawColumn]
    user_columns: dict[str, str]
    table: TableInfo | None
    problems: list[Problem] = field(default_factory=list)

    def letter(self, key: str) -> str | None:
        col = self.columns.get(key)
        return col.letter if col else None


@record
class RawBook:
    """Every xlcrm sheet of a file as read, before any check."""

    path: Path
    sheets: dict[str, RawSheet]
    date1904: bool
    problems: list[Problem] = field(default_factory=list)
    done: dict[str, Any] = field(default_factory=dict)  # what ``then`` made of each sheet


def missing_sheets(located: dict, kinds: tuple[str, ...]) -> list[Problem]:
    """Refuse a book without Customers or Sales; note each optional sheet that is missing
    (no entries, or the default settings)."""
    for key in REQUIRED_SHEETS:
        if key not in located:
            raise BookError("no_sheet", kind=key)
    problems = []
    for key in SHEET_KEYS:
        if key not in located and key in kinds:
            what = {"variant": "settings"} if key == "settings" else {}
            problems.append(note("sheet_missing", kind=key, **what))
    return problems


def pick_header(rows: dict[int, dict[int, str]], spec: SheetSpec, sheet: str) -> int:
    """The header row among the first rows: the one naming most of the sheet's columns,
    the required ones counting most."""
    best, best_score = None, 0
    required = set(spec.required)
    for r, cells in sorted(rows.items()):
        keys = {spec.match_header(v) for v in cells.values()} - {None}
        score = len(keys) + 10 * len(keys & required)
        usable = len(keys) >= 2 or (keys & required and len(spec.required) == 1)
        if usable and score > best_score:
            best, best_score = r, score
    if best is None:
        raise BookError("no_header_row", sheet=sheet, kind=spec.key, rows=HEAD_ROWS)
    return best


def match_columns(
    spec: SheetSpec, header: dict[int, str], sheet: str, header_row: int
) -> tuple[dict[str, tuple[int, str]], dict[str, str], list[Problem]]:
    """xlcrm's columns among the headers ({key: (column, header text)}), the owner's own
    ({letter: text}), and what is wrong: a column named twice, a required one missing."""
    problems: list[Problem] = []
    ours: dict[str, tuple[int, str]] = {}
    user: dict[str, str] = {}
    for col, text in sorted(header.items()):
        key = spec.match_header(text)
        if key is None:
            user[col_letter(col)] = text
        elif key in ours:
            first = col_letter(ours[key][0])
            problems.append(
                Problem(
                    WARNING,
                    "duplicate_header",
                    sheet,
                    header_row,
                    col_letter(col),
                    text,
                    text,
                    {"first": first},
                    kind=spec.key,
                    key=key,
                )
            )
        else:
            ours[key] = (col, text)
    for key in spec.required_columns:
        if key not in ours:
            problems.append(
                Problem(ERROR, "missing_column", sheet, header_row, kind=spec.key, key=key)
            )
    return ours, user, problems

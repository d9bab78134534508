"""validate(path): read, type, check. The CLI, the Excel button and update all call this."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .book import Book, Sheet
from .coerce import coerce_sheet
from .crosschecks import cap, cross_problems, problem_at
from .messages import keyword_message
from .problems import ERROR, NOTE, WARNING, BookError, Problem, sort_key
from .reader import RawBook, RawSheet, read_book
from .rules import family_problems
from .schema import sheet_schema, sheet_spec
from .schema_check import violations
from .settings import read_settings


@dataclass
class ValidationResult:
    path: Path
    problems: list[Problem] = field(default_factory=list)
    book: Book | None = None
    fatal: str | None = None  # the file could not be read at all
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors

    @property
    def exit_code(self) -> int:
        return 2 if self.fatal else (1 if self.errors else 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "readable": self.fatal is None,
            "fatal": self.fatal,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "rows": self.rows,
            "problems": [p.as_dict() for p in self.problems],
        }


def validate(
    path: str | Path, as_of: dt.date | None = None, meanwhile: Callable[[], Any] | None = None
) -> ValidationResult:
    """Check a workbook file. Never raises for a bad file: ``fatal`` says why it is unreadable.

    ``meanwhile`` is handed to ``read_book``: work for the wait on the largest sheet.
    """
    path = Path(path)
    try:
        raw = read_book(path, then=check_sheet, meanwhile=meanwhile)
        book, problems = check_raw(raw, as_of)
    except BookError as exc:
        return ValidationResult(path, fatal=str(exc))
    except (OSError, ValueError, KeyError, IndexError, EOFError, RuntimeError, zlib.error) as exc:
        # the readers' own failures on damaged files: one plain line, never a traceback
        return ValidationResult(
            path, fatal=f"{path.name} could not be read: {type(exc).__name__}: {exc}"[:500]
        )
    book.path = path
    return ValidationResult(
        path, problems, book, rows={s.name: len(s.frame) for s in book.sheets.values()}
    )


def check_raw(raw: RawBook, as_of: dt.date | None = None) -> tuple[Book, list[Problem]]:
    """Type and check sheets read by any door (file or live Excel)."""
    problems: list[Problem] = list(raw.problems)
    sheets: dict[str, Sheet] = {}
    for kind, rs in raw.sheets.items():
        sheet, found = raw.done[kind] if kind in raw.done else check_sheet(rs)
        problems += found
        sheets[kind] = sheet
    for kind in ("customers", "sales", "contacts", "redemptions"):
        sheets.setdefault(kind, Sheet.empty(kind))
    settings, setting_problems, explicit = read_settings(sheets.pop("settings", None))
    problems += setting_problems
    if "language" not in explicit and _chinese_headers(sheets["customers"]):
        settings["language"] = "zh"
    chosen = as_of or settings.get("as_of") or dt.date.today()
    settings["as_of"] = chosen
    book = Book(sheets, settings, chosen)
    problems += cross_problems(book)
    problems += family_problems(book)
    order = {ERROR: 0, WARNING: 1, NOTE: 2}
    problems = cap(sorted(problems, key=sort_key))
    problems.sort(key=lambda p: (order.get(p.severity, 3), *sort_key(p)[1:]))
    return book, problems


def check_sheet(rs: RawSheet) -> tuple[Sheet, list[Problem]]:
    """One sheet typed and checked on its own (the checks across sheets come after)."""
    sheet, coerce_problems, unreadable = coerce_sheet(rs)
    return sheet, rs.problems + coerce_problems + schema_problems(sheet, unreadable)


def _chinese_headers(sheet: Sheet) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for h in sheet.headers.values() for ch in h)


def schema_problems(sheet: Sheet, unreadable: dict[str, pd.Series]) -> list[Problem]:
    spec = sheet_spec(sheet.kind)
    out: list[Problem] = []
    present = sheet.frame[[c for c in sheet.frame.columns if c in sheet.letters]]
    for key, rows, keyword in violations(present, sheet_schema(sheet.kind), unreadable):
        col = spec.column(key)
        severity = ERROR if keyword == "required" else col.severity
        message = keyword_message(keyword, col)
        values = sheet.frame.loc[rows, key]
        out += [
            problem_at(sheet, key, row, v, severity, message, f"schema_{keyword}")
            for row, v in values.items()
        ]
    return out


def error_rows(problems: list[Problem]) -> dict[str, set[int]]:
    """Rows with errors, per sheet name: what --keep-going leaves out of the computation."""
    out: dict[str, set[int]] = {}
    for p in problems:
        if p.severity == ERROR and p.row:
            out.setdefault(p.sheet, set()).add(p.row)
    return out

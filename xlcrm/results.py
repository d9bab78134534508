"""What validate, update and due return: the same base, so every door reads them one way.

A result carries codes and values (problems, outputs, the due list) and the language the book
speaks; ``as_dict`` and ``summary`` word them in that language. The CLI only formats these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from pathlib import Path
from typing import Any

import pandas as pd

from .book import Book
from .problems import ERROR, NOTE, WARNING, Problem
from .record import record


@record(repr=False)
class Result:
    """What one command did to one book: the CLI only formats it, scripts read it
    (``as_dict``)."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    fatal: str | None = None  # why the book could not be read or written, in words
    fatal_code: str | None = None
    lang: str = "en"
    as_of: dt.date | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == NOTE]

    @property
    def exit_code(self) -> int:
        """0 fine, 1 errors in the book, 2 the book could not be read or written, 3 xlcrm
        itself failed on it."""
        return self._fatal_exit or (1 if self.errors else 0)

    @property
    def _fatal_exit(self) -> int:
        if not self.fatal:
            return 0
        return 3 if self.fatal_code == "internal" else 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "lang": self.lang,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "exit_code": self.exit_code,
            "fatal": self.fatal,
            "fatal_code": self.fatal_code,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "seconds": round(self.seconds, 3),
            "problems": [p.as_dict(self.lang) for p in self.problems],
        }

    def summary(self) -> str:
        """The one line that closes a command's output, in the book's language."""
        from .present.summary import summary

        return summary(self)

    def _state(self) -> str:
        if self.fatal:
            return f"fatal={self.fatal_code}"
        return f"{len(self.errors)} errors, {len(self.warnings)} warnings"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path.name}: {self._state()}>"


@record(repr=False)
class ValidationResult(Result):
    """``validate``: the problems found, the rows read, and (in-process) the checked book."""

    book: Book | None = None
    rows: dict[str, int] = field(default_factory=dict)  # rows read, by sheet name
    customers: int = 0

    @property
    def ok(self) -> bool:
        return self.fatal is None and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "readable": self.fatal is None,
            "customers": self.customers,
            "rows": self.rows,
        }


@record(repr=False)
class UpdateResult(Result):
    """``update``: what was computed, what was written where, what was left out and why."""

    out: Path | None = None
    written: bool = False
    dry_run: bool = False
    blocked: bool = False  # validation errors stopped it (no --keep-going)
    whole_sheet: bool = False  # an error of a whole sheet stopped it, even with --keep-going
    customers: int = 0
    sales_rows: int = 0
    sales_after_as_of: int = 0
    left_out: dict[str, list[int]] = field(default_factory=dict)  # rows left out, by kind
    cleared: list[int] = field(default_factory=list)  # Customers rows whose outputs were cleared
    columns: list[str] = field(default_factory=list)
    write: Any = None  # the writer's report: members changed, cells written
    backup: Path | None = None
    outputs: pd.DataFrame | None = None  # the engine's values: numbers, dates and codes
    settings: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)  # fitted models' figures (churn)

    @property
    def exit_code(self) -> int:
        return self._fatal_exit or (1 if self.blocked else 0)

    @property
    def rows_left_out(self) -> int:
        return sum(len(v) for v in self.left_out.values())

    @property
    def customers_left_out(self) -> int:
        return len(self.cleared)

    def display(self) -> pd.DataFrame | None:
        """The outputs as the owner reads them, in the book's language."""
        if self.outputs is None:
            return None
        from .present.columns import display
        from .rules import output_columns

        return display(self.outputs, output_columns(), self.settings, self.lang)

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "out": str(self.out) if self.out else None,
            "written": self.written,
            "dry_run": self.dry_run,
            "customers": self.customers,
            "sales_rows": self.sales_rows,
            "sales_after_as_of": self.sales_after_as_of,
            "rows_left_out": self.rows_left_out,
            "customers_left_out": self.customers_left_out,
            "columns": self.columns,
            "backup": str(self.backup) if self.backup else None,
            "models": self.models,
        }

    def _state(self) -> str:
        if self.fatal or self.blocked:
            return super()._state()
        done = "dry run" if self.dry_run else ("written" if self.written else "not written")
        return f"{done}, {self.customers:,} customers, {len(self.warnings)} warnings"


@record(repr=False)
class DueResult(Result):
    """``due``: who is due (values and codes, worded by ``table``), or why no list could be
    made."""

    frame: pd.DataFrame | None = None  # who is due: values and codes (see xlcrm.owned)
    total: int = 0  # due before a limit cut the list
    settings: dict[str, Any] = field(default_factory=dict)
    blocked: bool = False
    whole_sheet: bool = False  # an error of a whole sheet stopped it, even with --keep-going

    @property
    def exit_code(self) -> int:
        return self._fatal_exit or (1 if self.blocked else 0)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Headers and rows in the book's language, as the Due sheet shows them."""
        from .present.sheets import due_table

        return due_table(self)

    def records(self) -> list[dict[str, Any]]:
        """One dict per contact due, keyed like the Due sheet's fields, worded."""
        from .owned import DUE_FIELDS

        _, rows = self.table()
        keys = [f.key for f in DUE_FIELDS]
        return [
            dict(
                zip(keys, [v.isoformat() if isinstance(v, dt.date) else v for v in r], strict=True)
            )
            for r in rows
        ]

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "due": self.records()}

    def _state(self) -> str:
        if self.frame is None:
            return super()._state()
        return f"{len(self.frame):,} due"


@record(repr=False)
class ReportResult(Result):
    """``report``: the counts and sums by code that the report's sections and charts are
    drawn from."""

    figures: Any = None  # xlcrm.figures.Figures: counts and sums by code
    settings: dict[str, Any] = field(default_factory=dict)
    blocked: bool = False
    whole_sheet: bool = False  # an error of a whole sheet stopped it, even with --keep-going

    @property
    def exit_code(self) -> int:
        return self._fatal_exit or (1 if self.blocked else 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "figures": None if self.figures is None else self.figures.as_dict(),
        }

    def _state(self) -> str:
        if self.figures is None:
            return super()._state()
        return f"{self.figures.customers:,} customers"

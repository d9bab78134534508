"""What every door does between reading a book and writing what it computed: check the
sheets as read, decide whether errors stop the run (or, with ``keep_going``, leave rows out),
and word a book that could not be used. The file door and the live workbook's door differ
only in how they read and write.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import field
from typing import Any

from .book import Book
from .present.words import normalize_lang
from .problems import BookError, Problem
from .raw import RawBook
from .record import record
from .results import Result, UpdateResult
from .validation import LeftOut, check_raw, leave_out, removable


@record(frozen=True)
class Request:
    """What the caller asked of a book, whichever command: the day, the words, errors."""

    as_of: dt.date | None = None
    lang: str | None = None  # None: the book's own language
    keep_going: bool = False  # leave rows with errors out instead of stopping
    # told each phase as it starts (reading, read, checking, computing, writing), with counts
    progress: Callable[[str, dict[str, Any]], None] | None = field(default=None, compare=False)

    def tell(self, phase: str, **counts: Any) -> None:
        if self.progress is not None:
            self.progress(phase, counts)


def checked(raw: RawBook, req: Request, result: Result) -> tuple[Book, list[Problem]]:
    """The sheets checked against the schemas and each other; the result learns the book's
    language, problems and day."""
    book, problems = check_raw(raw, req.as_of)
    result.lang = normalize_lang(req.lang or book.settings.get("language"))
    result.problems = problems
    result.as_of = book.as_of
    return book, problems


def gate(
    book: Book, problems: list[Problem], req: Request, result: Result
) -> tuple[Book, list[Problem], LeftOut | None] | None:
    """For a run that computes: None when errors block it; with ``keep_going`` the rows with
    errors are left out instead (an error of a whole sheet still blocks it)."""
    result.settings = book.settings  # type: ignore[attr-defined]
    if not result.errors:
        return book, problems, None
    if not req.keep_going or not removable(book, result.errors):
        result.blocked = True  # type: ignore[attr-defined]
        result.whole_sheet = req.keep_going  # type: ignore[attr-defined]
        return None
    left = leave_out(book, problems)
    if isinstance(result, UpdateResult):
        result.left_out = left.rows
    return book, problems, left


def fatal(result: Result, code: str, params: dict[str, Any]) -> None:
    result.fatal_code = code
    result.fatal = BookError(code, **params).text(result.lang)


def done(result: Result, t0: float) -> Any:
    result.seconds = time.perf_counter() - t0
    return result


def keep_computed(result: UpdateResult, book: Book, computed: Any) -> None:
    """What the engine computed, kept on an update's result (every door the same way)."""
    import pandas as pd

    from .rules import output_columns

    sales = book.frame("sales")
    result.sales_rows = len(sales)
    after = sales["date"] > pd.Timestamp(book.as_of)
    result.sales_after_as_of = int(after.sum()) if len(sales) else 0
    result.problems += computed.notes
    result.outputs = computed.outputs
    result.cleared = computed.cleared
    result.models = computed.models
    result.customers = len(computed.outputs) - len(computed.cleared)
    result.columns = [c.key for c in output_columns()]


def due_list(
    result: Any, passed: tuple[Book, list[Problem], LeftOut | None], days: int | None, only: Any
) -> None:
    """The contacts due, computed without the owned sheets and filtered as asked; the same
    list whichever door read the book."""
    from .engine import compute
    from .owned import DueFilter, due_frame

    book, problems, left = passed
    computed = compute(book, problems, left=left, sheets=False)
    only = only or DueFilter()
    selected = only.select(due_frame(book, computed.outputs, days))
    result.total = len(selected)
    result.frame = only.cut(selected)

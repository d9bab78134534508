"""Problems found in a workbook, as codes and values; their words are the presentation's.

A problem names the cell the way the owner sees it (sheet, Excel row, column letter, header)
and says what is wrong with a code and its parameters. ``xlcrm.present`` turns it into a
sentence in English or Chinese; nothing here knows a language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field, replace
from typing import Any

from .record import record

ERROR = "error"
WARNING = "warning"
NOTE = "note"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}
SHEET_ORDER = {"customers": 0, "sales": 1, "contacts": 2, "redemptions": 3, "settings": 4}


class BookError(Exception):
    """The file cannot be read or written as an xlcrm workbook: a code and its values.

    ``str()`` gives the English sentence (for logs); doors word it in the book's language.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def text(self, lang: str = "en") -> str:
        from .present.words import fatal_text

        return fatal_text(self.code, self.params, lang)

    def __str__(self) -> str:
        return self.text("en")


@record(frozen=True)
class Problem:
    """One cause found in the book. ``rows`` lists every row it covers when there are several
    (an unknown customer ID used in 49 sales rows is one problem); ``row`` is the first."""

    severity: str
    code: str
    sheet: str = ""  # the sheet's name in this book
    row: int | None = None
    column: str | None = None  # Excel column letter
    header: str | None = None  # the owner's header text
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    rows: tuple[int, ...] = ()
    kind: str = ""  # the sheet's kind (customers, sales, …): the order problems are listed in
    key: str = ""  # the xlcrm column key, for its label and hint

    @property
    def count(self) -> int:
        return max(1, len(self.rows))

    def all_rows(self) -> tuple[int, ...]:
        if self.rows:
            return self.rows
        return (self.row,) if self.row else ()

    def text(self, lang: str = "en") -> str:
        """The one-line report: severity, where, the value, and what to do."""
        from .present.problems import problem_line

        return problem_line(self, lang)

    def message(self, lang: str = "en") -> str:
        """What is wrong and how to fix it."""
        from .present.problems import problem_message

        return problem_message(self, lang)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        from .present.problems import problem_dict

        return problem_dict(self, lang)


def note(code: str, sheet: str = "", kind: str = "", **params: Any) -> Problem:
    """A note about the whole book or a sheet: something the owner should know, not fix."""
    return Problem(NOTE, code, sheet, kind=kind, params=params)


def sheet_problem(
    severity: str, code: str, sheet: str, kind: str, row: int | None = None, **params: Any
) -> Problem:
    """A problem with a sheet or a row of it rather than one cell."""
    return Problem(severity, code, sheet, row, kind=kind, params=params)


def sort_key(p: Problem) -> tuple:
    """Errors, then warnings, then notes; within each, the book's sheet order, then rows."""
    col = p.column or ""
    return (
        SEVERITY_ORDER.get(p.severity, 3),
        SHEET_ORDER.get(p.kind, 5),
        p.sheet,
        p.row or 0,
        len(col),
        col,
        p.code,
    )


def group_causes(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per cause: the same code and value in the same column of a sheet, over
    several rows, becomes one problem listing the rows (first row kept as ``row``)."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        if p.row is None or p.rows:
            groups.setdefault(("single", id(p)), []).append(p)
            continue
        key = (p.severity, p.code, p.sheet, p.column, p.value, _frozen(p.params))
        groups.setdefault(key, []).append(p)
    out = []
    for ps in groups.values():
        if len(ps) == 1:
            out.append(ps[0])
            continue
        rows = tuple(sorted(r for p in ps for r in p.all_rows()))
        out.append(replace(ps[0], row=rows[0], rows=rows))
    return out


def _frozen(params: dict[str, Any]) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in params.items()))


def error_rows(problems: Iterable[Problem]) -> dict[str, set[int]]:
    """Rows with errors, per sheet name: what --keep-going leaves out of the computation."""
    out: dict[str, set[int]] = {}
    for p in problems:
        if p.severity == ERROR:
            rows = p.all_rows()
            if rows:
                out.setdefault(p.sheet, set()).update(rows)
    return out

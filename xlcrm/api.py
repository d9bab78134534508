"""The Python API: the same calls the CLI and the Excel buttons make.

Paths may be ``str`` or ``Path``; dates a ``datetime.date`` or an ISO string ('2024-06-30');
``lang`` ('en' or 'zh') overrides the book's own language for every word of the result.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .results import DueResult, UpdateResult, ValidationResult

DateLike = dt.date | str | None


def as_date(value: DateLike) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(
                f"not a date: {value!r}; use year-month-day, e.g. 2024-03-15"
            ) from None
    raise TypeError(f"a date must be a datetime.date or an ISO string, not {type(value).__name__}")


def as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def validate(path: str | Path, as_of: DateLike = None, lang: str | None = None) -> ValidationResult:
    """Check a workbook file: every problem with its sheet, cell, value and fix."""
    from .filedoor import Request, validate_file

    return validate_file(Path(path), Request(as_date(as_of), lang))


def update(
    path: str | Path,
    out: str | Path | None = None,
    as_of: DateLike = None,
    dry_run: bool = False,
    backup: bool = True,
    keep_going: bool = False,
    stamp: dt.datetime | str | None = None,
    lang: str | None = None,
) -> UpdateResult:
    """Validate, compute every output column, and write them back into the file (or ``out``)."""
    from .filedoor import Request, update_file

    return update_file(
        Path(path),
        Request(as_date(as_of), lang, keep_going),
        out=Path(out) if out else None,
        dry_run=dry_run,
        backup=backup,
        stamp=as_datetime(stamp),
    )


def due(
    path: str | Path,
    days: int | None = None,
    as_of: DateLike = None,
    keep_going: bool = False,
    lang: str | None = None,
) -> DueResult:
    """The contacts due in a workbook file, most urgent first; writes nothing."""
    from .filedoor import Request, due_file

    return due_file(Path(path), Request(as_date(as_of), lang, keep_going), days=days)


def init_workbook(
    path: str | Path, lang: str = "en", demo: int | None = None, seed: int = 7
) -> Path:
    """A new workbook from the template, optionally with ``demo`` seeded demo customers."""
    from .demo import demo_data
    from .template import build_workbook

    data = demo_data(demo, lang=lang, seed=seed) if demo else None
    return build_workbook(path, lang, data)

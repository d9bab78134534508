"""The Python API: the same calls the CLI and the Excel buttons make.

Paths may be ``str`` or ``Path``; dates a ``datetime.date`` or an ISO string ('2024-06-30');
``lang`` ('en' or 'zh') overrides the book's own language for every word of the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .results import DueResult, ReportResult, UpdateResult, ValidationResult

if TYPE_CHECKING:
    from .save import Backup

DateLike = dt.date | str | None
Phase = Callable[[str, dict[str, Any]], None]


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


def validate(
    path: str | Path,
    as_of: DateLike = None,
    lang: str | None = None,
    on_progress: Phase | None = None,
) -> ValidationResult:
    """Check a workbook file: every problem with its sheet, cell, value and fix."""
    from .filedoor import Request, validate_file

    return validate_file(Path(path), Request(as_date(as_of), lang, progress=on_progress))


def update(
    path: str | Path,
    out: str | Path | None = None,
    as_of: DateLike = None,
    dry_run: bool = False,
    backup: bool = True,
    keep_going: bool = False,
    stamp: dt.datetime | str | None = None,
    lang: str | None = None,
    force: bool = False,
    on_progress: Phase | None = None,
) -> UpdateResult:
    """Validate, compute every output column, and write them back into the file (or ``out``,
    which must not be another existing file unless ``force``). ``on_progress(phase, counts)``
    is told each phase as it starts: reading, read (a sheet), checking, computing, writing."""
    from .filedoor import Request, update_file

    return update_file(
        Path(path),
        Request(as_date(as_of), lang, keep_going, on_progress),
        out=Path(out) if out else None,
        dry_run=dry_run,
        backup=backup,
        stamp=as_datetime(stamp),
        force=force,
    )


def due(
    path: str | Path,
    days: int | None = None,
    as_of: DateLike = None,
    keep_going: bool = False,
    lang: str | None = None,
    limit: int | None = None,
    priority: int | None = None,
    channel: str | None = None,
    on_progress: Phase | None = None,
) -> DueResult:
    """The contacts due in a workbook file, most urgent first; writes nothing. ``priority``
    keeps priorities up to that number (1 is the most urgent); ``channel`` one channel, named
    in either language ('wechat' or '微信'); ``limit`` the first so many."""
    from .filedoor import DueFilter, Request, due_file

    return due_file(
        Path(path),
        Request(as_date(as_of), lang, keep_going, on_progress),
        days=days,
        only=DueFilter(limit, priority, channel),
    )


def report(
    path: str | Path,
    as_of: DateLike = None,
    lang: str | None = None,
    keep_going: bool = False,
) -> ReportResult:
    """The state of the customer base: customers by value class, pyramid, tier and tag,
    revenue share by pyramid class, rising stars and slipping customers, contacts due,
    points outstanding, and the churn model's figures. Writes nothing."""
    from .filedoor import Request, report_file

    return report_file(Path(path), Request(as_date(as_of), lang, keep_going))


def backups(path: str | Path) -> list[Backup]:
    """The backups xlcrm kept of this book, newest first, with when each was made."""
    from .save import backups as found

    return found(Path(path))


def restore(path: str | Path, backup: int = 1) -> Path | None:
    """Put back the book's ``backup``-th newest backup (1: the newest), atomically; the
    current file is kept as a backup first. Returns that backup's path."""
    from .problems import BookError
    from .save import restore as put_back

    kept = backups(path)
    if not kept:
        raise BookError("no_backups", name=Path(path).name)
    if not 1 <= backup <= len(kept):
        raise BookError("no_such_backup", name=Path(path).name, n=backup, count=len(kept))
    return put_back(Path(path), kept[backup - 1])


def init_workbook(
    path: str | Path,
    lang: str = "en",
    demo: int | None = None,
    seed: int = 7,
    force: bool = False,
    on_progress: Phase | None = None,
) -> Path:
    """A new workbook from the template, optionally with ``demo`` seeded demo customers.

    Refuses (``BookError``) a name that is not .xlsx, a missing folder, or an existing file
    unless ``force`` (which keeps the old file as a backup). ``on_progress`` is told each
    step ('demo' with its count, 'writing')."""
    from .save import atomic_write, check_new_file
    from .template import build_workbook

    path = Path(path)
    check_new_file(path, ".xlsx", force)
    data = None
    if demo:
        from .demo import demo_data

        if on_progress is not None:
            on_progress("demo", {"count": demo})
        data = demo_data(demo, lang=lang, seed=seed)
    if on_progress is not None:
        on_progress("writing", {})
    atomic_write(path, lambda tmp: build_workbook(tmp, lang, data), backup=True)
    return path

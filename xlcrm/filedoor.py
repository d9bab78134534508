"""The file door: a workbook on disk read fast, checked, computed, and patched in place.

Reading is the fast reader's (``reader.py``); writing patches the Customers part and writes
xlcrm's own sheets into a copy of the package, then swaps it in atomically (``save.py``).
Everything between is the engine's, the same for every door.
"""

from __future__ import annotations

import datetime as dt
import re
import stat
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .book import Book
from .doors import Request, checked, done, due_list, fatal, gate, keep_computed
from .engine import Computed, compute
from .owned import DueFilter
from .placement import place_columns, renamed, renamed_note
from .present.columns import display
from .present.sheets import empty_problems, render
from .present.words import normalize_lang
from .problems import BookError, Problem
from .raw import RawSheet
from .reader import header_of, read_book
from .record import record
from .results import DueResult, ReportResult, Result, UpdateResult, ValidationResult
from .rules import output_columns
from .save import Fingerprint, atomic_write, book_lock, check_new_file, check_writable
from .validation import LeftOut, check_sheet
from .xlsx.sheetpatch import RowMap
from .xlsx.writeback import ColumnOut, WriteReport, map_output_cells, write_back

# the readers' own failures on damaged files: one plain line, never a traceback
READ_FAILURES = (OSError, ValueError, KeyError, IndexError, EOFError, RuntimeError, zlib.error)


def validate_file(path: Path, req: Request = Request()) -> ValidationResult:
    """Check a workbook file. Never raises for a bad file: ``fatal`` says why it is unreadable."""
    t0 = time.perf_counter()
    result = ValidationResult(path)
    checked = _read(path, req, result)
    if checked is not None:
        book, _ = checked
        result.book = book
        result.rows = {s.name: len(s.frame) for s in book.sheets.values()}
        result.customers = len(book.frame("customers"))
    return done(result, t0)


def update_file(
    path: Path,
    req: Request = Request(),
    out: Path | None = None,
    dry_run: bool = False,
    backup: bool = True,
    stamp: dt.datetime | None = None,
    force: bool = False,
) -> UpdateResult:
    """Validate and compute; unless errors block it or ``dry_run``, write the results back
    (into ``out``, when given: a new file, or an existing one only with ``force``)."""
    if out is not None and not _same(out, path):
        try:
            check_new_file(out, path.suffix.lower(), force)
        except BookError as exc:
            result = UpdateResult(path, out=out, dry_run=dry_run)
            result.lang = normalize_lang(req.lang or guess_lang(path))
            fatal(result, exc.code, exc.params)
            return result
    planned = plan_update(path, req, out, dry_run, stamp)
    if planned.ready:
        write_update(planned, backup)
    return planned.result


@record
class PlannedUpdate:
    """An update read and computed, not yet written: what ``write_update`` writes."""

    result: UpdateResult
    t0: float
    req: Request = Request()
    book: Book | None = None
    computed: Computed | None = None
    mapped: list[RowMap | None] = field(default_factory=lambda: [None])

    @property
    def ready(self) -> bool:
        r = self.result
        return self.computed is not None and not (r.dry_run or r.fatal or r.blocked)


def plan_update(
    path: Path,
    req: Request = Request(),
    out: Path | None = None,
    dry_run: bool = False,
    stamp: dt.datetime | None = None,
) -> PlannedUpdate:
    """Read, check and compute an update: everything but the write."""
    planned = PlannedUpdate(
        UpdateResult(path, out=out or path, dry_run=dry_run), time.perf_counter(), req
    )
    result = planned.result

    # where the output cells go depends on the Customers part only: it is found while the
    # sales are read, and the write uses it if the part is still the same bytes
    def look_ahead() -> None:
        planned.mapped[0] = _map_ahead(path)

    prepared = _prepare(path, req, result, None if dry_run else look_ahead)
    if prepared is None:
        done(result, planned.t0)
        return planned
    book, problems, left = prepared
    sales = len(book.frame("sales"))
    req.tell("computing", customers=len(book.frame("customers")), sales=sales)
    computed = compute(book, problems, stamp, left)
    keep_computed(result, book, computed)
    planned.book, planned.computed = book, computed
    done(result, planned.t0)
    return planned


def write_update(planned: PlannedUpdate, backup: bool = True) -> UpdateResult:
    """Write a planned update into the book (or its ``out``), safely: the book must still be
    the file that was read, else nothing is written."""
    result, book, computed = planned.result, planned.book, planned.computed
    path, target = result.path, result.out or result.path
    read_as: Fingerprint | None = book.source
    # a new file written with -o gets the permissions of the book it was made from
    mode = _mode(path) if target != path and not target.exists() else None
    planned.req.tell("writing")
    try:
        check_writable(target)
        with book_lock(target):
            if read_as is not None:
                read_as.check(path)  # the parts to copy are the parts that were read
            result.backup = atomic_write(
                target,
                lambda tmp: _write(path, tmp, book, computed, result, planned.mapped[0]),
                backup=backup,
                mode=mode,
                before_replace=None if read_as is None else lambda: read_as.check(path, False),
            )
    except BookError as exc:
        fatal(result, exc.code, exc.params)
    except OSError as exc:
        fatal(result, "write_failed", {"name": target.name, "detail": exc.strerror or str(exc)})
    except (ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # a part the reader accepted but the writer cannot follow: refuse, change nothing
        detail = f"{type(exc).__name__}: {exc}"[:300]
        fatal(result, "update_failed", {"name": path.name, "detail": detail})
    else:
        result.written = True
    return done(result, planned.t0)


def due_file(
    path: Path, req: Request = Request(), days: int | None = None, only: DueFilter | None = None
) -> DueResult:
    """The contacts-due list of a workbook file, computed without writing anything."""
    t0 = time.perf_counter()
    result = DueResult(path)
    prepared = _prepare(path, req, result)
    if prepared is not None:
        due_list(result, prepared, days, only)
    return done(result, t0)


def _read(
    path: Path, req: Request, result: Result, meanwhile: Callable[[], Any] | None = None
) -> tuple[Book, list[Problem]] | None:
    """Read and check; on a file that cannot be used, fill ``fatal`` and return None.

    Low-level errors while the file is read mean it cannot be used ("unreadable"); the same
    errors from xlcrm's own checks (some run as each sheet arrives) are xlcrm's failure and
    leave here as they are (exit code 3, "please report")."""
    try:
        before = Fingerprint.of(path)
        req.tell("reading")

        def then(sheet: RawSheet):
            req.tell("read", sheet=sheet.name, rows=len(sheet.rows))
            return _own(check_sheet, sheet)

        # each sheet is checked as soon as it is read; ``meanwhile`` is work for the wait
        # on the largest sheet
        raw = read_book(path, then=then, meanwhile=meanwhile)
        if before is not None and not before.same_file(path):
            raise BookError("book_changed", name=path.name)  # saved again while being read
        req.tell("checking")
        book, problems = _own(checked, raw, req, result)
    except _OwnFailure as exc:
        raise exc.__cause__ from None  # type: ignore[misc]
    except BookError as exc:
        result.lang = normalize_lang(req.lang or guess_lang(path))
        fatal(result, exc.code, exc.params)
        return None
    except READ_FAILURES as exc:
        result.lang = normalize_lang(req.lang or guess_lang(path))
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        fatal(result, "unreadable", {"detail": detail})
        return None
    book.path, book.source = path, before
    return book, problems


class _OwnFailure(Exception):
    """A failure of xlcrm's own checks, carried past the handlers meant for the file."""


def _own(check: Callable[..., Any], *args: Any) -> Any:
    """``check(*args)``; any failure but a BookError (a refusal in plain words) comes out as
    ``_OwnFailure``, its cause the original."""
    try:
        return check(*args)
    except BookError:
        raise
    except Exception as exc:
        raise _OwnFailure from exc


def _prepare(
    path: Path,
    req: Request,
    result: UpdateResult | DueResult,
    meanwhile: Callable[[], Any] | None = None,
) -> tuple[Book, list[Problem], LeftOut | None] | None:
    """Read and check for a run that computes: None when the book cannot be used or errors
    block the run; with ``keep_going`` the rows with errors are left out instead."""
    read = _read(path, req, result, meanwhile)
    return None if read is None else gate(*read, req, result)


def report_file(path: Path, req: Request = Request()) -> ReportResult:
    """The figures of ``xlcrm report``: the book read, checked and computed; nothing written."""
    from .figures import figures

    t0 = time.perf_counter()
    result = ReportResult(path)
    prepared = _prepare(path, req, result)
    if prepared is None:
        return done(result, t0)
    book, problems, left = prepared
    computed = compute(book, problems, left=left, sheets=False)
    result.problems += computed.notes
    result.figures = figures(book, computed.outputs, computed.models)
    return done(result, t0)


RESULTS = {"validate": ValidationResult, "update": UpdateResult, "due": DueResult}


def not_found(kind: str, path: Path, lang: str | None = None) -> Result:
    """The result for a book that is not there (a name or pattern that matched nothing)."""
    result = RESULTS[kind](path)
    result.lang = normalize_lang(lang)
    fatal(result, "not_found", {"path": str(path)})
    return result


def failed(kind: str, path: Path, exc: Exception, lang: str | None = None) -> Result:
    """The result for a book xlcrm itself failed on (exit code 3): nothing was written."""
    result = RESULTS[kind](path)
    result.lang = normalize_lang(lang or guess_lang(path))
    fatal(result, "internal", {"detail": f"{type(exc).__name__}: {exc}"[:300]})
    return result


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def guess_lang(path: Path) -> str:
    """The language of a book that could not be read: Chinese sheet names say Chinese. The
    names are looked for in the workbook part's first bytes, parsing nothing."""
    try:
        with zipfile.ZipFile(path) as z, z.open("xl/workbook.xml") as fh:
            head = fh.read(1 << 20).decode("utf-8", "replace")
    except Exception:  # a file that cannot be opened at all: English
        return "en"
    names = re.findall(r"<(?:\w+:)?sheet\b[^>]*\bname=\"([^\"]*)\"", head)
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for n in names for ch in n) else "en"


def _map_ahead(path: Path) -> RowMap | None:
    """The Customers row map, or None: any trouble here is left for the write to meet and
    report in its own words."""
    try:
        found = header_of(path, "customers")
        if found is None:
            return None
        return map_output_cells(path, found[0], found[1], _placer(None, "en"))
    except Exception:  # an optional head start: the write maps the part again
        return None


def _placer(values: pd.DataFrame | None, lang: str, notes: list[Problem] | None = None):
    """The placement policy for the writer: where each output column goes, its values; an
    output column the owner renamed is noted in ``notes``."""
    columns = output_columns()
    kinds = {c.key: c.kind for c in columns}

    def place(header: dict[int, str], used: int, taken: list[str]) -> list[ColumnOut]:
        placed = place_columns(header, used, columns, lang, taken)
        if notes is not None:
            where = {p.key: p.col for p in placed}
            for key, col, text in renamed(header, columns):
                notes.append(renamed_note(key, col, text, where[key]))
        return [
            ColumnOut(p.col, kinds[p.key], None if values is None else values[p.key], p.header)
            for p in placed
        ]

    return place


def _write(
    src: Path,
    tmp: Path,
    book: Book,
    computed: Computed,
    result: UpdateResult,
    mapped: RowMap | None,
) -> WriteReport:
    customers = book.sheets["customers"]
    lang = result.lang
    shown = display(computed.outputs, output_columns(), book.settings, lang)
    owned = [render(c, book.settings, lang) for c in computed.sheets]
    has_problems = any(c.kind == "problems" for c in computed.sheets)
    notes: list[Problem] = []
    result.write = write_back(
        src,
        tmp,
        customers.name,
        customers.header_row,
        _placer(shown, lang, notes),
        owned,
        [] if has_problems else [empty_problems(lang)],
        mapped,
    )
    for n in notes:
        result.problems.append(replace(n, sheet=customers.name, row=customers.header_row))
    if book.settings.get("dashboard_sheet"):
        _with_dashboard(tmp, lang)
    return result.write


def _with_dashboard(tmp: Path, lang: str) -> None:
    """The Dashboard made again over the columns just written, inside the same safe save."""
    from .dashboard import write_dashboard

    staged = tmp.with_name(tmp.name + ".dash")
    try:
        write_dashboard(tmp, staged, lang)
        staged.replace(tmp)
    finally:
        staged.unlink(missing_ok=True)

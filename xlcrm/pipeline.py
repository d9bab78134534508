"""update(path): read -> validate -> compute -> write back. The CLI and the Excel door call it."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .book import Book
from .due import WIDTHS, due_frame
from .due import headers as due_headers
from .problems import ERROR, NOTE, BookError, Problem
from .reader import header_of
from .rules import UPDATED_AT, compute_all, output_columns
from .save import atomic_write, book_lock, check_writable
from .validate import error_rows, validate
from .xlsx.cellref import MAX_ROWS
from .xlsx.sheetpatch import RowMap
from .xlsx.sheetwrite import OWNED_MARK
from .xlsx.writeback import (
    OwnedSheet,
    WriteReport,
    map_output_cells,
    stamp_now,
    write_back,
)

# the sheets xlcrm owns, named in the book's language; a run in the other language rewrites
# the sheet an earlier run made instead of adding a second one
OWNED_NAMES = {
    "problems": {"en": "Problems", "zh": "问题"},
    "due": {"en": "Due", "zh": "待联系"},
    "points": {"en": "Points", "zh": "积分明细"},
}


def owned_name(kind: str, lang: str) -> tuple[str, tuple[str, ...]]:
    """The sheet's name in ``lang`` and its names in the other languages."""
    names = OWNED_NAMES[kind]
    name = names.get(lang, names["en"])
    return name, tuple(n for n in names.values() if n != name)


@dataclass
class UpdateResult:
    path: Path
    out: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    fatal: str | None = None
    written: bool = False
    dry_run: bool = False
    blocked: bool = False  # validation errors stopped it (no --keep-going)
    customers: int = 0
    sales_rows: int = 0
    sales_after_as_of: int = 0
    rows_left_out: int = 0
    as_of: dt.date | None = None
    columns: list[str] = field(default_factory=list)
    write: WriteReport | None = None
    backup: Path | None = None
    seconds: float = 0.0
    outputs: pd.DataFrame | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def exit_code(self) -> int:
        if self.fatal:
            return 2
        return 1 if self.blocked else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "out": str(self.out) if self.out else None,
            "fatal": self.fatal,
            "written": self.written,
            "dry_run": self.dry_run,
            "customers": self.customers,
            "sales_rows": self.sales_rows,
            "sales_after_as_of": self.sales_after_as_of,
            "rows_left_out": self.rows_left_out,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "columns": self.columns,
            "seconds": round(self.seconds, 3),
            "backup": str(self.backup) if self.backup else None,
            "errors": len(self.errors),
            "problems": [p.as_dict() for p in self.problems],
        }


def update(
    path: str | Path,
    out: str | Path | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    backup: bool = True,
    keep_going: bool = False,
    stamp: dt.datetime | None = None,
) -> UpdateResult:
    """Validate and compute; unless errors block it or ``dry_run``, write the results back."""
    t0 = time.perf_counter()
    path = Path(path)
    target = Path(out) if out else path
    result = UpdateResult(path, target, dry_run=dry_run)
    # where the output cells go depends on the Customers part only: it is found while the
    # sales are read, and the write uses it if the part is still the same bytes
    mapped: list[RowMap | None] = [None]

    def look_ahead() -> None:
        if not dry_run:
            mapped[0] = _map_ahead(path)

    prep = prepare(path, as_of, keep_going, look_ahead)
    result.problems, result.fatal, result.blocked = prep.problems, prep.fatal, prep.blocked
    if prep.book is None or prep.blocked:
        return _done(result, t0)
    book = prep.book
    result.as_of = book.as_of
    result.rows_left_out = prep.rows_left_out
    sales = book.frame("sales")
    result.sales_rows = len(sales)
    result.sales_after_as_of = (
        int((sales["date"] > pd.Timestamp(book.as_of)).sum()) if len(sales) else 0
    )
    outputs = compute_all(book)
    outputs[UPDATED_AT.key] = pd.Timestamp(stamp or stamp_now())
    result.outputs = outputs
    result.customers = len(outputs)
    result.columns = [c.key for c in output_columns()]
    if dry_run:
        return _done(result, t0)
    try:
        check_writable(target)
        with book_lock(target):
            result.backup = atomic_write(
                target,
                lambda tmp: _write(path, tmp, book, outputs, result, mapped[0]),
                backup=backup,
            )
    except BookError as exc:
        result.fatal = str(exc)
        return _done(result, t0)
    except OSError as exc:
        result.fatal = f"{target.name} could not be written: {exc.strerror or exc}."
        return _done(result, t0)
    except (ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # a part the reader accepted but the writer cannot follow: refuse, change nothing
        result.fatal = (
            f"{path.name} could not be updated ({type(exc).__name__}: {exc}); "
            "the file was not changed."
        )[:500]
        return _done(result, t0)
    result.written = True
    return _done(result, t0)


@dataclass
class Prepared:
    book: Book | None
    problems: list[Problem]
    fatal: str | None = None
    blocked: bool = False  # errors and no --keep-going
    rows_left_out: int = 0


def prepare(
    path: Path,
    as_of: dt.date | None,
    keep_going: bool,
    meanwhile: Callable[[], Any] | None = None,
) -> Prepared:
    """Read and validate; with keep_going, leave the rows with errors out of the book."""
    checked = validate(path, as_of=as_of, meanwhile=meanwhile)
    if checked.fatal:
        return Prepared(None, checked.problems, checked.fatal)
    if checked.errors and not keep_going:
        return Prepared(checked.book, checked.problems, blocked=True)
    left = _leave_out_error_rows(checked.book, checked.problems) if checked.errors else 0
    return Prepared(checked.book, checked.problems, rows_left_out=left)


def _map_ahead(path: Path) -> RowMap | None:
    """The Customers row map, or None: any trouble here is left for the write to meet and
    report in its own words."""
    try:
        found = header_of(path, "customers")
        if found is None:
            return None
        return map_output_cells(path, found[0], found[1], output_columns())
    except Exception:  # an optional head start: the write maps the part again
        return None


def _write(
    src: Path,
    tmp: Path,
    book: Book,
    outputs: pd.DataFrame,
    result: UpdateResult,
    mapped: RowMap | None = None,
) -> None:
    customers = book.sheets["customers"]
    lang = book.settings.get("language") or "en"
    listed = [p for p in result.problems if p.severity != NOTE]
    owned, remove = [], ()
    if listed:
        owned.append(problems_sheet(listed, result, lang))
    else:
        name, aliases = owned_name("problems", lang)
        remove = ((name, *aliases),)
    owned.append(due_sheet(book, outputs))
    if book.settings.get("points_sheet"):
        sheet, left_out = points_sheet(book)
        owned.append(sheet)
        if left_out:
            result.problems.append(
                Problem(
                    NOTE,
                    sheet.name,
                    None,
                    None,
                    None,
                    None,
                    f"the points ledger has more events than a sheet can hold; the {left_out:,} "
                    "oldest are left off the sheet (balances still count them). Turn the "
                    "Points sheet off in Settings for a book this large.",
                    "points_sheet_full",
                )
            )
    result.write = write_back(
        src,
        tmp,
        customers.name,
        customers.header_row,
        outputs,
        output_columns(),
        owned,
        lang,
        remove,
        mapped,
    )


def problems_sheet(problems: list[Problem], result: UpdateResult, lang: str = "en") -> OwnedSheet:
    when = (result.as_of or dt.date.today()).isoformat()
    zh = lang == "zh"
    rows: list[list[object]] = [
        [
            f"{OWNED_MARK}: 上次更新（截至 {when}）发现的问题。请在各自的工作表中修改；本表每次更新时重写。"
            if zh
            else f"{OWNED_MARK}: problems found on the last update (as of {when}). Fix them in "
            "their sheets; this sheet is rewritten on every update."
        ],
        ["级别", "工作表", "单元格", "列", "值", "处理方法"]
        if zh
        else ["Severity", "Sheet", "Cell", "Column", "Value", "What to do"],
    ]
    for p in problems:
        cell = f"{p.column or ''}{p.row or ''}"
        severity = (
            {"error": "错误", "warning": "警告"}.get(p.severity, p.severity) if zh else p.severity
        )
        rows.append([severity, p.sheet, cell, p.header or "", p.value or "", p.message])
    name, aliases = owned_name("problems", lang)
    return OwnedSheet(name, rows, [10, 14, 8, 18, 24, 90], aliases=aliases)


def due_sheet(book: Book, outputs: pd.DataFrame) -> OwnedSheet:
    """Everyone due within the Settings' days, most urgent first; rewritten on every update."""
    lang = book.settings.get("language")
    frame = due_frame(book, outputs)
    days = book.settings["due_days"]
    title = (
        f"{OWNED_MARK}: 截至 {book.as_of.isoformat()} 起 {days} 天内需联系的客户（按优先级）。"
        if lang == "zh"
        else f"{OWNED_MARK}: contacts due within {days} days of {book.as_of.isoformat()}, most "
        "urgent first. Log each contact in the Contacts sheet; the next update moves them on."
    )
    kinds = {c.key: c.kind for c in output_columns()}
    columns = [(kinds.get(k, "text"), frame[k]) for k in frame.columns]
    name, aliases = owned_name("due", lang or "en")
    return OwnedSheet(
        name,
        [[title], due_headers(lang)],
        WIDTHS,
        has_dates=True,
        columns=columns,
        aliases=aliases,
    )


def points_sheet(book: Book, room: int = MAX_ROWS - 2) -> tuple[OwnedSheet, int]:
    """Every ledger event with its running balance, so an accountant can audit any balance.

    A sheet holds at most Excel's row limit: beyond it the oldest whole days are left off (the
    running balances still include them) and the count left off is returned.
    """
    from .rules.loyalty import ledger_columns

    zh = book.settings.get("language") == "zh"
    name, aliases = owned_name("points", "zh" if zh else "en")
    columns = ledger_columns(book)
    total = len(columns[0][1])
    left_out, since = 0, None
    if total > room:
        day = columns[0][1].to_numpy()
        cutoff = np.sort(day)[total - room - 1]  # the newest day that cannot fit whole
        keep = day > cutoff
        left_out = total - int(keep.sum())
        since = pd.Timestamp(day[keep].min()).date() if keep.any() else None
        columns = [(kind, values[keep]) for kind, values in columns]
    title = (
        f"{OWNED_MARK}: 积分明细（截至 {book.as_of.isoformat()}），每次更新时重写。"
        if zh
        else f"{OWNED_MARK}: points ledger as of {book.as_of.isoformat()}, rewritten on every "
        "update. Balance = the customer's running balance after the event."
    )
    if left_out:
        title += (
            f" 明细超出工作表行数上限，仅列出 {since} 起的记录；更早的 {left_out:,} 条未列出，但已计入余额。"
            if zh
            else f" The ledger is longer than a sheet can hold: events from {since} on are listed;"
            f" {left_out:,} earlier ones are not, but the balances include them."
        )
    header = (
        ["日期", "客户编号", "规则", "来源", "积分", "余额"]
        if zh
        else ["Date", "Customer ID", "Rule", "Source", "Points", "Balance"]
    )
    sheet = OwnedSheet(
        name,
        [[title], header],
        [12, 14, 22, 30, 10, 10],
        has_dates=True,
        columns=columns,
        aliases=aliases,
    )
    return sheet, left_out


def _leave_out_error_rows(book: Book, problems: list[Problem]) -> int:
    bad = error_rows(problems)
    n = 0
    for sheet in book.sheets.values():
        rows = bad.get(sheet.name)
        if rows:
            drop = sheet.frame.index.intersection(list(rows))
            n += len(drop)
            sheet.frame = sheet.frame.drop(index=drop)
    book.cache.clear()  # facts and the ledger were built with the dropped rows
    return n


def _done(result: UpdateResult, t0: float) -> UpdateResult:
    result.seconds = time.perf_counter() - t0
    return result

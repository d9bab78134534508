"""validate, update and due: on one workbook or many (files, patterns, folders).

One book runs in this process and prints what it found; many run in worker processes
(``xlcrm.batch``) and end with a table of books and one total line. ``--format json`` gives
one document, ``{"books": [...], "totals": {...}}``, however many books.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from .exit import loaded
from .group import (
    AS_OF,
    BOOKS,
    EXIT_CODES,
    JOBS,
    KEEP_GOING,
    LANG,
    QUIET,
    count_option,
    formats,
    main,
    path_option,
    say,
    speak,
)
from .progress import Progress
from .text import csv_safe, table

FORMAT = formats("text for people; json: one document with an entry per book and the totals.")


@main.command(name="validate", epilog=EXIT_CODES)
@BOOKS
@FORMAT
@AS_OF
@LANG
@JOBS
@QUIET
def validate_cmd(
    books: tuple[str, ...],
    fmt: str,
    as_of: dt.date | None,
    lang: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Check BOOKS (files, patterns or folders) and list every problem; writes nothing."""
    options = {"as_of": as_of, "lang": speak(lang)}
    batch = run("validate", books, jobs, quiet, lang, options)
    report(batch, fmt, quiet, lang)


@main.command(name="update", epilog=EXIT_CODES)
@BOOKS
@path_option(
    "-o",
    "--out",
    help="Write the result here instead of over BOOK (one BOOK only; an existing file only "
    "with --force).",
)
@AS_OF
@click.option("--dry-run", is_flag=True, help="Compute and report; write nothing.")
@click.option("--no-backup", is_flag=True, help="Do not keep a copy of the previous version.")
@click.option("--force", is_flag=True, help="With -o: replace an existing file.")
@KEEP_GOING
@FORMAT
@LANG
@JOBS
@QUIET
@click.option("--stamp", hidden=True, help="Fixed 'updated at' time (tests).")
def update_cmd(
    books: tuple[str, ...],
    out: Path | None,
    as_of: dt.date | None,
    dry_run: bool,
    no_backup: bool,
    force: bool,
    keep_going: bool,
    fmt: str,
    lang: str | None,
    jobs: int | None,
    quiet: bool,
    stamp: str | None,
) -> None:
    """Validate BOOKS, compute every output column and write it back into each."""
    options: dict[str, Any] = {
        "as_of": as_of,
        "dry_run": dry_run,
        "backup": not no_backup,
        "keep_going": keep_going,
        "stamp": stamp,
        "lang": speak(lang),
    }
    if out is not None:
        from ..batch import find_books

        if len(find_books(books)[0]) != 1:
            raise click.UsageError("-o/--out takes one BOOK")
        options |= {"out": out, "force": force}
    batch = run("update", books, jobs, quiet, lang, options)
    report(batch, fmt, quiet, lang)


@main.command(name="due", epilog=EXIT_CODES)
@BOOKS
@count_option(
    "--days", low=0, high=3660, help="Due within this many days (default: the Settings value, 7)."
)
@count_option("--limit", help="The first N only.")
@count_option("--priority", high=9, help="Priorities up to this one (1 is the most urgent).")
@click.option(
    "--channel",
    default=None,
    metavar="CHANNEL",
    help="One channel, in either language: phone/电话, wechat/微信, sms/短信, email/邮件 …",
)
@AS_OF
@formats(
    "table fits the terminal (long text shortened); csv and json keep every word.",
    ("table", "csv", "json"),
)
@KEEP_GOING
@LANG
@JOBS
@QUIET
def due_cmd(
    books: tuple[str, ...],
    days: int | None,
    limit: int | None,
    priority: int | None,
    channel: str | None,
    as_of: dt.date | None,
    fmt: str,
    keep_going: bool,
    lang: str | None,
    jobs: int | None,
    quiet: bool,
) -> None:
    """Print the contacts due in BOOKS, most urgent first. Writes nothing."""
    if channel is not None:
        from ..owned import channel_code

        try:
            channel_code(channel)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--channel") from None
    options = {
        "days": days,
        "as_of": as_of,
        "keep_going": keep_going,
        "lang": speak(lang),
        "limit": limit,
        "priority": priority,
        "channel": channel,
    }
    batch = run("due", books, jobs, quiet, lang, options)
    if fmt == "table":
        report(batch, "text", quiet, lang)
    elif fmt == "json":
        report(batch, "json", quiet, lang)
    else:
        _due_csv(batch)
        sys.exit(batch.exit_code)


def run(kind: str, books: tuple[str, ...], jobs: int | None, quiet: bool, lang, options):
    """One book here, with its phases shown when it is large; many in worker processes."""
    from .. import filedoor  # noqa: F401  (what one book runs on: loaded before collection)
    from ..batch import BatchResult, find_books, run_many, run_one

    loaded()
    named, missing = find_books(books)
    if not named:
        click.echo(say("ui.batch.none", lang or "en"), err=True)
        sys.exit(2)
    shown = Progress(quiet, lang or "en")
    try:
        if len(named) == 1:
            if missing:
                from ..filedoor import not_found

                return BatchResult([not_found(kind, named[0], lang)])
            tell = shown.phases(named[0])
            result = run_one(kind, named[0], {**options, "on_progress": tell}, keep=True)
            return BatchResult([result], result.seconds)
        return run_many(kind, books, jobs, shown.books(len(named)), **options)
    finally:
        shown.close()


def report(batch, fmt: str, quiet: bool, lang: str | None) -> None:
    """Print the batch and exit with its code: the worst of its books."""
    if fmt == "json":
        click.echo(json.dumps(batch.as_dict(), ensure_ascii=False, indent=2))
    elif len(batch.results) == 1:
        _book(batch.results[0])
    else:
        _many(batch, quiet, _batch_lang(batch, lang))
    sys.exit(batch.exit_code)


def _batch_lang(batch, lang: str | None) -> str:
    """The words of the batch's own lines: asked for, or the books' if they share one."""
    langs = {r.lang for r in batch.results}
    return lang or (langs.pop() if len(langs) == 1 else "en")


def _many(batch, quiet: bool, lang: str) -> None:
    from ..batch import status
    from ..results import DueResult

    for r in batch.results:
        if isinstance(r, DueResult) or (not quiet and status(r) != "ok"):
            click.echo(say("ui.batch.book", lang, path=r.path))
            _book(r, err=False)
            click.echo("")
    if not any(isinstance(r, DueResult) for r in batch.results):
        for line in _books_table(batch, lang):
            click.echo(line)
    click.echo(say("ui.batch.total", lang, **batch.totals()))


def _books_table(batch, lang: str) -> list[str]:
    from ..batch import customers_of, rows_of, status

    backups = any(getattr(r, "backup", None) for r in batch.results)
    keys = ["book", "status", "customers", "rows", "seconds"] + (["backup"] if backups else [])
    head = [say(f"ui.batch.head.{k}", lang) for k in keys]
    rows = []
    for r in batch.results:
        row = [
            str(r.path),
            say(f"ui.batch.status.{status(r)}", lang),
            "" if r.fatal else f"{customers_of(r):,}",
            "" if r.fatal else f"{rows_of(r):,}",
            f"{r.seconds:.1f}",
        ]
        if backups:
            row.append(str(r.backup) if getattr(r, "backup", None) else "")
        rows.append(row)
    flexible = [k in ("book", "backup") for k in keys]
    return table(head, rows, flexible, keep_end=flexible)


def _book(r, err: bool = True) -> None:
    """One book's lines, as a single-book run prints them (why it failed on stderr, unless
    it is part of a batch's report)."""
    from ..results import DueResult, UpdateResult

    if r.fatal:
        click.echo(r.summary(), err=err)
        return
    if isinstance(r, DueResult):
        _due_table(r)
        return
    lines = r.notes if isinstance(r, UpdateResult) and not r.blocked else r.problems
    for p in lines:
        click.echo(_line(p, r.lang))
    if isinstance(r, UpdateResult) and r.backup:
        click.echo(say("ui.backup_at", r.lang, path=r.backup))
    click.echo(r.summary())


DUE_SHOWN = (0, 1, 2, 3, 6, 7, 8)  # priority, due, ID, name, channel, reason, action
DUE_FLEXIBLE = (False, False, False, True, False, True, True)


def _due_table(r) -> None:
    if r.frame is None:
        for p in r.errors:
            click.echo(_line(p, r.lang), err=True)
        click.echo(r.summary(), err=True)
        return
    head, rows = r.table()
    if rows:
        picked = [[_cell(row[i]) for i in DUE_SHOWN] for row in rows]
        for line in table([head[i] for i in DUE_SHOWN], picked, DUE_FLEXIBLE):
            click.echo(line)
    else:
        click.echo(say("ui.due.none", r.lang))
    if len(rows) < r.total:
        click.echo(say("ui.due.shown", r.lang, shown=len(rows), count=r.total))
    click.echo(r.summary())


def _cell(v: object) -> object:
    return v.isoformat() if isinstance(v, dt.date) else v


def _due_csv(batch) -> None:
    """Every contact due, full text; with many books, a first column says whose book."""
    import csv
    import io

    many = len(batch.results) > 1
    buf = io.StringIO()
    writer = csv.writer(buf)
    header_done = False
    for r in batch.results:
        if r.frame is None:
            _book(r)
            continue
        head, rows = r.table()
        if not header_done:
            writer.writerow(([say("ui.batch.head.book", r.lang)] if many else []) + head)
            header_done = True
        for row in rows:
            cells = [csv_safe(_cell(v)) for v in row]
            writer.writerow(([str(r.path)] if many else []) + cells)
    click.echo(buf.getvalue(), nl=False)


def _line(p, lang: str) -> str:
    text = p.text(lang)
    color = {"error": "red", "warning": "yellow"}.get(p.severity)
    return click.style(text, fg=color) if color else text

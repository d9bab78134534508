"""The command line: parses options, calls the library, formats its results. No rules here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import unicodedata
from pathlib import Path

import click

from . import __version__
from .problems import Problem

FORMAT = click.Choice(["text", "json"])


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use year-month-day, e.g. 2024-03-15") from exc


def _say(code: str, **params) -> str:
    from .present.words import say

    return say(code, "en", **params)


class _Guarded(click.Group):
    """Whatever goes wrong, the user gets one plain line and an exit code, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # the reader went away (`xlcrm due BOOK | head`): stop quietly, as shell tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except KeyboardInterrupt:
            click.echo(_say("ui.interrupted"), err=True)
            sys.exit(130)
        except Exception as exc:  # the last resort; every known failure is reported earlier
            click.echo(_say("ui.unexpected", kind=type(exc).__name__, detail=exc), err=True)
            sys.exit(3)


@click.group(cls=_Guarded)
@click.version_option(__version__, prog_name="xlcrm")
def main() -> None:
    """xlcrm: your Excel workbook of customers and sales, as a working CRM."""


LANG = click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Words in this language (default: the book's own, from Settings or its headers).",
)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def template(path: Path, lang: str) -> None:
    """Write the empty xlcrm workbook template to PATH."""
    from .present.words import say
    from .template import build_workbook

    build_workbook(path, lang)
    click.echo(say("ui.template.wrote", lang, path=path))


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option(
    "--demo",
    "demo",
    type=click.IntRange(1, 200_000),
    default=None,
    help="Fill with N seeded demo customers and two years of their business.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, lang: str, demo: int | None, seed: int, force: bool) -> None:
    """Create a new workbook at PATH from the template."""
    from .api import init_workbook
    from .present.words import say

    if path.exists() and not force:
        click.echo(say("ui.exists", lang, path=path), err=True)
        sys.exit(2)
    init_workbook(path, lang=lang, demo=demo, seed=seed)
    if demo:
        click.echo(say("ui.init.created_demo", lang, path=path, count=demo))
    else:
        click.echo(say("ui.init.created", lang, path=path))


@main.command(name="validate")
@click.argument("book", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@click.option("--as-of", "as_of", callback=_date, help="Check dates against this day (YYYY-MM-DD).")
@LANG
def validate_cmd(book: Path, fmt: str, as_of: dt.date | None, lang: str | None) -> None:
    """Check BOOK and list every problem. Exit 0 = no errors, 1 = errors, 2 = unreadable."""
    from .api import validate

    result = validate(book, as_of=as_of, lang=lang)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print_validation(result)
    sys.exit(result.exit_code)


@main.command(name="update")
@click.argument("books", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the result here instead of over BOOK (one BOOK only).",
)
@click.option("--as-of", "as_of", callback=_date, help="Compute as of this day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Compute and report; write nothing.")
@click.option("--no-backup", is_flag=True, help="Do not keep a copy of the previous version.")
@click.option(
    "--keep-going",
    is_flag=True,
    help="Leave rows with errors out, write the rest, list problems in a Problems sheet.",
)
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True)
@LANG
@click.option("--stamp", hidden=True, help="Fixed 'updated at' time (tests).")
def update_cmd(
    books: tuple[Path, ...],
    out: Path | None,
    as_of: dt.date | None,
    dry_run: bool,
    no_backup: bool,
    keep_going: bool,
    fmt: str,
    lang: str | None,
    stamp: str | None,
) -> None:
    """Validate BOOK(s), compute every output column and write it back.

    Exit 0 = written (or dry run), 1 = errors blocked the write, 2 = unreadable or not writable.
    """
    from .api import update

    if out and len(books) > 1:
        raise click.UsageError("-o/--out takes one BOOK")
    worst = 0
    docs = []
    for i, book in enumerate(books, start=1):
        if fmt == "text" and len(books) > 1:
            click.echo(f"[{i}/{len(books)}] {book}", err=True)
        r = update(
            book,
            out=out,
            as_of=as_of,
            dry_run=dry_run,
            backup=not no_backup,
            keep_going=keep_going,
            stamp=stamp,
            lang=lang,
        )
        worst = max(worst, r.exit_code)
        if fmt == "json":
            docs.append(r.as_dict())
        else:
            print_update(r)
    if fmt == "json":
        click.echo(json.dumps(docs if len(docs) > 1 else docs[0], ensure_ascii=False, indent=2))
    sys.exit(worst)


@main.command(name="due")
@click.argument("book", type=click.Path(path_type=Path))
@click.option(
    "--days",
    type=click.IntRange(0, 3660),
    default=None,
    help="Due within this many days (default: the Settings value, 7).",
)
@click.option("--as-of", "as_of", callback=_date, help="Plan as of this day (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--keep-going", is_flag=True, help="Leave rows with errors out instead of stopping.")
@LANG
def due_cmd(
    book: Path,
    days: int | None,
    as_of: dt.date | None,
    fmt: str,
    keep_going: bool,
    lang: str | None,
) -> None:
    """Print the contacts due in BOOK, most urgent first. Writes nothing."""
    from .api import due

    r = due(book, days=days, as_of=as_of, keep_going=keep_going, lang=lang)
    if r.fatal:
        click.echo(r.summary(), err=True)
        sys.exit(2)
    if r.frame is None:
        for p in r.errors:
            click.echo(_line(p, r.lang), err=True)
        click.echo(r.summary(), err=True)
        sys.exit(1)
    headers, rows = r.table()
    rows = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows]
    if fmt == "json":
        click.echo(json.dumps(r.records(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        writer.writerows([[csv_safe(v) for v in row] for row in rows])
        click.echo(buf.getvalue(), nl=False)
    else:
        _table(headers, rows)
        click.echo(r.summary())
    sys.exit(0)


CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A cell a spreadsheet opening the CSV will not run: text that starts like a formula
    gets a leading apostrophe (OWASP's advice against CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA):
        return "'" + value
    return value


def printable(text: str) -> str:
    """Text for a terminal: no escape sequences, bells or other control characters."""
    return "".join(ch for ch in text if ch.isprintable())


def _table(head: list[str], rows: list[list[object]]) -> None:
    shown = [0, 1, 2, 3, 6, 7, 8]  # priority, due, ID, name, channel, reason, action
    cells = [[printable(str(head[i])) for i in shown]] + [
        ["" if row[i] is None else printable(str(row[i])) for i in shown] for row in rows
    ]
    widths = [min(40, max(_width(c[i]) for c in cells)) for i in range(len(shown))]
    for line in cells:
        click.echo("  ".join(_pad(v, w) for v, w in zip(line, widths, strict=True)).rstrip())


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def print_update(r) -> None:
    if r.fatal:
        click.echo(r.summary(), err=True)
        return
    if r.blocked:
        for p in r.problems:
            click.echo(_line(p, r.lang))
        click.echo(r.summary())
        return
    for p in r.notes:
        click.echo(_line(p, r.lang))
    click.echo(r.summary())


def print_validation(result) -> None:
    if result.fatal:
        click.echo(result.summary(), err=True)
        return
    for p in result.problems:
        click.echo(_line(p, result.lang))
    click.echo(result.summary())


def _line(p: Problem, lang: str) -> str:
    text = p.text(lang)
    color = {"error": "red", "warning": "yellow"}.get(p.severity)
    return click.style(text, fg=color) if color else text

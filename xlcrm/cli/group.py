"""The ``xlcrm`` command group, the options its commands share, and the last-resort guard."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from .. import __version__

EXIT_CODES = (
    "Exit codes: 0 all fine; 1 a book has errors (nothing written to it); 2 a book could not "
    "be read or written; 3 xlcrm itself failed (please report it). With many books the worst "
    "wins."
)


def as_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use year-month-day, e.g. 2024-03-15") from exc


def say(code: str, lang: str = "en", **params: object) -> str:
    from ..present.words import say as words

    return words(code, lang, **params)


class Guarded(click.Group):
    """Whatever goes wrong, the user gets one plain line and an exit code, not a traceback."""

    def invoke(self, ctx: click.Context):
        from ..problems import BookError

        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BookError as exc:  # a file a command cannot use or make: said in plain words
            lang = ctx.meta.get("xlcrm.lang", "en")
            click.echo(exc.text(lang), err=True)
            sys.exit(2)
        except BrokenPipeError:
            # the reader went away (`xlcrm due BOOK | head`): stop quietly, as shell tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except KeyboardInterrupt:
            click.echo(say("ui.interrupted"), err=True)
            sys.exit(130)
        except Exception as exc:  # the last resort; every known failure is reported earlier
            click.echo(say("ui.unexpected", kind=type(exc).__name__, detail=exc), err=True)
            sys.exit(3)


@click.group(cls=Guarded, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="xlcrm")
def main() -> None:
    """xlcrm: your Excel workbook of customers and sales, as a working CRM."""


def speak(lang: str | None) -> str | None:
    """Remember the language asked for: the guard words a refusal in it."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and lang:
        ctx.meta["xlcrm.lang"] = lang
    return lang


LANG = click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="Words in this language (default: the book's own, from Settings or its headers).",
)
NEW_LANG = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
AS_OF = click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    callback=as_date,
    help="Compute as of this day (YYYY-MM-DD).",
)
FORCE = click.option("--force", is_flag=True, help="Replace an existing file (kept as a backup).")
BOOKS = click.argument("books", nargs=-1, required=True, type=click.Path(path_type=str))


def count_option(*names: str, low: int = 1, high: int | None = None, help: str):
    """An optional whole number N within bounds (click words the refusal of any other)."""
    kind = click.IntRange(low, high)
    return click.option(*names, type=kind, default=None, metavar="N", help=help)


JOBS = count_option(
    "-j",
    "--jobs",
    high=512,
    help="Books at once, each in its own process (default: one per core, never more than "
    "the books).",
)
QUIET = click.option("-q", "--quiet", is_flag=True, help="No progress lines or bars.")
KEEP_GOING = click.option(
    "--keep-going",
    is_flag=True,
    help="Leave rows with errors out, compute the rest (update: list problems in a Problems "
    "sheet).",
)


def formats(help: str, choices: tuple[str, ...] = ("text", "json")):
    """``--format``: the first choice (for people) by default, then what scripts read."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def path_option(*names: str, folder: bool = False, help: str):
    """An optional file (or, with ``folder``, folder) to write to."""
    from pathlib import Path

    kind = click.Path(file_okay=not folder, dir_okay=folder, path_type=Path)
    return click.option(*names, type=kind, default=None, help=help)

"""``xlcrm report``: the state of the customer base, on the terminal, as JSON, as chart
images and as one HTML page."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

import click

from .exit import loaded
from .group import AS_OF, EXIT_CODES, KEEP_GOING, LANG, formats, main, path_option, say, speak
from .text import table


@main.command(name="report", epilog=EXIT_CODES)
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@AS_OF
@formats("text for people; json: the same figures as numbers, for scripts.")
@path_option(
    "--png", "png", folder=True, help="Also write the charts as PNG images into this folder."
)
@path_option(
    "--html",
    "html_out",
    help="Also write one self-contained HTML page (charts inside) to this file.",
)
@KEEP_GOING
@LANG
def report_cmd(
    book: Path,
    as_of: dt.date | None,
    fmt: str,
    png: Path | None,
    html_out: Path | None,
    keep_going: bool,
    lang: str | None,
) -> None:
    """Customers by value class, pyramid, tier and tag, revenue share by pyramid class,
    rising stars and slipping customers, contacts due, points outstanding, the churn model.
    Writes nothing into BOOK."""
    from ..api import report
    from ..present.report import chart_font, report_html, sections, write_charts

    loaded()
    speak(lang)
    if (png or html_out) and importlib.util.find_spec("matplotlib") is None:
        from ..filedoor import guess_lang

        click.echo(say("ui.report.needs_matplotlib", lang or guess_lang(book)), err=True)
        sys.exit(2)  # before the book is read: nothing asked for can be made
    r = report(book, as_of=as_of, lang=lang, keep_going=keep_going)
    if r.figures is None:
        for p in r.errors:
            click.echo(p.text(r.lang), err=True)
        click.echo(
            r.summary()
            if r.fatal
            else say("ui.due.blocked", r.lang, path=book, errors=len(r.errors)),
            err=True,
        )
        sys.exit(r.exit_code)
    if fmt == "json":
        click.echo(json.dumps(r.as_dict(), ensure_ascii=False, indent=2))
    else:
        for sec in sections(r):
            click.echo(sec.title)
            for line in table(sec.head, sec.rows):
                click.echo("  " + line)
            click.echo("")
    if (png or html_out) and chart_font(r.lang) is None:
        click.echo(say("ui.report.no_cjk_font", r.lang), err=True)
    if png is not None:
        paths = write_charts(r, png)
        click.echo(say("ui.report.wrote", r.lang, what=", ".join(map(str, paths))), err=True)
    if html_out is not None:
        html_out.write_text(report_html(r), "utf-8")
        click.echo(say("ui.report.wrote", r.lang, what=html_out), err=True)
    sys.exit(r.exit_code)


@main.command(name="dashboard", epilog=EXIT_CODES)
@click.argument("book", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@LANG
def dashboard_cmd(book: Path, lang: str | None) -> None:
    """Add the Dashboard sheet to BOOK (formulas and charts over its xlcrm columns, which
    recalculate in Excel and LibreOffice), or make xlcrm's Dashboard again."""
    from ..dashboard import add_to_book
    from ..filedoor import guess_lang

    speak(lang)
    made = add_to_book(book, lang)
    words = lang or guess_lang(book)
    click.echo(say("ui.dashboard.made", words, name=book.name))
    if made is not None:
        click.echo(say("ui.backup_at", words, path=made))

"""Commands that make or restore a workbook file: template, init, backups, restore.

None replaces an existing file unless told (--force), and a replaced or restored file is
kept as a backup first.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .exit import loaded
from .group import FORCE, LANG, NEW_LANG, formats, main, say, speak
from .progress import Progress
from .text import table

DEMO_SHOWN = 5_000  # customers: a demo this large takes seconds, worth showing its steps


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@NEW_LANG
@FORCE
def template(path: Path, lang: str, force: bool) -> None:
    """Write the empty xlcrm workbook template to PATH (.xlsx)."""
    from ..api import init_workbook

    loaded()
    speak(lang)
    init_workbook(path, lang=lang, force=force)
    click.echo(say("ui.template.wrote", lang, path=path))


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@NEW_LANG
@click.option(
    "--demo",
    "demo",
    type=click.IntRange(1, 200_000),
    default=None,
    metavar="N",
    help="Fill with N seeded demo customers and two years of their business.",
)
@click.option("--seed", type=int, default=7, show_default=True, metavar="N")
@FORCE
@click.option("-q", "--quiet", is_flag=True, help="No progress lines or bars.")
def init(path: Path, lang: str, demo: int | None, seed: int, force: bool, quiet: bool) -> None:
    """Create a new workbook at PATH (.xlsx) from the template, or a demo to try xlcrm on."""
    from ..api import init_workbook

    loaded()
    speak(lang)
    shown = Progress(quiet, lang)
    size = (demo or 0) * 1000  # about a kilobyte a customer, with its sales
    tell = shown.phases(path, size) if (demo or 0) >= DEMO_SHOWN else None
    try:
        init_workbook(path, lang=lang, demo=demo, seed=seed, force=force, on_progress=tell)
    finally:
        shown.close()
    if demo:
        click.echo(say("ui.init.created_demo", lang, path=path, count=demo))
    else:
        click.echo(say("ui.init.created", lang, path=path))


@main.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@formats("text for people; json: the same list, for scripts.")
@LANG
def backups(book: Path, fmt: str, lang: str | None) -> None:
    """List the backups xlcrm kept of BOOK, newest first (restore one with `xlcrm restore`)."""
    from ..api import backups as found

    lang = speak(lang) or _book_lang(book)
    kept = found(book)
    if fmt == "json":
        doc = [
            {"n": i, "made": b.made.isoformat(timespec="seconds"), "path": str(b.path)}
            for i, b in enumerate(kept, start=1)
        ]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if not kept:
        click.echo(say("fatal.no_backups", lang, name=book.name))
        return
    keys = ("n", "made", "size", "path")
    head = [say(f"ui.backups.head.{k}", lang) for k in keys]
    rows = [
        [i, f"{b.made:%Y-%m-%d %H:%M:%S}", _size(b.path), str(b.path)]
        for i, b in enumerate(kept, start=1)
    ]
    for line in table(head, rows, [False, False, False, True], [False, False, False, True]):
        click.echo(line)


@main.command()
@click.argument("book", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--backup",
    "n",
    type=click.IntRange(1),
    default=1,
    metavar="N",
    show_default=True,
    help="Which backup, as `xlcrm backups` numbers them (1: the newest).",
)
@LANG
def restore(book: Path, n: int, lang: str | None) -> None:
    """Put a backup of BOOK back in its place; the current version is kept as a backup."""
    from ..api import backups as found
    from ..api import restore as put_back

    lang = speak(lang) or _book_lang(book)
    speak(lang)
    kept = found(book)
    made = kept[n - 1].made if 0 < n <= len(kept) else None
    saved = put_back(book, n)
    click.echo(
        say(
            "ui.restore.done",
            lang,
            name=book.name,
            made=f"{made:%Y-%m-%d %H:%M:%S}" if made else "",
            kept=saved or "",
        )
    )


def _book_lang(book: Path) -> str:
    from ..filedoor import guess_lang

    return guess_lang(book) if book.exists() else "en"


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return ""
    return f"{size / 1024:,.0f} KB" if size < 1 << 20 else f"{size / (1 << 20):,.1f} MB"

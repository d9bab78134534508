"""Commands that bring xlcrm into Excel: ``excel`` (a macro workbook with an Update CRM
button, for desktop Excel with xlwings) and ``lite`` (the code to paste into xlwings Lite)."""

from __future__ import annotations

from pathlib import Path

import click

from .group import FORCE, LANG, main, path_option, say, speak


@main.command(name="excel")
@click.argument("book", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@FORCE
@LANG
def excel_cmd(book: Path, force: bool, lang: str | None) -> None:
    """Write BOOK.xlsm (BOOK with an Update CRM button) and BOOK.py beside BOOK (.xlsx)."""
    from ..excel.macro import make

    speak(lang)
    made = make(book, force=force, lang=lang)
    words = lang or _lang(made.xlsm)
    button = say("ui.excel.button", words)
    click.echo(say("ui.excel.made", words, xlsm=made.xlsm, module=made.module, button=button))


@main.command(name="lite")
@path_option(
    "--out",
    folder=True,
    help="Write main.py and requirements.txt into this folder (default: print them).",
)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@FORCE
def lite_cmd(out: Path | None, lang: str, force: bool) -> None:
    """The main.py and requirements.txt to paste into xlwings Lite (Excel in the browser)."""
    from ..excel.lite import main_py, requirements_txt
    from ..problems import BookError

    speak(lang)
    files = {"main.py": main_py(lang), "requirements.txt": requirements_txt()}
    if out is None:
        for name, text in files.items():
            click.echo(f"# ---- {name} ----")
            click.echo(text)
        return
    if not out.is_dir():
        raise BookError("folder_missing", name="main.py", folder=str(out))
    for name in files:
        if (out / name).exists() and not force:
            raise BookError("exists", path=str(out / name))
    for name, text in files.items():
        (out / name).write_text(text, "utf-8")
    click.echo(say("ui.excel.lite_wrote", lang, files=", ".join(str(out / n) for n in files)))


def _lang(path: Path) -> str:
    from ..filedoor import guess_lang

    return guess_lang(path)

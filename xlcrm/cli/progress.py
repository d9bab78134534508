"""How far a run is, on stderr: a tqdm bar on a terminal, a plain line per step otherwise
(logs of scripted runs), nothing with --quiet.

A batch shows books done; one large book (or a large demo being made) shows its phases with
their counts. A small book shows nothing: it is done before a bar could be read.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .group import say

LARGE_BOOK = 2 << 20  # bytes: a book this size takes seconds, worth showing its phases
PHASES = ("reading", "read", "checking", "computing", "writing")


class Progress:
    def __init__(self, quiet: bool = False, lang: str = "en") -> None:
        self.quiet = quiet
        self.lang = lang
        self.tty = sys.stderr.isatty()
        self._bar: Any = None

    def _tqdm(self, **options: Any):
        from tqdm import tqdm

        return tqdm(file=sys.stderr, dynamic_ncols=True, leave=False, **options)

    def books(self, total: int):
        """The callback for a batch: told each book as it finishes."""
        if self.quiet:
            return None
        if self.tty:
            self._bar = self._tqdm(total=total, unit=" " + say("ui.progress.books", self.lang))

        def done(n: int, of: int, result: Any) -> None:
            from ..batch import status

            word = say(f"ui.batch.status.{status(result)}", result.lang)
            if self._bar is not None:
                self._bar.update(1)
                self._bar.set_postfix_str(f"{Path(result.path).name}: {word}")
            else:
                line = say(
                    "ui.progress.done",
                    result.lang,
                    done=n,
                    total=of,
                    path=result.path,
                    status=word,
                    seconds=result.seconds,
                )
                click.echo(line, err=True)

        return done

    def phases(self, path: Path, size: int | None = None):
        """The callback for one book: told each phase as it starts (None: not worth it)."""
        if self.quiet:
            return None
        if size is None:
            try:
                size = path.stat().st_size
            except OSError:
                return None
        if size < LARGE_BOOK:
            return None
        if self.tty:
            self._bar = self._tqdm(total=len(PHASES), bar_format="{desc} {bar:20} {elapsed}")

        def tell(phase: str, counts: dict[str, Any]) -> None:
            text = say(f"ui.progress.{phase}", self.lang, name=path.name, **counts)
            if self._bar is None:
                click.echo(text, err=True)
                return
            if phase in PHASES:
                self._bar.n = PHASES.index(phase) + 1
            self._bar.set_description_str(text)
            self._bar.refresh()

        return tell

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

"""Many workbooks at once: find them (files, globs, folders), run each in a worker process,
and gather one result per book. The command line only formats what this returns.

A bad book never stops the others: each book's result says how it went, and the batch's exit
code is the worst of them (0 fine, 1 problems in a book, 2 a book that could not be read or
written).
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from .record import record
from .results import DueResult, Result, UpdateResult, ValidationResult

SUFFIXES = (".xlsx", ".xlsm")
KINDS = ("validate", "update", "due")
Progress = Callable[[int, int, Result], None]


@record
class BatchResult:
    """Every book's result, in the order the books were named, and the seconds the batch
    took."""

    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return max((r.exit_code for r in self.results), default=0)

    def totals(self) -> dict[str, Any]:
        counts = {"ok": 0, "problems": 0, "failed": 0}
        for r in self.results:
            counts[status(r)] += 1
        return {
            "books": len(self.results),
            **counts,
            "customers": sum(customers_of(r) for r in self.results),
            "rows": sum(rows_of(r) for r in self.results),
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code,
        }

    def as_dict(self) -> dict[str, Any]:
        return {"books": [r.as_dict() for r in self.results], "totals": self.totals()}


def status(r: Result) -> str:
    """ok, problems (errors in the book), or failed (it could not be read or written)."""
    if r.exit_code == 2:
        return "failed"
    return "problems" if r.exit_code == 1 or r.errors else "ok"


def customers_of(r: Result) -> int:
    if isinstance(r, UpdateResult):
        return r.customers
    if isinstance(r, ValidationResult):
        return r.customers
    return 0


def rows_of(r: Result) -> int:
    if isinstance(r, ValidationResult):
        return sum(r.rows.values())
    if isinstance(r, UpdateResult):
        return r.sales_rows
    return len(r.frame) if isinstance(r, DueResult) and r.frame is not None else 0


def find_books(args: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """The workbooks named, in the order named: files as given, shell patterns expanded (for
    shells that do not), folders searched (their .xlsx and .xlsm, not Excel's ~$ lock files,
    not xlcrm's backups, nothing hidden). Returns every book, names that matched nothing
    among them in place, and those names (each reported as not found)."""
    books: list[Path] = []
    missing: list[Path] = []
    for arg in args:
        text = os.fspath(arg)
        path = Path(text)
        if path.is_dir():
            books += _in_folder(path)
        elif path.exists() or not glob.has_magic(text):
            books.append(path)
            if not path.exists():
                missing.append(path)
        else:
            found = sorted(Path(p) for p in glob.glob(text, recursive=True))
            books += [p for p in found if p.is_file() and _is_book(p)]
            for folder in (p for p in found if p.is_dir()):
                books += _in_folder(folder)
            if not found:
                books.append(path)
                missing.append(path)
    return list(dict.fromkeys(books)), missing


def _in_folder(folder: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # hidden, and backups
        out += [Path(root) / f for f in sorted(files) if _is_book(Path(f))]
    return out


def _is_book(path: Path) -> bool:
    name = path.name
    return path.suffix.lower() in SUFFIXES and not name.startswith(("~$", "."))


def run_many(
    kind: str,
    paths: Iterable[str | os.PathLike],
    jobs: int | None = None,
    on_progress: Progress | None = None,
    **options: Any,
) -> BatchResult:
    """Run ``validate``, ``update`` or ``due`` (the API's, with ``options``) on every book,
    ``jobs`` at a time in worker processes (default: one per core, never more than books)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    t0 = time.perf_counter()
    named, missing = find_books(paths)
    absent = set(missing)
    books = [b for b in named if b not in absent]
    found: dict[Path, Result] = {}
    total = len(named)

    def finished(book: Path, result: Result) -> None:
        found[book] = result
        if on_progress is not None:
            on_progress(len(found), total, result)

    for book in missing:
        finished(book, _not_found(kind, book, options))
    workers = min(jobs or os.cpu_count() or 1, len(books))
    if workers <= 1:
        for book in books:
            finished(book, run_one(kind, book, options))
    else:  # worker processes only for a batch: one book pays nothing for them
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
            running = {pool.submit(run_one, kind, b, options): b for b in books}
            for fut in as_completed(running):
                try:
                    r = fut.result()
                except BrokenProcessPool as exc:  # a worker killed (out of memory, a signal)
                    from .filedoor import failed

                    r = failed(kind, running[fut], exc, options.get("lang"))
                finished(running[fut], r)
    batch = BatchResult([found[b] for b in named])
    batch.seconds = time.perf_counter() - t0
    return batch


def _context():
    """Workers forked from a small server process that has imported xlcrm: each starts in
    milliseconds, and none inherits the threads of the process that asked (forking those is
    unsafe)."""
    import multiprocessing as mp

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["xlcrm.filedoor"])
    return ctx


def run_one(kind: str, book: Path, options: dict[str, Any], keep: bool = False) -> Result:
    """One book, as the API runs it. What a worker sends back is kept small: the book read
    and the computed frame stay behind unless ``keep``."""
    from . import api

    try:
        result = getattr(api, kind)(book, **options)
    except Exception as exc:  # the last resort: one book's surprise never stops the batch
        from .filedoor import failed

        return failed(kind, book, exc, options.get("lang"))
    if keep:
        return result
    if isinstance(result, ValidationResult):
        result.book = None
    elif isinstance(result, UpdateResult):
        result.outputs = None
    return result


def _not_found(kind: str, path: Path, options: dict[str, Any]) -> Result:
    from .filedoor import not_found

    return not_found(kind, path, options.get("lang"))


def _many(kind: str, doc: str) -> Callable[..., BatchResult]:
    """``xlcrm.<kind>_many``: the batch runner for one command, as a public function."""

    def many(
        paths: Iterable[str | os.PathLike],
        jobs: int | None = None,
        on_progress: Progress | None = None,
        **options: Any,
    ) -> BatchResult:
        return run_many(kind, paths, jobs, on_progress, **options)

    many.__name__ = many.__qualname__ = f"{kind}_many"
    many.__doc__ = doc
    return many


due_many = _many("due", "``xlcrm.due`` on every book found in ``paths``.")
update_many = _many(
    "update", "``xlcrm.update`` on every book found in ``paths`` (files, patterns, folders)."
)
validate_many = _many("validate", "``xlcrm.validate`` on every book found in ``paths``.")

"""Rule families: pure functions from a Book (DataFrames + Settings) to per-customer columns.

Each family module exposes ``OUTPUTS`` (the columns it fills: key, kind, vocabulary) and
``compute(book, so_far) -> DataFrame`` indexed like the Customers frame. Values are numbers,
dates and codes (``core``, ``gold``, ``win_back``), never words; a column's details for its
words (the days a contact is overdue, say) travel beside it as ``<key>__<detail>``. ``so_far``
holds the columns of the families before it, so a later family can build on an earlier one.
Adding a family means adding it to ``FAMILIES`` and its words to the catalogue: the engine
and the doors need no change.
"""

from __future__ import annotations

import contextlib
import sys
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from ..book import Book
from . import churn, contact, crosssell, cycle, loyalty, metrics, pyramid, scores
from .base import OutputColumn, declare
from .facts import orders as order_table
from .facts import sales_in_scope

FAMILIES = (metrics, scores, pyramid, cycle, crosssell, loyalty, churn, contact)
UPDATED_AT = declare("updated_at")[0]
PARALLEL_ROWS = 50_000  # sales rows from which the points ledger is built on a second thread


def output_columns() -> list[OutputColumn]:
    cols = [c for fam in FAMILIES for c in fam.OUTPUTS]
    return [*cols, UPDATED_AT]


def family_problems(book: Book) -> list:
    """Problems only a rule family can see (e.g. a redemption larger than the balance)."""
    out = []
    for fam in FAMILIES:
        if hasattr(fam, "problems"):
            out += fam.problems(book)
    return out


def family_notes(book: Book) -> list:
    """What a family has to say about the run as a whole (the churn model's fit), after
    ``compute_all``."""
    return [n for fam in FAMILIES if hasattr(fam, "notes") for n in fam.notes(book)]


def family_summaries(book: Book) -> dict:
    """Each family's figures for scripts (the churn model's parameters), by family name."""
    return {
        fam.__name__.rsplit(".", 1)[-1]: fam.summary(book)
        for fam in FAMILIES
        if hasattr(fam, "summary")
    }


def compute_all(book: Book) -> pd.DataFrame:
    """Every family's columns, in order.

    A family may also expose ``prepare(book)``: groundwork that needs no earlier family's
    columns (the points ledger). It runs on a worker thread while the families before it
    compute, which keeps both cores busy: most of either side's time is spent in numpy,
    pandas and Arrow kernels that let go of the interpreter lock.
    """
    index = book.frame("customers").index
    result = pd.DataFrame(index=index)
    in_scope = sales_in_scope(book)
    if not in_scope.empty:  # facts both threads read: built once, before they start
        order_table(book)
    # a small book is done before a second thread pays for itself (and a browser's Python
    # has no threads): its groundwork runs in line
    parallel = len(in_scope) >= PARALLEL_ROWS and sys.platform != "emscripten"
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(ThreadPoolExecutor(1, "xlcrm-rules")) if parallel else None
        early = {
            fam: pool.submit(fam.prepare, book)
            for fam in FAMILIES[1:]
            if pool is not None and hasattr(fam, "prepare")
        }
        for fam in FAMILIES:
            if fam in early:
                early.pop(fam).result()  # its errors surface here, as if run in line
            elif hasattr(fam, "prepare"):
                fam.prepare(book)
            part = fam.compute(book, result)
            missing = {c.key for c in fam.OUTPUTS} - set(part.columns)
            if missing:
                raise AssertionError(f"{fam.__name__} did not compute {sorted(missing)}")
            result = pd.concat([result, part.reindex(index)], axis=1)
    return result

"""The engine: a checked book in; every output column and xlcrm's own sheets out.

Values only (numbers, dates, codes): no file, no Excel, no language. Every door (the file on
disk, the open workbook in Excel) calls ``compute`` after validation and words and writes
what it returns in its own way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import field

import pandas as pd

from .book import Book
from .owned import SheetContent, due_sheet, points_sheet, problems_sheet
from .problems import Problem
from .record import record
from .rules import UPDATED_AT, compute_all, family_notes, family_summaries, output_columns
from .validation import LeftOut

LEFT_OUT = "left_out"  # the reason code on a customer whose numbers could not be computed


@record
class Computed:
    """What the engine hands a door to write: the output columns, the owned sheets' content,
    the notes."""

    outputs: pd.DataFrame  # index: every Customers row, the left-out ones included
    sheets: list[SheetContent] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)  # Customers rows left out, cells cleared
    models: dict = field(default_factory=dict)  # the fitted models' figures, by family


def compute(
    book: Book,
    problems: Iterable[Problem] = (),
    stamp: dt.datetime | None = None,
    left: LeftOut | None = None,
    sheets: bool = True,
) -> Computed:
    """Every output column, and (``sheets``) the Problems, Due and Points sheets' content."""
    outputs = compute_all(book)
    cleared: list[int] = []
    if left is not None and (left.customer_rows or left.customers):
        outputs, cleared = _clear(book, outputs, left)
    outputs[UPDATED_AT.key] = pd.Timestamp(stamp or now())
    done = Computed(outputs, cleared=cleared, models=family_summaries(book))
    done.notes += family_notes(book)
    if not sheets:
        return done
    found = problems_sheet(list(problems), book)
    if found is not None:
        done.sheets.append(found)
    done.sheets.append(due_sheet(book, outputs))
    if book.settings.get("points_sheet"):
        content, notes = points_sheet(book)
        done.sheets.append(content)
        done.notes += notes
    return done


def _clear(book: Book, outputs: pd.DataFrame, left: LeftOut) -> tuple[pd.DataFrame, list[int]]:
    """Blank the outputs of customers whose rows (or whose sales, contacts, redemptions) were
    left out, and say why in the reason column: no number there may look current."""
    ids = book.frame("customers")["customer_id"]
    touched = ids.isin(left.customers).fillna(False).to_numpy()
    rows = sorted({*left.customer_rows, *ids.index[touched].tolist()})
    whole = pd.Index(sorted({*outputs.index.tolist(), *left.customer_rows}), dtype="int64")
    typed = outputs.astype({c: "Int64" for c in outputs.columns if outputs[c].dtype == "int64"})
    out = typed.reindex(whole)
    keys = [c for c in out.columns if c != "contact_reason"]
    out.loc[rows, keys] = None
    out.loc[rows, "contact_reason"] = LEFT_OUT
    return out, rows


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def output_keys() -> list[str]:
    return [c.key for c in output_columns()]

"""Validation: sheets read by any door, typed and checked; the book the engine computes on.

``check_raw`` is what every door calls after reading (the file reader, the live workbook);
``leave_out`` is what ``--keep-going`` does with rows that have errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field

import pandas as pd

from .book import Book, Sheet
from .coerce import coerce_sheet
from .crosschecks import cap, cross_problems, problem_at
from .problems import ERROR, WARNING, Problem, error_rows, group_causes, sort_key
from .raw import RawBook, RawSheet
from .record import record
from .rules import family_problems
from .schema import sheet_schema, sheet_spec
from .schema_check import violations
from .settings import read_settings

DATA_KINDS = ("customers", "sales", "contacts", "redemptions")


def check_raw(raw: RawBook, as_of: dt.date | None = None) -> tuple[Book, list[Problem]]:
    """Type and check sheets read by any door (file or live Excel)."""
    problems: list[Problem] = list(raw.problems)
    sheets: dict[str, Sheet] = {}
    for kind, rs in raw.sheets.items():
        sheet, found = raw.done[kind] if kind in raw.done else check_sheet(rs)
        problems += found
        sheets[kind] = sheet
    for kind in DATA_KINDS:
        if kind not in sheets:  # (not setdefault: that would build every blank sheet)
            sheets[kind] = Sheet.empty(kind)
    settings, setting_problems, explicit = read_settings(sheets.pop("settings", None))
    problems += setting_problems
    if "language" not in explicit and chinese_headers(sheets["customers"]):
        settings["language"] = "zh"
    chosen = as_of or settings.get("as_of") or dt.date.today()
    settings["as_of"] = chosen
    book = Book(sheets, settings, chosen)
    problems += cross_problems(book)
    problems += family_problems(book)
    problems = cap(sorted(group_causes(problems), key=sort_key))
    problems.sort(key=sort_key)
    return book, problems


def check_sheet(rs: RawSheet) -> tuple[Sheet, list[Problem]]:
    """One sheet typed and checked on its own (the checks across sheets come after).

    A wrong value in a column whose schema marks it a warning (a phone, an e-mail, a channel)
    is left aside: the cell counts as blank, and the customer is computed as usual."""
    sheet, coerce_problems, unreadable = coerce_sheet(rs)
    found = schema_problems(sheet, unreadable)
    spec = sheet_spec(sheet.kind)
    aside: dict[str, list[int]] = {}
    for p in found:
        if p.severity == WARNING and spec.column(p.key).severity == WARNING:
            aside.setdefault(p.key, []).append(p.row)
    for key, rows in aside.items():
        sheet.frame.loc[rows, key] = None
    return sheet, rs.problems + coerce_problems + found


def chinese_headers(sheet: Sheet) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for h in sheet.headers.values() for ch in h)


def schema_problems(sheet: Sheet, unreadable: dict[str, pd.Series]) -> list[Problem]:
    """Each cell that breaks its column's schema, once: the first rule it breaks."""
    spec = sheet_spec(sheet.kind)
    out: list[Problem] = []
    seen: set[tuple[str, int]] = set()
    schema = sheet_schema(sheet.kind)
    for key, rows, keyword in violations(sheet.frame, schema, unreadable, sheet.letters):
        col = spec.column(key)
        severity = ERROR if keyword == "required" else col.severity
        limit = col.schema.get(keyword) if keyword not in ("required", "type") else None
        values = sheet.frame.loc[rows, key]
        for row, v in values.items():
            if (key, row) in seen:
                continue
            seen.add((key, row))
            params = {} if limit is None or isinstance(limit, dict) else {"limit": limit}
            out.append(problem_at(sheet, key, row, v, severity, f"schema_{keyword}", **params))
    return out


@record
class LeftOut:
    """What ``--keep-going`` left out: the rows, by sheet kind, and every customer whose
    numbers they would have changed (their outputs are cleared rather than left half-true)."""

    rows: dict[str, list[int]] = field(default_factory=dict)
    customers: set[str] = field(default_factory=set)
    customer_rows: list[int] = field(default_factory=list)  # Customers rows themselves left out


def removable(book: Book, errors: list[Problem]) -> bool:
    """Whether leaving rows out removes every error of the data sheets: not one of a whole
    sheet (a required column missing is reported on the header row, which no run can
    leave out)."""
    rows = {sheet.name: sheet.frame.index for sheet in book.sheets.values()}
    return all(
        p.sheet not in rows or (p.row is not None and p.row in rows[p.sheet]) for p in errors
    )


def leave_out(book: Book, problems: list[Problem]) -> LeftOut:
    """Drop the rows with errors from the book (``--keep-going``)."""
    bad = error_rows(problems)
    gone = LeftOut()
    for kind, sheet in book.sheets.items():
        rows = bad.get(sheet.name)
        if not rows:
            continue
        drop = sheet.frame.index.intersection(sorted(rows))
        if not len(drop):
            continue
        gone.rows[kind] = [int(r) for r in drop]
        if kind == "customers":
            gone.customer_rows = gone.rows[kind]
        elif "customer_id" in sheet.frame:
            gone.customers |= set(sheet.frame.loc[drop, "customer_id"].dropna().tolist())
        sheet.frame = sheet.frame.drop(index=drop)
    book.cache.clear()  # facts and the ledger were built with the dropped rows
    return gone

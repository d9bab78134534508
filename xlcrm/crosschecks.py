"""Checks across rows and sheets that a per-row schema cannot express."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .book import Book, Sheet
from .keys import positions
from .problems import ERROR, WARNING, Problem


def cross_problems(book: Book) -> list[Problem]:
    out: list[Problem] = []
    customers = book.sheets["customers"]
    ids = (
        customers.frame["customer_id"]
        if customers.has("customer_id")
        else pd.Series(dtype="string")
    )
    out += _duplicate_ids(customers, ids)
    known = ids.dropna().unique()
    for kind in ("sales", "contacts", "redemptions"):
        sheet = book.sheets.get(kind)
        if sheet is not None and sheet.has("customer_id"):
            out += _unknown(
                sheet,
                "customer_id",
                known,
                "is not a customer ID on the Customers sheet; correct the ID or add "
                "the customer there first.",
            )
    if customers.has("referred_by"):
        out += _unknown(
            customers,
            "referred_by",
            known,
            "refers to a customer ID that is not on the Customers sheet.",
        )
        ref = customers.frame["referred_by"]
        self_ref = (ref == ids).fillna(False)
        out += _rows(
            customers,
            "referred_by",
            self_ref,
            ERROR,
            "A customer cannot refer themselves; clear this cell.",
            "self_referral",
        )
    out += _future(book)
    out += _order_owners(book.sheets.get("sales"))
    contacts = book.sheets.get("contacts")
    if contacts is not None and contacts.has("resolved_on") and contacts.has("date"):
        f = contacts.frame
        early = (f["resolved_on"] < f["date"]).fillna(False)
        out += _rows(
            contacts,
            "resolved_on",
            early,
            WARNING,
            "is before the contact's own date; check both dates.",
            "resolved_before",
        )
    return out


def _duplicate_ids(sheet: Sheet, ids: pd.Series) -> list[Problem]:
    dup = ids.duplicated(keep="first") & ids.notna()
    if not dup.any():
        return []
    first = ids[~ids.duplicated(keep="first") & ids.notna()]
    first_row = pd.Series(first.index, index=first.to_numpy())
    out = []
    for row, value in ids[dup].items():
        out.append(
            problem_at(
                sheet,
                "customer_id",
                row,
                value,
                ERROR,
                f"is used twice: row {first_row[value]} has the same ID. Give every "
                "customer a unique ID.",
                "duplicate_id",
            )
        )
    return out


def isin(values: pd.Series, known) -> pd.Series:
    """values.isin(known), hashed in Arrow when both are Arrow strings (see keys.py)."""
    return pd.Series(positions(pd.Index(known), values) >= 0, index=values.index)


def _unknown(sheet: Sheet, key: str, known, message: str) -> list[Problem]:
    s = sheet.frame[key]
    bad = s.notna() & ~isin(s, known)
    return _rows(sheet, key, bad, ERROR, message, "unknown_customer")


def _future(book: Book) -> list[Problem]:
    as_of = pd.Timestamp(book.as_of)
    out: list[Problem] = []
    checks = [
        (
            "sales",
            "date",
            WARNING,
            f"is after the as-of date {book.as_of.isoformat()}; this sale is left out of the results.",
        ),
        ("contacts", "date", WARNING, "is after the as-of date; this contact is left out."),
        ("redemptions", "date", WARNING, "is after the as-of date; this redemption is left out."),
        ("customers", "birthday", ERROR, "is in the future; check the year."),
        ("customers", "joined", WARNING, "is after the as-of date; check the date."),
    ]
    for kind, key, severity, message in checks:
        sheet = book.sheets.get(kind)
        if sheet is not None and sheet.has(key):
            late = (sheet.frame[key] > as_of).fillna(False)
            out += _rows(sheet, key, late, severity, message, "future_date")
    return out


def _order_owners(sales: Sheet | None) -> list[Problem]:
    if sales is None or not (sales.has("order_id") and sales.has("customer_id")):
        return []
    f = sales.frame[["order_id", "customer_id"]].dropna()
    if f.empty:
        return []
    # in codes: an order is shared when it has more than one distinct (order, customer) pair
    order, _ = pd.factorize(f["order_id"])
    cust, _ = pd.factorize(f["customer_id"])
    width = np.int64(cust.max() + 1)
    # distinct pairs by a sort: numpy's hashed np.unique is several times slower here
    pairs = np.sort(order.astype(np.int64) * width + cust)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    shared = np.bincount(pairs // width, minlength=order.max() + 1) > 1
    if not shared.any():
        return []
    # codes are numbered in order of first appearance: an order's first row is a new maximum
    seen = np.maximum.accumulate(np.concatenate([[-1], order[:-1]]))
    first_row = np.flatnonzero(order > seen)
    clash = pd.Series(shared[order] & (cust != cust[first_row][order]), index=f.index)
    return _rows(
        sales,
        "order_id",
        clash,
        ERROR,
        "is also used for another customer; each order belongs to one customer.",
        "order_two_customers",
    )


def _rows(
    sheet: Sheet, key: str, mask: pd.Series, severity: str, message: str, code: str
) -> list[Problem]:
    mask = mask.fillna(False).astype(bool)
    values = sheet.frame.loc[mask.to_numpy(), key]
    return [problem_at(sheet, key, row, v, severity, message, code) for row, v in values.items()]


def problem_at(
    sheet: Sheet, key: str, row: int, value, severity: str, message: str, code: str
) -> Problem:
    """A problem at one cell, named the way the owner sees it: sheet, row, letter, header."""
    return Problem(
        severity,
        sheet.name,
        int(row),
        sheet.letters.get(key),
        sheet.headers.get(key),
        show(value),
        message,
        code,
    )


def show(value) -> str | None:
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    ):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"
    return str(value)


def cap(problems: Iterable[Problem], per_kind: int = 200) -> list[Problem]:
    """At most ``per_kind`` problems of one kind in one column, then one line saying how many more."""
    seen: dict[tuple, int] = {}
    out: list[Problem] = []
    for p in problems:
        k = (p.sheet, p.column, p.code, p.severity)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= per_kind:
            out.append(p)
    for (sheet, column, code, severity), n in seen.items():
        if n > per_kind:
            out.append(
                Problem(
                    severity,
                    sheet,
                    None,
                    column,
                    None,
                    None,
                    f"... and {n - per_kind:,} more rows with the same problem.",
                    code,
                )
            )
    return out

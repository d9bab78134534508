"""Checks across rows and sheets that a per-row schema cannot express."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

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
    known = pd.Index(ids.dropna().unique())
    for kind in ("sales", "contacts", "redemptions"):
        sheet = book.sheets.get(kind)
        if sheet is not None and sheet.has("customer_id"):
            out += _unknown(sheet, "customer_id", known, customers.name)
    if customers.has("referred_by") and customers.has("customer_id"):
        out += _unknown(customers, "referred_by", known, customers.name, variant="referral")
        ref = customers.frame["referred_by"]
        self_ref = (ref == ids).to_numpy(dtype=bool, na_value=False)
        out += _rows(customers, "referred_by", self_ref, ERROR, "self_referral")
    out += _future(book)
    out += _order_owners(book.sheets.get("sales"))
    out += _sales_against_customers(book)
    contacts = book.sheets.get("contacts")
    if contacts is not None and contacts.has("resolved_on") and contacts.has("date"):
        f = contacts.frame
        early = _days(f["resolved_on"]) < _days(f["date"])  # NaT on either side: False
        out += _rows(contacts, "resolved_on", early, WARNING, "resolved_before")
    return out


def _duplicate_ids(sheet: Sheet, ids: pd.Series) -> list[Problem]:
    dup = ids.duplicated(keep="first") & ids.notna()
    if not dup.any():
        return []
    first = ids[~ids.duplicated(keep="first") & ids.notna()]
    first_row = pd.Series(first.index, index=first.to_numpy())
    return [
        problem_at(
            sheet, "customer_id", row, value, ERROR, "duplicate_id", first_row=int(first_row[value])
        )
        for row, value in ids[dup].items()
    ]


def _days(dates: pd.Series) -> np.ndarray:
    """Dates as numpy datetimes: comparisons with NaT are False, as pandas' with fillna."""
    return dates.to_numpy(dtype="datetime64[ns]")


def _unknown(
    sheet: Sheet, key: str, known: pd.Index, customers: str, variant: str = ""
) -> list[Problem]:
    s = sheet.frame[key]
    bad = s.notna().to_numpy() & (positions(known, s) < 0)
    params: dict[str, Any] = {"customers": customers}
    if variant:
        params["variant"] = variant
    return _rows(sheet, key, bad, ERROR, "unknown_customer", **params)


def _future(book: Book) -> list[Problem]:
    as_of = np.datetime64(pd.Timestamp(book.as_of), "ns")
    out: list[Problem] = []
    checks = [
        ("sales", "date", WARNING, "left_out"),
        ("contacts", "date", WARNING, "left_out"),
        ("redemptions", "date", WARNING, "left_out"),
        ("customers", "birthday", ERROR, "birthday"),
        ("customers", "joined", WARNING, "joined"),
    ]
    for kind, key, severity, variant in checks:
        sheet = book.sheets.get(kind)
        if sheet is not None and sheet.has(key):
            late = _days(sheet.frame[key]) > as_of
            out += _rows(
                sheet,
                key,
                late,
                severity,
                "future_date",
                variant=variant,
                as_of=book.as_of.isoformat(),
            )
    return out


def _sales_against_customers(book: Book) -> list[Problem]:
    """A sale line's quantity must agree with its amount's sign (a refund is negative in
    both); a sale dated before the customer joined is probably a typo in one of the dates."""
    sales = book.sheets.get("sales")
    if sales is None:
        return []
    f = sales.frame
    out: list[Problem] = []
    if sales.has("quantity") and sales.has("amount"):
        wrong = (f["quantity"].to_numpy() < 0) & (f["amount"].to_numpy() > 0)
        out += _rows(sales, "quantity", wrong, ERROR, "quantity_sign")
    customers = book.sheets["customers"]
    if sales.has("date") and customers.has("joined") and customers.has("customer_id"):
        ids = customers.frame["customer_id"]
        first = (ids.notna() & ~ids.duplicated(keep="first")).to_numpy()  # each ID's own row
        if not first.any():
            return out
        joined = _days(customers.frame["joined"])[first]
        pos = positions(pd.Index(ids[first]), f["customer_id"])
        when = np.where(pos >= 0, joined[np.maximum(pos, 0)], np.datetime64("NaT"))
        early = _days(f["date"]) < when
        out += _rows(
            sales,
            "date",
            early,
            WARNING,
            "sale_before_joined",
            customers=customers.name,
        )
    return out


def _order_owners(sales: Sheet | None) -> list[Problem]:
    if sales is None or not (sales.has("order_id") and sales.has("customer_id")):
        return []
    f = sales.frame
    order, _ = pd.factorize(f["order_id"])  # -1: blank
    cust, _ = pd.factorize(f["customer_id"])
    kept = np.flatnonzero((order >= 0) & (cust >= 0))  # a line with both
    if not len(kept):
        return []
    # numbered again over those lines, in order of first appearance
    order, _ = pd.factorize(order[kept])
    cust, _ = pd.factorize(cust[kept])
    # in codes: an order is shared when it has more than one distinct (order, customer) pair
    width = np.int64(cust.max() + 1)
    # distinct pairs by a sort: numpy's hashed np.unique is several times slower here
    pairs = np.sort(order.astype(np.int64) * width + cust)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]
    shared = np.bincount(pairs // width, minlength=order.max() + 1) > 1
    if not shared.any():
        return []
    # codes are numbered in order of first appearance: an order's first line is a new maximum
    seen = np.maximum.accumulate(np.concatenate([[-1], order[:-1]]))
    first_row = np.flatnonzero(order > seen)
    clash = np.zeros(len(f), dtype=bool)
    clash[kept] = shared[order] & (cust != cust[first_row][order])
    return _rows(sales, "order_id", clash, ERROR, "order_two_customers")


def _rows(
    sheet: Sheet, key: str, mask: pd.Series | np.ndarray, severity: str, code: str, **params: Any
) -> list[Problem]:
    hits = mask if isinstance(mask, np.ndarray) else mask.to_numpy(dtype=bool, na_value=False)
    if len(hits) != len(sheet.frame):  # one flag per row of the sheet, not of a part of it
        raise ValueError(f"{code}: {len(hits)} flags for {len(sheet.frame)} rows")
    if not hits.any():  # the usual case: nothing to look up
        return []
    values = sheet.frame.loc[hits, key]
    return [problem_at(sheet, key, row, v, severity, code, **params) for row, v in values.items()]


def problem_at(
    sheet: Sheet, key: str, row: int, value, severity: str, code: str, **params: Any
) -> Problem:
    """A problem at one cell, named the way the owner sees it: sheet, row, letter, header."""
    return Problem(
        severity,
        code,
        sheet.name,
        int(row),
        sheet.letters.get(key),
        sheet.headers.get(key),
        show(value),
        params,
        kind=sheet.kind,
        key=key,
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
    """At most ``per_kind`` problems of one kind in one column, then one saying how many more."""
    seen: dict[tuple, list[Problem]] = {}
    out: list[Problem] = []
    for p in problems:
        k = (p.sheet, p.column, p.code, p.severity)
        kept = seen.setdefault(k, [])
        kept.append(p)
        if len(kept) <= per_kind:
            out.append(p)
    for (sheet, column, code, severity), ps in seen.items():
        if len(ps) > per_kind:
            rest = ps[per_kind:]
            rows = tuple(sorted(r for p in rest for r in p.all_rows()))
            first = rest[0]
            out.append(
                Problem(
                    severity,
                    "more_rows",
                    sheet,
                    None,
                    column,
                    first.header,
                    None,
                    {"count": len(rows), "of": code},
                    rows=rows,
                    kind=first.kind,
                    key=first.key,
                )
            )
    return out

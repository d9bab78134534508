"""Repurchase cycle: the typical days between a customer's purchases and when the next is due."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from .base import declare
from .facts import orders, per_customer

OUTPUTS = declare("repurchase_days next_purchase days_overdue")


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=so_far.index)
    cycle = per_customer(book, typical_gaps(orders(book)))
    out["repurchase_days"] = cycle.astype("Int64")
    expected = pd.to_datetime(so_far["last_purchase"]) + pd.to_timedelta(cycle, unit="D")
    out["next_purchase"] = expected
    late = (pd.Timestamp(book.as_of) - expected).dt.days
    out["days_overdue"] = late.clip(lower=0).astype("Int64")
    return out


DAY = 86_400 * 10**9  # nanoseconds


def typical_gaps(ords: pd.DataFrame) -> pd.Series:
    """By customer ID: the median of the whole days between the distinct days they bought
    on (rounded half to even), for customers who bought on at least three days."""
    positive = ords["amount"].to_numpy() > 0
    codes, ids = pd.factorize(ords["customer_id"].array[positive])
    when = ords["date"].to_numpy(dtype="datetime64[ns]")[positive].view(np.int64)
    order = np.lexsort((when, codes))  # by customer, then day
    codes, when = codes[order], when[order]
    distinct = np.ones(len(codes), dtype=bool)
    distinct[1:] = (codes[1:] != codes[:-1]) | (when[1:] != when[:-1])
    codes, when = codes[distinct], when[distinct]
    first = np.ones(len(codes), dtype=bool)  # a customer's first day has no gap before it
    first[1:] = codes[1:] != codes[:-1]
    gaps = np.diff(when, prepend=when[:1]) // DAY
    median = pd.Series(np.where(first, np.nan, gaps)).groupby(codes).median().to_numpy()
    days = np.bincount(codes, minlength=len(ids))
    typical = np.where(days >= 3, np.round(median), np.nan)
    return pd.Series(typical, index=pd.Index(ids, name="customer_id"), dtype="float64")

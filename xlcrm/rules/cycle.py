"""Repurchase cycle: the typical days between a customer's purchases and when the next is due."""

from __future__ import annotations

import pandas as pd

from ..book import Book
from .base import declare
from .facts import orders, per_customer

OUTPUTS = declare("repurchase_days next_purchase days_overdue")


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=so_far.index)
    ords = orders(book)
    days = ords.loc[ords["amount"] > 0, ["customer_id", "date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "date"], kind="stable")
    gaps = days.groupby("customer_id")["date"].diff().dt.days
    count = days.groupby("customer_id")["date"].size()
    median = gaps.groupby(days["customer_id"]).median()
    median = median[count.reindex(median.index) >= 3].round()
    cycle = per_customer(book, median)
    out["repurchase_days"] = cycle.astype("Int64")
    expected = pd.to_datetime(so_far["last_purchase"]) + pd.to_timedelta(cycle, unit="D")
    out["next_purchase"] = expected
    late = (pd.Timestamp(book.as_of) - expected).dt.days
    out["days_overdue"] = late.clip(lower=0).astype("Int64")
    return out

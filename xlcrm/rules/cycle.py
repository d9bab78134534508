"""Repurchase cycle: the typical days between a customer's purchases and when the next is due."""

from __future__ import annotations

import pandas as pd

from ..book import Book
from .base import OutputColumn
from .facts import orders, per_customer

OUTPUTS = (
    OutputColumn(
        "repurchase_days",
        "Repurchase cycle (days)",
        "复购周期（天）",
        "integer",
        10,
        "Median days between the customer's purchase days (orders with a positive net amount; several orders on one day count once), from the 3rd purchase day on.",
        "客户购买日之间天数的中位数（净额为正的订单；同一天多单算一次），至少 3 个购买日才计算。",
    ),
    OutputColumn(
        "next_purchase",
        "Next purchase expected",
        "预计下次购买",
        "date",
        12,
        "Last purchase + repurchase cycle.",
        "最近购买日期 + 复购周期。",
    ),
    OutputColumn(
        "days_overdue",
        "Days overdue",
        "逾期天数",
        "integer",
        9,
        "Days from the expected next purchase to the as-of date; 0 when not yet due.",
        "从预计下次购买日到截至日期的天数；未到期为 0。",
    ),
)


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

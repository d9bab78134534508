"""Purchase metrics per customer: first and last purchase, orders, net revenue, average order."""

from __future__ import annotations

import pandas as pd

from ..book import Book
from ..keys import align
from .base import OutputColumn
from .facts import orders as order_table
from .facts import sales_in_scope

OUTPUTS = (
    OutputColumn(
        "first_purchase",
        "First purchase",
        "首次购买",
        "date",
        12,
        "Date of the earliest sale line with a positive amount.",
        "金额为正的最早一笔销售的日期。",
    ),
    OutputColumn(
        "last_purchase",
        "Last purchase",
        "最近购买",
        "date",
        12,
        "Date of the latest sale line with a positive amount.",
        "金额为正的最近一笔销售的日期。",
    ),
    OutputColumn(
        "orders",
        "Orders",
        "订单数",
        "integer",
        8,
        "Distinct order IDs with a positive net amount.",
        "净金额为正的不同订单号数量。",
    ),
    OutputColumn(
        "revenue",
        "Revenue",
        "净收入",
        "money",
        12,
        "Sum of all amounts, refunds (negative amounts) included.",
        "所有金额之和，含退款（负数金额）。",
    ),
    OutputColumn(
        "avg_order",
        "Average order",
        "平均订单额",
        "money",
        12,
        "Revenue divided by orders.",
        "净收入除以订单数。",
    ),
    OutputColumn(
        "days_since_last",
        "Days since last purchase",
        "距上次购买天数",
        "integer",
        10,
        "Days from the last purchase to the as-of date.",
        "从最近购买到截至日期的天数。",
    ),
)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    customers = book.frame("customers")
    sales = sales_in_scope(book)
    ids = customers["customer_id"] if "customer_id" in customers else pd.Series(dtype="string")
    if sales.empty:
        per = pd.DataFrame(columns=[c.key for c in OUTPUTS])
    else:
        positive = sales[sales["amount"] > 0]
        by_customer = positive.groupby("customer_id")["date"]
        orders = order_table(book)
        orders = orders[orders["amount"] > 0]
        per = pd.DataFrame(
            {
                "first_purchase": by_customer.min(),
                "last_purchase": by_customer.max(),
                "orders": orders.groupby("customer_id").size(),
                "revenue": sales.groupby("customer_id")["amount"].sum().round(2),
            }
        )
    out = align(per, ids)
    out.index = customers.index
    out["orders"] = out["orders"].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].astype("float64").fillna(0.0)
    out["avg_order"] = (out["revenue"] / out["orders"].where(out["orders"] > 0)).round(2)
    days = (pd.Timestamp(book.as_of) - pd.to_datetime(out["last_purchase"])).dt.days
    out["days_since_last"] = days.astype("Int64")
    return out[[c.key for c in OUTPUTS]]

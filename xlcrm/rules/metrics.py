"""Purchase metrics per customer: first and last purchase, orders, net revenue, average order."""

from __future__ import annotations

import pandas as pd

from ..book import Book
from ..keys import align
from .base import declare
from .facts import orders as order_table
from .facts import sales_in_scope

OUTPUTS = declare("first_purchase last_purchase orders revenue avg_order days_since_last")


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

"""Purchase metrics per customer: first and last purchase, orders, net revenue, average order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align
from .base import declare
from .calendar import days_since
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
    orders = out["orders"].fillna(0).astype("int64")
    revenue = out["revenue"].astype("float64").fillna(0.0)
    counts = orders.to_numpy()
    days, bought = days_since(book.as_of, out["last_purchase"])
    return pd.DataFrame(
        {
            "first_purchase": out["first_purchase"],
            "last_purchase": out["last_purchase"],
            "orders": orders,
            "revenue": revenue,
            "avg_order": np.round(revenue.to_numpy() / np.where(counts > 0, counts, np.nan), 2),
            "days_since_last": pd.arrays.IntegerArray(days, ~bought),
        },
        index=customers.index,
    )

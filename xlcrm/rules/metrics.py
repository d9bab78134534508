"""Purchase metrics per customer: first and last purchase, orders, net revenue, average order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align, count_per_id, per_id
from .base import declare
from .calendar import days_since
from .facts import orders as order_table
from .facts import sales_in_scope

OUTPUTS = declare("first_purchase last_purchase orders revenue avg_order days_since_last")


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    customers = book.frame("customers")
    sales = sales_in_scope(book)
    ids = customers["customer_id"] if "customer_id" in customers else pd.Series(dtype="string")
    index = customers.index
    if sales.empty:
        out = align(pd.DataFrame(columns=[c.key for c in OUTPUTS]), ids)
        first, last = out["first_purchase"].set_axis(index), out["last_purchase"].set_axis(index)
        counts = out["orders"].fillna(0).astype("int64").to_numpy()
        revenue = out["revenue"].astype("float64").fillna(0.0).to_numpy()
    else:  # per customer on arrays: pandas' group-bys cost more than the sums on a small book
        owners, dates = sales["customer_id"], sales["date"]
        positive = (sales["amount"] > 0).to_numpy()
        first = pd.Series(per_id(ids, owners, dates, "min", positive), index)
        last = pd.Series(per_id(ids, owners, dates, "max", positive), index)
        first, last = first.astype(dates.dtype), last.astype(dates.dtype)
        orders = order_table(book)
        counts = count_per_id(ids, orders["customer_id"], (orders["amount"] > 0).to_numpy())
        # pandas' group sums are compensated (the order table's are too): the same cents
        total = align(sales.groupby("customer_id")["amount"].sum().round(2), ids)
        revenue = total.to_numpy(dtype="float64", na_value=np.nan)
        revenue = np.where(np.isnan(revenue), 0.0, revenue)
    days, bought = days_since(book.as_of, last)
    return pd.DataFrame(
        {
            "first_purchase": first,
            "last_purchase": last,
            "orders": pd.Series(counts, index, dtype="int64"),
            "revenue": pd.Series(revenue, index, dtype="float64"),
            "avg_order": np.round(revenue / np.where(counts > 0, counts, np.nan), 2),
            "days_since_last": pd.arrays.IntegerArray(days, ~bought),
        },
        index=index,
    )

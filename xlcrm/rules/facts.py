"""Per-customer purchase facts that several rule families share, computed once per run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align


def sales_in_scope(book: Book) -> pd.DataFrame:
    """Sales up to the as-of date with a date, customer and amount."""

    def build() -> pd.DataFrame:
        sales = book.frame("sales")
        if sales.empty:
            return sales
        keep = sales["date"].notna() & sales["customer_id"].notna() & sales["amount"].notna()
        keep &= sales["date"] <= pd.Timestamp(book.as_of)
        return sales[keep]

    return _cached(book, "sales_in_scope", build)


def orders(book: Book) -> pd.DataFrame:
    """One row per (customer, order): first line's date, net amount, positive amount, last
    refund date, net profit if known."""

    def build() -> pd.DataFrame:
        sales = sales_in_scope(book)
        # positive lines and the last refund line: what an order's points are earned and lost on
        sales = sales.assign(
            _pos=sales["amount"].clip(lower=0), _rd=sales["date"].where(sales["amount"] < 0)
        )
        cols = {
            "date": ("date", "min"),
            "amount": ("amount", "sum"),
            "positive": ("_pos", "sum"),
            "refund_date": ("_rd", "max"),
        }
        if "profit" in sales.columns or "cost" in sales.columns:
            sales = sales.assign(_profit=_profit(sales))
            cols["profit"] = ("_profit", "sum")
        # the (customer, order) pairs as one number each, in order of first appearance: a
        # grouping on integers, not on two text columns; one reduction per column (pandas'
        # named aggregation costs more than the sums)
        ids, numbers = sales["customer_id"], sales["order_id"]
        who = pd.factorize(ids.array, use_na_sentinel=False)[0].astype(np.int64)
        which = pd.factorize(numbers.array, use_na_sentinel=False)[0].astype(np.int64)
        pair = pd.factorize(who * (int(which.max(initial=0)) + 1) + which)[0]
        g = sales[list(dict.fromkeys(col for col, _ in cols.values()))].groupby(pair, sort=False)
        done = {
            name: getattr(g[col], how)().reset_index(drop=True) for name, (col, how) in cols.items()
        }
        first = np.unique(pair, return_index=True)[1]  # each pair's first line
        ids_and_numbers = {
            "customer_id": ids.array.take(first),
            "order_id": numbers.array.take(first),
        }
        return pd.DataFrame({**ids_and_numbers, **done})

    return _cached(book, "orders", build)


def _profit(sales: pd.DataFrame) -> pd.Series:
    if "profit" in sales.columns and sales["profit"].notna().any():
        out = sales["profit"]
        if "cost" in sales.columns:
            out = out.fillna(sales["amount"] - sales["cost"])
        return out
    return sales["amount"] - sales["cost"]


def per_customer(book: Book, values: pd.Series) -> pd.Series:
    """A Series keyed by customer ID, laid out in the Customers sheet's row order."""
    return align(values, book.frame("customers")["customer_id"])


def _cached(book: Book, key: str, build):
    if key not in book.cache:
        book.cache[key] = build()
    return book.cache[key]

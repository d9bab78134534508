"""Cross-sell: the category a customer has not bought that buyers of their categories favour.

Lift of Y given X = P(bought X and Y) / (P(X) P(Y)) over customers. A customer's score for a
category Y they have not bought is the highest lift from any category they have bought,
counting only pairs bought together by at least the minimum number of customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from .base import declare
from .facts import per_customer, sales_in_scope

OUTPUTS = declare("cross_sell")
MAX_CATEGORIES = 500


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=so_far.index)
    out["cross_sell"] = pd.Series(pd.NA, index=so_far.index, dtype="string")
    sales = sales_in_scope(book)
    if "category" not in sales.columns or sales.empty:
        return out
    lines = sales.loc[
        (sales["amount"] > 0) & sales["category"].notna(), ["customer_id", "category"]
    ]
    lines = lines.assign(category=lines["category"].str.strip()).drop_duplicates()
    top = lines["category"].value_counts()
    top = top[top.index != ""].head(MAX_CATEGORIES)
    cats = sorted(top.index)  # sorted: ties in lift go to the first name, whatever the rows
    if len(cats) < 2:
        return out
    lines = lines[lines["category"].isin(cats)]
    cust_codes, customers = pd.factorize(lines["customer_id"])
    cat_codes = pd.Categorical(lines["category"], categories=cats).codes
    basket = np.zeros((len(customers), len(cats)), dtype=np.float64)
    basket[cust_codes, cat_codes] = 1.0
    n = len(customers)
    both = basket.T @ basket
    p = basket.sum(axis=0) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = (both / n) / np.outer(p, p)
    ok = (both >= book.settings["cross_sell_min_customers"]) & (
        lift >= book.settings["cross_sell_min_lift"]
    )
    np.fill_diagonal(ok, False)
    lift = np.where(ok, lift, 0.0)
    score = np.zeros_like(basket)
    for x in range(len(cats)):
        np.maximum(score, basket[:, [x]] * lift[x], out=score)
    score[basket > 0] = 0.0
    best = score.argmax(axis=1)
    has = score[np.arange(n), best] > 0
    pick = pd.Series(np.where(has, np.array(cats, dtype=object)[best], None), index=customers)
    out["cross_sell"] = per_customer(book, pick.dropna()).astype("string")
    return out

"""Cross-sell: the category a customer has not bought that buyers of their categories favour.

Lift of Y given X = P(bought X and Y) / (P(X) P(Y)) over customers. A customer's score for a
category Y they have not bought is the highest lift from any category they have bought,
counting only pairs bought together by at least the minimum number of customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import arrow_text
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
    bought = ((sales["amount"] > 0) & sales["category"].notna()).to_numpy()
    if not bought.any():
        return out
    # who bought what, once per (customer, category), on integer codes
    who, customers = pd.factorize(sales["customer_id"].to_numpy(dtype=object)[bought])
    named = pc.dictionary_encode(
        pc.utf8_trim_whitespace(arrow_text(sales["category"]).filter(pa.array(bought)))
    )
    names = named.dictionary.to_pylist()
    k = len(names)
    pairs = np.unique(who.astype(np.int64) * k + named.indices.to_numpy(zero_copy_only=False))
    buyers = np.bincount(pairs % k, minlength=k)
    # the categories most customers bought (a tie: the one seen first), then sorted: ties
    # in lift go to the first name, whatever the rows
    top = [i for i in sorted(range(k), key=lambda i: -buyers[i]) if names[i] != ""]
    cats = sorted(names[i] for i in top[:MAX_CATEGORIES])
    if len(cats) < 2:
        return out
    place = {name: i for i, name in enumerate(names)}
    column = np.full(k, -1, dtype=np.int64)  # each name's column in the basket, if any
    column[[place[c] for c in cats]] = np.arange(len(cats))
    cat_codes = column[pairs % k]
    kept = cat_codes >= 0
    used, cust_codes = np.unique(pairs[kept] // k, return_inverse=True)
    basket = np.zeros((len(used), len(cats)), dtype=np.float64)
    basket[cust_codes, cat_codes[kept]] = 1.0
    n = len(used)
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
    ids = pd.Index(customers[used], dtype=sales["customer_id"].dtype)
    pick = pd.Series(np.where(has, np.array(cats, dtype=object)[best], None), index=ids)
    out["cross_sell"] = per_customer(book, pick.dropna()).astype("string")
    return out

"""The customer pyramid (A/B/C/D), spend trend, rising stars and slipping major customers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..book import Book
from .base import declare
from .facts import orders, per_customer

OUTPUTS = declare("pyramid trend rising_star slipping review")


def class_sizes(n: int, pcts: list[float]) -> list[int]:
    """Cumulative class ends for n buyers: floor(n * cumulative share + 0.5)."""
    ends, total = [], 0.0
    for p in pcts:
        total += p
        ends.append(min(n, math.floor(n * total / 100 + 0.5)))
    return ends


def pyramid_class(value: pd.Series, pcts: list[float]) -> pd.Series:
    """A/B/C/D by value, order-independent: a customer's place is 1 + the number ahead of them."""
    n = len(value)
    place = value.rank(method="min", ascending=False)
    a, b, c = class_sizes(n, pcts[:3])
    out = np.select([place <= a, place <= b, place <= c], ["A", "B", "C"], "D")
    return pd.Series(out, index=value.index, dtype="string")


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    out = pd.DataFrame(index=so_far.index)
    ords = orders(book)
    buyers = so_far["orders"] > 0
    as_of = pd.Timestamp(s["as_of"])
    basis, days = _basis(book, ords, so_far, s)
    # ranked: who bought in the period; a buyer of before the period only is D
    ranked = buyers & (basis > 0)
    pcts = [s["pyramid_a_pct"], s["pyramid_b_pct"], s["pyramid_c_pct"]]
    classes = pyramid_class(basis[ranked], pcts).reindex(so_far.index)
    out["pyramid"] = classes.mask(buyers & ~ranked, "D")

    w = int(s["recent_window_days"])
    recent_start, prev_start = as_of - pd.Timedelta(days=w), as_of - pd.Timedelta(days=2 * w)
    in_recent = ords["date"] > recent_start
    in_prev = (ords["date"] > prev_start) & ~in_recent
    g = ords.groupby("customer_id")
    win = (
        pd.DataFrame(
            {
                "recent": ords["amount"].where(in_recent, 0).groupby(ords["customer_id"]).sum(),
                "prev": ords["amount"].where(in_prev, 0).groupby(ords["customer_id"]).sum(),
                "recent_n": (in_recent & (ords["amount"] > 0)).groupby(ords["customer_id"]).sum(),
                "prev_n": (in_prev & (ords["amount"] > 0)).groupby(ords["customer_id"]).sum(),
            }
        )
        if len(g)
        else pd.DataFrame(columns=["recent", "prev", "recent_n", "prev_n"])
    )
    win = pd.DataFrame(
        {c: per_customer(book, win[c]).astype("float64").fillna(0) for c in win.columns},
        index=so_far.index,
    )
    k = s["trend_change_pct"] / 100
    trend = np.select(
        [
            (win["recent"] == 0) & (win["prev"] == 0),
            win["recent"] > win["prev"] * (1 + k) + 0,
            win["recent"] < win["prev"] * (1 - k),
        ],
        ["inactive", "rising", "declining"],
        "steady",
    )
    out["trend"] = pd.Series(trend, index=so_far.index, dtype="string").where(buyers)

    span = days or (max(w, (as_of - ords["date"].min()).days + 1) if len(ords) else w)
    b_values = basis[out["pyramid"] == "B"]
    star = pd.Series(False, index=so_far.index)
    if len(b_values):
        star = (out["pyramid"] == "C") & (win["recent"] / w >= b_values.min() / span)
    slip = out["pyramid"].isin(["A", "B"]) & (
        (win["recent_n"] <= win["prev_n"]) | (win["recent"] <= win["prev"])
    )
    out["rising_star"] = star.fillna(False).astype("boolean").where(buyers)
    out["slipping"] = slip.fillna(False).astype("boolean").where(buyers)
    out["review"] = _review(out, so_far, s)
    return out


def _basis(book: Book, ords: pd.DataFrame, so_far: pd.DataFrame, s: dict) -> tuple[pd.Series, int]:
    """Each customer's revenue (or profit) over the pyramid period, and the period in days
    (0: all history)."""
    profit = s["pyramid_basis"] == "profit" and "profit" in ords.columns
    months = int(s.get("pyramid_months", 0))
    if months <= 0 and not profit:
        return so_far["revenue"], 0
    as_of = pd.Timestamp(s["as_of"])
    start = as_of - pd.DateOffset(months=months) if months > 0 else None
    chosen = ords if start is None else ords[ords["date"] > start]
    value = chosen["profit" if profit else "amount"].groupby(chosen["customer_id"]).sum()
    days = (as_of - start).days if start is not None else 0
    return per_customer(book, value).astype("float64").fillna(0.0), days


def _review(out: pd.DataFrame, so_far: pd.DataFrame, s: dict) -> pd.Series:
    """D-class screening (the method's early screening): a D customer to grow (spend rising, or buying often)
    or to give the lightest touch (dormant, and below the median buyer's spend)."""
    d = (out["pyramid"] == "D").fillna(False)
    buyers = so_far["orders"] > 0
    median = so_far.loc[buyers, "revenue"].median() if buyers.any() else 0.0
    frequent = (so_far["f_score"] >= s["potential_high_score"]).fillna(False)
    rising = (out["trend"] == "rising").fillna(False)
    dormant = (so_far["days_since_last"] >= s["dormant_days"]).fillna(False)
    low = dormant & (so_far["revenue"] < median)
    review = np.select(
        [d & (rising | frequent), d & low], ["upgrade_candidate", "low_priority"], ""
    )
    return pd.Series(review, index=out.index, dtype="string").replace("", pd.NA)

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
    out = classes_of(value.to_numpy(dtype="float64"), pcts)
    return pd.Series(out, index=value.index, dtype="string")


def classes_of(value: np.ndarray, pcts: list[float]) -> np.ndarray:
    """``pyramid_class`` on an array of values (none blank)."""
    ascending = np.sort(value)
    place = len(value) - np.searchsorted(ascending, value, side="right") + 1
    a, b, c = class_sizes(len(value), pcts[:3])
    return np.select([place <= a, place <= b, place <= c], ["A", "B", "C"], "D").astype(object)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    index = so_far.index
    ords = orders(book)
    buyers = so_far["orders"].to_numpy() > 0
    as_of = pd.Timestamp(s["as_of"])
    basis, days = _basis(book, ords, so_far, s)
    value = basis.to_numpy(dtype="float64", na_value=np.nan)
    # ranked: who bought in the period; a buyer of before the period only is D
    ranked = buyers & (value > 0)
    pcts = [s["pyramid_a_pct"], s["pyramid_b_pct"], s["pyramid_c_pct"]]
    classes = np.full(len(index), None, dtype=object)
    classes[ranked] = classes_of(value[ranked], pcts)
    classes[buyers & ~ranked] = "D"

    w = int(s["recent_window_days"])
    recent_start, prev_start = as_of - pd.Timedelta(days=w), as_of - pd.Timedelta(days=2 * w)
    dates = ords["date"].to_numpy(dtype="datetime64[ns]")
    amount = ords["amount"].to_numpy(dtype="float64")
    in_recent = dates > recent_start.to_datetime64()
    in_prev = (dates > prev_start.to_datetime64()) & ~in_recent
    windows = (
        pd.DataFrame(  # one grouped sum for the four: pandas' compensated sums
            {
                "recent": np.where(in_recent, amount, 0.0),
                "prev": np.where(in_prev, amount, 0.0),
                "recent_n": in_recent & (amount > 0),
                "prev_n": in_prev & (amount > 0),
            }
        )
        .groupby(ords["customer_id"].array)
        .sum()
    )
    win = per_customer(book, windows).to_numpy(dtype="float64", na_value=np.nan)
    recent, prev, recent_n, prev_n = np.nan_to_num(win, nan=0.0).T
    k = s["trend_change_pct"] / 100
    trend = np.select(
        [
            (recent == 0) & (prev == 0),
            recent > prev * (1 + k) + 0,
            recent < prev * (1 - k),
        ],
        ["inactive", "rising", "declining"],
        "steady",
    ).astype(object)
    trend[~buyers] = None

    span = days or (max(w, (as_of - ords["date"].min()).days + 1) if len(ords) else w)
    b_values = value[classes == "B"]
    star = np.zeros(len(index), dtype=bool)
    if len(b_values):
        star = (classes == "C") & (recent / w >= b_values.min() / span)
    slip = np.isin(classes, ["A", "B"]) & ((recent_n <= prev_n) | (recent <= prev))
    review = _review(classes, trend, so_far, s)
    return pd.DataFrame(
        {
            "pyramid": pd.Series(classes, index=index, dtype="string"),
            "trend": pd.Series(trend, index=index, dtype="string"),
            "rising_star": pd.Series(pd.arrays.BooleanArray(star, ~buyers), index=index),
            "slipping": pd.Series(pd.arrays.BooleanArray(slip, ~buyers), index=index),
            "review": pd.Series(review, index=index, dtype="string"),
        },
        index=index,
    )


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


def _review(classes: np.ndarray, trend: np.ndarray, so_far: pd.DataFrame, s: dict) -> np.ndarray:
    """D-class screening (the method's early screening): a D customer to grow (spend rising, or buying often)
    or to give the lightest touch (dormant, and below the median buyer's spend)."""
    d = classes == "D"
    buyers = so_far["orders"].to_numpy() > 0
    revenue = so_far["revenue"].to_numpy(dtype="float64", na_value=np.nan)
    median = np.nanmedian(revenue[buyers]) if buyers.any() else 0.0
    f_score = so_far["f_score"].to_numpy(dtype="float64", na_value=np.nan)
    frequent = f_score >= s["potential_high_score"]
    rising = trend == "rising"
    since = so_far["days_since_last"].to_numpy(dtype="float64", na_value=np.nan)
    low = (since >= s["dormant_days"]) & (revenue < median)
    review = np.select(
        [d & (rising | frequent), d & low], ["upgrade_candidate", "low_priority"], ""
    ).astype(object)
    review[review == ""] = None
    return review

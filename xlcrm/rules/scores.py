"""R, F, M scores 1-5, the average-order score, the R x F segment grid, and the value class.

R, M and the average-order score are percentiles among purchasing customers with ties
averaged, so equal customers always share a score and row order never matters; scaling every
amount changes no score. F uses fixed order-count thresholds from Settings, so one more order
never lowers F.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from .base import declare
from .calendar import days_since

OUTPUTS = declare("r_score f_score m_score a_score rfm rfm_segment value_class")

GRID = {  # (R, F) -> segment key, the widely used R x F grid
    **{(5, 1): "new", (4, 1): "promising", (3, 3): "need_attention"},
    **{(r, f): "potential_loyalist" for r in (4, 5) for f in (2, 3)},
    **{(5, f): "champions" for f in (4, 5)},
    **{(r, f): "loyal" for r in (3, 4) for f in (4, 5)},
    **{(3, f): "about_to_sleep" for f in (1, 2)},
    **{(r, f): "hibernating" for r in (1, 2) for f in (1, 2)},
    **{(r, f): "at_risk" for r in (1, 2) for f in (3, 4)},
    **{(r, 5): "cant_lose" for r in (1, 2)},
}


def percentile_score(values: pd.Series) -> pd.Series:
    """1-5 from the mid-rank percentile, ties averaged: ceil(5 * (average rank - 1/2) / n).

    Equal customers share a score, and when everyone is equal everyone gets 3, whatever
    their number (the mid-rank of all is n/2)."""
    scores = percentiles(values.to_numpy(dtype="float64", na_value=np.nan))
    return pd.Series(scores, index=values.index).astype("Int64")


def percentiles(values: np.ndarray) -> np.ndarray:
    """``percentile_score`` on a float array (NaN: no score, but counted in n, as pandas'
    rank does); NaN where there is no score."""
    out = np.full(len(values), np.nan)
    known = ~np.isnan(values)
    if known.any():
        _, inverse, counts = np.unique(values[known], return_inverse=True, return_counts=True)
        below = np.cumsum(counts) - counts  # customers with a smaller value
        rank = (below + (counts + 1) / 2)[inverse]  # ties share their average rank
        out[known] = np.clip(np.ceil((rank - 0.5) / len(values) * 5), 1, 5)
    return out


def f_thresholds(text: str) -> list[int]:
    return sorted(int(x) for x in str(text).split(","))


def threshold_score(counts: pd.Series, thresholds: list[int]) -> pd.Series:
    score = thresholds_met(counts.to_numpy(dtype="float64", na_value=np.nan), thresholds)
    return pd.Series(score, index=counts.index).astype("Int64")


def thresholds_met(counts: np.ndarray, thresholds: list[int]) -> np.ndarray:
    """1 + the number of (sorted) thresholds a count reaches; NaN where there is no count."""
    met = np.searchsorted(np.asarray(thresholds, dtype="float64"), counts, side="right")
    return np.where(np.isnan(counts), np.nan, met + 1.0)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    orders = so_far["orders"].to_numpy(dtype="float64")
    buyers = orders > 0

    def among_buyers(col: str, sign: float = 1.0) -> np.ndarray:
        values = so_far[col].to_numpy(dtype="float64", na_value=np.nan) * sign
        scores = np.full(len(values), np.nan)
        scores[buyers] = percentiles(values[buyers])
        return scores

    r = among_buyers("days_since_last", -1.0)
    f = thresholds_met(np.where(buyers, orders, np.nan), f_thresholds(s["rfm_f_thresholds"]))
    m = among_buyers("revenue")
    a = among_buyers("avg_order")
    scored = ~(np.isnan(r) | np.isnan(f) | np.isnan(m))
    rfm = np.full(len(r), None, dtype=object)
    rfm[scored] = (r * 100 + f * 10 + m)[scored].astype(np.int64).astype(str)
    segment = np.full(len(r), None, dtype=object)
    for (gr, gf), key in GRID.items():
        segment[(r == gr) & (f == gf)] = key
    value = a if s.get("value_basis", "average_order") == "average_order" else m
    index = so_far.index
    return pd.DataFrame(
        {
            "r_score": _nullable(r, index),
            "f_score": _nullable(f, index),
            "m_score": _nullable(m, index),
            "a_score": _nullable(a, index),
            "rfm": pd.Series(rfm, index=index, dtype="string"),
            "rfm_segment": pd.Series(segment, index=index, dtype="string"),
            "value_class": pd.Series(
                value_class(so_far, r, f, value, s), index=index, dtype="string"
            ),
        },
        index=index,
    )


def _nullable(scores: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(
        pd.arrays.IntegerArray(np.nan_to_num(scores).astype(np.int64), np.isnan(scores)),
        index=index,
    )


def value_class(
    so_far: pd.DataFrame, r: np.ndarray, f: np.ndarray, value: np.ndarray, s: dict
) -> np.ndarray:
    """The method's value classes (the first that holds, in this order). "Value" is the
    average-order score (the order value the method scores) by default, or the M score when
    Settings say so."""
    days = so_far["days_since_last"].to_numpy(dtype="float64", na_value=np.nan)
    age, bought = days_since(s["as_of"], so_far["first_purchase"])
    first_age = np.where(bought, age, np.nan)
    hi, lo, core = s["potential_high_score"], s["potential_low_score"], s["core_min_score"]
    choices = [
        (so_far["orders"].to_numpy() <= 0, "prospect"),
        (days >= s["dormant_days"], "win_back"),
        (first_age <= s["new_customer_days"], "new"),
        ((r >= core) & (f >= core) & (value >= core), "core"),
        ((value >= hi) & (f <= lo), "potential_high_value"),
        ((f >= hi) & (value <= lo), "potential_frequent"),
    ]
    return np.select([c for c, _ in choices], [k for _, k in choices], "regular").astype(object)

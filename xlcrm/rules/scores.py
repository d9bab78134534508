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
    if values.empty:
        return pd.Series(dtype="Int64", index=values.index)
    pct = (values.rank(method="average") - 0.5) / len(values)
    return np.ceil(pct * 5).clip(1, 5).astype("Int64")


def f_thresholds(text: str) -> list[int]:
    return sorted(int(x) for x in str(text).split(","))


def threshold_score(counts: pd.Series, thresholds: list[int]) -> pd.Series:
    score = pd.Series(1, index=counts.index, dtype="Int64")
    for i, t in enumerate(thresholds, start=2):
        score = score.mask(counts >= t, i)
    return score.where(counts.notna())


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    buyers = so_far["orders"] > 0
    out = pd.DataFrame(index=so_far.index)
    out["r_score"] = percentile_score(
        -so_far.loc[buyers, "days_since_last"].astype("float64")
    ).reindex(so_far.index)
    out["f_score"] = threshold_score(
        so_far["orders"].where(buyers), f_thresholds(s["rfm_f_thresholds"])
    ).astype("Int64")
    out["m_score"] = percentile_score(so_far.loc[buyers, "revenue"]).reindex(so_far.index)
    out["a_score"] = percentile_score(so_far.loc[buyers, "avg_order"]).reindex(so_far.index)
    r, f, m = (out[k].astype("float64") for k in ("r_score", "f_score", "m_score"))
    rfm = (r * 100 + f * 10 + m).astype("Int64").astype("string")
    out["rfm"] = rfm
    keys = pd.Series(
        [
            GRID.get((int(a), int(b))) if a == a and b == b else None
            for a, b in zip(r.tolist(), f.tolist(), strict=True)
        ],
        index=out.index,
    )
    out["rfm_segment"] = keys.astype("string")
    out["value_class"] = value_class(so_far, out, s).astype("string")
    return out


def value_class(so_far: pd.DataFrame, scores: pd.DataFrame, s: dict) -> pd.Series:
    """The method's value classes. "Value" is the average order (the order value the method scores) by default, or net
    revenue when Settings say so."""
    days = so_far["days_since_last"].astype("float64")
    first_age = (pd.Timestamp(s["as_of"]) - pd.to_datetime(so_far["first_purchase"])).dt.days
    value = "a_score" if s.get("value_basis", "average_order") == "average_order" else "m_score"
    r, f, m = (scores[k].astype("float64") for k in ("r_score", "f_score", value))
    hi, lo, core = s["potential_high_score"], s["potential_low_score"], s["core_min_score"]
    choices = [
        (so_far["orders"] <= 0, "prospect"),
        (days >= s["dormant_days"], "win_back"),
        (first_age <= s["new_customer_days"], "new"),
        ((r >= core) & (f >= core) & (m >= core), "core"),
        ((m >= hi) & (f <= lo), "potential_high_value"),
        ((f >= hi) & (m <= lo), "potential_frequent"),
    ]
    out = pd.Series("regular", index=so_far.index, dtype="object")
    for cond, key in reversed(choices):
        out = out.mask(cond.fillna(False).to_numpy(), key)
    return out

"""R, F, M scores 1-5, the R x F segment grid, and the value class.

R and M are percentiles among purchasing customers with ties averaged, so equal customers
always share a score and row order never matters; scaling every amount changes no M score.
F uses fixed order-count thresholds from Settings, so one more order never lowers F.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from .base import OutputColumn
from .labels import translate

OUTPUTS = (
    OutputColumn(
        "r_score",
        "R score",
        "R 分",
        "integer",
        7,
        "Recency 1-5: percentile of days since the last purchase among buyers (fewer days, higher score; ties share the average percentile).",
        "最近购买 1-5 分：在有购买的客户中按距上次购买天数的百分位（天数越少分越高；并列取平均百分位）。",
    ),
    OutputColumn(
        "f_score",
        "F score",
        "F 分",
        "integer",
        7,
        "Frequency 1-5 from the order count and the thresholds in Settings (default 1 / 2 / 3-4 / 5-9 / 10+ orders).",
        "购买频率 1-5 分：按订单数和设置中的门槛（默认 1 / 2 / 3-4 / 5-9 / 10+ 单）。",
    ),
    OutputColumn(
        "m_score",
        "M score",
        "M 分",
        "integer",
        7,
        "Monetary 1-5: percentile of net revenue among buyers (ties share the average percentile).",
        "消费金额 1-5 分：在有购买的客户中按净收入的百分位（并列取平均百分位）。",
    ),
    OutputColumn(
        "rfm",
        "RFM",
        "RFM",
        "text",
        6,
        "The three scores side by side, e.g. 545.",
        "三个分数连写，例如 545。",
    ),
    OutputColumn(
        "rfm_segment",
        "RFM segment",
        "RFM 分群",
        "text",
        18,
        "The R x F grid: R5F1 New; R4-5F2-3 Potential loyalist; R5F4-5 Champions; R4F1 Promising; R3-4F4-5 Loyal; R3F1-2 About to sleep; R3F3 Need attention; R1-2F1-2 Hibernating; R1-2F3-4 At risk; R1-2F5 Can't lose.",
        "R x F 网格：R5F1 新客户；R4-5F2-3 潜在忠诚客户；R5F4-5 冠军客户；R4F1 有潜力客户；R3-4F4-5 忠诚客户；R3F1-2 即将沉睡；R3F3 需要关注；R1-2F1-2 沉睡客户；R1-2F3-4 有流失风险；R1-2F5 不能失去。",
    ),
    OutputColumn(
        "value_class",
        "Value class",
        "价值分类",
        "text",
        22,
        "First that applies: Prospect (no purchase); Win-back (no purchase for the dormant days); New (first purchase within the new-customer days); Core (R, F and M all at least the core score); Potential: high value, low frequency (M high, F low); Potential: frequent, low value (F high, M low); else Regular.",
        "按顺序取第一个符合的：潜在客户（无购买）；待挽回客户（超过沉睡天数未购买）；新客户（首次购买在新客户期内）；核心客户（R、F、M 均不低于核心分）；潜力客户：高价值低频（M 高 F 低）；潜力客户：高频低价值（F 高 M 低）；其余为一般客户。",
    ),
)

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
    """1-5 from the percentile rank, ties averaged: ceil(5 * average rank / n)."""
    if values.empty:
        return pd.Series(dtype="Int64", index=values.index)
    pct = values.rank(method="average", pct=True)
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
    lang = s["language"]
    buyers = so_far["orders"] > 0
    out = pd.DataFrame(index=so_far.index)
    out["r_score"] = percentile_score(
        -so_far.loc[buyers, "days_since_last"].astype("float64")
    ).reindex(so_far.index)
    out["f_score"] = threshold_score(
        so_far["orders"].where(buyers), f_thresholds(s["rfm_f_thresholds"])
    ).astype("Int64")
    out["m_score"] = percentile_score(so_far.loc[buyers, "revenue"]).reindex(so_far.index)
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
    out["rfm_segment"] = translate(keys, lang)
    out["value_class"] = translate(value_class(so_far, out, s), lang)
    return out


def value_class(so_far: pd.DataFrame, scores: pd.DataFrame, s: dict) -> pd.Series:
    days = so_far["days_since_last"].astype("float64")
    first_age = (pd.Timestamp(s["as_of"]) - pd.to_datetime(so_far["first_purchase"])).dt.days
    r, f, m = (scores[k].astype("float64") for k in ("r_score", "f_score", "m_score"))
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

"""The customer pyramid (A/B/C/D), spend trend, rising stars and slipping major customers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..book import Book
from .base import OutputColumn
from .facts import orders, per_customer
from .labels import translate

OUTPUTS = (
    OutputColumn(
        "pyramid",
        "Pyramid class",
        "金字塔分级",
        "text",
        9,
        "A = top 1% of buyers by net revenue (or profit, per Settings), B = next 4%, C = next 15%, D = the rest. Class sizes are the shares of the number of buyers, rounded half up; customers tied at a boundary all get the higher class. No purchase, no class.",
        "按净收入（或按设置用利润）排名：A = 前 1%，B = 其后 4%，C = 其后 15%，D = 其余。各级人数按有购买客户数乘比例四舍五入；边界上并列的客户都归入较高一级。无购买则不分级。",
    ),
    OutputColumn(
        "trend",
        "Trend",
        "趋势",
        "text",
        9,
        "Net spend in the recent window (Settings, default 90 days) against the window before: rising or declining when it differs by more than the trend change %, else steady; inactive when both are zero.",
        "近期窗口（默认 90 天）的净消费与前一窗口相比：变化超过趋势阈值为上升或下降，否则平稳；两个窗口都为零则为无购买。",
    ),
    OutputColumn(
        "rising_star",
        "Rising star",
        "明日之星",
        "text",
        8,
        "yes for a C customer whose daily spend in the recent window is at least the daily spend of the smallest B customer over the whole history.",
        "C 类客户近期窗口的日均消费不低于 B 类最低客户在全部历史中的日均消费时为“是”。",
    ),
    OutputColumn(
        "slipping",
        "Slipping",
        "增长停滞",
        "text",
        8,
        "yes for an A or B customer whose recent order count or spend is not above the window before: ask why.",
        "A 或 B 类客户近期订单数或消费未超过前一窗口时为“是”：需要了解原因。",
    ),
)


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
    basis = so_far["revenue"]
    if s["pyramid_basis"] == "profit" and "profit" in ords.columns:
        basis = per_customer(book, ords.groupby("customer_id")["profit"].sum()).fillna(0)
    pcts = [s["pyramid_a_pct"], s["pyramid_b_pct"], s["pyramid_c_pct"]]
    out["pyramid"] = pyramid_class(basis[buyers], pcts).reindex(so_far.index)

    as_of = pd.Timestamp(s["as_of"])
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
    out["trend"] = translate(pd.Series(trend, index=so_far.index).where(buyers), s["language"])

    span = max(w, (as_of - ords["date"].min()).days + 1) if len(ords) else w
    b_values = basis[out["pyramid"] == "B"]
    star = pd.Series(False, index=so_far.index)
    if len(b_values):
        star = (out["pyramid"] == "C") & (win["recent"] / w >= b_values.min() / span)
    slip = out["pyramid"].isin(["A", "B"]) & (
        (win["recent_n"] <= win["prev_n"]) | (win["recent"] <= win["prev"])
    )
    yes_no = {True: "yes", False: "no"}
    out["rising_star"] = translate(star.fillna(False).map(yes_no).where(buyers), s["language"])
    out["slipping"] = translate(slip.fillna(False).map(yes_no).where(buyers), s["language"])
    return out

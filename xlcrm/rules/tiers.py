"""Membership tiers from cumulative (or rolling) spend and order counts, with a keep period.

Qualification at a day: the customer's net spend and order count up to that day reach the
Silver or Gold threshold (spend OR orders): since the first purchase (tier_window_months 0, the
method's cumulative spend or order count), or over the rolling window of that many months. A tier reached
at a purchase is kept for tier_keep_months after that purchase, so a customer does not drop a
tier the month after a quiet spell or a refund. Everything is computed with sorted keys and
cumulative sums: no loop over customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..keys import positions
from .calendar import civil, from_civil

DAY0 = pd.Timestamp("1970-01-01")
SHIFT = np.int64(1) << np.int64(32)
BEFORE_ALL = np.int64(1) << np.int64(31)  # a day number below any purchase's


def day_number(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Days since 1970-01-01 (floored), as integers."""
    values = np.asarray(dates.to_numpy() if hasattr(dates, "to_numpy") else dates)
    if values.dtype.kind == "M" and not np.isnat(values).any():  # numpy floors to the day
        return values.astype("datetime64[D]").astype(np.int64)
    return ((pd.to_datetime(dates) - DAY0) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)


def months_before(days: np.ndarray, months: int) -> np.ndarray:
    """Calendar-month shift (31 Mar - 1 month = 28/29 Feb), through a table of the day range:
    a million sales span a few hundred distinct days, and shifting those is all it costs."""
    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return days.copy()
    lo, hi = int(days.min()), int(days.max())
    year, month, day = civil(np.arange(lo, hi + 1, dtype=np.int64))
    total = year * 12 + (month - 1) - months  # months since year 0, shifted
    year, month = total // 12, total % 12 + 1
    length = from_civil(year + (month == 12), month % 12 + 1, 1) - from_civil(year, month, 1)
    return from_civil(year, month, np.minimum(day, length))[days - lo]


def _query_order(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The order of (customer, day) queries; a calendar shift of the day keeps it."""
    q = np.asarray(code, dtype=np.int64) * SHIFT + np.asarray(day, dtype=np.int64)
    if len(q) < 2 or bool((q[1:] >= q[:-1]).all()):
        return np.arange(len(q))
    return np.argsort(q, kind="stable")


class TierModel:
    """Per-order rolling totals and qualification, ready to answer 'tier at day T'."""

    def __init__(self, orders: pd.DataFrame, codes: pd.Index, settings: dict) -> None:
        s = settings
        self.window, self.keep = int(s["tier_window_months"]), int(s["tier_keep_months"])
        self.thresholds = [
            (float(s["silver_spend"]), int(s["silver_orders"])),
            (float(s["gold_spend"]), int(s["gold_orders"])),
        ]
        code = positions(codes, orders["customer_id"])
        known = code >= 0  # an order of a customer not on the Customers sheet counts for none
        code = code[known]
        day = day_number(orders["date"])[known]
        order = np.lexsort((day, code))
        self.code, self.day = code[order], day[order]
        amount = orders["amount"].to_numpy(dtype="float64")[known][order]
        self.keys = self.code.astype(np.int64) * SHIFT + self.day
        self.cum_spend = np.concatenate([[0.0], np.cumsum(amount)])
        self.cum_orders = np.concatenate([[0], np.cumsum(amount > 0)])
        spend, count = self.rolling(self.code, self.day)
        self.level = self.qualify(spend, count)
        self.cum_level = {lv: np.concatenate([[0], np.cumsum(self.level >= lv)]) for lv in (1, 2)}

    def rolling(
        self, code: np.ndarray, day: np.ndarray, order: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Net spend and orders in the window ending on ``day`` (inclusive), per query."""
        order = _query_order(code, day) if order is None else order
        hi = self._search(code * SHIFT + day, order)
        lo = self._search(code * SHIFT + self._window_start(day), order)
        return self.cum_spend[hi] - self.cum_spend[lo], self.cum_orders[hi] - self.cum_orders[lo]

    def _window_start(self, day: np.ndarray) -> np.ndarray:
        """The day before the window: a calendar shift, or before any purchase (cumulative)."""
        if self.window <= 0:
            return np.full(len(day), -BEFORE_ALL, dtype=np.int64)
        return months_before(day, self.window)

    def _search(self, queries: np.ndarray, order: np.ndarray) -> np.ndarray:
        """searchsorted with the queries in key order: a million random probes into a million
        keys miss the cache on every probe, sorted ones walk the keys once."""
        out = np.empty(len(queries), dtype=np.int64)
        out[order] = np.searchsorted(self.keys, queries[order], side="right")
        return out

    def qualify(self, spend: np.ndarray, count: np.ndarray) -> np.ndarray:
        level = np.zeros(len(spend), dtype=np.int64)
        for lv, (min_spend, min_orders) in enumerate(self.thresholds, start=1):
            hit = spend >= min_spend - 1e-9
            if min_orders > 0:
                hit |= count >= min_orders
            level[hit] = lv
        return level

    def tier_at(self, code: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Tier on ``day``: qualified now, or at a purchase within the keep period before it."""
        order = _query_order(code, day)
        spend, count = self.rolling(code, day, order)
        tier = self.qualify(spend, count)
        hi = self._search(code * SHIFT + day, order)
        lo = self._search(code * SHIFT + months_before(day, self.keep), order)
        for lv in (1, 2):
            held = (self.cum_level[lv][hi] - self.cum_level[lv][lo]) > 0
            tier = np.where(held & (tier < lv), lv, tier)
        return tier

    def since(self, level_by_code: np.ndarray, day: int) -> np.ndarray:
        """Per customer code: first day of the unbroken run of qualifying purchases that holds
        the given level on ``day`` (-1 where there is none)."""
        out = np.full(len(level_by_code), -1, dtype=np.int64)
        need = level_by_code[self.code] if len(self.code) else np.zeros(0, dtype=np.int64)
        ok = (need > 0) & (self.level >= need) & (self.day <= day)
        if not ok.any():
            return out
        c, d = self.code[ok], self.day[ok]
        keep_end = months_before(d, -self.keep)  # the day each purchase's keep period ends
        new_run = np.ones(len(c), dtype=bool)
        new_run[1:] = (c[1:] != c[:-1]) | (d[1:] > keep_end[:-1])
        starts = pd.Series(np.where(new_run, d, np.nan)).ffill().to_numpy()
        last_start = pd.Series(starts).groupby(c).last()
        out[last_start.index.to_numpy()] = last_start.to_numpy().astype(np.int64)
        return out

"""Loyalty outputs per customer: points earned, redeemed, expired, balance, expiring soon; tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..crosschecks import problem_at
from ..keys import positions
from ..problems import ERROR, Problem
from .base import declare
from .ledger import as_date, ledger
from .tiers import day_number

TIERS = np.array(["standard", "silver", "gold"], dtype=object)  # by level 0, 1, 2
OUTPUTS = declare(
    "points_earned points_redeemed points_expired points_balance points_expiring"
    " points_expiring_on tier tier_since tier_change tier_gap"
)


def prepare(book: Book) -> None:
    """The ledger needs no other family's columns: built ahead, on a worker thread."""
    ledger(book)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    led = ledger(book)
    ids = book.frame("customers")["customer_id"]
    code = positions(led.codes, ids)
    known = code >= 0
    out = {}  # the columns, in order: one frame made of them at the end
    per = led.per_customer.reindex(np.where(known, code, -1))
    per.index = so_far.index
    for src, dst in (
        ("earned_total", "points_earned"),
        ("redeemed_total", "points_redeemed"),
        ("expired_total", "points_expired"),
        ("balance", "points_balance"),
        ("expiring", "points_expiring"),
    ):
        out[dst] = per[src].astype("Int64")
    out["points_expiring_on"] = as_date(per["expiring_on"]).where(per["expiring"] > 0)
    as_of = int(day_number(pd.Series([pd.Timestamp(book.as_of)]))[0])
    c = np.where(known, code, 0).astype(np.int64)
    now = led.tiers.tier_at(c, np.full(len(c), as_of))
    before = led.tiers.tier_at(c, np.full(len(c), as_of - 30))
    out["tier"] = pd.Series(TIERS[now], index=so_far.index, dtype="string").where(known)
    level_by_code = np.zeros(len(led.codes), dtype=np.int64)
    level_by_code[c[known]] = now[known]
    since = led.tiers.since(level_by_code, as_of)[c]
    out["tier_since"] = as_date(pd.Series(since, index=so_far.index)).where((since >= 0) & known)
    first = pd.to_datetime(so_far["first_purchase"])
    joined = book.frame("customers")["joined"]
    start = joined.fillna(first)
    is_new = (start > pd.Timestamp(book.as_of) - pd.Timedelta(days=30)).fillna(False).to_numpy()
    change = np.select([is_new, now > before, now < before], ["new", "up", "down"], "same")
    out["tier_change"] = pd.Series(change, index=so_far.index, dtype="string").where(known)
    gaps = _gaps(led, c, now, as_of, s).set_axis(so_far.index)
    for col in gaps.columns:
        out[col] = gaps[col].where(known)
    return pd.DataFrame(out, index=so_far.index)


def _gaps(led, code: np.ndarray, now: np.ndarray, as_of: int, s: dict) -> pd.DataFrame:
    """The next tier (blank at Gold) and what is still needed over the rolling window: spend,
    and orders where that tier has an order threshold."""
    spend, count = led.tiers.rolling(code, np.full(len(code), as_of))
    target = np.minimum(now + 1, 2)
    need_spend = np.where(
        target == 2, float(s["gold_spend"]), float(s["silver_spend"])
    ) - np.asarray(spend, dtype="float64")
    threshold = np.where(target == 2, int(s["gold_orders"]), int(s["silver_orders"]))
    need_orders = threshold - np.asarray(count, dtype=np.int64)
    top = now >= 2
    return pd.DataFrame(
        {
            "tier_gap": pd.Series(TIERS[target], dtype="string").mask(top),
            "tier_gap__spend": pd.Series(np.maximum(need_spend, 0.0)).mask(top),
            "tier_gap__orders": pd.Series(np.maximum(need_orders, 0), dtype="Int64").mask(
                top | (threshold <= 0) | (need_orders <= 0)
            ),
        }
    )


def problems(book: Book) -> list[Problem]:
    """A redemption larger than the balance on its date is an error naming the row."""
    if book.frame("redemptions").empty:
        return []  # nothing can be over-redeemed: validating need not build the ledger
    led = ledger(book)
    sheet = book.sheets["redemptions"]
    return [
        problem_at(
            sheet,
            "points",
            int(r["row"]),
            str(-int(r["points"])),
            ERROR,
            "over_redeemed",
            available=int(r["available"]),
        )
        for _, r in led.over_redeemed.iterrows()
    ]


def ledger_frame(book: Book) -> pd.DataFrame:
    """Every listed ledger event: date, customer, rule (a code), source, points, balance.

    The source is data, not words: an order ID, a year, a customer ID, or for feedback and
    redemptions the Excel row (and reward) on their sheet.
    """
    led = ledger(book)
    ev = led.events
    ids = led.codes.to_numpy()
    return pd.DataFrame(
        {
            "date": as_date(ev["day"]),
            "customer_id": pd.Series(ids[ev["code"].to_numpy()], dtype="string"),
            "rule": ev["rule"],
            "source": ev["source"],
            "points": ev["points"],
            "balance": ev["balance"],
        }
    )

"""Loyalty outputs per customer: points earned, redeemed, expired, balance, expiring soon; tier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import positions
from ..problems import ERROR, Problem
from .base import OutputColumn
from .labels import say, tier_name, translate
from .ledger import as_date, ledger
from .tiers import day_number

OUTPUTS = (
    OutputColumn(
        "points_earned",
        "Points earned",
        "累计积分",
        "integer",
        10,
        "All points earned up to the as-of date: purchases (points per currency unit of each order's net amount, rounded per order, times the tier multiplier held before the order), minus refunds, plus sign-up, birthday, referral and feedback bonuses.",
        "截至日期前获得的全部积分：消费积分（每单净额乘每元积分，按单取整，再乘下单前所在等级的倍数），减退款，加注册、生日、推荐和反馈奖励。",
    ),
    OutputColumn(
        "points_redeemed",
        "Points redeemed",
        "已兑换积分",
        "integer",
        10,
        "Sum of the Redemptions sheet up to the as-of date.",
        "积分兑换表中截至日期前的合计。",
    ),
    OutputColumn(
        "points_expired",
        "Points expired",
        "已过期积分",
        "integer",
        10,
        "Points not redeemed within the expiry months of being earned, oldest used first.",
        "获得后在有效期内未使用而过期的积分（先获得的先使用）。",
    ),
    OutputColumn(
        "points_balance",
        "Points balance",
        "积分余额",
        "integer",
        10,
        "Earned - redeemed - expired. Recomputed from the sheets on every run.",
        "累计 - 已兑换 - 已过期。每次运行都从表格重新计算。",
    ),
    OutputColumn(
        "points_expiring",
        "Points expiring in 30 days",
        "30天内到期积分",
        "integer",
        10,
        "Points that expire within the points-expiry-warning days unless redeemed.",
        "如不使用，将在提醒天数内过期的积分。",
    ),
    OutputColumn(
        "points_expiring_on",
        "Points expire on",
        "积分到期日",
        "date",
        12,
        "The first day some of those points expire.",
        "其中最早过期的日期。",
    ),
    OutputColumn(
        "tier",
        "Tier",
        "会员等级",
        "text",
        10,
        "Gold or Silver when net spend or orders over the rolling tier window reach the thresholds in Settings; a tier reached at a purchase is kept for the keep months after it.",
        "考核期内净消费或订单数达到设置中的门槛为金卡或银卡；在某次消费时达到的等级自该次消费起至少保留设定的月数。",
    ),
    OutputColumn(
        "tier_since",
        "Tier since",
        "等级起始日",
        "date",
        12,
        "First purchase of the unbroken run that holds the current tier; blank for Standard.",
        "保持当前等级的连续期的第一次消费日期；普通会员留空。",
    ),
    OutputColumn(
        "tier_change",
        "Tier change",
        "等级变化",
        "text",
        9,
        "The tier now against the tier 30 days before the as-of date, from the data: new, up, down or same.",
        "与截至日期 30 天前（按数据计算）的等级相比：新会员、升级、降级或不变。",
    ),
    OutputColumn(
        "tier_gap",
        "To next tier",
        "距下一等级",
        "text",
        28,
        "What the customer still needs over the rolling window to reach the next tier.",
        "在考核期内还需多少消费或订单才能升到下一等级。",
    ),
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
    out = pd.DataFrame(index=so_far.index)
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
    names = {lv: tier_name(lv, s) for lv in (0, 1, 2)}
    out["tier"] = pd.Series([names[t] for t in now], index=so_far.index, dtype="string").where(
        known
    )
    level_by_code = np.zeros(len(led.codes), dtype=np.int64)
    level_by_code[c[known]] = now[known]
    since = led.tiers.since(level_by_code, as_of)[c]
    out["tier_since"] = as_date(pd.Series(since, index=so_far.index)).where((since >= 0) & known)
    first = pd.to_datetime(so_far["first_purchase"])
    joined = book.frame("customers")["joined"]
    start = joined.fillna(first)
    is_new = (start > pd.Timestamp(book.as_of) - pd.Timedelta(days=30)).fillna(False).to_numpy()
    change = np.select(
        [is_new, now > before, now < before], ["tier_new", "tier_up", "tier_down"], "tier_same"
    )
    out["tier_change"] = translate(
        pd.Series(change, index=so_far.index).where(known), s["language"]
    )
    out["tier_gap"] = _gaps(led, c, now, as_of, s).set_axis(so_far.index).where(known)
    return out


def _gaps(led, code: np.ndarray, now: np.ndarray, as_of: int, s: dict) -> pd.Series:
    spend, count = led.tiers.rolling(code, np.full(len(code), as_of))
    lang, cur = s["language"], s["currency"]
    out = []
    for level, sp, n in zip(now.tolist(), spend.tolist(), count.tolist(), strict=True):
        if level >= 2:
            out.append("")
            continue
        target = level + 1
        need_spend = max(0.0, float(s["gold_spend" if target == 2 else "silver_spend"]) - sp)
        need_orders = max(0, int(s["gold_orders" if target == 2 else "silver_orders"]) - n)
        name = tier_name(target, s)
        money = (
            f"{cur}{need_spend:,.0f}"
            if need_spend == int(need_spend)
            else f"{cur}{need_spend:,.2f}"
        )
        if lang == "zh":
            text = f"再消费{money}升级{name}"
            if need_orders and int(s["gold_orders" if target == 2 else "silver_orders"]):
                text += f"（或再下{need_orders}单）"
        else:
            text = f"{money} more to reach {name}"
            if need_orders and int(s["gold_orders" if target == 2 else "silver_orders"]):
                text += f" (or {need_orders} more orders)"
        out.append(text)
    return pd.Series(out, dtype="string")


def problems(book: Book) -> list[Problem]:
    """A redemption larger than the balance on its date is an error naming the row."""
    if book.frame("redemptions").empty:
        return []  # nothing can be over-redeemed: validating need not build the ledger
    led = ledger(book)
    sheet = book.sheets.get("redemptions")
    out = []
    for _, r in led.over_redeemed.iterrows():
        row = int(r["row"])
        out.append(
            Problem(
                ERROR,
                sheet.name if sheet else "Redemptions",
                row,
                sheet.letters.get("points") if sheet else None,
                sheet.headers.get("points") if sheet else None,
                str(-int(r["points"])),
                f"redeems more points than the customer had on that day ({int(r['available'])} "
                "available); lower the points or check the date.",
                "over_redeemed",
            )
        )
    return out


def ledger_columns(book: Book) -> list[tuple[str, pd.Series]]:
    """The Points sheet body by column: date, customer, rule, source, points, balance."""
    led = ledger(book)
    ev = led.events
    lang = book.settings["language"]
    ids = led.codes.to_numpy()
    rules = {k: say(k, lang) for k in ev["rule"].unique()}
    return [
        ("date", as_date(ev["day"])),
        ("text", pd.Series(ids[ev["code"].to_numpy()], dtype="string")),
        ("text", ev["rule"].map(rules)),
        ("text", ev["source"]),
        ("integer", ev["points"]),
        ("integer", ev["balance"]),
    ]

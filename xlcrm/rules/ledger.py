"""The points ledger, rebuilt from the sheets on every run: nothing is added to a stored balance.

Events: purchase points per order (a later refund line takes back what its order earned), the
sign-up, birthday, referral and feedback bonuses, redemptions, and expiry. Expiry is FIFO
without a loop: with E(t) the points of all lots expired by t and C(t) all points redeemed by
t, the points expired by t are X(t) = max(0, max over s <= t of E(s) - C(s)).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align, positions
from ..record import record
from .facts import orders as order_table
from .facts import sales_in_scope
from .tiers import DAY0, TierModel, day_number, months_before

KIND_ORDER = {"expiry": 0, "earn": 1, "redeem": 2}  # within a day: expire, earn, then redeem
# the rule of each event as a small number; its name is looked up only for the Points sheet
RULES = (
    "expiry",
    "purchase",
    "refund",
    "signup",
    "birthday",
    "referral",
    "referral_welcome",
    "feedback",
    "redemption",
)
RULE_CODE = {r: np.int8(i) for i, r in enumerate(RULES)}


@record(frozen=True)
class RowRef:
    """Where a bonus or redemption came from: a row of a sheet (and what was redeemed)."""

    kind: str
    row: int
    note: str = ""


@record
class Ledger:
    """Every points event of every customer with running balances, built once per run: the
    loyalty family, the checks and the Points sheet all read it."""

    trail: dict[str, np.ndarray]  # every event, sorted by customer and day, with balances
    texts: pd.DataFrame  # rule code and (with the Points sheet on) source of each event
    per_customer: pd.DataFrame  # earned, redeemed, expired, balance, expiring, expiring_on
    over_redeemed: pd.DataFrame  # redemption rows larger than the balance on their date
    tiers: TierModel
    codes: pd.Index

    @cached_property
    def listed(self) -> pd.DataFrame:
        """code, day, src (row of texts, -1 = expiry), points, balance: expiry rows only
        where points really expired. Only the Points sheet needs it: built when asked."""
        now = self.trail["now"]
        t = {name: a[now] for name, a in self.trail.items()}
        code, expired, is_exp = t["code"], t["expired"], t["is_exp"]
        step = np.diff(expired, prepend=0)
        first_of_customer = np.concatenate([[True], code[1:] != code[:-1]])
        step = np.where(first_of_customer, expired, step)
        shown = ~is_exp | (step > 0)
        return pd.DataFrame(
            {
                "code": code[shown],
                "day": t["day"][shown],
                "src": t["src"][shown],
                "points": np.where(is_exp, -step, t["points"])[shown],
                "balance": t["balance"][shown],
            }
        )

    @property
    def events(self) -> pd.DataFrame:
        """Every listed event with its rule and source: what the Points sheet shows."""
        src = self.listed["src"].to_numpy()
        has = src >= 0
        rule = np.full(len(src), "expiry", dtype=object)
        source = np.full(len(src), "", dtype=object)
        rule[has] = np.array(RULES, dtype=object)[self.texts["rule"].to_numpy()[src[has]]]
        if "source" in self.texts:
            source[has] = self.texts["source"].to_numpy()[src[has]]
        return self.listed.assign(rule=rule, source=source)


def ledger(book: Book) -> Ledger:
    if "ledger" not in book.cache:
        book.cache["ledger"] = _build(book)
    return book.cache["ledger"]


def _points(x: np.ndarray, rounding: str) -> np.ndarray:
    x = np.asarray(x, dtype="float64")
    pts = np.floor(x + 0.5) if rounding == "nearest" else np.floor(x + 1e-9)
    return pts.astype(np.int64)


def _expiry_day(day: np.ndarray, months: int) -> np.ndarray:
    if months <= 0:
        return np.full(len(day), np.iinfo(np.int64).max // 4, dtype=np.int64)
    return months_before(day, -months)


def _build(book: Book) -> Ledger:
    s = book.settings
    as_of = int(day_number(pd.Series([pd.Timestamp(book.as_of)]))[0])
    customers = book.frame("customers")
    codes = pd.Index(customers["customer_id"].dropna().unique())
    orders = _order_points_base(book)
    tiers = TierModel(orders[["customer_id", "date", "amount"]], codes, s)
    parts = [
        _purchase_events(orders, codes, tiers, s),
        *_bonus_events(book, codes, orders, s),
        _redemption_events(book, codes),
    ]
    ev = Events.concat(parts, texts=bool(s.get("points_sheet")))
    months = int(s["points_expiry_months"])
    day, k = ev["day"], ev["k"]
    expires = np.where(k == KIND_ORDER["earn"], _expiry_day(ev["lot_day"], months), 0)
    # a refund after its lot expired has nothing left to take back
    late = (ev["rule"] == RULE_CODE["refund"]) & (day >= expires)
    keep = (day <= as_of) & ~late
    ev["expires"] = expires
    if not keep.all():
        ev = ev.where(keep)
    return _settle(ev, codes, as_of, tiers)


class Events(dict):
    """Ledger events as columns of numpy arrays: a DataFrame's bookkeeping would cost more
    than the arithmetic at a million events. ``source`` (text) is present only when the
    Points sheet will list it."""

    NUMBERS = ("row", "code", "day", "lot_day", "k", "rule", "points")

    def __len__(self) -> int:
        return len(self["code"])

    def where(self, mask: np.ndarray) -> Events:
        return Events({name: col[mask] for name, col in self.items()})

    @classmethod
    def concat(cls, parts: list[Events], texts: bool) -> Events:
        names = [*cls.NUMBERS, "source"] if texts else list(cls.NUMBERS)
        return cls({n: np.concatenate([p[n] for p in parts]) for n in names})


def _empty_events() -> Events:
    return _frame([], [], [], "earn", "purchase", [], [])


def _order_points_base(book: Book) -> pd.DataFrame:
    """Per order: first day, positive amount, net amount, and the day of its last refund line."""
    cols = ["customer_id", "order_id", "date", "amount", "positive", "refund_date"]
    if sales_in_scope(book).empty:
        return pd.DataFrame(columns=cols)
    return order_table(book)[cols]


def _frame(code, day, lot_day, kind, rule, source, points, rows=None) -> Events:
    """Events of one rule; ``source`` None (no Points sheet) leaves the text column out."""
    n = len(code)
    events = Events(
        row=np.full(n, -1, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64),
        code=np.asarray(code, dtype=np.int64),
        day=np.asarray(day, dtype=np.int64),
        lot_day=np.asarray(lot_day, dtype=np.int64),
        k=np.full(n, KIND_ORDER[kind], dtype=np.int64),
        rule=np.full(n, RULE_CODE[rule], dtype=np.int8),
        points=np.asarray(points, dtype=np.int64),
    )
    if source is not None:
        events["source"] = np.empty(n, dtype=object)
        events["source"][:] = list(source)
    return events


def _purchase_events(orders: pd.DataFrame, codes: pd.Index, tiers: TierModel, s: dict) -> Events:
    if orders.empty:
        return _empty_events()
    code = positions(codes, orders["customer_id"])
    keep = code >= 0
    orders, code = orders[keep], code[keep]
    day = day_number(orders["date"])
    tier_before = tiers.tier_at(code.astype(np.int64), day - 1)
    mult = np.select(
        [tier_before == 2, tier_before == 1],
        [float(s["gold_points_multiplier"]), float(s["silver_points_multiplier"])],
        1.0,
    )
    rate = float(s["points_per_unit"]) * mult
    rounding = s["points_rounding"]
    earned = _points(orders["positive"].to_numpy() * rate, rounding)
    net = _points(np.maximum(orders["amount"].to_numpy(), 0) * rate, rounding)
    # the order IDs are only listed on the Points sheet; without it, skip a million strings
    source = (
        orders["order_id"].astype("string").fillna("").tolist() if s.get("points_sheet") else None
    )
    buys = _frame(code, day, day, "earn", "purchase", source, earned)
    refunded = (net < earned) & orders["refund_date"].notna().to_numpy()
    rday = day_number(orders.loc[refunded, "refund_date"]) if refunded.any() else np.zeros(0)
    back = _frame(
        code[refunded],
        rday,
        day[refunded],
        "earn",
        "refund",
        None if source is None else [src for src, r in zip(source, refunded, strict=True) if r],
        net[refunded] - earned[refunded],
    )
    return Events.concat([buys.where(buys["points"] != 0), back], texts=source is not None)


def _bonus_events(book: Book, codes: pd.Index, orders: pd.DataFrame, s: dict) -> list:
    customers = book.frame("customers")
    ids = customers["customer_id"]
    code = positions(codes, ids)
    valid = code >= 0
    out = []
    first_buy = (
        orders[orders["amount"] > 0].groupby("customer_id")["date"].min()
        if len(orders)
        else pd.Series(dtype="datetime64[ns]")
    )
    joined = customers["joined"] if "joined" in customers else pd.Series(pd.NaT, index=ids.index)
    if s["signup_bonus"] and joined.notna().any():
        m = valid & joined.notna().to_numpy()
        d = day_number(joined[m])
        out.append(
            _frame(
                code[m],
                d,
                d,
                "earn",
                "signup",
                [""] * int(m.sum()),
                np.full(int(m.sum()), int(s["signup_bonus"])),
            )
        )
    member_since = joined.fillna(align(first_buy, ids))
    if s["birthday_bonus"] and "birthday" in customers:
        out.append(_birthdays(customers["birthday"], member_since, code, valid, book, s))
    if "referred_by" in customers and (s["referral_bonus"] or s["referral_welcome_bonus"]):
        out += _referrals(customers, codes, first_buy, s)
    out.append(_feedback(book, codes, s))
    return out


def _birthdays(birthday, member_since, code, valid, book: Book, s: dict) -> Events:
    m = valid & birthday.notna().to_numpy() & member_since.notna().to_numpy()
    if not m.any():
        return _empty_events()
    b, since, c = birthday[m], member_since[m], code[m]
    first_year = since.dt.year.to_numpy()
    years = book.as_of.year - first_year + 1
    years = np.clip(years, 0, 200)
    rep = np.repeat(np.arange(len(b)), years)
    year = first_year[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(years) - years, years))
    month, day = b.dt.month.to_numpy()[rep], b.dt.day.to_numpy()[rep]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where((month == 2) & (day == 29) & ~leap, 28, day)  # 29 Feb -> 28 Feb
    months = (year - 1970) * 12 + (month - 1)  # numpy's month numbers, then the day in it
    d = (months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)).astype(np.int64)
    ok = d >= day_number(since)[rep]
    return _frame(
        c[rep][ok],
        d[ok],
        d[ok],
        "earn",
        "birthday",
        [str(y) for y in year[ok]],
        np.full(int(ok.sum()), int(s["birthday_bonus"])),
    )


def _referrals(customers, codes: pd.Index, first_buy: pd.Series, s: dict) -> list:
    ref = customers["referred_by"]
    ids = customers["customer_id"]
    m = ref.notna() & ids.notna() & (ref != ids)
    new_ids, referrer = ids[m], ref[m]
    when = align(first_buy, new_ids)
    if s.get("referral_bonus_on", "joined") == "joined" and "joined" in customers:
        joined = customers.loc[new_ids.index, "joined"]
        when = joined.where(joined.notna(), when)  # no joined date: the first purchase
    ok = when.notna().to_numpy() & (positions(codes, referrer) >= 0)
    new_ids, referrer, when = new_ids[ok], referrer[ok], when[ok]
    d = day_number(when)
    out = []
    # the referrer's bonus names the new customer; the new customer's names the referrer
    for rule, to, source in (
        ("referral", referrer, new_ids),
        ("referral_welcome", new_ids, referrer),
    ):
        bonus = int(s[f"{rule}_bonus"])
        if bonus:
            points = np.full(len(d), bonus)
            out.append(
                _frame(
                    positions(codes, to), d, d, "earn", rule, source.astype(str).tolist(), points
                )
            )
    return out


def _feedback(book: Book, codes: pd.Index, s: dict) -> Events:
    """A bonus per feedback or survey contact, up to the monthly cap per customer: the
    earliest of each month count (by day, then sheet row)."""
    contacts = book.frame("contacts")
    if not s["feedback_bonus"] or contacts.empty or "kind" not in contacts:
        return _empty_events()
    taken = (contacts["kind"].isin(["feedback", "survey"]) & contacts["date"].notna()).to_numpy()
    code = positions(codes, contacts["customer_id"][taken])
    dates = contacts["date"].to_numpy(dtype="datetime64[ns]")[taken]
    rows = contacts.index.to_numpy()[taken]
    order = np.lexsort((rows, dates, code))  # by customer, day, row
    order = order[code[order] >= 0]
    code, dates, rows = code[order], dates[order], rows[order]
    month = dates.astype("datetime64[M]").astype(np.int64)
    starts = np.ones(len(code), dtype=bool)  # each (customer, month) is a run of rows
    starts[1:] = (code[1:] != code[:-1]) | (month[1:] != month[:-1])
    first = np.flatnonzero(starts)[np.cumsum(starts) - 1]
    keep = np.arange(len(code)) - first < int(s["feedback_bonus_monthly_cap"])
    code, dates, rows = code[keep], dates[keep], rows[keep]
    d = dates.astype("datetime64[D]").astype(np.int64)
    return _frame(
        code,
        d,
        d,
        "earn",
        "feedback",
        [RowRef("contacts", int(r)) for r in rows],
        np.full(len(code), int(s["feedback_bonus"])),
    )


def _redemption_events(book: Book, codes: pd.Index) -> Events:
    r = book.frame("redemptions")
    if r.empty:
        return _empty_events()
    r = r[r["date"].notna() & r["points"].notna()]
    code = positions(codes, r["customer_id"])
    r, code = r[code >= 0], code[code >= 0]
    d = day_number(r["date"])
    reward = (
        r["reward"].astype("string").fillna("") if "reward" in r else pd.Series("", index=r.index)
    )
    source = [
        RowRef("redemptions", int(i), w) for i, w in zip(r.index, reward.tolist(), strict=True)
    ]
    return _frame(
        code,
        d,
        d,
        "redeem",
        "redemption",
        source,
        -np.round(r["points"].to_numpy()).astype(np.int64),
        rows=r.index,
    )


def _settle(ev: Events, codes: pd.Index, as_of: int, tiers: TierModel) -> Ledger:
    """Expiry, running balances, per-customer totals and over-redemptions, all vectorised.

    Only numbers are sorted and summed; the text columns (rule, source) of the events are
    gathered once, for the Points sheet, when it is asked for.
    """
    lot_code, lot_expires, lot_points = _lots(ev, as_of + 30)
    n_ev = len(ev)
    code = np.concatenate([ev["code"], lot_code])
    day = np.concatenate([ev["day"], lot_expires])
    k = np.concatenate([ev["k"], np.full(len(lot_code), KIND_ORDER["expiry"])])
    pts = np.concatenate([ev["points"], lot_points])
    src = np.concatenate([np.arange(n_ev), np.full(len(lot_code), -1)])  # -1: an expiry row
    order = np.lexsort((k, day, code))  # stable: same-day events keep their sheet order
    code, day, k, pts, src = code[order], day[order], k[order], pts[order], src[order]
    is_exp, is_earn, is_red = k == 0, k == 1, k == 2
    by = pd.Series(code)
    cum_e = _group_cumsum(np.where(is_exp, pts, 0), code)
    cum_c = _group_cumsum(np.where(is_red, -pts, 0), code)
    cum_earn = _group_cumsum(np.where(is_earn, pts, 0), code)
    expired = pd.Series(np.maximum(cum_e - cum_c, 0)).groupby(by).cummax().to_numpy()
    balance = cum_earn - cum_c - expired
    # redemptions larger than what was there just before them
    available = balance - np.where(is_red, pts, 0)
    bad = is_red & (available < -pts)
    rows = ev["row"]
    over = pd.DataFrame({"row": rows[src[bad]], "points": pts[bad], "available": available[bad]})
    now = day <= as_of
    per = pd.DataFrame(index=pd.RangeIndex(len(codes)))
    last = _last_of_group(code, now)
    for name, values in (
        ("earned_total", cum_earn),
        ("redeemed_total", cum_c),
        ("expired_total", expired),
        ("balance", balance),
    ):
        col = np.zeros(len(codes), dtype=np.int64)
        col[code[last]] = values[last]
        per[name] = col
    # points expiring within 30 days, if nothing more is redeemed
    soon = ~now & is_exp
    extra = expired[soon] - per["expired_total"].to_numpy()[code[soon]]
    pos = extra > 0
    sc, sd = code[soon][pos], day[soon][pos]
    per["expiring"] = (
        pd.Series(extra[pos]).groupby(sc).max().reindex(per.index).fillna(0).astype(np.int64)
    )
    per["expiring_on"] = pd.Series(sd).groupby(sc).min().reindex(per.index)
    trail = {
        "code": code,
        "day": day,
        "src": src,
        "points": pts,
        "balance": balance,
        "expired": expired,
        "is_exp": is_exp,
        "now": now,  # the rest are expiries still to come, within 30 days
    }
    texts = pd.DataFrame({c: ev[c] for c in ("rule", "source") if c in ev})
    return Ledger(trail, texts, per, over, tiers, codes)


def _lots(ev: Events, until: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points per (customer, day earned) that expire by ``until``: customer, expiry day, points.

    The expiry day is a function of the day earned, so one integer key per lot suffices; lots
    come out ordered by customer, then day earned.
    """
    earn = ev["k"] == KIND_ORDER["earn"]
    code, lot_day = ev["code"][earn], ev["lot_day"][earn]
    key = code * _LOT_SHIFT + (lot_day + _LOT_OFFSET)
    uniq, inv = np.unique(key, return_inverse=True)
    points = np.bincount(inv, weights=ev["points"][earn], minlength=len(uniq))
    expires = np.empty(len(uniq), dtype=np.int64)
    expires[inv] = ev["expires"][earn]
    keep = (points > 0) & (expires <= until)
    return uniq[keep] // _LOT_SHIFT, expires[keep], np.round(points[keep]).astype(np.int64)


_LOT_SHIFT, _LOT_OFFSET = np.int64(1) << np.int64(32), np.int64(1) << np.int64(31)


def _group_cumsum(values: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each customer; rows are sorted by customer."""
    total = np.cumsum(values, dtype=np.int64)
    if len(values) == 0:
        return total
    start = np.concatenate([[True], code[1:] != code[:-1]])
    return total - _carry(total - values, start)


def _carry(base: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Each row gets the value ``base`` had at the start of its customer's run."""
    idx = np.maximum.accumulate(np.where(start, np.arange(len(start)), 0))
    return base[idx]


def _last_of_group(code: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Positions of the last masked row of each customer (rows sorted by customer)."""
    pos = np.flatnonzero(mask)
    c = code[pos]
    end = np.concatenate([c[1:] != c[:-1], [True]]) if len(c) else np.zeros(0, dtype=bool)
    return pos[end]


def as_date(day: pd.Series) -> pd.Series:
    return DAY0 + pd.to_timedelta(day, unit="D")

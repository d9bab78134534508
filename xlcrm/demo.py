"""Seeded demo data: customers of a small coffee-and-tea shop, two years of their business.

It covers what the rules need to show: frequent and rare buyers, big and small spenders,
dormant customers, prospects, refunds, birthdays, referrals, open and resolved complaints.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EN_FIRST = [
    "Alice",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Henry",
    "Iris",
    "Jack",
    "Kate",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Peter",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
]
EN_LAST = [
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Lee",
    "Walker",
    "Wright",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Hughes",
]
ZH_SURNAME = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
ZH_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晨",
    "欣怡",
]
COMPANY = {
    "en": [
        "Bright Office Ltd",
        "Harbour Cafe",
        "Green Leaf Studio",
        "Metro Hotel",
        "Sunrise Bakery",
        "Blue Desk Co-working",
    ],
    "zh": ["晨光办公", "港湾咖啡", "绿叶工作室", "都市酒店", "朝阳烘焙", "蓝桌共享办公"],
}
CATALOGUE = {
    "Coffee": [("House blend 250g", 68), ("Single origin 250g", 118), ("Drip bags x10", 45)],
    "Tea": [("Oolong 100g", 88), ("Green tea 100g", 56), ("Tea gift box", 198)],
    "Pastry": [("Croissant", 15), ("Cheesecake slice", 32), ("Cookie box", 58)],
    "Gifts": [("Mug", 79), ("Gift card", 200), ("Tote bag", 49)],
    "Equipment": [("Pour-over kit", 268), ("Grinder", 899), ("Espresso machine", 3999)],
}
CATEGORY_ZH = {
    "Coffee": "咖啡",
    "Tea": "茶",
    "Pastry": "甜点",
    "Gifts": "礼品",
    "Equipment": "器具",
}
CHANNELS = {
    "en": ["phone", "wechat", "sms", "email", "wecom", "xiaohongshu", "douyin"],
    "zh": ["电话", "微信", "短信", "邮件", "企业微信", "小红书", "抖音"],
}
SATISFACTION = {
    "en": ["very satisfied", "satisfied", "needs improvement", 5, 4, 2],
    "zh": ["非常满意", "满意", "需改进", 5, 4, 2],
}
SATISFACTION_ODDS = [0.3, 0.35, 0.05, 0.1, 0.15, 0.05]
# holidays an English-speaking shop might greet on; a Chinese book gets China's festivals
EN_HOLIDAYS = [("New Year", 1, 1), ("Valentine's Day", 2, 14), ("Christmas", 12, 25)]
KINDS = {
    "en": ["call", "visit", "message", "complaint", "feedback", "survey", "referral"],
    "zh": ["回访", "拜访", "消息", "投诉", "反馈", "问卷", "推荐"],
}
# archetype: (share, mean days between orders, spend scale, active until days before as-of)
ARCHETYPES = {
    "frequent": (0.1, 16, 1.0, 0),
    "regular": (0.25, 50, 1.0, 0),
    "rare": (0.2, 160, 1.3, 0),
    "big": (0.04, 35, 6.0, 0),
    "dormant": (0.19, 50, 1.0, 240),
    "one_time": (0.14, 0, 1.0, 0),
    "prospect": (0.08, 0, 0.0, 0),
}


def demo_data(
    n: int, lang: str = "en", seed: int = 7, as_of: dt.date | None = None
) -> dict[str, pd.DataFrame]:
    """Frames keyed by sheet kind, columns named by schema keys. Drawn a column at a time:
    20,000 customers take a second or two, not minutes."""
    rng = np.random.default_rng(seed)
    as_of = as_of or dt.date.today()
    end = np.datetime64(as_of, "D")
    start = end - np.timedelta64(730, "D")
    customers = _customers(rng, n, lang, end)
    sales = _sales(rng, customers, lang, start, end)
    # nobody buys before they join: a first purchase before the joined date moves it earlier
    first = sales.groupby("customer_id")["date"].min()
    joined = pd.to_datetime(customers["joined"])
    earliest = customers["customer_id"].map(first)
    customers["joined"] = joined.where(earliest.isna() | (joined <= earliest), earliest)
    contacts = _contacts(rng, sales, lang, end)
    redemptions = _redemptions(rng, sales)
    customers = customers.drop(columns=["archetype"])
    data = {
        "customers": customers,
        "sales": sales,
        "contacts": contacts,
        "redemptions": redemptions,
    }
    # the shop's own day, a few days ahead, beside the calendar's holidays
    shop_day = (
        "Shop birthday sale" if lang == "en" else "店庆",
        (pd.Timestamp(end) + pd.Timedelta(days=4)).date(),
    )
    year = as_of.year
    if lang == "en":
        days = [(n, dt.date(y, m, d)) for y in (year, year + 1) for n, m, d in EN_HOLIDAYS]
        holidays = pd.DataFrame([*days, shop_day], columns=["holiday", "date"])
    else:
        from .template import chinese_festivals

        holidays = pd.concat(
            [chinese_festivals(year), pd.DataFrame([shop_day], columns=["holiday", "date"])]
        )
    data["holidays"] = holidays.sort_values("date", kind="stable").reset_index(drop=True)
    return data


def _pick(rng, choices, n: int, p=None) -> np.ndarray:
    return np.asarray(choices, dtype=object)[rng.choice(len(choices), size=n, p=p)]


def _blank(rng, values: np.ndarray, share: float) -> np.ndarray:
    """``values`` with about ``1 - share`` of them blank."""
    out = np.asarray(values, dtype=object).copy()
    out[rng.random(len(out)) >= share] = None
    return out


def _dates(year, month, day) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))


def _customers(rng, n: int, lang: str, end: np.datetime64) -> pd.DataFrame:
    width = max(4, len(str(n)))
    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width).radd("C")
    names_arch = list(ARCHETYPES)
    shares = np.array([ARCHETYPES[a][0] for a in names_arch])
    arche = _pick(rng, names_arch, n, shares / shares.sum())
    is_b = (arche == "big") | (rng.random(n) < 0.08)
    if lang == "zh":
        person = _pick(rng, ZH_SURNAME, n) + _pick(rng, ZH_GIVEN, n)
    else:
        person = _pick(rng, EN_FIRST, n) + " " + _pick(rng, EN_LAST, n)
    company = _pick(rng, COMPANY[lang], n) + " " + (np.arange(n) % 97 + 1).astype(str)
    names = np.where(is_b, company, person)
    parts = [rng.integers(lo, hi, n).astype(str) for lo, hi in ((30, 90), (1000, 9999))]
    last4 = rng.integers(1000, 9999, n).astype(str)
    phone = _blank(rng, np.char.add(np.char.add("1" + parts[0], " " + parts[1]), " " + last4), 0.9)
    email = _blank(rng, (ids.str.lower() + "@example.com").to_numpy(object), 0.6)
    born = _dates(rng.integers(1960, 2004, n), rng.integers(1, 13, n), rng.integers(1, 29, n))
    bdays = born.dt.date.to_numpy(object).copy()
    bdays[rng.random(n) >= 0.8] = None
    today = pd.Timestamp(end)
    if n > 20:
        bdays[3] = dt.date(1992, 2, 29)  # a leap-day birthday
        soon = (today + pd.Timedelta(days=2)).date()
        bdays[5] = dt.date(1985, soon.month, min(soon.day, 28))
    joined = pd.Series(end - rng.integers(20, 1100, n).astype("timedelta64[D]"))
    channel = _blank(rng, _pick(rng, CHANNELS[lang], n), 0.7)
    # one in ten refers back to an earlier customer
    earlier = (rng.random(n) * np.arange(n)).astype(np.int64)
    refers = (np.arange(n) > 5) & (rng.random(n) < 0.1)
    referred = np.where(refers, ids.to_numpy(object)[earlier], None)
    dnc_word = ("是", "否") if lang == "zh" else ("yes", "no")
    dnc = np.where(rng.random(n) < 0.03, dnc_word[0], dnc_word[1])
    tags = _pick(rng, ["office", "hotel", "cafe", "student", "family", "gift buyer", None, None], n)
    kinds = ("企业", "个人") if lang == "zh" else ("ToB", "ToC")
    # a business customer's founding day, for its anniversary greeting
    founded = _dates(rng.integers(1995, 2020, n), rng.integers(1, 13, n), rng.integers(1, 29, n))
    anniversary = founded.dt.date.to_numpy(object).copy()
    anniversary[~(is_b & (rng.random(n) < 0.7))] = None
    if n > 20:  # one that falls within the next weeks
        soon = (today + pd.Timedelta(days=10)).date()
        first_b = int(np.flatnonzero(is_b)[0]) if is_b.any() else 0
        is_b[first_b] = True
        anniversary[first_b] = dt.date(2010, soon.month, min(soon.day, 28))
    return pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "phone": phone,
            "email": email,
            "birthday": bdays,
            "joined": joined,
            "anniversary": anniversary,
            "type": np.where(is_b, kinds[0], kinds[1]),
            "preferred_channel": channel,
            "tags": tags,
            "referred_by": referred,
            "do_not_contact": dnc,
            "notes": None,
            "archetype": arche,
        }
    )


def _order_dates(rng, customers: pd.DataFrame, start, end) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's orders (customer's row, day), in customer then date order: the first
    within a month of joining (or of the period's start), then gaps drawn around the
    archetype's mean, until it stops buying."""
    arch = customers["archetype"].to_numpy()
    joined = pd.to_datetime(customers["joined"]).to_numpy("datetime64[D]")
    n = len(arch)
    gap = np.array([ARCHETYPES[a][1] for a in arch])
    stop = np.array([ARCHETYPES[a][3] for a in arch]).astype("timedelta64[D]")
    first = np.maximum(joined, start) + rng.integers(0, 30, n).astype("timedelta64[D]")
    last_allowed = end - stop
    late = first > last_allowed
    first[late] = last_allowed[late] - rng.integers(1, 60, int(late.sum())).astype("timedelta64[D]")
    rows, days = [np.flatnonzero(arch != "prospect")], [first[arch != "prospect"]]
    for g in sorted(set(gap[gap > 0].tolist())):
        who = np.flatnonzero((gap == g) & (arch != "prospect"))
        steps = int(800 / g * 2) + 20  # far more than any customer reaches in two years
        gaps = np.maximum(1, rng.exponential(g, (len(who), steps)).astype(np.int64))
        t = first[who, None] + np.cumsum(gaps, axis=1).astype("timedelta64[D]")
        inside = t <= last_allowed[who, None]
        rows.append(np.broadcast_to(who[:, None], t.shape)[inside])
        days.append(t[inside])
    row, day = np.concatenate(rows), np.concatenate(days)
    order = np.lexsort((day, row))
    return row[order], day[order]


def _sales(rng, customers: pd.DataFrame, lang: str, start, end) -> pd.DataFrame:
    cats = list(CATALOGUE)
    row, day = _order_dates(rng, customers, start, end)
    order_ids = pd.Series(np.arange(1, len(row) + 1)).astype(str).str.zfill(7).radd("SO")
    lines = 1 + (rng.random(len(row)) < 0.35) + (rng.random(len(row)) < 0.1)
    line_of = np.repeat(np.arange(len(row)), lines)
    m = len(line_of)
    favourite = rng.choice(len(cats), size=len(customers), p=[0.35, 0.25, 0.2, 0.12, 0.08])
    cat = np.where(rng.random(m) < 0.6, favourite[row[line_of]], rng.integers(0, len(cats), m))
    item = rng.integers(0, 3, m)
    products = np.array([[p for p, _ in CATALOGUE[c]] for c in cats], dtype=object)
    prices = np.array([[v for _, v in CATALOGUE[c]] for c in cats], dtype=np.float64)
    price = prices[cat, item]
    qty = rng.integers(1, np.where(price < 500, 4, 2))
    scale = np.array([ARCHETYPES[a][2] for a in customers["archetype"]])[row[line_of]]
    amount = np.round(price * qty * scale * rng.uniform(0.9, 1.1, m), 2)
    shown = [CATEGORY_ZH[c] if lang == "zh" else c for c in cats]
    sales = pd.DataFrame(
        {
            "date": day[line_of],
            "order_id": order_ids.to_numpy(object)[line_of],
            "customer_id": customers["customer_id"].to_numpy(object)[row[line_of]],
            "product": products[cat, item],
            "category": np.asarray(shown, dtype=object)[cat],
            "quantity": qty,
            "amount": amount,
        }
    )
    # one line in fifty comes back five days later
    back = (rng.random(m) < 0.02) & (sales["date"].to_numpy() + np.timedelta64(5, "D") <= end)
    refunds = sales[back].assign(
        date=lambda f: f["date"] + pd.Timedelta(days=5),
        quantity=lambda f: -f["quantity"],
        amount=lambda f: -f["amount"],
    )
    both = pd.concat([sales, refunds], ignore_index=True)
    both["date"] = pd.to_datetime(both["date"])
    return both.sort_values(["date", "order_id"], kind="stable").reset_index(drop=True)


def _contacts(rng, sales: pd.DataFrame, lang: str, end) -> pd.DataFrame:
    kinds = np.asarray(KINDS[lang], dtype=object)
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    buyers = sales.sort_values("date", kind="stable").drop_duplicates("customer_id")
    first = buyers["date"].to_numpy("datetime64[D]")
    count = rng.poisson(1.5, len(buyers))
    who = np.repeat(np.arange(len(buyers)), count)
    k = len(who)
    span = np.maximum(1, (end - first[who]).astype(np.int64))
    day = np.minimum(first[who] + (rng.random(k) * (span + 1)).astype("timedelta64[D]"), end)
    kind = rng.choice(len(kinds), size=k, p=[0.35, 0.1, 0.2, 0.07, 0.13, 0.1, 0.05])
    complaint = kind == 3
    # most complaints are settled within days; any older than a month are
    recent = day > end - np.timedelta64(30, "D")
    settled = complaint & (day + np.timedelta64(2, "D") <= end) & ((rng.random(k) < 0.7) | ~recent)
    resolved = np.where(settled, yes, np.where(complaint, no, None))
    resolved_on = pd.Series(day + rng.integers(0, 3, k).astype("timedelta64[D]")).where(settled)
    asked = np.isin(kind, [4, 5]) | (rng.random(k) < 0.1)
    answers = np.asarray(SATISFACTION[lang], dtype=object)
    answer = np.where(asked, answers[rng.choice(6, size=k, p=SATISFACTION_ODDS)], None)
    rows = pd.DataFrame(
        {
            "date": pd.to_datetime(day),
            "customer_id": buyers["customer_id"].to_numpy(object)[who],
            "channel": _pick(rng, CHANNELS[lang], k),
            "kind": kinds[kind],
            "notes": None,
            "resolved": resolved,
            "resolved_on": resolved_on,
            "satisfaction": answer,
        }
    )
    extra = []
    if len(buyers):  # one complaint still open yesterday, one unhappy answer last week
        today = pd.Timestamp(end)
        note = ("Late delivery", "Slow service") if lang == "en" else ("送货延迟", "服务太慢")
        ids, ch = buyers["customer_id"], CHANNELS[lang]

        def row(days: int, cid, channel, kind, **more) -> dict:
            return {"date": today - pd.Timedelta(days=days), "customer_id": cid} | {
                "channel": channel,
                "kind": kind,
                **more,
            }

        extra.append(row(1, ids.iloc[0], ch[0], kinds[3], notes=note[0], resolved=no))
        extra.append(
            row(6, ids.iloc[-1], ch[1], kinds[5], notes=note[1], satisfaction=SATISFACTION[lang][2])
        )
        # the biggest spenders were called two days ago: what is due next for them is the
        # greeting for the shop's day
        top = sales.groupby("customer_id")["amount"].sum().nlargest(6).index
        extra += [row(2, cid, ch[0], kinds[0]) for cid in top]
    out = pd.concat([rows, pd.DataFrame(extra, columns=rows.columns)], ignore_index=True)
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def _redemptions(rng, sales: pd.DataFrame) -> pd.DataFrame:
    """Redemptions well inside what the customer earned in the months before (points expire)."""
    last = sales.groupby("customer_id")["date"].max()
    recent = sales[sales["date"] > sales["customer_id"].map(last) - pd.Timedelta(days=300)]
    spend = recent.groupby("customer_id")["amount"].sum()
    spend = spend[spend > 600]
    points = (np.minimum(spend.to_numpy() * 0.3, 500) // 50 * 50).astype(np.int64)
    chosen = (rng.random(len(spend)) < 0.5) & (points > 0)
    ids = spend.index[chosen]
    pts = points[chosen]
    return pd.DataFrame(
        {
            "date": last[ids].to_numpy(),
            "customer_id": ids.to_numpy(object),
            "points": pts,
            "reward": np.where(pts < 300, "Free drink", "Gift mug"),
        }
    )

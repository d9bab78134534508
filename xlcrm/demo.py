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
    """Frames keyed by sheet kind, columns named by schema keys."""
    rng = np.random.default_rng(seed)
    as_of = as_of or dt.date.today()
    end = pd.Timestamp(as_of)
    start = end - pd.Timedelta(days=730)
    customers = _customers(rng, n, lang, end)
    sales = _sales(rng, customers, lang, start, end)
    # nobody buys before they join: a first purchase before the joined date moves it earlier
    first = sales.groupby("customer_id")["date"].min()
    joined = pd.to_datetime(customers["joined"])
    earliest = customers["customer_id"].map(first)
    customers["joined"] = joined.where(earliest.isna() | (joined <= earliest), earliest).dt.date
    contacts = _contacts(rng, customers, sales, lang, end)
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
        (end + pd.Timedelta(days=4)).date(),
    )
    if lang == "en":
        days = [(n, dt.date(y, m, d)) for y in (end.year, end.year + 1) for n, m, d in EN_HOLIDAYS]
        holidays = pd.DataFrame([*days, shop_day], columns=["holiday", "date"])
    else:
        from .template import chinese_festivals

        holidays = pd.concat(
            [chinese_festivals(end.year), pd.DataFrame([shop_day], columns=["holiday", "date"])]
        )
    data["holidays"] = holidays.sort_values("date", kind="stable").reset_index(drop=True)
    return data


def _customers(rng, n: int, lang: str, end: pd.Timestamp) -> pd.DataFrame:
    width = max(4, len(str(n)))
    ids = [f"C{i:0{width}d}" for i in range(1, n + 1)]
    names_arch = list(ARCHETYPES)
    shares = np.array([ARCHETYPES[a][0] for a in names_arch])
    arche = rng.choice(names_arch, size=n, p=shares / shares.sum())
    is_b = (arche == "big") | (rng.random(n) < 0.08)
    if lang == "zh":
        person = [rng.choice(ZH_SURNAME) + rng.choice(ZH_GIVEN) for _ in range(n)]
    else:
        person = [f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}" for _ in range(n)]
    names = [
        f"{rng.choice(COMPANY[lang])} {i % 97 + 1}" if b else p
        for i, (p, b) in enumerate(zip(person, is_b, strict=True))
    ]
    phone = [
        f"1{rng.integers(30, 90)} {rng.integers(1000, 9999)} {rng.integers(1000, 9999)}"
        if rng.random() < 0.9
        else None
        for _ in range(n)
    ]
    email = [f"{i.lower()}@example.com" if rng.random() < 0.6 else None for i in ids]
    years = rng.integers(1960, 2004, n)
    bdays = [
        dt.date(int(y), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        if rng.random() < 0.8
        else None
        for y in years
    ]
    if n > 20:
        bdays[3] = dt.date(1992, 2, 29)  # a leap-day birthday
        soon = (end + pd.Timedelta(days=2)).date()
        bdays[5] = dt.date(1985, soon.month, min(soon.day, 28))
    joined = [(end - pd.Timedelta(days=int(d))).date() for d in rng.integers(20, 1100, n)]
    channel = [rng.choice(CHANNELS[lang]) if rng.random() < 0.7 else None for _ in range(n)]
    referred = [
        ids[int(rng.integers(0, i))] if i > 5 and rng.random() < 0.1 else None for i in range(n)
    ]
    dnc_word = ("是", "否") if lang == "zh" else ("yes", "no")
    dnc = [dnc_word[0] if rng.random() < 0.03 else dnc_word[1] for _ in range(n)]
    tags_en = ["office", "hotel", "cafe", "student", "family", "gift buyer", "", ""]
    tags = [rng.choice(tags_en) or None for _ in range(n)]
    kinds = ("企业", "个人") if lang == "zh" else ("ToB", "ToC")
    # a business customer's founding day, for its anniversary greeting
    anniversary = [
        dt.date(int(rng.integers(1995, 2020)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
        if b and rng.random() < 0.7
        else None
        for b in is_b
    ]
    if n > 20:  # one that falls within the next weeks
        soon = (end + pd.Timedelta(days=10)).date()
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
            "type": [kinds[0] if b else kinds[1] for b in is_b],
            "preferred_channel": channel,
            "tags": tags,
            "referred_by": referred,
            "do_not_contact": dnc,
            "notes": None,
            "archetype": arche,
        }
    )


def _sales(rng, customers: pd.DataFrame, lang: str, start, end) -> pd.DataFrame:
    cats = list(CATALOGUE)
    rows: list[tuple] = []
    order_no = 0
    for cid, arch, joined in zip(
        customers["customer_id"], customers["archetype"], customers["joined"], strict=True
    ):
        _, gap, scale, stop = ARCHETYPES[arch]
        if arch == "prospect":
            continue
        first = max(pd.Timestamp(joined), start) + pd.Timedelta(days=int(rng.integers(0, 30)))
        last_allowed = end - pd.Timedelta(days=stop)
        if first > last_allowed:
            first = last_allowed - pd.Timedelta(days=int(rng.integers(1, 60)))
        dates = [first]
        if gap:
            t = first
            while True:
                t = t + pd.Timedelta(days=max(1, int(rng.exponential(gap))))
                if t > last_allowed:
                    break
                dates.append(t)
        favourite = rng.choice(cats, p=[0.35, 0.25, 0.2, 0.12, 0.08])
        for d in dates:
            order_no += 1
            oid = f"SO{order_no:07d}"
            for _ in range(1 + int(rng.random() < 0.35) + int(rng.random() < 0.1)):
                cat = favourite if rng.random() < 0.6 else rng.choice(cats)
                prod, price = CATALOGUE[cat][int(rng.integers(0, 3))]
                qty = int(rng.integers(1, 4 if price < 500 else 2))
                amount = round(price * qty * scale * float(rng.uniform(0.9, 1.1)), 2)
                cat_shown = CATEGORY_ZH[cat] if lang == "zh" else cat
                rows.append((d, oid, cid, prod, cat_shown, qty, amount))
                if rng.random() < 0.02 and d + pd.Timedelta(days=5) <= end:
                    rows.append(
                        (d + pd.Timedelta(days=5), oid, cid, prod, cat_shown, -qty, -amount)
                    )
    sales = pd.DataFrame(
        rows,
        columns=["date", "order_id", "customer_id", "product", "category", "quantity", "amount"],
    )
    return sales.sort_values(["date", "order_id"], kind="stable").reset_index(drop=True)


def _contacts(rng, customers, sales, lang: str, end) -> pd.DataFrame:
    rows = []
    kinds = KINDS[lang]
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    buyers = sales.drop_duplicates("customer_id")[["customer_id", "date"]]
    for cid, first in zip(buyers["customer_id"], buyers["date"], strict=True):
        k = int(rng.poisson(1.5))
        span = max(1, (end - first).days)
        for _ in range(k):
            d = min(first + pd.Timedelta(days=int(rng.integers(0, span + 1))), end)
            kind = int(rng.choice(len(kinds), p=[0.35, 0.1, 0.2, 0.07, 0.13, 0.1, 0.05]))
            resolved, resolved_on = None, None
            if kinds[kind] in ("complaint", "投诉"):
                if rng.random() < 0.7 and d + pd.Timedelta(days=2) <= end:
                    resolved, resolved_on = yes, d + pd.Timedelta(days=int(rng.integers(0, 3)))
                else:
                    resolved = no
            answer = None
            if kinds[kind] in ("survey", "feedback", "问卷", "反馈") or rng.random() < 0.1:
                answer = SATISFACTION[lang][int(rng.choice(6, p=SATISFACTION_ODDS))]
            rows.append(
                (
                    d,
                    cid,
                    rng.choice(CHANNELS[lang]),
                    kinds[kind],
                    None,
                    resolved,
                    resolved_on,
                    answer,
                )
            )
    if len(buyers):  # one complaint still open yesterday, one unhappy answer last week
        note = ("Late delivery", "Slow service") if lang == "en" else ("送货延迟", "服务太慢")
        rows.append(
            (
                end - pd.Timedelta(days=1),
                buyers["customer_id"].iloc[0],
                CHANNELS[lang][0],
                kinds[3],
                note[0],
                no,
                None,
                None,
            )
        )
        rows.append(
            (
                end - pd.Timedelta(days=6),
                buyers["customer_id"].iloc[-1],
                CHANNELS[lang][1],
                kinds[5],
                note[1],
                None,
                None,
                SATISFACTION[lang][2],
            )
        )
        # the biggest spenders were called two days ago: what is due next for them is the
        # greeting for the shop's day
        top = sales.groupby("customer_id")["amount"].sum().nlargest(6).index
        for cid in top:
            rows.append(
                (
                    end - pd.Timedelta(days=2),
                    cid,
                    CHANNELS[lang][0],
                    kinds[0],
                    None,
                    None,
                    None,
                    None,
                )
            )
    columns = ["date", "customer_id", "channel", "kind", "notes", "resolved", "resolved_on"]
    out = pd.DataFrame(rows, columns=[*columns, "satisfaction"])
    return out.sort_values("date", kind="stable").reset_index(drop=True)


def _redemptions(rng, sales: pd.DataFrame) -> pd.DataFrame:
    """Redemptions well inside what the customer earned in the months before (points expire)."""
    last = sales.groupby("customer_id")["date"].max()
    recent = sales[sales["date"] > sales["customer_id"].map(last) - pd.Timedelta(days=300)]
    spend = recent.groupby("customer_id")["amount"].sum()
    spend = spend[spend > 600]
    rows = []
    for cid, total in zip(spend.index, spend.to_numpy(), strict=True):
        if rng.random() < 0.5:
            pts = int(min(total * 0.3, 500) // 50 * 50)
            if pts > 0:
                rows.append((last[cid], cid, pts, "Free drink" if pts < 300 else "Gift mug"))
    return pd.DataFrame(rows, columns=["date", "customer_id", "points", "reward"])

"""Next contact per customer: when, why, how, and what to do — the earliest trigger wins.

Every trigger proposes a due date and a priority (1 = most urgent); the customer's next
contact is the earliest date, ties to the higher priority. Do-not-contact always wins. No date
is ever before the as-of date: an overdue contact is due on the as-of date and says by how much.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align
from .base import OutputColumn
from .labels import say

OUTPUTS = (
    OutputColumn(
        "last_contact",
        "Last contact",
        "上次联系",
        "date",
        12,
        "Latest date in the Contacts sheet for this customer, up to the as-of date.",
        "联系记录中该客户截至日期前最近的日期。",
    ),
    OutputColumn(
        "next_contact",
        "Next contact",
        "下次联系",
        "date",
        12,
        "The earliest due date of the triggers (see docs/outputs.md), never before the as-of date; blank when the customer opted out.",
        "各触发条件中最早的到期日（见 docs/outputs.md），不早于截至日期；客户选择勿扰时留空。",
    ),
    OutputColumn(
        "contact_reason",
        "Reason",
        "联系原因",
        "text",
        30,
        "Why this contact is due, with the days overdue.",
        "联系原因，含逾期天数。",
    ),
    OutputColumn(
        "next_channel",
        "Next channel",
        "联系渠道",
        "text",
        10,
        "Preferred channel; else email or WeCom for business customers, WeChat or SMS for consumers, else whatever contact detail exists.",
        "首选渠道；否则企业客户用邮件或企业微信，个人客户用微信或短信；否则用已有的联系方式。",
    ),
    OutputColumn(
        "contact_action",
        "Suggested action",
        "建议行动",
        "text",
        40,
        "A short phrase per reason, with the cross-sell suggestion where there is one.",
        "每种原因对应的简短建议，如有交叉销售建议则附上。",
    ),
    OutputColumn(
        "contact_priority",
        "Priority",
        "优先级",
        "integer",
        8,
        "1 open complaint; 2 care after a resolved complaint; 3 win-back, birthday, tier up, core and A-class contacts; 4 repurchase reminder, expiring points, potential and new customers; 5 regular cadence.",
        "1 未解决投诉；2 投诉解决后关怀；3 挽回、生日、升级、核心与 A 类客户；4 复购提醒、积分到期、潜力与新客户；5 常规节奏。",
    ),
)

REASONS = {  # key: (en, zh, action en, action zh)
    "opted_out": ("opted out", "客户勿扰", "", ""),
    "complaint_open": (
        "open complaint",
        "投诉未解决",
        "Call about the complaint and agree a fix",
        "致电处理投诉并商定解决方案",
    ),
    "complaint_care": (
        "care after a resolved complaint",
        "投诉解决后关怀",
        "Check they are happy with the fix (no sales talk)",
        "确认客户对处理结果满意（不推销）",
    ),
    "birthday": ("birthday", "生日", "Offer the birthday coupon", "发送生日祝福和优惠券"),
    "win_back": (
        "no purchase for a long time",
        "长期未购买",
        "Send the limited-time win-back offer",
        "发送限时回归优惠",
    ),
    "repurchase": (
        "repurchase is overdue",
        "已过预计复购时间",
        "Remind them it is time to restock",
        "提醒客户该补货了",
    ),
    "tier_up": ("moved up a tier", "会员升级", "Congratulate them on the new tier", "祝贺客户升级"),
    "points_expiring": (
        "points about to expire",
        "积分即将过期",
        "Remind them to use their points",
        "提醒客户使用积分",
    ),
    "core": (
        "core customer: deep contact",
        "核心客户深度联系",
        "Quarterly review call",
        "季度回访，深入沟通",
    ),
    "a_class": ("A-class customer", "A 类客户", "Personal call or visit", "亲自致电或拜访"),
    "potential": ("potential customer", "潜力客户", "Send a tailored offer", "发送定制优惠"),
    "welcome": ("new customer", "新客户", "Welcome follow-up call", "新客回访"),
    "frequent": ("frequent buyer", "常购客户", "Check in and share what's new", "问候并介绍新品"),
    "infrequent": ("regular check-in", "定期问候", "Quarterly check-in", "季度问候"),
    "light_touch": ("light touch", "轻度维护", "Send a short update", "发送简短资讯"),
    "prospect": ("no purchase yet", "尚未购买", "Introduce your best sellers", "介绍热销商品"),
}
CHANNEL_WORDS = {
    "phone": ("phone", "电话"),
    "wechat": ("WeChat", "微信"),
    "sms": ("SMS", "短信"),
    "email": ("email", "邮件"),
    "wecom": ("WeCom", "企业微信"),
    "visit": ("visit", "拜访"),
}
NEVER = np.iinfo(np.int64).max // 4


def _days(s: pd.Series) -> np.ndarray:
    d = (pd.to_datetime(s) - pd.Timestamp("1970-01-01")).dt.days
    return d.fillna(NEVER).to_numpy(dtype=np.int64)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    lang = s["language"]
    cust = book.frame("customers")
    idx = so_far.index
    as_of = int((pd.Timestamp(book.as_of) - pd.Timestamp("1970-01-01")).days)
    contacts = book.frame("contacts")
    contacts = contacts[contacts["date"].notna() & (contacts["date"] <= pd.Timestamp(book.as_of))]
    ids = cust["customer_id"]
    last_contact = _per_id(contacts.groupby("customer_id")["date"].max(), ids)
    last_c = _days(last_contact)
    cand: dict[str, tuple[np.ndarray, int]] = {}

    hours = math.ceil(float(s["complaint_followup_hours"]) / 24)
    complaints = contacts[contacts["kind"] == "complaint"]
    open_ = complaints[complaints["resolved"].fillna(False) != True]  # noqa: E712
    cand["complaint_open"] = (
        _days(_per_id(open_.groupby("customer_id")["date"].min(), ids)) + hours,
        1,
    )
    done = complaints[complaints["resolved"].fillna(False) == True]  # noqa: E712
    resolved_on = _days(_per_id(done.groupby("customer_id")["resolved_on"].max(), ids))
    care = np.where((resolved_on < NEVER) & (last_c <= resolved_on), resolved_on + hours, NEVER)
    cand["complaint_care"] = (care, 2)

    cand["birthday"] = (_birthday_due(cust["birthday"], book, int(s["birthday_lead_days"])), 3)

    orders = so_far["orders"].to_numpy()
    buyer = orders > 0
    last_buy = _days(so_far["last_purchase"])
    first_buy = _days(so_far["first_purchase"])
    since = np.where(last_c < NEVER, last_c, np.where(buyer, first_buy, as_of))
    dormant = buyer & (as_of - last_buy >= int(s["dormant_days"]))
    cand["win_back"] = (
        np.where(
            dormant,
            np.maximum(
                last_buy + int(s["dormant_days"]),
                np.where(last_c < NEVER, last_c + int(s["cadence_monthly_days"]), 0),
            ),
            NEVER,
        ),
        3,
    )
    overdue = so_far["days_overdue"].fillna(0).to_numpy(dtype=np.int64) > 0
    # a reminder waits at least a week after any logged contact
    after_contact = np.where(last_c < NEVER, last_c + int(s["cadence_weekly_days"]), 0)
    cand["repurchase"] = (
        np.where(
            overdue & ~dormant, np.maximum(_days(so_far["next_purchase"]), after_contact), NEVER
        ),
        4,
    )
    recent_contact = (last_c < NEVER) & (as_of - last_c < 30)
    tier_up = (so_far["tier_change"] == say("tier_up", lang)).fillna(False).to_numpy()
    cand["tier_up"] = (np.where(tier_up & ~recent_contact, as_of, NEVER), 3)
    expiring = so_far["points_expiring"].fillna(0).to_numpy() > 0
    cand["points_expiring"] = (np.where(expiring & ~recent_contact, as_of, NEVER), 4)

    cls = so_far["value_class"].fillna("")
    pyr = so_far["pyramid"].fillna("")
    f = so_far["f_score"].fillna(0).to_numpy()

    def every(mask, days: int) -> np.ndarray:
        return np.where(np.asarray(mask, dtype=bool), since + days, NEVER)

    cand["core"] = (every(cls == say("core", lang), int(s["cadence_core_days"])), 3)
    cand["a_class"] = (every(pyr == "A", int(s["cadence_a_class_days"])), 3)
    potential = cls.isin([say("potential_high_value", lang), say("potential_frequent", lang)])
    cand["potential"] = (every(potential, int(s["cadence_potential_days"])), 4)
    new = (cls == say("new", lang)).to_numpy() & (last_c <= first_buy) | (
        (cls == say("new", lang)).to_numpy() & (last_c == NEVER)
    )
    cand["welcome"] = (np.where(new, first_buy + int(s["welcome_followup_days"]), NEVER), 4)
    freq_days = np.where(f >= 5, int(s["cadence_weekly_days"]), int(s["cadence_monthly_days"]))
    cand["frequent"] = (np.where(buyer & (f >= 3) & ~dormant, since + freq_days, NEVER), 5)
    cand["infrequent"] = (every(buyer & (f < 3) & ~dormant, int(s["cadence_quarterly_days"])), 5)
    cand["light_touch"] = (every((pyr == "D") & ~dormant, int(s["cadence_d_class_days"])), 5)
    joined = _days(cust["joined"])
    cand["prospect"] = (
        np.where(
            ~buyer,
            np.where(last_c < NEVER, last_c, np.minimum(joined, as_of))
            + int(s["cadence_quarterly_days"]),
            NEVER,
        ),
        5,
    )

    keys = list(cand)
    due = np.stack([cand[k][0] for k in keys], axis=1)
    prio = np.array([cand[k][1] for k in keys])
    score = np.where(due < NEVER, np.maximum(due, as_of) * 10 + prio, NEVER)
    pick = score.argmin(axis=1)
    rows = np.arange(len(idx))
    chosen_due = due[rows, pick]
    has = chosen_due < NEVER
    dnc = cust["do_not_contact"].fillna(False).to_numpy(dtype=bool)
    has &= ~dnc
    reason_key = np.array(keys, dtype=object)[pick]
    late = np.where(has, as_of - chosen_due, 0)
    out = pd.DataFrame(index=idx)
    out["last_contact"] = last_contact.set_axis(idx)
    out["next_contact"] = pd.to_datetime(
        np.where(has, np.maximum(chosen_due, as_of), 0), unit="D"
    ).where(has)
    reasons, actions = [], []
    cross = so_far["cross_sell"].fillna("").tolist()
    for has_i, key, days_late, dnc_i, xs in zip(has, reason_key, late, dnc, cross, strict=True):
        if dnc_i:
            reasons.append(_word("opted_out", lang))
            actions.append("")
            continue
        if not has_i:
            reasons.append("")
            actions.append("")
            continue
        text = _word(key, lang)
        if days_late > 0:
            unit = "day" if days_late == 1 else "days"
            text += f"（逾期{days_late}天）" if lang == "zh" else f" ({days_late} {unit} overdue)"
        reasons.append(text)
        act = _action(key, lang)
        if xs and key in (
            "potential",
            "frequent",
            "infrequent",
            "core",
            "a_class",
            "welcome",
            "repurchase",
            "light_touch",
            "win_back",
        ):
            act += f"；推荐{xs}" if lang == "zh" else f"; suggest {xs}"
        actions.append(act)
    channel, missing = _channels(cust, lang)
    out["contact_reason"] = pd.Series(reasons, index=idx, dtype="string").replace("", pd.NA)
    out["next_channel"] = channel.where(has)
    acts = pd.Series(actions, index=idx, dtype="string")
    add = "先补充电话或邮箱" if lang == "zh" else "Add a phone number or email first"
    acts = acts.where(~(missing & has), add)
    out["contact_action"] = acts.replace("", pd.NA)
    out["contact_priority"] = (
        pd.Series(np.where(has, prio[pick], 0), index=idx).where(has).astype("Int64")
    )
    return out


def _per_id(values: pd.Series, ids: pd.Series) -> pd.Series:
    return align(values, ids)


def _birthday_due(birthday: pd.Series, book: Book, lead: int) -> np.ndarray:
    as_of = pd.Timestamp(book.as_of)
    b = pd.to_datetime(birthday)
    ok = b.notna().to_numpy()
    out = np.full(len(b), NEVER, dtype=np.int64)
    if not ok.any():
        return out
    m, d = b.dt.month.to_numpy()[ok].astype(int), b.dt.day.to_numpy()[ok].astype(int)
    best = np.full(ok.sum(), NEVER, dtype=np.int64)
    for year in (as_of.year, as_of.year + 1):
        leap = (year % 4 == 0) and (year % 100 != 0 or year % 400 == 0)
        dd = np.where((m == 2) & (d == 29) & (not leap), 28, d)
        when = pd.to_datetime(pd.DataFrame({"year": year, "month": m, "day": dd}))
        days = ((when - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype=np.int64)
        upcoming = days >= (as_of - pd.Timestamp("1970-01-01")).days
        best = np.where(upcoming & (best == NEVER), days - lead, best)
    out[ok] = best
    return out


def _word(key: str, lang: str) -> str:
    en, zh, _, _ = REASONS[key]
    return zh if lang == "zh" else en


def _action(key: str, lang: str) -> str:
    _, _, en, zh = REASONS[key]
    return zh if lang == "zh" else en


def _channels(cust: pd.DataFrame, lang: str) -> tuple[pd.Series, np.ndarray]:
    """The channel to use, in words; and where no way to reach the customer exists."""
    phone = cust["phone"].notna().to_numpy()
    email = cust["email"].notna().to_numpy()
    pref = cust["preferred_channel"].fillna("").to_numpy()
    business = (cust["type"] == "ToB").fillna(False).to_numpy()
    chosen = np.where(
        pref != "",
        pref,
        np.where(
            business,
            np.where(email, "email", np.where(phone, "wecom", "")),
            np.where(phone, "wechat", np.where(email, "email", "")),
        ),
    )
    words = {k: (v[1] if lang == "zh" else v[0]) for k, v in CHANNEL_WORDS.items()}
    series = pd.Series([words.get(c, "") for c in chosen], index=cust.index, dtype="string")
    missing = (chosen == "") | ((pref == "") & ~phone & ~email)
    return series.replace("", pd.NA), missing

"""Words xlcrm writes into cells, in English and Simplified Chinese."""

from __future__ import annotations

import pandas as pd

WORDS: dict[str, tuple[str, str]] = {
    # RFM segments
    "champions": ("Champions", "冠军客户"),
    "loyal": ("Loyal", "忠诚客户"),
    "potential_loyalist": ("Potential loyalist", "潜在忠诚客户"),
    "new": ("New", "新客户"),
    "promising": ("Promising", "有潜力客户"),
    "need_attention": ("Need attention", "需要关注"),
    "about_to_sleep": ("About to sleep", "即将沉睡"),
    "at_risk": ("At risk", "有流失风险"),
    "cant_lose": ("Can't lose", "不能失去"),
    "hibernating": ("Hibernating", "沉睡客户"),
    # value classes
    "core": ("Core", "核心客户"),
    "potential_high_value": ("Potential: high value, low frequency", "潜力客户：高价值低频"),
    "potential_frequent": ("Potential: frequent, low value", "潜力客户：高频低价值"),
    "win_back": ("Win-back", "待挽回客户"),
    "prospect": ("Prospect", "潜在客户"),
    "regular": ("Regular", "一般客户"),
    # trends
    "rising": ("rising", "上升"),
    "steady": ("steady", "平稳"),
    "declining": ("declining", "下降"),
    "inactive": ("inactive", "无购买"),
    # yes / no
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    # tier changes
    "tier_new": ("new", "新会员"),
    "tier_up": ("up", "升级"),
    "tier_down": ("down", "降级"),
    "tier_same": ("same", "不变"),
    # ledger rules
    "purchase": ("purchase", "消费"),
    "refund": ("refund", "退款"),
    "signup": ("sign-up bonus", "注册奖励"),
    "birthday": ("birthday bonus", "生日奖励"),
    "referral": ("referral bonus", "推荐奖励"),
    "referral_welcome": ("referral welcome bonus", "被推荐欢迎奖励"),
    "feedback": ("feedback bonus", "反馈奖励"),
    "redemption": ("redemption", "兑换"),
    "expiry": ("expired", "过期"),
}


def say(key: str, lang: str) -> str:
    en, zh = WORDS[key]
    return zh if lang == "zh" else en


def translate(keys: pd.Series, lang: str) -> pd.Series:
    """Map a column of word keys to the owner's language; missing keys stay blank."""
    table = {k: say(k, lang) for k in WORDS}
    return keys.map(table).astype("string")


TIERS = {0: ("Standard", "普通"), 1: ("Silver", "银卡"), 2: ("Gold", "金卡")}
TIER_SETTING = {0: "standard_name", 1: "silver_name", 2: "gold_name"}


def tier_name(level: int, settings: dict) -> str:
    """The tier's name from Settings, else the default in the owner's language."""
    own = (settings.get(TIER_SETTING[level]) or "").strip()
    en, zh = TIERS[level]
    return own or (zh if settings.get("language") == "zh" else en)

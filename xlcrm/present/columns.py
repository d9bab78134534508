"""Output columns in words: headers, explanations, and every code the engine wrote, worded.

The engine's outputs are numbers, dates and codes; ``display`` turns each column that has a
vocabulary into text in the book's language. It works on whole columns: each distinct code is
worded once, so a hundred thousand customers cost a handful of lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..rules.base import OutputColumn
from .words import normalize_lang, say, vocabulary

Formatter = Callable[[pd.DataFrame, str, dict[str, Any], str], pd.Series]
TIER_SETTING = {"standard": "standard_name", "silver": "silver_name", "gold": "gold_name"}


def label(key: str, lang: str = "en") -> str:
    return say(f"column.{key}", normalize_lang(lang))


def labels(key: str) -> tuple[str, ...]:
    """Every header that names this output column, in any language (and its key)."""
    return (*(say(f"column.{key}", lang) for lang in ("en", "zh")), key)


def explain(key: str, lang: str = "en") -> str:
    return say(f"explain.{key}", normalize_lang(lang))


def words_of(values: pd.Series, vocab: str, lang: str) -> pd.Series:
    """Codes to words; blanks stay blank."""
    table = {code: e.get(lang) or e["en"] for code, e in vocabulary(vocab).items()}
    return values.map(table).astype("string")


def _vocab(name: str) -> Formatter:
    def fmt(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
        return words_of(out[key].astype("string"), name, lang)

    return fmt


def _yes_no(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    codes = out[key].astype("boolean").map({True: "true", False: "false"})
    return words_of(codes.astype("string"), "yes_no", lang)


def tier_names(settings: dict[str, Any], lang: str) -> dict[str, str]:
    """Tier codes to the names the owner chose in Settings, else the defaults."""
    out = {}
    for code, setting in TIER_SETTING.items():
        own = str(settings.get(setting) or "").strip()
        out[code] = own or say(f"tier.{code}", lang)
    return out


def _tier(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    return out[key].map(tier_names(settings, lang)).astype("string")


def money(amount: float, currency: str) -> str:
    return f"{currency}{amount:,.0f}" if amount == int(amount) else f"{currency}{amount:,.2f}"


def _tier_gap(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    names = tier_names(settings, lang)
    currency = str(settings.get("currency") or "")
    target = out[key].astype("string")
    spend = out.get(f"{key}__spend", pd.Series(np.nan, index=out.index)).astype("float64")
    orders = out.get(f"{key}__orders", pd.Series(pd.NA, index=out.index, dtype="Int64"))
    texts = []
    for t, s, n in zip(target.tolist(), spend.tolist(), orders.tolist(), strict=True):
        if t is pd.NA or t is None:
            texts.append(None)
            continue
        text = say("fmt.tier_gap", lang, money=money(s, currency), tier=names.get(t, t))
        if n is not pd.NA and n is not None and n > 0:
            text = say("fmt.tier_gap_orders", lang, text=text, orders=int(n))
        texts.append(text)
    return pd.Series(texts, index=out.index, dtype="string")


def _with_detail(vocab: str, detail: str, template: str, param: str) -> Formatter:
    """Words of a code, extended by a template where the code's detail column has a value."""

    def fmt(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
        words = words_of(out[key].astype("string"), vocab, lang)
        extra = out.get(f"{key}__{detail}")
        if extra is None:
            return words
        has = extra.notna().to_numpy() & words.notna().to_numpy() & (words != "").to_numpy()
        if not has.any():
            return words
        head = "reason" if vocab == "reason" else "action"
        pairs = pd.DataFrame({"w": words[has], "x": extra[has]})
        done = {
            (w, x): say(template, lang, **{head: w, param: x})
            for w, x in pairs.drop_duplicates().itertuples(index=False)
        }
        words = words.copy()
        words[has] = [done[(w, x)] for w, x in pairs.itertuples(index=False)]
        return words

    return fmt


FORMATTERS: dict[str, Formatter] = {
    "segment": _vocab("segment"),
    "value_class": _vocab("value_class"),
    "trend": _vocab("trend"),
    "tier_change": _vocab("tier_change"),
    "channel": _vocab("channel"),
    "yes_no": _yes_no,
    "tier": _tier,
    "tier_gap": _tier_gap,
    "reason": _with_detail("reason", "overdue", "fmt.overdue", "days"),
    "action": _with_detail("action", "suggest", "fmt.suggest", "category"),
}


def display(
    outputs: pd.DataFrame, columns: list[OutputColumn], settings: dict[str, Any], lang: str
) -> pd.DataFrame:
    """The output columns as the owner reads them: codes worded, numbers and dates as they are.

    Details (``<key>__<detail>``) are folded into their column's words and not returned.
    """
    lang = normalize_lang(lang)
    out = pd.DataFrame(index=outputs.index)
    for c in columns:
        if c.key not in outputs.columns:
            continue
        if c.words is None:
            out[c.key] = outputs[c.key]
        else:
            out[c.key] = FORMATTERS[c.words](outputs, c.key, settings, lang).replace("", pd.NA)
    return out

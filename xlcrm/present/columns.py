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
import pyarrow as pa

from ..arrowtext import arrow_text, map_distinct, string_series
from ..rules.base import OutputColumn
from .words import normalize_lang, say, say_each, vocabulary

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
    """Codes to words; blanks (and codes whose words are empty) stay blank."""
    table = {code: (e.get(lang) or e["en"]) or None for code, e in vocabulary(vocab).items()}
    worded = map_distinct(arrow_text(values), table.get, pa.large_string())
    return string_series(worded, values.index)


def _vocab(name: str) -> Formatter:
    def fmt(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
        return words_of(out[key].astype("string"), name, lang)

    return fmt


def _yes_no(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    flags = out[key].astype("boolean")
    yes = flags.fillna(False).to_numpy(dtype=bool)
    codes = np.where(flags.isna().to_numpy(), None, np.where(yes, "true", "false"))
    return words_of(pd.Series(codes, index=out.index, dtype="string"), "yes_no", lang)


def tier_names(settings: dict[str, Any], lang: str) -> dict[str, str]:
    """Tier codes to the names the owner chose in Settings, else the defaults."""
    out = {}
    for code, setting in TIER_SETTING.items():
        own = str(settings.get(setting) or "").strip()
        out[code] = own or say(f"tier.{code}", lang)
    return out


def _tier(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    names = tier_names(settings, lang)
    worded = map_distinct(arrow_text(out[key].astype("string")), names.get, pa.large_string())
    return string_series(worded, out.index)


def money(amount: float, currency: str) -> str:
    return f"{currency}{amount:,.0f}" if amount == int(amount) else f"{currency}{amount:,.2f}"


def _tier_gap(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    """'¥2,000 more to reach Silver (or 5 more orders)': the next tier and what it takes."""
    result = pd.Series(pd.NA, index=out.index, dtype="string")
    target = out[key].astype("string")
    has = target.notna().to_numpy()
    if not has.any():
        return result
    currency = str(settings.get("currency") or "")
    spend = out[f"{key}__spend"][has].astype("float64")
    names = tier_names(settings, lang)
    text = say_each(
        "fmt.tier_gap",
        lang,
        money=pd.Series([money(v, currency) for v in spend.tolist()], index=spend.index),
        tier=pd.Series([names.get(t) for t in target[has].tolist()], index=spend.index),
    )
    orders = out[f"{key}__orders"][has]
    more = (orders.notna() & (orders > 0)).to_numpy(dtype=bool)
    if more.any():
        text = _put(
            text,
            more,
            say_each(
                "fmt.tier_gap_orders", lang, text=text[more], orders=orders[more].astype("int64")
            ),
        )
    return _put(result, has, text)


def _put(column: pd.Series, at: np.ndarray, values: pd.Series) -> pd.Series:
    """``column`` with ``values`` in the places ``at`` marks, as text (pandas' masked
    assignment costs more than the whole column on a small book)."""
    cells = column.to_numpy(dtype=object, na_value=None, copy=True)
    cells[at] = values.to_numpy(dtype=object, na_value=None)
    return string_series(pa.array(cells, type=pa.large_string()), column.index)


def _with_detail(vocab: str | None, detail: str, template: str, param: str, head: str) -> Formatter:
    """Words of a code (or the words already in the column, ``vocab`` None), extended by a
    template where the code's detail column has a value."""

    def fmt(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
        column = out[key].astype("string")
        words = column if vocab is None else words_of(column, vocab, lang)
        return _detailed(words, out.get(f"{key}__{detail}"), template, param, head, lang)

    return fmt


def _detailed(
    words: pd.Series, extra: pd.Series | None, template: str, param: str, head: str, lang: str
) -> pd.Series:
    """``words`` extended by ``template`` where ``extra`` (a detail column) has a value."""
    if extra is None:
        return words
    has = (extra.notna() & words.notna()).to_numpy(dtype=bool)
    if not has.any():
        return words
    return _put(words, has, say_each(template, lang, **{head: words[has], param: extra[has]}))


def _reason(out: pd.DataFrame, key: str, settings: dict[str, Any], lang: str) -> pd.Series:
    """The reason in words, with what it is about (the holiday's name), the chance the model
    gives (its win-back) and the days overdue."""
    words = words_of(out[key].astype("string"), "reason", lang)
    words = _detailed(words, out.get(f"{key}__name"), "fmt.named", "name", "reason", lang)
    words = _detailed(words, out.get(f"{key}__alive"), "fmt.alive", "percent", "reason", lang)
    return _detailed(words, out.get(f"{key}__overdue"), "fmt.overdue", "days", "reason", lang)


FORMATTERS: dict[str, Formatter] = {
    "segment": _vocab("segment"),
    "value_class": _vocab("value_class"),
    "trend": _vocab("trend"),
    "tier_change": _vocab("tier_change"),
    "channel": _vocab("channel"),
    "yes_no": _yes_no,
    "tier": _tier,
    "tier_gap": _tier_gap,
    "reason": _reason,
    "action": _with_detail("action", "suggest", "fmt.suggest", "category", "action"),
    "satisfaction": _vocab("satisfaction"),
    "review": _vocab("review"),
}


def display(
    outputs: pd.DataFrame, columns: list[OutputColumn], settings: dict[str, Any], lang: str
) -> pd.DataFrame:
    """The output columns as the owner reads them: codes worded, numbers and dates as they are.

    Details (``<key>__<detail>``) are folded into their column's words and not returned.
    """
    lang = normalize_lang(lang)
    shown = {}
    for c in columns:
        if c.key not in outputs.columns:
            continue
        if c.words is None:
            shown[c.key] = outputs[c.key]
        else:
            shown[c.key] = FORMATTERS[c.words](outputs, c.key, settings, lang)
    return pd.DataFrame(shown, index=outputs.index)

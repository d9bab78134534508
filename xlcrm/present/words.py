"""The message catalogue: every word xlcrm writes or prints, by code, in English and Chinese.

``catalog.json`` holds one entry per code with ``en`` and ``zh``; templates take named values
(``{count:,}``) and one addition to Python's format language, ``{n:plural:day:days}``, which
picks the word for one or for many (Chinese needs none).
"""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

LANGS = ("en", "zh")


@cache
def catalog() -> dict[str, dict[str, str]]:
    text = resources.files("xlcrm.present").joinpath("catalog.json").read_text("utf-8")
    return json.loads(text)


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("plural:"):
            one, _, many = format_spec[len("plural:") :].partition(":")
            return one if value == 1 else many
        return super().format_field(value, format_spec)


_FMT = _Formatter()


def has(code: str) -> bool:
    return code in catalog()


def say(code: str, lang: str = "en", **params: Any) -> str:
    """The entry ``code`` in ``lang`` (English when the language is not one xlcrm speaks)."""
    entry = catalog()[code]
    template = entry.get(lang) or entry["en"]
    return _FMT.format(template, **params) if params or "{" in template else template


def say_each(code: str, lang: str, **columns: Any) -> pd.Series:
    """``say`` for a whole column at once: each named value a Series (or one value for all).

    The template is split once and the pieces joined column-wise, so a hundred thousand
    sentences cost a few array operations, not a hundred thousand calls."""
    import numpy as np
    import pandas as pd

    entry = catalog()[code]
    template = entry.get(lang) or entry["en"]
    index = next(v.index for v in columns.values() if isinstance(v, pd.Series))
    # numpy object arrays: the same string joins per element as pandas, without its
    # per-operation cost
    out = np.full(len(index), "", dtype=object)
    for literal, name, spec, _conv in _FMT.parse(template):
        if literal:
            out = out + literal
        if name is None:
            continue
        value = columns[name]
        if not isinstance(value, pd.Series):
            out = out + _FMT.format_field(value, spec or "")
            continue
        items = value.to_numpy(dtype=object)
        if spec.startswith("plural:"):
            one, _, many = spec[len("plural:") :].partition(":")
            out = out + np.where(items == 1, one, many).astype(object)
        elif spec:
            out = out + np.array([format(v, spec) for v in items], dtype=object)
        else:
            out = out + np.array([str(v) for v in items], dtype=object)
    return pd.Series(out, index=index, dtype=object)


def variant(prefix: str, params: dict[str, Any]) -> str:
    """``prefix.<variant>`` when the catalogue has the variant the values name, else prefix."""
    for name in ("variant", "why"):
        v = params.get(name)
        if v and has(f"{prefix}.{v}"):
            return f"{prefix}.{v}"
    return prefix


def normalize_lang(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def fatal_text(code: str, params: dict[str, Any], lang: str = "en") -> str:
    """Why a file could not be used, in words; values the sentence needs are derived here."""
    from .problems import fatal_params

    key = f"fatal.{code}"
    if not has(key):
        return say("fatal.internal", lang, detail=code)
    return say(key, lang, **fatal_params(code, params, lang))


@cache
def vocabulary(name: str) -> dict[str, dict[str, str]]:
    """Every code of one vocabulary (``value_class``, ``channel`` …) with its words (one
    scan of the catalogue per vocabulary and run; not to be changed by callers)."""
    prefix = name + "."
    return {k[len(prefix) :]: v for k, v in catalog().items() if k.startswith(prefix)}

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
from typing import Any

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


def vocabulary(name: str) -> dict[str, dict[str, str]]:
    """Every code of one vocabulary (``value_class``, ``channel`` …) with its words."""
    prefix = name + "."
    return {k[len(prefix) :]: v for k, v in catalog().items() if k.startswith(prefix)}

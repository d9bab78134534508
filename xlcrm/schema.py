"""Sheet and column definitions, loaded from the JSON Schemas in ``schemas/``.

The JSON files are the single source of truth: required columns, types, limits,
labels in English and Chinese, header aliases and dropdown choices. Code only reads them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import field
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any

from .record import record

SHEET_KEYS = ("customers", "sales", "contacts", "redemptions", "settings")
REQUIRED_SHEETS = ("customers", "sales")
LANGS = ("en", "zh")


_FOLD = re.compile(r"[\s_\-./:：()（）#№*]+")


@lru_cache(maxsize=4096)
def normalize_label(text: object) -> str:
    """Fold a header or sheet name so 'Customer ID', 'customer_id' and ' CUSTOMER-ID ' meet."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


@record(frozen=True)
class Choice:
    """One value a choice column takes: its code, its words in each language, and the other
    spellings owners type for it."""

    value: str
    labels: dict[str, str]
    aliases: tuple[str, ...]


@record(frozen=True)
class ColumnSpec:
    """One column of a sheet, as the schema declares it: the headers it is known by in
    either language, its type, the rules its cells must meet and how bad breaking them
    is."""

    key: str
    kind: str  # id, text, date, number, money, integer, boolean, choice
    labels: dict[str, str]
    aliases: tuple[str, ...]
    width: int
    schema: dict[str, Any]
    choices: tuple[Choice, ...] = ()
    hint: dict[str, str] = field(default_factory=dict)  # what to type, by language
    severity: str = "error"

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels["en"]

    @property
    def names(self) -> set[str]:
        """Every normalized spelling that identifies this column."""
        return {normalize_label(n) for n in (self.key, *self.labels.values(), *self.aliases)}

    @cached_property
    def own_names(self) -> frozenset[str]:
        """Its key and labels, normalized: they win over another column's aliases."""
        return frozenset(normalize_label(x) for x in (self.key, *self.labels.values()))

    def choice_lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.choices:
            for n in (c.value, *c.labels.values(), *c.aliases):
                out[normalize_label(n)] = c.value
        return out


@record(frozen=True)
class SheetSpec:
    """One sheet of the workbook, as the schema declares it: the names it is known by, its
    columns and which of them a row needs."""

    key: str
    labels: dict[str, str]
    aliases: tuple[str, ...]
    required: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    required_columns: tuple[str, ...] = ()
    schema: dict[str, Any] = field(repr=False, compare=False, hash=False, default_factory=dict)

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels["en"]

    @property
    def names(self) -> set[str]:
        return {normalize_label(n) for n in (self.key, *self.labels.values(), *self.aliases)}

    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def match_header(self, text: object) -> str | None:
        """The column key a header cell names, or None for a user column."""
        n = normalize_label(text)
        return self.header_lookup.get(n) if n else None

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalized header -> column key; a key or label wins over another column's alias."""
        out: dict[str, str] = {}
        for c in reversed(self.columns):  # the first column to claim a name keeps it
            for n in c.names:
                out[n] = c.key
        for c in reversed(self.columns):
            for n in c.own_names:
                out[n] = c.key
        return out


def _read_json(name: str) -> dict[str, Any]:
    return json.loads(resources.files("xlcrm.schemas").joinpath(name).read_text("utf-8"))


def _column(key: str, prop: dict[str, Any]) -> ColumnSpec:
    choices = tuple(
        Choice(v, {k: d[k] for k in LANGS if k in d}, tuple(d.get("aliases", ())))
        for v, d in prop.get("x-choices", {}).items()
    )
    return ColumnSpec(
        key=key,
        kind=prop["x-kind"],
        labels=dict(prop["x-label"]),
        aliases=tuple(prop.get("x-aliases", ())),
        width=int(prop.get("x-width", 14)),
        schema=prop,
        choices=choices,
        hint=dict(prop.get("x-hint", {})),
        severity=prop.get("x-severity", "error"),
    )


@cache
def sheet_spec(key: str) -> SheetSpec:
    doc = _read_json(f"{key}.json")
    meta = doc["x-sheet"]
    return SheetSpec(
        key=key,
        labels={"en": meta["en"], "zh": meta["zh"]},
        aliases=tuple(meta.get("aliases", ())),
        required=tuple(doc.get("required", ())),
        columns=tuple(_column(k, p) for k, p in doc["properties"].items()),
        schema=doc,
        required_columns=tuple(meta.get("required_columns", doc.get("required", ()))),
    )


def all_sheet_specs() -> list[SheetSpec]:
    return [sheet_spec(k) for k in SHEET_KEYS]


@cache
def settings_schema() -> dict[str, Any]:
    return _read_json("settings_values.json")


def sheet_schema(key: str) -> dict[str, Any]:
    return sheet_spec(key).schema


def match_sheet_name(name: str) -> str | None:
    n = normalize_label(name)
    for spec in all_sheet_specs():
        if n in spec.names:
            return spec.key
    return None

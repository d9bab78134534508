"""Plain words for schema keywords: what is wrong with a cell and how to fix it."""

from __future__ import annotations

from typing import Any

from .schema import ColumnSpec


def keyword_message(keyword: str, col: ColumnSpec) -> str:
    p: dict[str, Any] = col.schema
    hint = f" {col.hint}" if col.hint else ""
    name = col.label().lower()
    if keyword == "required":
        return f"The {name} is empty; every row needs one.{hint}"
    if keyword == "minLength":
        return (
            f"The {name} is empty.{hint}"
            if p["minLength"] <= 1
            else (f"is shorter than {p['minLength']} characters.{hint}")
        )
    if keyword == "maxLength":
        return f"is longer than {p['maxLength']} characters; shorten it.{hint}"
    if keyword == "minimum":
        return f"must be {_n(p['minimum'])} or more.{hint}"
    if keyword == "maximum":
        return f"must be {_n(p['maximum'])} or less.{hint}"
    if keyword == "exclusiveMinimum":
        return f"must be more than {_n(p['exclusiveMinimum'])}.{hint}"
    if keyword == "exclusiveMaximum":
        return f"must be less than {_n(p['exclusiveMaximum'])}.{hint}"
    if keyword == "type":
        if p.get("type") == "integer":
            return f"must be a whole number.{hint}"
        return f"has the wrong type for a {name}.{hint}"
    if keyword == "enum":
        allowed = ", ".join(c.labels["en"] for c in col.choices) or ", ".join(map(str, p["enum"]))
        return f"is not one of: {allowed}."
    if keyword in ("pattern", "format"):
        return f"does not look like a valid {name}.{hint}"
    if keyword == "multipleOf":
        return f"must be a multiple of {_n(p['multipleOf'])}."
    return f"does not meet the rule for {name}.{hint}"


def _n(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)

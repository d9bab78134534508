"""Check typed sheet columns against the sheet's JSON Schema, a whole column at a time.

A sheet schema describes one row as a JSON object. Running jsonschema row by row costs
minutes on a million rows, so the keywords xlcrm's schemas use are evaluated here as vectorised
column operations with the same meaning; any other keyword in a property falls back to
jsonschema itself, once per distinct value. tests/test_schema_check.py proves both paths give
jsonschema's verdict on random rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pandas as pd

VECTORISED = {
    "type",
    "format",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "multipleOf",
}
ANNOTATIONS = {"title", "description", "default", "examples", "$comment", "deprecated"}


def violations(
    frame: pd.DataFrame, schema: dict[str, Any], skip: dict[str, pd.Series] | None = None
) -> Iterator[tuple[str, pd.Index, str]]:
    """Yield (column key, Excel rows, keyword) for every failing keyword of every column.

    ``skip`` masks cells already reported as unreadable, so a cell gets one message, not two.
    """
    skip = skip or {}
    for key in schema.get("required", []):
        if key in frame.columns:
            missing = frame[key].isna()
            if key in skip:
                missing &= ~skip[key].reindex(frame.index, fill_value=False)
            if missing.any():
                yield key, frame.index[missing.to_numpy()], "required"
    for key, prop in schema.get("properties", {}).items():
        if key not in frame.columns:
            continue
        s = frame[key]
        present = s.notna().to_numpy()
        if not present.any():
            continue
        values = s[present]
        for keyword, failing in column_checks(values, prop):
            if failing.any():
                yield key, values.index[failing.to_numpy()], keyword


def column_checks(s: pd.Series, prop: dict[str, Any]) -> Iterator[tuple[str, pd.Series]]:
    """(keyword, failing cells) for each rule of one property, over a column of values."""
    fallback = {
        k: v
        for k, v in prop.items()
        if k not in VECTORISED and k not in ANNOTATIONS and not k.startswith("x-")
    }
    if fallback:
        yield "schema", _fallback(s, prop)
    types = prop.get("type")
    if types is not None:
        yield "type", ~_type_ok(s, types if isinstance(types, list) else [types])
    if "enum" in prop:
        yield "enum", ~s.isin(prop["enum"])
    if "const" in prop:
        yield "const", s != prop["const"]
    if _is_number(s):
        num = s.astype("float64")
        for kw, op in (
            ("minimum", num.lt),
            ("maximum", num.gt),
            ("exclusiveMinimum", num.le),
            ("exclusiveMaximum", num.ge),
        ):
            if kw in prop:
                yield kw, op(prop[kw])
        if "multipleOf" in prop:
            q = num / prop["multipleOf"]
            yield "multipleOf", q != q.round()
    if _is_text(s):
        text = s.astype("string")
        if "minLength" in prop or "maxLength" in prop:
            n = text.str.len()
            if "minLength" in prop:
                yield "minLength", n < prop["minLength"]
            if "maxLength" in prop:
                yield "maxLength", n > prop["maxLength"]
        if "pattern" in prop:
            rx = _regex(prop["pattern"])
            yield "pattern", ~_map_text(text, lambda v: rx.search(v) is not None)
        if prop.get("format") == "email":
            yield "format", ~text.str.contains("@", regex=False).fillna(False).astype(bool)


def _type_ok(s: pd.Series, types: list[str]) -> pd.Series:
    if _is_text(s) or _is_date(s):
        # dates travel as ISO text in the JSON instance, so they are JSON strings
        return pd.Series("string" in types, index=s.index)
    if pd.api.types.is_bool_dtype(s):
        return pd.Series("boolean" in types, index=s.index)
    if _is_number(s):
        if "number" in types:
            return pd.Series(True, index=s.index)
        num = s.astype("float64")
        whole = (num == num.round()) & ~num.isin([float("inf"), float("-inf")])
        return whole if "integer" in types else pd.Series(False, index=s.index)
    return pd.Series(False, index=s.index)


def _fallback(s: pd.Series, prop: dict[str, Any]) -> pd.Series:
    import jsonschema  # only a schema with a keyword not vectorised here needs it

    validator = jsonschema.Draft202012Validator(prop, format_checker=jsonschema.FormatChecker())
    ok = {v: validator.is_valid(to_json(v)) for v in s.unique()}
    return ~s.map(ok).astype(bool)


def to_json(v: Any) -> Any:
    """A cell value as the JSON instance the schema describes (dates as ISO text)."""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if hasattr(v, "item"):
        v = v.item()
    return v


@cache
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _map_text(text: pd.Series, fn) -> pd.Series:
    uniq = text.unique()
    return text.map({v: fn(v) for v in uniq}).astype(bool)


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _is_date(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s)


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)

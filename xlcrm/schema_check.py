"""Check typed sheet columns against the sheet's JSON Schema, a whole column at a time.

A sheet schema describes one row as a JSON object. Running jsonschema row by row costs
minutes on a million rows, so the keywords xlcrm's schemas use are evaluated here as vectorised
column operations with the same meaning; any other keyword in a property falls back to
jsonschema itself, once per distinct value. tests/test_schema_check.py proves both paths give
jsonschema's verdict on random rows.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import arrow_text, map_distinct

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
    frame: pd.DataFrame,
    schema: dict[str, Any],
    skip: dict[str, pd.Series] | None = None,
    columns: Collection[str] | None = None,
) -> Iterator[tuple[str, pd.Index, str]]:
    """Yield (column key, Excel rows, keyword) for every failing keyword of every column
    (of ``columns`` only, when given: the ones the sheet has).

    ``skip`` masks cells already reported as unreadable, so a cell gets one message, not two.
    """
    skip = skip or {}
    columns = frame.columns if columns is None else [c for c in frame.columns if c in columns]
    props = schema.get("properties", {})
    required = schema.get("required", [])
    # each column taken from the frame once, its blanks found on its array (pandas' Series
    # methods cost more than the work on a few hundred rows)
    cols = {k: frame[k] for k in columns if k in props or k in required}
    blank = {k: np.asarray(s.array.isna(), dtype=bool) for k, s in cols.items()}
    for key in required:
        if key in cols:
            missing = blank[key]
            if key in skip:
                missing = missing & ~_mask(skip[key], frame.index)
            if missing.any():
                yield key, frame.index[missing], "required"
    for key, prop in props.items():
        if key not in cols:
            continue
        s = cols[key]
        present = ~blank[key]
        if not present.any():
            continue
        values = s if present.all() else s[present]
        for keyword, failing in column_checks(values, prop):
            failed = failing.to_numpy(dtype=bool)
            if failed.any():
                yield key, values.index[failed], keyword


def _mask(flags: pd.Series, index: pd.Index) -> np.ndarray:
    """``flags`` laid out on ``index`` (False where absent), as a numpy array."""
    if not flags.index.equals(index):
        flags = flags.reindex(index, fill_value=False)
    return flags.to_numpy(dtype=bool)


def column_checks(s: pd.Series, prop: dict[str, Any]) -> Iterator[tuple[str, pd.Series]]:
    """(keyword, failing cells) for each rule of one property, over a column of values (a
    keyword no value of this column's type can fail is not yielded). On numpy and Arrow
    arrays: a few hundred rows cost microseconds, not pandas' fixed cost per operation."""
    fallback = {
        k: v
        for k, v in prop.items()
        if k not in VECTORISED and k not in ANNOTATIONS and not k.startswith("x-")
    }

    def cells(failing) -> pd.Series:
        return pd.Series(np.asarray(failing, dtype=bool), index=s.index)

    if fallback:
        yield "schema", _fallback(s, prop)
    types = prop.get("type")
    if types is not None:
        ok = _type_ok(s, types if isinstance(types, list) else [types])
        if ok is not True:
            yield "type", cells(~ok if ok is not False else np.ones(len(s), dtype=bool))
    if "enum" in prop:
        yield "enum", ~s.isin(prop["enum"])
    if "const" in prop:
        yield "const", s != prop["const"]
    if _is_number(s):
        num = s.to_numpy(dtype="float64", na_value=np.nan)
        for kw, op in (
            ("minimum", np.less),
            ("maximum", np.greater),
            ("exclusiveMinimum", np.less_equal),
            ("exclusiveMaximum", np.greater_equal),
        ):
            if kw in prop:
                yield kw, cells(op(num, prop[kw]))
        if "multipleOf" in prop:
            q = num / prop["multipleOf"]
            yield "multipleOf", cells(q != np.round(q))
    if _is_text(s):
        text = arrow_text(s)
        if "minLength" in prop or "maxLength" in prop:
            n = pc.utf8_length(text).to_numpy(zero_copy_only=False)
            if "minLength" in prop:
                yield "minLength", cells(n < prop["minLength"])
            if "maxLength" in prop:
                yield "maxLength", cells(n > prop["maxLength"])
        if "pattern" in prop:
            rx = _regex(prop["pattern"])
            found = map_distinct(text, lambda v: rx.search(v) is not None, pa.bool_())
            yield "pattern", cells(~found.fill_null(False).to_numpy(zero_copy_only=False))
        if prop.get("format") == "email":
            at = pc.fill_null(pc.match_substring(text, "@"), False)
            yield "format", cells(~at.to_numpy(zero_copy_only=False))


def _type_ok(s: pd.Series, types: list[str]) -> bool | np.ndarray:
    """Whether each value has one of the JSON types: True or False for the whole column
    when its dtype decides it."""
    if _is_text(s) or _is_date(s):
        # dates travel as ISO text in the JSON instance, so they are JSON strings
        return "string" in types
    if pd.api.types.is_bool_dtype(s):
        return "boolean" in types
    if _is_number(s):
        if "number" in types:
            return True
        if "integer" not in types:
            return False
        num = s.to_numpy(dtype="float64", na_value=np.nan)
        return (num == np.round(num)) & ~np.isinf(num)
    return False


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


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _is_date(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s)


def _is_number(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)

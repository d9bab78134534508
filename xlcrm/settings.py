"""Rule parameters: defaults from schemas/settings_values.json, overridden by the Settings sheet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema
import pandas as pd

from .book import Sheet
from .problems import ERROR, WARNING, Problem
from .schema import normalize_label, settings_schema
from .values import parse_bool_text, parse_date_text, parse_number_text


def defaults() -> dict[str, Any]:
    return {k: p.get("default") for k, p in settings_schema()["properties"].items()}


def setting_names() -> dict[str, str]:
    """Every accepted spelling of a setting name -> its key."""
    out: dict[str, str] = {}
    for key, p in settings_schema()["properties"].items():
        for n in (key, *p["x-label"].values()):
            out[normalize_label(n)] = key
    return out


def read_settings(sheet: Sheet | None) -> tuple[dict[str, Any], list[Problem], set[str]]:
    """Settings values, problems, and the keys the sheet set explicitly."""
    values = defaults()
    if sheet is None or not sheet.has("name"):
        return values, [], set()
    problems: list[Problem] = []
    props = settings_schema()["properties"]
    names = setting_names()
    f = sheet.frame
    value_col = f["value"] if "value" in f.columns else pd.Series(pd.NA, index=f.index)
    rows: dict[str, int] = {}
    for row, name in f["name"].items():
        if name is pd.NA or not str(name).strip():
            continue
        key = names.get(normalize_label(name))
        if key is None:
            problems.append(
                _p(
                    sheet,
                    "name",
                    row,
                    name,
                    WARNING,
                    "is not a setting xlcrm knows; it is ignored. Check the spelling.",
                    "unknown_setting",
                )
            )
            continue
        if key in rows:
            problems.append(
                _p(
                    sheet,
                    "name",
                    row,
                    name,
                    WARNING,
                    f"is set twice (row {rows[key]} too); this row wins.",
                    "duplicate_setting",
                )
            )
        rows[key] = int(row)
        raw = value_col.at[row]
        if raw is pd.NA or raw is None or not str(raw).strip():
            values[key] = props[key].get("default")
            continue
        value, why = _parse(props[key], str(raw).strip())
        if why:
            problems.append(
                _p(sheet, "value", row, str(raw), ERROR, f"{why} (setting {name}).", "bad_setting")
            )
            continue
        values[key] = value
    validator = jsonschema.Draft202012Validator(settings_schema())
    for err in validator.iter_errors(_as_json(values)):
        key = err.path[0] if err.path else None
        row = rows.get(key) if key else None
        problems.append(
            _p(
                sheet,
                "value",
                row,
                _show(values.get(key)),
                ERROR,
                f"Setting '{key}': {err.message}.",
                "bad_setting",
            )
        )
        if key:
            values[key] = props[key].get("default")
    pct = sum(float(values[f"pyramid_{c}_pct"]) for c in "abcd")
    if abs(pct - 100) > 1e-9:
        problems.append(
            _p(
                sheet,
                "value",
                rows.get("pyramid_d_pct"),
                f"{pct:g}",
                ERROR,
                "The pyramid shares A + B + C + D must add up to 100.",
                "bad_setting",
            )
        )
    return values, problems, set(rows)


def _parse(prop: dict[str, Any], raw: str) -> tuple[Any, str]:
    kind = prop["x-kind"]
    if kind == "date":
        d, why = parse_date_text(raw)
        return d, ("" if d else f"'{raw}' {why}")
    if kind in ("number", "integer"):
        v, why = parse_number_text(raw)
        if v is None:
            return None, f"'{raw}' {why}"
        if kind == "integer":
            if v != int(v):
                return None, f"'{raw}' must be a whole number"
            return int(v), ""
        return v, ""
    if kind == "boolean":
        b = parse_bool_text(raw)
        return b, ("" if b is not None else f"'{raw}' is not yes or no (是/否)")
    if kind == "choice":
        allowed = prop["enum"]
        for a in allowed:
            if normalize_label(a) == normalize_label(raw):
                return a, ""
        return None, f"'{raw}' must be one of {', '.join(allowed)}"
    return raw, ""


def _as_json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def _show(v: Any) -> str | None:
    return None if v is None else str(v)


def _p(sheet: Sheet, key: str, row, value, severity, message, code) -> Problem:
    return Problem(
        severity,
        sheet.name,
        int(row) if row else None,
        sheet.letters.get(key),
        sheet.headers.get(key),
        None if value is None else str(value),
        message,
        code,
    )

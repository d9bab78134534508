"""Rule parameters: defaults from schemas/settings_values.json, overridden by the Settings sheet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .book import Sheet
from .problems import ERROR, WARNING, Problem
from .schema import normalize_label, settings_schema
from .schema_check import column_checks
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
            problems.append(_p(sheet, "name", row, name, WARNING, "unknown_setting"))
            continue
        if key in rows:
            problems.append(
                _p(sheet, "name", row, name, WARNING, "duplicate_setting", other_row=rows[key])
            )
        rows[key] = int(row)
        raw = value_col.at[row]
        if raw is pd.NA or raw is None or not str(raw).strip():
            values[key] = props[key].get("default")
            continue
        value, why = _parse(props[key], str(raw).strip())
        if why is not None:
            problems.append(
                _p(sheet, "value", row, str(raw), ERROR, "bad_setting", setting=key, **why)
            )
            continue
        values[key] = value
    for key, keyword in breaches(values, props):
        row = rows.get(key)
        limit = props[key].get(keyword)
        limit = limit if isinstance(limit, int | float) and not isinstance(limit, bool) else None
        problems.append(
            _p(
                sheet,
                "value",
                row,
                _show(values.get(key)),
                ERROR,
                "bad_setting",
                setting=key,
                why=f"schema_{keyword}",
                limit=limit,
            )
        )
        values[key] = props[key].get("default")
    values["holidays"] = holidays(sheet)
    pct = sum(float(values[f"pyramid_{c}_pct"]) for c in "abcd")
    if abs(pct - 100) > 1e-9:
        problems.append(
            _p(
                sheet,
                "value",
                rows.get("pyramid_d_pct"),
                f"{pct:g}",
                ERROR,
                "bad_setting",
                setting="pyramid_d_pct",
                why="pyramid_sum",
            )
        )
    return values, problems, set(rows)


def holidays(sheet: Sheet) -> list[tuple[str, pd.Timestamp]]:
    """The Holidays table beside the settings: (name, date) for each row that has both."""
    if not (sheet.has("holiday") and sheet.has("holiday_date")):
        return []
    f = sheet.frame
    rows = f[f["holiday"].notna() & f["holiday_date"].notna()]
    names = rows["holiday"].astype("string").str.strip()
    return [(n, d) for n, d in zip(names, rows["holiday_date"], strict=True) if n]


def breaches(values: dict[str, Any], props: dict[str, Any]) -> list[tuple[str, str]]:
    """Each setting whose value breaks its schema, with the first rule it breaks: the same
    column checks the sheets get, on a one-cell column."""
    out = []
    for key, value in values.items():
        # a default is valid by construction (tests/test_template.py checks them all)
        if value is None or key not in props or value == props[key].get("default"):
            continue
        cell = pd.Series([pd.Timestamp(value) if isinstance(value, dt.date) else value])
        if isinstance(value, str):
            cell = cell.astype("string")
        elif isinstance(value, bool):
            cell = cell.astype("boolean")
        for keyword, failing in column_checks(cell, props[key]):
            if bool(failing.fillna(True).iloc[0]):
                out.append((key, keyword))
                break
    return out


def _parse(prop: dict[str, Any], raw: str) -> tuple[Any, dict[str, Any] | None]:
    """The value, or None and why (a code and its values) it cannot be read."""
    kind = prop["x-kind"]
    if kind == "date":
        d, (why, params) = parse_date_text(raw)
        return d, (None if d else {"why": why, **params})
    if kind in ("number", "integer"):
        v, (why, params) = parse_number_text(raw)
        if v is None:
            return None, {"why": why, **params}
        if kind == "integer":
            if v != int(v):
                return None, {"why": "not_whole"}
            return int(v), None
        return v, None
    if kind == "boolean":
        b = parse_bool_text(raw)
        return b, (None if b is not None else {"why": "not_boolean"})
    if kind == "choice":
        allowed = prop["enum"]
        for a in allowed:
            if normalize_label(a) == normalize_label(raw):
                return a, None
        return None, {"why": "not_in_list", "allowed": ", ".join(allowed)}
    return raw, None


def _show(v: Any) -> str | None:
    return None if v is None else str(v)


def _p(sheet: Sheet, key: str, row, value, severity, code, **params) -> Problem:
    return Problem(
        severity,
        code,
        sheet.name,
        int(row) if row else None,
        sheet.letters.get(key),
        sheet.headers.get(key),
        None if value is None else str(value),
        params,
        kind="settings",
        key=key,
    )

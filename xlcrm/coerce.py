"""Raw columns to typed columns: every odd cell is read where it can be, and reported either way.

Runs over whole columns; only the odd cells (usually none) are looked at one by one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .book import Sheet, column_dtypes
from .problems import ERROR, WARNING, Problem
from .raw import OddCell, RawColumn, RawSheet
from .schema import ColumnSpec, normalize_label, sheet_spec
from .values import is_error_text, parse_bool_text, parse_date_text, parse_number_text


def coerce_sheet(raw: RawSheet) -> tuple[Sheet, list[Problem], dict[str, pd.Series]]:
    """Typed sheet, problems, and per column a mask of cells that were filled but unreadable."""
    spec = sheet_spec(raw.kind)
    problems: list[Problem] = []
    cols: dict[str, pd.Series] = {}
    unreadable: dict[str, pd.Series] = {}
    for c in spec.columns:
        col = raw.columns.get(c.key)
        if col is None:
            continue
        report = _Reporter(raw, col, problems)
        series, bad = _coerce_column(c, col, report)
        cols[c.key] = series
        unreadable[c.key] = bad
    for key, dtype in column_dtypes(raw.kind).items():  # absent columns: typed and blank
        if key not in cols:
            cols[key] = pd.Series(index=raw.rows, dtype=dtype)
    frame = pd.DataFrame(cols, index=raw.rows)
    sheet = Sheet(
        raw.kind,
        raw.name,
        raw.header_row,
        frame,
        {k: v.letter for k, v in raw.columns.items()},
        {k: v.header for k, v in raw.columns.items()},
    )
    return sheet, problems, unreadable


class _Reporter:
    def __init__(self, raw: RawSheet, col: RawColumn, sink: list[Problem]) -> None:
        self.raw, self.col, self.sink = raw, col, sink

    def __call__(self, severity: str, row: int, value: str, code: str, **params: Any) -> None:
        self.sink.append(
            Problem(
                severity,
                code,
                self.raw.name,
                int(row),
                self.col.letter,
                self.col.header,
                value,
                params,
                kind=self.raw.kind,
                key=self.col.key,
            )
        )


def _coerce_column(c: ColumnSpec, col: RawColumn, report: _Reporter):
    s = col.values
    bad = pd.Series(False, index=s.index)
    if c.kind == "date":
        out = pd.to_datetime(s, errors="coerce").dt.normalize().astype("datetime64[ns]")
        for row, odd in _nonblank_odd(col):
            value = _odd_value(odd, row, report, parse_date_text, "date", c.severity)
            if value is None:
                bad.at[row] = True
            else:
                out.at[row] = pd.Timestamp(value)
        return out, bad
    if c.kind in ("number", "money", "integer"):
        out = pd.to_numeric(s, errors="coerce").astype("float64")
        for row, odd in _nonblank_odd(col):
            value = _odd_value(odd, row, report, parse_number_text, "number", c.severity)
            if value is None:
                bad.at[row] = True
            else:
                out.at[row] = value
        return out, bad
    # text-like columns were read as text; only Excel errors come back odd
    text = s.astype("string")
    for row, odd in col.odd.items():
        report(c.severity, row, odd.raw, "excel_error")
        bad.at[row] = True
        text.at[row] = pd.NA
    err_text = text.str.startswith("#").fillna(False).astype(bool)
    if err_text.any():
        err_text &= _map_unique(text.where(err_text), is_error_text).fillna(False).astype(bool)
    for row in text.index[err_text.to_numpy()]:
        report(c.severity, row, text.at[row], "excel_error")
        bad.at[row] = True
    text = text.mask(err_text)
    if c.kind in ("id", "choice", "boolean"):
        text = text.str.strip()
    text = text.mask(text.str.strip() == "")
    if c.kind == "boolean":
        out = _map_unique(text, parse_bool_text).astype("boolean")
        wrong = text.notna() & out.isna()
        for row in text.index[wrong.to_numpy()]:
            report(c.severity, row, text.at[row], "not_boolean")
        return out, bad | wrong
    if c.kind == "choice":
        lookup = c.choice_lookup()
        out = _map_unique(text, lambda v: lookup.get(normalize_label(v))).astype("string")
        wrong = text.notna() & out.isna()
        for row in text.index[wrong.to_numpy()]:
            report(c.severity, row, text.at[row], "not_in_list")
        return out, bad | wrong
    return text, bad


def _nonblank_odd(col: RawColumn):
    return [(r, o) for r, o in col.odd.items() if not (o.kind == "text" and o.raw.strip() == "")]


def _map_unique(s: pd.Series, fn) -> pd.Series:
    """Apply fn once per distinct value: fast on a million rows with few distinct values."""
    uniq = s.dropna().unique()
    table = {v: fn(v) for v in uniq}
    return s.map(table)


def _odd_value(odd: OddCell, row: int, report, parse, what: str, severity: str = ERROR):
    if odd.kind == "text":
        if is_error_text(odd.raw):
            report(severity, row, odd.raw, "excel_error")
            return None
        value, (why, params) = parse(odd.raw)
        if value is None:
            report(severity, row, odd.raw, f"bad_{what}", why=why, **params)
            return None
        shown = value.isoformat() if hasattr(value, "isoformat") else f"{value:g}"
        report(WARNING, row, odd.raw, f"{what}_as_text", read_as=shown)
        return value
    if odd.kind == "error":
        report(severity, row, odd.raw, "excel_error")
        return None
    if odd.kind == "number" and what == "number":
        try:
            return float(odd.raw)
        except ValueError:
            pass
    report(severity, row, odd.raw, f"bad_{what}", why=f"not_a_{what}")
    return None

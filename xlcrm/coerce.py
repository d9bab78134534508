"""Raw columns to typed columns: every odd cell is read where it can be, and reported either way.

Runs over whole columns; only the odd cells (usually none) are looked at one by one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import arrow_text, map_distinct, nulls_where, string_series
from .book import Sheet, column_dtypes
from .problems import ERROR, WARNING, Problem
from .raw import OddCell, RawColumn, RawSheet
from .schema import ColumnSpec, normalize_label, sheet_spec
from .values import (
    FIRST_DAY,
    LAST_DAY,
    is_error_text,
    out_of_range,
    parse_bool_text,
    parse_date_text,
    parse_number_text,
)


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
    blank: dict[str, pd.Series] = {}  # absent columns: typed and blank, one per type
    for key, dtype in column_dtypes(raw.kind).items():
        if key not in cols:
            if dtype not in blank:
                blank[dtype] = pd.Series(index=raw.rows, dtype=dtype)
            cols[key] = blank[dtype]
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
    if c.kind not in ("date", "number", "money", "integer"):
        return _coerce_text(c, col, report)
    bad = pd.Series(False, index=s.index)
    if c.kind == "date":
        days = pd.to_datetime(s, errors="coerce").to_numpy().astype("datetime64[D]")
        far = (days < np.datetime64(FIRST_DAY)) | (days > np.datetime64(LAST_DAY))
        for i in np.flatnonzero(far):
            why, params = out_of_range()
            report(c.severity, s.index[i], str(days[i]), "bad_date", why=why, **params)
            bad.iat[i] = True
        days[far] = np.datetime64("NaT")
        out = pd.Series(days.astype("datetime64[ns]"), index=s.index)
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


def _coerce_text(c: ColumnSpec, col: RawColumn, report: _Reporter):
    """Text-like columns, on the Arrow array the reader gave (pandas' string methods are the
    same Arrow kernels behind a per-call cost that dominates a small book): Excel errors,
    blanks, and for a fixed list its canonical code."""
    rows = col.values.index
    values = arrow_text(col.values)
    bad = np.zeros(len(values), dtype=bool)
    # text-like columns were read as text; only Excel errors come back odd
    for row, odd in col.odd.items():
        report(c.severity, row, odd.raw, "excel_error")
        bad[rows.get_loc(row)] = True
    hashed = np.flatnonzero(pc.fill_null(pc.starts_with(values, "#"), False))
    if len(hashed):
        texts = values.take(hashed).to_pylist()
        for i, text in zip(hashed, texts, strict=True):
            if is_error_text(text):
                report(c.severity, rows[i], text, "excel_error")
                bad[i] = True
    if bad.any():
        values = nulls_where(values, bad)
    if c.kind in ("id", "choice", "boolean"):
        values = pc.utf8_trim_whitespace(values)
        blank = pc.equal(values, "")
    else:
        blank = pc.equal(pc.utf8_trim_whitespace(values), "")
    if pc.any(blank).as_py():
        values = nulls_where(values, blank)
    if c.kind == "boolean":
        flags = map_distinct(values, parse_bool_text, pa.bool_())
        valid = flags.is_valid().to_numpy(zero_copy_only=False)
        plain = flags.fill_null(False).to_numpy(zero_copy_only=False)
        out = pd.Series(pd.arrays.BooleanArray(plain, ~valid), index=rows)
    elif c.kind == "choice":
        lookup = c.choice_lookup()
        codes = map_distinct(values, lambda v: lookup.get(normalize_label(v)), pa.large_string())
        valid = codes.is_valid().to_numpy(zero_copy_only=False)
        out = string_series(codes, rows)
    else:
        return string_series(values, rows), pd.Series(bad, rows)
    wrong = np.flatnonzero(values.is_valid().to_numpy(zero_copy_only=False) & ~valid)
    code = "not_boolean" if c.kind == "boolean" else "not_in_list"
    for i, text in zip(wrong, values.take(wrong).to_pylist(), strict=True):
        report(c.severity, rows[i], text, code)
    bad[wrong] = True
    return out, pd.Series(bad, rows)


def _nonblank_odd(col: RawColumn):
    return [(r, o) for r, o in col.odd.items() if not (o.kind == "text" and o.raw.strip() == "")]


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

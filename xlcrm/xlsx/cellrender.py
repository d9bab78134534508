"""Output values to cell XML, a whole column at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cellref import col_letter
from .text import CELL_LIMIT, xml_escape_text

_EPOCH = {False: pd.Timestamp("1899-12-30"), True: pd.Timestamp("1904-01-01")}


def excel_serial(values: pd.Series, date1904: bool) -> pd.Series:
    """Day numbers as Excel stores them, to the whole second."""
    seconds = (pd.to_datetime(values) - _EPOCH[date1904]).dt.total_seconds().round()
    return seconds / 86400


def _numbers(num: pd.Series) -> pd.Series:
    """Shortest text of each number; whole numbers without '.0'."""
    arr = num.to_numpy(dtype="float64")
    finite = np.isfinite(arr)
    whole = finite & (np.mod(arr, 1) == 0) & (np.abs(arr) < 1e15)
    text = np.full(len(arr), "", dtype=object)
    text[whole] = arr[whole].astype(np.int64).astype(str)
    rest = finite & ~whole
    text[rest] = [repr(v) for v in arr[rest].tolist()]
    return pd.Series(text, index=num.index, dtype="object")


def cell_payloads(values: pd.Series, kind: str, date1904: bool, p: str = "") -> pd.Series:
    """What follows a cell's r and s attributes, up to its closing tag; '' for a blank cell.

    Each distinct value is rendered once and spread by its code: output columns repeat a few
    values (scores, classes, tiers) over many rows.
    """
    if kind in ("date", "datetime", "money", "integer", "number"):
        num = (
            excel_serial(values, date1904)
            if kind in ("date", "datetime")
            else pd.to_numeric(values, errors="coerce").astype("float64")
        )
        codes, uniq = pd.factorize(num.to_numpy(dtype="float64"), use_na_sentinel=True)
        text = _numbers(pd.Series(uniq)).tolist()
        rendered = [f"><{p}v>{t}</{p}v>" if t else "" for t in text]
    elif kind == "boolean":
        b = values.astype("boolean")
        codes = np.where(b.isna().to_numpy(), -1, b.fillna(False).to_numpy().astype(np.int64))
        rendered = [f' t="b"><{p}v>0</{p}v>', f' t="b"><{p}v>1</{p}v>']
    else:
        text = values.astype("string").fillna("")
        codes, uniq = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
        rendered = []
        for u in uniq.tolist():
            u = u[:CELL_LIMIT]
            space = ' xml:space="preserve"' if u != u.strip() else ""
            rendered.append(
                f' t="inlineStr"><{p}is><{p}t{space}>{xml_escape_text(u)}</{p}t></{p}is>'
                if u
                else ""
            )
    table = np.array([*rendered, ""], dtype=object)  # code -1 (blank) takes the last entry
    return pd.Series(table[codes], index=values.index, dtype="object")


def cells(payloads: pd.Series, col: int, style: int | None, p: str = "") -> list[str]:
    """Whole cell elements for one column in row order; '' where the cell is blank."""
    ref = f'<{p}c r="{col_letter(col)}'
    s = f' s="{style}"' if style else ""
    end = f"</{p}c>"
    empty = f'"{s}/>' if s else None
    rows = payloads.index.tolist()
    return [
        f'{ref}{r}"{s}{pl}{end}' if pl else (f"{ref}{r}{empty}" if empty else "")
        for r, pl in zip(rows, payloads.tolist(), strict=True)
    ]

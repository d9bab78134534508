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
    """What follows a cell's r and s attributes, up to its closing tag; '' for a blank cell."""
    if kind in ("date", "datetime", "money", "integer", "number"):
        num = (
            excel_serial(values, date1904)
            if kind in ("date", "datetime")
            else pd.to_numeric(values, errors="coerce").astype("float64")
        )
        text = _numbers(num)
        return text.where(text == "", f"><{p}v>" + text + f"</{p}v>")
    if kind == "boolean":
        b = values.astype("boolean")
        out = pd.Series("", index=values.index, dtype="object")
        out[b.fillna(False).to_numpy()] = f' t="b"><{p}v>1</{p}v>'
        out[(~b).fillna(False).to_numpy()] = f' t="b"><{p}v>0</{p}v>'
        return out
    text = values.astype("string").fillna("").str.slice(0, CELL_LIMIT)
    uniq = {v: xml_escape_text(v) for v in text.unique()}
    esc = text.map(uniq).astype("object")
    space = pd.Series(
        np.where(esc.str.strip() != esc, ' xml:space="preserve"', ""), index=values.index
    )
    out = f' t="inlineStr"><{p}is><{p}t' + space + ">" + esc + f"</{p}t></{p}is>"
    return out.where(text != "", "")


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

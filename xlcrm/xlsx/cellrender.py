"""Output values to cell XML, a whole column at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

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


def payload_table(
    values: pd.Series, kind: str, date1904: bool, p: str = ""
) -> tuple[np.ndarray, list[str]]:
    """Each distinct value's payload (what follows a cell's r and s attributes, up to its
    closing tag) and every row's code into that table; -1 for a blank cell.

    Each distinct value is rendered once: output columns repeat a few values (scores,
    classes, tiers) over many rows.
    """
    if kind in ("date", "datetime", "money", "integer", "number"):
        num = (
            excel_serial(values, date1904)
            if kind in ("date", "datetime")
            else pd.to_numeric(values, errors="coerce").astype("float64")
        )
        codes, uniq = pd.factorize(num.to_numpy(dtype="float64"), use_na_sentinel=True)
        text = _numbers(pd.Series(uniq)).tolist()
        table = [f"><{p}v>{t}</{p}v>" if t else "" for t in text]
    elif kind == "boolean":
        b = values.astype("boolean")
        codes = np.where(b.isna().to_numpy(), -1, b.fillna(False).to_numpy().astype(np.int64))
        table = [f' t="b"><{p}v>0</{p}v>', f' t="b"><{p}v>1</{p}v>']
    else:
        text = values.astype("string").fillna("")
        codes, uniq = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
        table = []
        for u in uniq.tolist():
            u = u[:CELL_LIMIT]
            space = ' xml:space="preserve"' if u != u.strip() else ""
            table.append(
                f' t="inlineStr"><{p}is><{p}t{space}>{xml_escape_text(u)}</{p}t></{p}is>'
                if u
                else ""
            )
    return np.asarray(codes, dtype=np.int64), table


class Column:
    """One output column ready to render: its cells are joined from shared pieces (the
    column's opening, the row number, one tail per distinct value), so no per-cell string is
    built unless a single cell is asked for."""

    def __init__(
        self, col: int, style: int | None, codes: np.ndarray, table: list[str], p: str = ""
    ) -> None:
        s = f' s="{style}"' if style else ""
        end = f"</{p}c>"
        blank = f'"{s}/>' if s else ""  # a styled blank keeps its style; else no cell at all
        tails = np.array([f'"{s}{t}{end}' if t else blank for t in table] + [blank], dtype=object)
        self.col = col
        self.head = f'<{p}c r="{col_letter(col)}'
        self.tails = tails[codes]
        self.present = self.tails != ""

    def cell(self, i: int, row: int) -> str:
        return f"{self.head}{row}{self.tails[i]}" if self.present[i] else ""


def row_cells(columns: Sequence[Column], rows: Sequence[int], chunk: int = 8192) -> Iterator[str]:
    """Each row's cells of ``columns`` (in that order) joined into one string, row by row."""
    nums = np.array([str(r) for r in rows], dtype=object)
    n, k = len(nums), len(columns)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        pieces = np.full((b - a, 3 * k), "", dtype=object)
        for j, c in enumerate(columns):
            present = c.present[a:b]
            pieces[present, 3 * j] = c.head
            pieces[present, 3 * j + 1] = nums[a:b][present]
            pieces[:, 3 * j + 2] = c.tails[a:b]
        yield from map("".join, pieces.tolist())

"""Output values to cell XML, a whole column at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowtext import arrow_text
from .cellref import col_letter
from .text import CELL_LIMIT, ILLEGAL, xml_escape_text

_TEXT = pa.large_string()
_NONE = pa.scalar("", _TEXT)  # no separator
_ROW_OPEN, _ROW_MID, _ROW_CLOSE = (pa.scalar(t, _TEXT) for t in ('<row r="', '">', "</row>"))
_EPOCH = {False: pd.Timestamp("1899-12-30"), True: pd.Timestamp("1904-01-01")}


def excel_serial(values: pd.Series, date1904: bool) -> np.ndarray:
    """Day numbers as Excel stores them, to the whole second (NaN where blank)."""
    if values.dtype.kind != "M":
        values = pd.to_datetime(values)
    # microseconds reach Excel's year 9999 from either epoch; nanoseconds would not
    stamps = values.to_numpy(dtype="datetime64[us]")
    since = (stamps - _EPOCH[date1904].to_datetime64()).astype("timedelta64[us]").astype(np.int64)
    seconds = np.round(since / 1e6)  # half a second to even, as pandas' round
    return np.where(np.isnat(stamps), np.nan, seconds / 86400)


def _numbers(arr: np.ndarray) -> list[str]:
    """Shortest text of each number; whole numbers without '.0'; '' for NaN."""
    finite = np.isfinite(arr)
    whole = finite & (np.mod(arr, 1) == 0) & (np.abs(arr) < 1e15)
    text = np.full(len(arr), "", dtype=object)
    text[whole] = arr[whole].astype(np.int64).astype(str)
    rest = finite & ~whole
    text[rest] = [repr(v) for v in arr[rest].tolist()]
    return text.tolist()


def _as_floats(values: pd.Series) -> np.ndarray:
    """The column as floats, NaN where blank (nullable and numpy numbers alike)."""
    if values.dtype.kind not in "fiub":
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype="float64", na_value=np.nan)


def payload_table(
    values: pd.Series, kind: str, date1904: bool, p: str = ""
) -> tuple[np.ndarray, list[str]]:
    """Each distinct value's payload (what follows a cell's r and s attributes, up to its
    closing tag) and every row's code into that table; -1 for a blank cell.

    Each distinct value is rendered once: output columns repeat a few values (scores,
    classes, tiers) over many rows. Straight on numpy and Arrow arrays: the columns are
    many and, in a typical book, short, where pandas' cost per call would be most of it.
    """
    if kind in ("date", "datetime", "money", "integer", "number", "decimal", "percent"):
        num = excel_serial(values, date1904) if kind in ("date", "datetime") else _as_floats(values)
        codes, uniq = pd.factorize(num, use_na_sentinel=True)
        table = [f"><{p}v>{t}</{p}v>" if t else "" for t in _numbers(uniq)]
    elif kind == "boolean":
        b = values.astype("boolean")
        codes = np.where(b.isna().to_numpy(), -1, b.fillna(False).to_numpy().astype(np.int64))
        table = [f' t="b"><{p}v>0</{p}v>', f' t="b"><{p}v>1</{p}v>']
    else:
        encoded = pc.dictionary_encode(arrow_text(values))
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        table = _inline_strings(encoded.dictionary, p)
    return np.asarray(codes, dtype=np.int64), table


def _inline_strings(words: pa.Array, p: str) -> list[str]:
    """Each text's payload as an inline string ('' for empty text)."""
    raw = [u[:CELL_LIMIT] for u in words.to_pylist()]
    escaped = _escaped(words, raw) if len(raw) >= ARROW_FROM else [xml_escape_text(u) for u in raw]
    keep = ' xml:space="preserve"'
    return [
        f' t="inlineStr"><{p}is><{p}t{keep if u != u.strip() else ""}>{e}</{p}t></{p}is>'
        if u
        else ""
        for u, e in zip(raw, escaped, strict=True)
    ]


ARROW_FROM = 64  # distinct texts from which Arrow's kernels escape faster than one by one


def _escaped(words: pa.Array, raw: list[str]) -> list[str]:
    """``xml_escape_text`` of many texts (``raw``: ``words`` cut to the cell limit): the
    three escapes by Arrow kernels on the whole column (the Points sheet's sources are
    thousands of distinct order numbers); a text holding a literal _xHHHH_ or a character
    XML cannot carry still goes through ``xml_escape_text`` on its own."""
    text = pc.utf8_slice_codeunits(words, 0, CELL_LIMIT)
    escaped = text
    for plain, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        escaped = pc.replace_substring(escaped, plain, entity)
    out = escaped.to_pylist()
    special = pc.or_(pc.match_substring(text, "_x"), pc.match_substring_regex(text, ILLEGAL))
    for i in np.flatnonzero(special.to_numpy(zero_copy_only=False)):
        out[i] = xml_escape_text(raw[i])
    return out


class Column:
    """One output column ready to render: each cell is the column's opening, the row number
    and one tail per distinct value, joined by Arrow kernels (no per-cell Python string)."""

    def __init__(
        self, col: int, style: int | None, codes: np.ndarray, table: list[str], p: str = ""
    ) -> None:
        s = f' s="{style}"' if style else ""
        end = f"</{p}c>"
        blank = f'"{s}/>' if s else ""  # a styled blank keeps its style; else no cell at all
        tails = [f'"{s}{t}{end}' if t else blank for t in table] + [blank]
        self.col = col
        self.head = f'<{p}c r="{col_letter(col)}'
        self._head = pa.scalar(self.head, _TEXT)
        self._tail = tails
        self._tails = pa.array([t or None for t in tails], _TEXT)  # null: no cell
        self._codes = np.where(codes < 0, len(tails) - 1, codes)
        self.present = np.array([bool(t) for t in tails])[self._codes]

    def cell(self, i: int, row: int) -> str:
        tail = self._tail[self._codes[i]]
        return f"{self.head}{row}{tail}" if tail else ""

    def cells(self, nums: pa.Array, a: int, b: int) -> pa.Array:
        """Rows a..b's cells; '' where there is no cell."""
        tails = self._tails.take(pa.array(self._codes[a:b]))
        return pc.fill_null(pc.binary_join_element_wise(self._head, nums, tails, _NONE), "")


def row_cells(columns: Sequence[Column], rows: Sequence[int], chunk: int = 8192) -> Iterator[bytes]:
    """Each row's cells of ``columns`` (in that order) joined into one UTF-8 string."""
    for nums, a, b in _chunks(rows, chunk):
        offsets, data = _interleave([c.cells(nums, a, b) for c in columns])
        joined = pa.Array.from_buffers(pa.large_binary(), b - a, [None, offsets, data])
        yield from joined.to_pylist()


def row_elements(
    columns: Sequence[Column], rows: Sequence[int], chunk: int = 8192
) -> Iterator[bytes]:
    """Whole ``<row>`` elements holding ``columns``' cells, a chunk of rows at a time."""
    for nums, a, b in _chunks(rows, chunk):
        opening = pc.binary_join_element_wise(_ROW_OPEN, nums, _ROW_MID, _NONE)
        closing = pa.repeat(_ROW_CLOSE, b - a)
        offsets, data = _interleave([opening, *(c.cells(nums, a, b) for c in columns), closing])
        ends = np.frombuffer(offsets, dtype=np.int64)
        yield data.slice(int(ends[0]), int(ends[-1] - ends[0])).to_pybytes()


def _chunks(rows: Sequence[int], chunk: int) -> Iterator[tuple[pa.Array, int, int]]:
    numbers = pa.array(np.asarray(rows, dtype=np.int64)).cast(_TEXT)
    for a in range(0, len(numbers), chunk):
        b = min(a + chunk, len(numbers))
        yield numbers.slice(a, b - a), a, b


def _interleave(pieces: list[pa.Array]) -> tuple[pa.Buffer, pa.Buffer]:
    """Row i's pieces one after another: (offsets of each row's start, the bytes).

    One Arrow take in row-major order lays every row's pieces end to end in a single buffer,
    so a row is a slice of it; chunks of a few thousand rows keep the take in cache.
    """
    k, m = len(pieces), len(pieces[0])
    whole = pa.concat_arrays(pieces)
    order = (np.arange(k, dtype=np.int64)[None, :] * m + np.arange(m)[:, None]).ravel()
    laid = whole.take(pa.array(order))
    offsets = np.frombuffer(laid.buffers()[1], dtype=np.int64)
    offsets = offsets[laid.offset : laid.offset + k * m + 1 : k]
    data = laid.buffers()[2] or pa.py_buffer(b"")
    return pa.py_buffer(np.ascontiguousarray(offsets)), data

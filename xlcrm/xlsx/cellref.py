"""A1-style references."""

from __future__ import annotations

import re

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def col_letter(index: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    if not 1 <= index <= MAX_COLS:
        raise ValueError(f"column {index} is outside Excel's range")
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_ref(ref: str) -> tuple[int, int]:
    """'B12' -> (12, 2): row and column, both 1-based."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def split_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C9' -> (first_row, first_col, last_row, last_col)."""
    a, _, b = ref.partition(":")
    r1, c1 = split_ref(a)
    r2, c2 = split_ref(b) if b else (r1, c1)
    return r1, c1, r2, c2

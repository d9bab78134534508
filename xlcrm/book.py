"""The validated workbook: typed DataFrames per sheet, indexed by the Excel row numbers."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import field
from pathlib import Path
from typing import Any

import pandas as pd

from .record import record
from .schema import sheet_spec


@record
class Sheet:
    """One sheet as the rules read it: typed columns indexed by Excel row number, with each
    column's letter and header so a problem can point at its cell."""

    kind: str
    name: str
    header_row: int
    frame: pd.DataFrame  # one column per xlcrm column present; index = Excel row numbers
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls, kind: str) -> Sheet:
        spec = sheet_spec(kind)
        return cls(kind, spec.label(), 1, empty_frame(kind))

    def has(self, key: str) -> bool:
        """Whether the owner's sheet has this column (the frame always has every column)."""
        return key in self.letters


def column_dtypes(kind: str) -> dict[str, str]:
    """Each column's dtype: what a blank column of that sheet is made of."""
    return _dtypes(kind).copy()


@functools.cache
def _dtypes(kind: str) -> dict[str, str]:
    kinds = {"date": "datetime64[ns]", "number": "float64", "money": "float64"}
    kinds |= {"integer": "float64", "boolean": "boolean"}
    return {c.key: kinds.get(c.kind, "string") for c in sheet_spec(kind).columns}


def empty_frame(kind: str) -> pd.DataFrame:
    return _empty(kind).copy()


@functools.cache
def _empty(kind: str) -> pd.DataFrame:
    cols = {k: pd.Series([], dtype=d) for k, d in _dtypes(kind).items()}
    return pd.DataFrame(cols, index=pd.Index([], dtype="int64"))


@record
class Book:
    """What every rule family receives: sheets, settings and the as-of date. No file, no Excel."""

    sheets: dict[str, Sheet]
    settings: dict[str, Any]
    as_of: dt.date
    path: Path | None = None
    source: Any = field(default=None, repr=False)  # what the door read (the file's fingerprint)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def frame(self, kind: str) -> pd.DataFrame:
        sheet = self.sheets.get(kind)
        return sheet.frame if sheet is not None else empty_frame(kind)


def book_from_frames(
    frames: dict[str, pd.DataFrame], as_of: dt.date, settings: dict[str, Any] | None = None
) -> Book:
    """A Book straight from DataFrames (columns named by schema keys): for the rules alone."""
    from .settings import defaults

    values = {**defaults(), **(settings or {}), "as_of": as_of}
    sheets = {}
    for kind in ("customers", "sales", "contacts", "redemptions"):
        frame = empty_frame(kind)
        if kind in frames:
            given = frames[kind].copy()
            for col in frame.columns:
                if col not in given.columns:
                    given[col] = pd.Series(index=given.index, dtype=frame[col].dtype)
            frame = given
            for c in sheet_spec(kind).columns:
                if c.kind == "date" and c.key in frame:
                    frame[c.key] = pd.to_datetime(frame[c.key])
                elif c.kind in ("id", "text", "choice") and c.key in frame:
                    frame[c.key] = frame[c.key].astype("string")
        sheets[kind] = Sheet(kind, sheet_spec(kind).label(), 1, frame)
    return Book(sheets, values, as_of)

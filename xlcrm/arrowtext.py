"""Text columns as Arrow arrays, for the few string operations xlcrm does on every run.

pandas' string methods run these same Arrow kernels, but behind a per-call cost (dtype
checks, index alignment, a new Series) that is most of the time on a book of a few hundred
rows; called on the arrays directly they cost microseconds at any size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_text(values: pd.Series) -> pa.Array:
    """The column as one Arrow string array (null where blank)."""
    if values.dtype != "str" and values.dtype != "string":
        values = values.astype("string")
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def map_distinct(values: pa.Array, fn: Callable[[Any], Any], type_: pa.DataType) -> pa.Array:
    """fn applied once per distinct value, spread back over the rows (null where fn gives
    None or the cell is blank): a million rows of a few values cost a few calls."""
    encoded = pc.dictionary_encode(values)
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], type=type_)
    return mapped.take(encoded.indices)


def string_series(values: pa.Array, index: pd.Index) -> pd.Series:
    """A pandas ``string`` column over the array, without copying it."""
    return pd.Series(pd.arrays.ArrowStringArray(values), index=index)


def nulls_where(values: pa.Array, mask) -> pa.Array:
    """The array with the masked places blank."""
    return pc.if_else(mask, pa.scalar(None, values.type), values)

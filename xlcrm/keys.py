"""Where each value sits in a list of keys: the customer-ID lookups every rule family makes.

pandas answers ``Index.get_indexer`` on Arrow-backed strings by converting them to Python
objects (about 0.5 s for a million sales rows); Arrow's own hash lookup does the same job on the
buffers in a few hundredths of a second. Both give the same answer; the fallback covers frames
of other types (built by hand, read through another door).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def positions(keys: pd.Index | pd.Series, values: pd.Index | pd.Series) -> np.ndarray:
    """Position of each value in ``keys`` (unique, no blanks); -1 where absent or blank."""
    k, v = _arrow(keys), _arrow(values)
    if k is not None and v is not None:
        try:
            found = pc.index_in(v, value_set=k, skip_nulls=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
        else:
            return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return pd.Index(keys).get_indexer(values).astype(np.int64, copy=False)


def align(values: pd.Series | pd.DataFrame, ids: pd.Series) -> pd.Series | pd.DataFrame:
    """``values`` (indexed by customer ID) laid out along ``ids``, blank where an ID has none:
    ``values.reindex(ids)`` with the index of ``ids``."""
    if not len(values) or not values.index.is_unique:
        out = values.reindex(ids.to_numpy())
        out.index = ids.index
        return out
    pos = positions(values.index, ids)
    if isinstance(values, pd.Series):
        return _taken(values, pos, ids.index)
    return pd.DataFrame({c: _taken(values[c], pos, ids.index) for c in values.columns}, ids.index)


def _taken(values: pd.Series, pos: np.ndarray, index: pd.Index) -> pd.Series:
    """One array take, blank (NaN, NaT, NA) where the position is -1."""
    data = (
        values.array
        if isinstance(values.dtype, pd.api.extensions.ExtensionDtype)
        else values.to_numpy()
    )
    taken = pd.api.extensions.take(data, pos, allow_fill=True)
    kept = object if taken.dtype == object else None  # no inferring text from objects
    return pd.Series(taken, index=index, name=values.name, dtype=kept)


def _arrow(x: pd.Index | pd.Series) -> pa.Array | None:
    arr = x.array
    data = getattr(arr, "_pa_array", None)
    if data is None or not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return None
    return data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data


def per_id(
    ids: pd.Series, owners: pd.Series, values: pd.Series, how: str, where: np.ndarray | None = None
) -> np.ndarray:
    """For each of ``ids``, over the rows that ``owners`` gives to it (and ``where`` keeps):
    the earliest or latest of its ``values`` (dates; 'min', 'max'; NaT where it has none), or
    the position of its row with the latest value, the later row on a tie ('last'; -1).

    What ``align(frame.groupby(owners)[...].max(), ids)`` and the like give, on arrays: the
    planner asks it of the contacts a few times per customer list, where pandas' group-by
    costs a few milliseconds each. Rows with no value, or whose owner is blank or not one of
    ``ids``, count for no one."""
    known, row, slot = _slots(ids, owners)
    stamp = values.to_numpy(dtype="datetime64[ns]")
    take = (row >= 0) & ~np.isnat(stamp)
    if where is not None:
        take &= where
    sel = np.flatnonzero(take)
    if how == "last":
        sel = sel[np.lexsort((sel, stamp[sel], row[sel]))]  # by owner, then value, then row
        codes = row[sel]
        ends = np.r_[codes[1:] != codes[:-1], True] if len(sel) else np.zeros(0, dtype=bool)
        last = np.full(len(known) + 1, -1, dtype=np.int64)
        last[codes[ends]] = sel[ends]
        return last[slot]
    ticks = stamp.view(np.int64)
    nat = np.iinfo(np.int64).min  # NaT's ticks
    best = np.full(len(known) + 1, nat if how == "max" else np.iinfo(np.int64).max)
    (np.maximum if how == "max" else np.minimum).at(best, row[sel], ticks[sel])
    best[best == np.iinfo(np.int64).max] = nat
    return best[slot].view("datetime64[ns]")


def count_per_id(ids: pd.Series, owners: pd.Series, where: np.ndarray) -> np.ndarray:
    """For each of ``ids``, how many rows ``owners`` gives to it among those ``where`` keeps
    (``per_id``'s rules: blank and unknown owners count for no one)."""
    known, row, slot = _slots(ids, owners)
    counts = np.bincount(row[(row >= 0) & where], minlength=len(known) + 1)
    counts[len(known)] = 0
    return counts[slot].astype(np.int64)


def _slots(ids: pd.Series, owners: pd.Series) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The distinct IDs; each row's owner among them (-1: none); each ID's place among them,
    the last place (one past them) for a blank ID."""
    known = pd.Index(ids.dropna().unique())
    row = positions(known, owners)
    slot = positions(known, ids)
    slot[slot < 0] = len(known)
    return known, row, slot

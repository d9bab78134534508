"""Days as numbers for the planner: dates to day numbers, and the yearly events a contact
waits for (birthdays, anniversaries, holidays)."""

from __future__ import annotations

import numpy as np
import pandas as pd

EPOCH = pd.Timestamp("1970-01-01")
NEVER = np.iinfo(np.int64).max // 4  # no date: later than any real one


def day_numbers(values: pd.Series) -> np.ndarray:
    """Days since 1970 for each date; NEVER where there is none."""
    days = (pd.to_datetime(values) - EPOCH).dt.days.to_numpy(dtype="float64")
    out = np.full(len(days), NEVER, dtype=np.int64)
    known = ~np.isnan(days)
    out[known] = days[known].astype(np.int64)
    return out


def day_number(when) -> int:
    return int((pd.Timestamp(when) - EPOCH).days)


def next_yearly(dates: pd.Series, on_or_after: np.ndarray) -> np.ndarray:
    """For each date's month and day, its next occurrence on or after the given day (29
    February falls on 28 February in common years); NEVER where there is no date."""
    when = pd.to_datetime(dates)
    known = when.notna().to_numpy()
    out = np.full(len(when), NEVER, dtype=np.int64)
    if not known.any():
        return out
    month = when.dt.month.to_numpy()[known].astype(int)
    day = when.dt.day.to_numpy()[known].astype(int)
    start = np.asarray(on_or_after, dtype=np.int64)[known]
    year = pd.to_datetime(start, unit="D").year.to_numpy()
    best = np.full(int(known.sum()), NEVER, dtype=np.int64)
    for shift in (0, 1, 2):
        y = year + shift
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        d = np.where((month == 2) & (day == 29) & ~leap, 28, day)
        stamp = pd.to_datetime(pd.DataFrame({"year": y, "month": month, "day": d}))
        days = (stamp - EPOCH).dt.days.to_numpy(dtype=np.int64)
        best = np.where((best == NEVER) & (days >= start), days, best)
    out[known] = best
    return out


def month_start(days: np.ndarray) -> np.ndarray:
    """The first day of each day's month; NEVER stays NEVER."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), NEVER, dtype=np.int64)
    known = days < NEVER
    if known.any():
        stamp = pd.to_datetime(days[known], unit="D")
        first = stamp - pd.to_timedelta(stamp.day - 1, unit="D")
        out[known] = ((first - EPOCH).days).to_numpy(dtype=np.int64)
    return out

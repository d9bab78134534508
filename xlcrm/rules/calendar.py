"""Days as numbers for the planner: dates to day numbers, and the yearly events a contact
waits for (birthdays, anniversaries, holidays)."""

from __future__ import annotations

import numpy as np
import pandas as pd

EPOCH = pd.Timestamp("1970-01-01")
NEVER = np.iinfo(np.int64).max // 4  # no date: later than any real one


def day_numbers(values: pd.Series | np.ndarray) -> np.ndarray:
    """Days since 1970 for each date; NEVER where there is none."""
    if values.dtype.kind != "M":  # dates typed as dates already skip the parser
        values = pd.to_datetime(values)
    days = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = NEVER
    return out


def days_since(as_of, dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whole days from each date to ``as_of``, floored as pandas' ``.dt.days`` (a date with a
    time of day counts the part day down), and where there is a date at all."""
    when = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    known = ~np.isnat(when)
    days = np.zeros(len(when), dtype=np.int64)
    days[known] = (np.datetime64(pd.Timestamp(as_of), "ns") - when[known]) // np.timedelta64(1, "D")
    return days, known


def day_number(when) -> int:
    return int((pd.Timestamp(when) - EPOCH).days)


def civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each day number (proleptic Gregorian; H. Hinnant's
    civil_from_days, in array arithmetic: no calendar object per date)."""
    z = np.asarray(days, dtype=np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The day number of each year, month and day (days_from_civil)."""
    month = np.asarray(month, dtype=np.int64)
    year = np.asarray(year, dtype=np.int64) - (month <= 2)
    era = np.floor_divide(year, 400)
    yoe = year - era * 400
    mp = np.where(month > 2, month - 3, month + 9)
    doy = (153 * mp + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def next_yearly(dates: pd.Series, on_or_after: np.ndarray) -> np.ndarray:
    """For each date's month and day, its next occurrence on or after the given day (29
    February falls on 28 February in common years); NEVER where there is no date."""
    days = day_numbers(dates)
    known = days < NEVER
    out = np.full(len(days), NEVER, dtype=np.int64)
    if not known.any():
        return out
    _, month, day = civil(days[known])
    start = np.asarray(on_or_after, dtype=np.int64)[known]
    year, _, _ = civil(start)
    best = np.full(int(known.sum()), NEVER, dtype=np.int64)
    for shift in (0, 1, 2):
        y = year + shift
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        d = np.where((month == 2) & (day == 29) & ~leap, 28, day)
        when = from_civil(y, month, d)
        best = np.where((best == NEVER) & (when >= start), when, best)
    out[known] = best
    return out


def month_start(days: np.ndarray) -> np.ndarray:
    """The first day of each day's month; NEVER stays NEVER."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(len(days), NEVER, dtype=np.int64)
    known = days < NEVER
    if known.any():
        _, _, day = civil(days[known])
        out[known] = days[known] - (day - 1)
    return out

"""A contact list an owner can work through: at most so many contacts a day.

On a new book nobody has been contacted, so nearly everyone is due at once. Contacts are
placed in order of priority, then pyramid class (A first), then days overdue (most first),
each on the first day from its due date that still has room. Priority 1 (an open complaint)
always keeps its day. The order does not depend on the days, so placing each in that order on
its first free day is what filling the days one by one would give.
"""

from __future__ import annotations

import numpy as np


def spread(
    due: np.ndarray, priority: np.ndarray, rank: np.ndarray, late: np.ndarray, per_day: int
) -> np.ndarray:
    """The day each contact is placed on (day numbers); ``per_day`` 0 means no limit."""
    due = np.asarray(due, dtype=np.int64)
    if per_day <= 0 or len(due) == 0:
        return due.copy()
    # only a day with more contacts due than room moves anything
    _, counts = np.unique(due, return_counts=True)
    if counts.max() <= per_day:
        return due.copy()
    order = np.lexsort((np.arange(len(due)), -np.asarray(late), rank, priority))
    placed = due.copy()
    taken: dict[int, int] = {}
    jump: dict[int, int] = {}  # a full day -> a later day to look at next

    def free(day: int) -> int:
        seen = []
        while taken.get(day, 0) >= per_day:
            seen.append(day)
            day = jump.get(day, day + 1)
        for d in seen:
            jump[d] = day
        return day

    for i in order.tolist():
        day = int(due[i])
        if priority[i] != 1:
            day = free(day)
        taken[day] = taken.get(day, 0) + 1
        placed[i] = day
    return placed

"""The sheets xlcrm owns (Problems, Due, Points), as neutral content: values and codes.

Each door renders this content through ``xlcrm.present.sheets`` into the book's language and
writes it its own way (the file door as a worksheet part, the live door through ranges).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np
import pandas as pd

from .book import Book
from .problems import NOTE, Problem, note
from .record import record
from .xlsx.cellref import MAX_ROWS

OWNED = ("problems", "due", "points")


@record(frozen=True)
class Field:
    """One column of an owned sheet: where its values come from and how they read.

    ``header`` is a catalogue code, or ``schema:<sheet>.<column>`` for a column of the
    owner's sheets; ``words`` names the vocabulary or formatter of its values (None: as is).
    """

    key: str
    header: str
    kind: str
    width: int
    words: str | None = None


@record
class SheetContent:
    """A sheet xlcrm owns, as values and codes: each door words and writes it its own way."""

    kind: str  # problems, due, points
    title: str  # catalogue code of the title row
    params: dict[str, Any]
    fields: list[Field]
    frame: pd.DataFrame  # one row per sheet row; columns named by the fields' keys
    context: dict[str, Any] = field(default_factory=dict)  # what its words need besides


DUE_FIELDS = [
    Field("contact_priority", "header.due.priority", "integer", 8),
    Field("next_contact", "header.due.due", "date", 12),
    Field("customer_id", "schema:customers.customer_id", "text", 12),
    Field("name", "schema:customers.name", "text", 20),
    Field("phone", "schema:customers.phone", "text", 16),
    Field("email", "schema:customers.email", "text", 24),
    Field("next_channel", "header.due.channel", "text", 10, "channel"),
    Field("contact_reason", "header.due.reason", "text", 34, "reason"),
    Field("contact_action", "header.due.action", "text", 44, "action"),
    Field("last_contact", "column.last_contact", "date", 12),
    Field("value_class", "header.due.value_class", "text", 20, "value_class"),
    Field("pyramid", "header.due.pyramid", "text", 8),
    Field("tier", "column.tier", "text", 10, "tier"),
    Field("points_balance", "column.points_balance", "integer", 10),
]
PROBLEM_FIELDS = [
    Field("severity", "header.problems.severity", "text", 10, "severity"),
    Field("sheet", "header.problems.sheet", "text", 14, "problem_sheet"),
    Field("cell", "header.problems.cell", "text", 12, "problem_cell"),
    Field("header", "header.problems.column", "text", 18, "problem_header"),
    Field("value", "header.problems.value", "text", 24, "problem_value"),
    Field("message", "header.problems.what_to_do", "text", 90, "problem_message"),
]
POINTS_FIELDS = [
    Field("date", "header.points.date", "date", 12),
    Field("customer_id", "schema:customers.customer_id", "text", 14),
    Field("rule", "header.points.rule", "text", 22, "rule"),
    Field("source", "header.points.source", "text", 30, "source"),
    Field("points", "header.points.points", "integer", 10),
    Field("balance", "header.points.balance", "integer", 10),
]


def due_frame(book: Book, outputs: pd.DataFrame, days: int | None = None) -> pd.DataFrame:
    """Customers due within ``days`` of the as-of date: by priority, then A before B, C, D,
    then date, then customer ID.

    The columns are the Due fields' keys and the details their words need."""
    days = int(book.settings["due_days"] if days is None else days)
    cust = book.frame("customers")[["customer_id", "name", "phone", "email"]]
    if not cust.index.equals(outputs.index):  # --keep-going: the rows it left out are blank
        cust = cust.reindex(outputs.index)
    wanted = [f.key for f in DUE_FIELDS]
    details = [c for c in outputs.columns if "__" in c and c.split("__")[0] in wanted]
    limit = np.datetime64(pd.Timestamp(book.as_of) + pd.Timedelta(days=days), "ns")
    nxt = outputs["next_contact"].to_numpy(dtype="datetime64[ns]")
    rows = np.flatnonzero(nxt <= limit)  # NaT: not due
    rows = rows[
        due_order(
            outputs["contact_priority"].iloc[rows],
            outputs["pyramid"].iloc[rows].fillna("E"),
            nxt[rows],
            cust["customer_id"].iloc[rows],
        )
    ]
    mine = [c for c in outputs.columns if c in wanted or c in details]
    both = pd.concat([cust.iloc[rows], outputs[mine].iloc[rows]], axis=1)
    return both[wanted + details]


def due_order(priority: pd.Series, klass: pd.Series, day: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Positions in due order: by priority, class, day, then customer ID, each ascending with
    blanks last, and the sheet's order for the rest. What pandas' stable sort on the four
    columns gives, at a fraction of its cost on a small book."""
    prio = priority.to_numpy(dtype="float64", na_value=np.inf)
    klass_rank = _ranks(klass.to_numpy(dtype=object, na_value=None))
    who = _ranks(ids.to_numpy(dtype=object, na_value=None))
    return np.lexsort((who, day, klass_rank, prio))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each text's place in sorted order (equal texts, equal places); blanks after all."""
    blank = pd.isna(values)
    ranks = np.full(len(values), len(values), dtype=np.int64)
    if (~blank).any():
        _, inv = np.unique(values[~blank].astype(str), return_inverse=True)
        ranks[~blank] = inv
    return ranks


@record(frozen=True)
class DueFilter:
    """Part of a due list: priorities up to ``priority``, one ``channel`` (a code), the
    first ``limit`` rows."""

    limit: int | None = None
    priority: int | None = None
    channel: str | None = None

    def select(self, due: pd.DataFrame) -> pd.DataFrame:
        """The rows of the priorities and channel asked for (all, when not asked)."""
        if self.priority is not None:
            due = due[due["contact_priority"] <= self.priority]
        if self.channel is not None:
            due = due[due["next_channel"] == channel_code(self.channel)]
        return due

    def cut(self, due: pd.DataFrame) -> pd.DataFrame:
        return due if self.limit is None else due.head(self.limit)


def channel_code(text: str) -> str:
    """The channel an owner names, in either language ('WeChat', '微信', 'wx'): its code."""
    from .schema import normalize_label, sheet_spec

    lookup = sheet_spec("customers").column("preferred_channel").choice_lookup()
    code = lookup.get(normalize_label(text))
    if code is None:
        raise ValueError(
            f"not a channel: {text!r}; one of {', '.join(sorted(set(lookup.values())))}"
        )
    return code


def due_sheet(book: Book, outputs: pd.DataFrame) -> SheetContent:
    """Everyone due within the Settings' days, most urgent first; rewritten on every update."""
    return SheetContent(
        "due",
        "title.due",
        {"days": int(book.settings["due_days"]), "as_of": book.as_of.isoformat()},
        DUE_FIELDS,
        due_frame(book, outputs),
    )


def problems_sheet(problems: list[Problem], book: Book | None) -> SheetContent | None:
    """The Problems sheet: every error and warning of the last run, each linked to its cell;
    None when there are none (the sheet then says so)."""
    listed = [p for p in problems if p.severity != NOTE]
    if not listed:
        return None
    as_of = book.as_of.isoformat() if book is not None else ""
    frame = pd.DataFrame({f.key: pd.Series(listed, dtype=object) for f in PROBLEM_FIELDS})
    return SheetContent("problems", "title.problems", {"as_of": as_of}, PROBLEM_FIELDS, frame)


def points_sheet(book: Book, room: int = MAX_ROWS - 2) -> tuple[SheetContent, list[Problem]]:
    """Every ledger event with its running balance, so an accountant can audit any balance.

    A sheet holds at most Excel's row limit: beyond it the oldest whole days are left off (the
    running balances still include them), said in the title and in a note.
    """
    from .rules.loyalty import ledger_frame

    frame = ledger_frame(book)
    params: dict[str, Any] = {"as_of": book.as_of.isoformat()}
    notes: list[Problem] = []
    total = len(frame)
    if total > room:
        day = frame["date"].to_numpy()
        cutoff = np.sort(day)[total - room - 1]  # the newest day that cannot fit whole
        keep = day > cutoff
        left_out = total - int(keep.sum())
        since = pd.Timestamp(day[keep].min()).date() if keep.any() else None
        frame = frame[keep].reset_index(drop=True)
        params.update(cut=True, since=str(since), count=left_out)
        notes.append(note("points_sheet_full", count=left_out))
    names = {k: s.name for k, s in book.sheets.items()}
    content = SheetContent(
        "points", "title.points", params, POINTS_FIELDS, frame, {"sheets": names}
    )
    return content, notes

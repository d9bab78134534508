"""The contacts-due list: who to contact in the next days, most urgent first.

The same list is the Due sheet that update writes and what `xlcrm due` prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .book import Book
from .problems import ERROR, Problem
from .rules import compute_all

COLUMNS = [  # (key, en, zh)
    ("contact_priority", "Priority", "优先级"),
    ("next_contact", "Due", "到期日"),
    ("customer_id", "Customer ID", "客户编号"),
    ("name", "Name", "姓名"),
    ("phone", "Phone", "手机"),
    ("email", "Email", "邮箱"),
    ("next_channel", "Channel", "渠道"),
    ("contact_reason", "Reason", "原因"),
    ("contact_action", "Action", "建议行动"),
    ("last_contact", "Last contact", "上次联系"),
    ("value_class", "Value class", "价值分类"),
    ("pyramid", "Pyramid", "金字塔"),
    ("tier", "Tier", "会员等级"),
    ("points_balance", "Points balance", "积分余额"),
]
WIDTHS = [8, 12, 12, 20, 16, 24, 10, 34, 44, 12, 20, 8, 10, 10]


def due_frame(book: Book, outputs: pd.DataFrame, days: int | None = None) -> pd.DataFrame:
    """Rows due within ``days`` of the as-of date, sorted by priority, date, then customer."""
    days = int(book.settings["due_days"] if days is None else days)
    cust = book.frame("customers")
    both = pd.concat([cust[["customer_id", "name", "phone", "email"]], outputs], axis=1)
    limit = pd.Timestamp(book.as_of) + pd.Timedelta(days=days)
    due = both[both["next_contact"].notna() & (both["next_contact"] <= limit)]
    due = due.sort_values(["contact_priority", "next_contact", "customer_id"], kind="stable")
    return due[[k for k, _, _ in COLUMNS]]


def headers(lang: str) -> list[str]:
    return [zh if lang == "zh" else en for _, en, zh in COLUMNS]


def rows(frame: pd.DataFrame) -> list[list[object]]:
    out = []
    for rec in frame.itertuples(index=False):
        row = []
        for v in rec:
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
                row.append(None)
            elif isinstance(v, pd.Timestamp):
                row.append(v.date())
            else:
                row.append(v.item() if hasattr(v, "item") else v)
        out.append(row)
    return out


@dataclass
class DueResult:
    path: Path
    frame: pd.DataFrame | None = None
    lang: str = "en"
    as_of: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)
    fatal: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def exit_code(self) -> int:
        return 2 if self.fatal else (1 if self.frame is None else 0)

    def records(self) -> list[dict[str, Any]]:
        if self.frame is None:
            return []
        keys = [k for k, _, _ in COLUMNS]
        return [
            dict(
                zip(keys, [v.isoformat() if isinstance(v, dt.date) else v for v in r], strict=True)
            )
            for r in rows(self.frame)
        ]


def due(
    path: str | Path,
    days: int | None = None,
    as_of: dt.date | None = None,
    keep_going: bool = False,
) -> DueResult:
    """The contacts-due list of a workbook file, computed without writing anything."""
    from .pipeline import prepare

    prep = prepare(Path(path), as_of, keep_going)
    result = DueResult(Path(path), problems=prep.problems, fatal=prep.fatal)
    if prep.book is None or (prep.blocked and not keep_going):
        return result
    outputs = compute_all(prep.book)
    result.frame = due_frame(prep.book, outputs, days)
    result.lang = prep.book.settings["language"]
    result.as_of = prep.book.as_of
    return result

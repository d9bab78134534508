"""The state of the customer base at a glance, as numbers and codes: what ``xlcrm report``
and the Dashboard show. Counted from the engine's outputs; words come later
(``present/report.py``).
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any

import pandas as pd

from .book import Book
from .record import record

VALUE_CLASSES = (
    "core",
    "potential_high_value",
    "potential_frequent",
    "regular",
    "new",
    "win_back",
    "prospect",
)
PYRAMID = ("A", "B", "C", "D")
TIERS = ("gold", "silver", "standard")
PRIORITIES = (1, 2, 3, 4, 5)
TAG_SPLIT = re.compile(r"\s*[,;，；、/|]\s*")


@record
class Figures:
    customers: int
    buyers: int
    value_class: dict[str, int]
    pyramid: dict[str, int]
    pyramid_revenue_share: dict[str, float]  # share of net revenue, 0-1, by class
    tier: dict[str, int]
    tags: dict[str, int]
    rising_stars: list[dict[str, Any]]
    slipping: list[dict[str, Any]]
    due_days: int
    due_by_priority: dict[int, int]
    points_outstanding: int
    points_expiring: int
    revenue: float
    churn: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["due_by_priority"] = {str(k): v for k, v in self.due_by_priority.items()}
        return out


def figures(book: Book, outputs: pd.DataFrame, models: dict[str, Any] | None = None) -> Figures:
    cust = book.frame("customers")
    o = outputs.reindex(cust.index)
    buyers = int((o["orders"].fillna(0) > 0).sum())
    revenue = o["revenue"].fillna(0)
    total = float(revenue.sum())
    by_pyr = revenue.groupby(o["pyramid"]).sum()
    due_days = int(book.settings["due_days"])
    limit = pd.Timestamp(book.as_of) + pd.Timedelta(days=due_days)
    due = o[o["next_contact"].notna() & (o["next_contact"] <= limit)]
    return Figures(
        customers=len(cust),
        buyers=buyers,
        value_class=_counts(o["value_class"], VALUE_CLASSES),
        pyramid=_counts(o["pyramid"], PYRAMID),
        pyramid_revenue_share={
            k: (float(by_pyr.get(k, 0.0)) / total if total else 0.0) for k in PYRAMID
        },
        tier=_counts(o["tier"], TIERS),
        tags=_tags(cust["tags"]),
        rising_stars=_who(cust, o["rising_star"]),
        slipping=_who(cust, o["slipping"]),
        due_days=due_days,
        due_by_priority={p: int((due["contact_priority"] == p).sum()) for p in PRIORITIES},
        points_outstanding=int(o["points_balance"].fillna(0).clip(lower=0).sum()),
        points_expiring=int(o["points_expiring"].fillna(0).sum()),
        revenue=round(total, 2),
        churn=(models or {}).get("churn", {}),
    )


def _counts(values: pd.Series, order: tuple) -> dict[str, int]:
    found = values.dropna().astype(str).value_counts()
    return {k: int(found.get(k, 0)) for k in order}


def _tags(values: pd.Series) -> dict[str, int]:
    """Customers per tag: a cell may hold several ('cafe, office'); biggest first."""
    words = values.dropna().astype(str).map(lambda t: {x for x in TAG_SPLIT.split(t) if x})
    counts = pd.Series([w for s in words for w in s], dtype="string").value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _who(cust: pd.DataFrame, flag: pd.Series) -> list[dict[str, Any]]:
    hit = flag.fillna(False).astype(bool).to_numpy()
    picked = cust.loc[hit, ["customer_id", "name"]]
    return [
        {"customer_id": str(i), "name": None if pd.isna(n) else str(n)}
        for i, n in zip(picked["customer_id"], picked["name"], strict=True)
    ]

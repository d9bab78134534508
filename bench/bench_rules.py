"""Benchmark: the rule families alone on DataFrames at Excel's row limit, against the obvious
per-customer alternative (``groupby().apply`` with a Python function), measured in this run.

    python bench/bench_rules.py                        # 100,000 customers, 1,048,575 sales rows
    python bench/bench_rules.py --customers 10000 --sales 100000

No file is read: the frames are built in memory, so this times the rules and nothing else.
Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from xlcrm.book import book_from_frames
from xlcrm.rules import FAMILIES, family_problems

AS_OF = dt.date(2026, 6, 30)


def frames(customers: int, sales: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Customers, sales, contacts and redemptions shaped like a busy shop's two years."""
    rng = np.random.default_rng(seed)
    ids = pd.array([f"C{i:06d}" for i in range(1, customers + 1)], dtype="string")
    birth = pd.Timestamp("1960-01-01") + pd.to_timedelta(rng.integers(0, 365 * 40, customers), "D")
    joined = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, customers), "D")
    referrer = np.where(rng.random(customers) < 0.05, rng.integers(0, customers, customers), -1)
    cust = pd.DataFrame(
        {
            "customer_id": ids,
            "name": [f"Customer {i}" for i in range(customers)],
            "phone": "138 0000 0000",
            "birthday": birth,
            "joined": joined,
            "type": np.where(np.arange(customers) % 9 == 0, "ToB", "ToC"),
            "referred_by": pd.array(
                [ids[r] if r >= 0 and r != i else None for i, r in enumerate(referrer)],
                dtype="string",
            ),
            "do_not_contact": np.arange(customers) % 50 == 0,
        }
    )
    who = rng.zipf(1.3, sales) % customers
    day = np.sort(rng.integers(0, 730, sales))
    amount = np.round(rng.gamma(2.0, 60.0, sales), 2)
    amount[rng.random(sales) < 0.01] *= -1
    order = np.arange(sales) - (rng.random(sales) < 0.3)  # some orders span two lines
    sale = pd.DataFrame(
        {
            "date": pd.Timestamp("2024-07-01") + pd.to_timedelta(day, "D"),
            "order_id": pd.array([f"SO{o:07d}" for o in order], dtype="string"),
            "customer_id": ids[who],
            "product": "Item",
            "category": np.array(["Coffee", "Tea", "Pastry", "Gifts", "Equipment"])[
                rng.integers(0, 5, sales)
            ],
            "quantity": rng.integers(1, 5, sales).astype(float),
            "amount": amount,
        }
    )
    n_contacts = customers * 3 // 2
    kinds = np.array(["call", "message", "visit", "complaint", "feedback", "survey", "referral"])
    kind = kinds[rng.choice(7, n_contacts, p=[0.35, 0.1, 0.2, 0.07, 0.13, 0.1, 0.05])]
    cdate = pd.Timestamp("2024-07-01") + pd.to_timedelta(rng.integers(0, 730, n_contacts), "D")
    resolved = np.where(
        kind == "complaint", np.where(rng.random(n_contacts) < 0.7, "yes", "no"), None
    )
    contacts = pd.DataFrame(
        {
            "date": cdate,
            "customer_id": ids[rng.integers(0, customers, n_contacts)],
            "channel": np.array(["phone", "wechat", "sms", "email"])[
                rng.integers(0, 4, n_contacts)
            ],
            "kind": kind,
            "resolved": resolved,
            "resolved_on": cdate.where(resolved == "yes") + pd.Timedelta(days=1),
        }
    )
    contacts["resolved"] = contacts["resolved"].map({"yes": True, "no": False}).astype("boolean")
    top = pd.Series(amount).groupby(who).sum()
    rich = top[top > 3000].index.to_numpy()
    redemptions = pd.DataFrame(
        {
            "date": pd.Timestamp(AS_OF) - pd.Timedelta(days=10),
            "customer_id": ids[rich],
            "points": 100.0,
            "reward": "Free drink",
        }
    )
    return {"customers": cust, "sales": sale, "contacts": contacts, "redemptions": redemptions}


def obvious(sales: pd.DataFrame) -> pd.DataFrame:
    """What one writes first: a Python function per customer for the purchase metrics alone."""

    def one(g: pd.DataFrame) -> pd.Series:
        bought = g[g["amount"] > 0]
        return pd.Series(
            {
                "first": bought["date"].min(),
                "last": bought["date"].max(),
                "orders": g.groupby("order_id")["amount"].sum().gt(0).sum(),
                "revenue": g["amount"].sum(),
            }
        )

    return sales.groupby("customer_id").apply(one, include_groups=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--sales", type=int, default=1_048_575)
    ap.add_argument("--points-sheet", action="store_true", help="also build the Points ledger")
    ap.add_argument("--skip-obvious", action="store_true")
    a = ap.parse_args()
    data = frames(a.customers, a.sales)
    book = book_from_frames(data, AS_OF, {"points_sheet": a.points_sheet})
    times: dict[str, float] = {}
    result = pd.DataFrame(index=book.frame("customers").index)
    for fam in FAMILIES:
        t = time.perf_counter()
        part = fam.compute(book, result)
        times[fam.__name__.rsplit(".", 1)[-1]] = time.perf_counter() - t
        result = pd.concat([result, part.reindex(result.index)], axis=1)
    t = time.perf_counter()
    family_problems(book)
    times["rule checks (validation)"] = time.perf_counter() - t
    total = sum(times.values())
    print(
        f"\n{a.customers:,} customers, {a.sales:,} sales rows, "
        f"{len(data['contacts']):,} contacts, {len(data['redemptions']):,} redemptions\n"
    )
    print("| family | seconds |")
    print("| --- | ---: |")
    for name, secs in times.items():
        print(f"| {name} | {secs:.2f} |")
    print(f"| **all rules** | **{total:.2f}** |")
    if not a.skip_obvious:
        t = time.perf_counter()
        obvious(book.frame("sales"))
        slow = time.perf_counter() - t
        print(
            f"\nper-customer groupby().apply for the purchase metrics alone: {slow:.1f} s; "
            f"the metrics family: {times['metrics']:.2f} s ({slow / times['metrics']:.0f}x); "
            f"every rule family together: {slow / total:.1f}x faster than that one family done "
            "the obvious way."
        )


if __name__ == "__main__":
    main()

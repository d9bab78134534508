"""The points ledger and tiers on hand-computed books."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from conftest import points_rows, rows_frame, worded, write_book
from hypothesis import given, settings
from hypothesis import strategies as st

import xlcrm
from xlcrm.book import book_from_frames
from xlcrm.owned import points_sheet
from xlcrm.present.sheets import render
from xlcrm.rules import compute_all, family_problems
from xlcrm.rules.tiers import months_before

AS_OF = dt.date(2024, 6, 30)
D = pd.Timestamp
NO_BONUS = {
    "signup_bonus": 0,
    "birthday_bonus": 0,
    "referral_bonus": 0,
    "referral_welcome_bonus": 0,
    "feedback_bonus": 0,
}


def ledger_rows(b) -> list[list[object]]:
    """The Points sheet body as rows, the way it is written (dates as dates)."""
    return points_rows(b)


def book(customers, sales=(), redemptions=(), contacts=(), as_of=AS_OF, **settings):
    cust = pd.DataFrame(customers)
    cust.index = range(2, 2 + len(cust))
    frames = {"customers": cust}
    if sales:
        frames["sales"] = rows_frame(sales, ["date", "order_id", "customer_id", "amount"])
    if redemptions:
        frames["redemptions"] = rows_frame(redemptions, ["date", "customer_id", "points"])
    if contacts:
        frames["contacts"] = rows_frame(contacts, ["date", "customer_id", "kind"])
    return book_from_frames(frames, as_of, {**NO_BONUS, **settings})


def outputs(b):
    """What the owner reads in the output columns, by customer ID."""
    return worded(b)


def codes(b):
    out = compute_all(b)
    out.index = b.frame("customers")["customer_id"].tolist()
    return out


def test_purchase_points_rounded_per_order_and_refund_takes_back():
    b = book(
        {"customer_id": ["a"]},
        [
            (D("2024-01-10"), "o1", "a", 100.9),
            (D("2024-01-10"), "o1", "a", 20.5),
            (D("2024-02-01"), "o2", "a", 50.0),
            (D("2024-02-05"), "o2", "a", -20.0),
        ],
    )
    out = outputs(b)
    # o1: 121.4 -> 121; o2: 50 earned, refund of 20 takes back 20 -> 30
    assert out.loc["a", "points_earned"] == 151
    assert out.loc["a", "points_balance"] == 151
    rows = ledger_rows(b)
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("purchase", "o1", 121, 121),
        ("purchase", "o2", 50, 171),
        ("refund", "o2", -20, 151),
    ]


def test_nearest_rounding_and_rate():
    b = book(
        {"customer_id": ["a"]},
        [(D("2024-01-10"), "o1", "a", 10.5)],
        points_per_unit=2,
        points_rounding="nearest",
    )
    assert outputs(b).loc["a", "points_earned"] == 21


def test_expiry_fifo_and_edges():
    # 100 points on 2023-01-15 expire on 2024-01-15; 50 on 2023-08-01 expire on 2024-08-01.
    # 30 redeemed on 2023-03-01 come from the first lot, so 70 expire on 2024-01-15.
    b = book(
        {"customer_id": ["a"]},
        [(D("2023-01-15"), "o1", "a", 100.0), (D("2023-08-01"), "o2", "a", 50.0)],
        [(D("2023-03-01"), "a", 30)],
        as_of=dt.date(2024, 7, 10),
    )
    out = outputs(b)
    assert out.loc["a", "points_expired"] == 70
    assert out.loc["a", "points_redeemed"] == 30
    assert out.loc["a", "points_balance"] == 50
    assert out.loc["a", "points_expiring"] == 50  # within 30 days of 2024-07-10
    assert out.loc["a", "points_expiring_on"] == D("2024-08-01")
    on_day = book(
        {"customer_id": ["a"]}, [(D("2023-01-15"), "o1", "a", 100.0)], as_of=dt.date(2024, 1, 15)
    )
    assert outputs(on_day).loc["a", "points_expired"] == 100  # gone on the expiry day itself
    day_before = book(
        {"customer_id": ["a"]}, [(D("2023-01-15"), "o1", "a", 100.0)], as_of=dt.date(2024, 1, 14)
    )
    assert outputs(day_before).loc["a", "points_balance"] == 100
    never = book(
        {"customer_id": ["a"]}, [(D("2020-01-15"), "o1", "a", 100.0)], points_expiry_months=0
    )
    assert outputs(never).loc["a", "points_balance"] == 100


def test_over_redemption_is_an_error_naming_the_row():
    b = book(
        {"customer_id": ["a"]},
        [(D("2024-01-10"), "o1", "a", 100.0)],
        [(D("2024-01-05"), "a", 10), (D("2024-02-01"), "a", 80), (D("2024-03-01"), "a", 30)],
    )
    probs = family_problems(b)
    assert [(p.row, p.code) for p in probs] == [(2, "over_redeemed"), (4, "over_redeemed")]
    assert "10 available" in probs[1].message("en")  # row 2 still counts until it is fixed
    assert probs[1].params == {"available": 10}


def test_leap_day_birthday_and_signup():
    b = book(
        {"customer_id": ["a"], "birthday": [D("1992-02-29")], "joined": [D("2022-06-01")]},
        birthday_bonus=200,
        signup_bonus=100,
        as_of=dt.date(2024, 6, 30),
    )
    rows = ledger_rows(b)
    got = [(r[0], r[2], r[4]) for r in rows]
    assert got == [
        (dt.date(2022, 6, 1), "sign-up bonus", 100),
        (dt.date(2023, 2, 28), "birthday bonus", 200),  # 29 Feb in a common year
        (dt.date(2023, 6, 1), "expired", -100),
        (dt.date(2024, 2, 28), "expired", -200),
        (dt.date(2024, 2, 29), "birthday bonus", 200),
    ]
    # the signup's lot expired on 2023-06-01; the 2023 birthday's on 2024-02-28
    assert outputs(b).loc["a", "points_balance"] == 200


def test_referral_chain():
    b = book(
        {"customer_id": ["a", "b", "c"], "referred_by": [None, "a", "b"]},
        [
            (D("2024-01-01"), "o1", "a", 10.0),
            (D("2024-02-01"), "o2", "b", 10.0),
            (D("2024-03-01"), "o3", "b", 10.0),
            (D("2024-04-01"), "o4", "c", 10.0),
        ],
        referral_bonus=300,
        referral_welcome_bonus=100,
    )
    out = outputs(b)
    # a: 10 + 300 for b; b: 20 + 100 welcome + 300 for c; c: 10 + 100 welcome
    assert out["points_earned"].to_dict() == {"a": 310, "b": 420, "c": 110}


def test_feedback_bonus_monthly_cap():
    contacts = [(D(f"2024-03-0{d}"), "a", "feedback") for d in range(1, 5)]
    contacts.append((D("2024-04-02"), "a", "survey"))
    contacts.append((D("2024-04-03"), "a", "complaint"))
    b = book(
        {"customer_id": ["a"]}, contacts=contacts, feedback_bonus=50, feedback_bonus_monthly_cap=2
    )
    assert outputs(b).loc["a", "points_earned"] == 150  # 2 in March + 1 in April


def test_tiers_by_cumulative_spend_by_default():
    """The method's tiers: cumulative spend or orders since the first purchase (累计消费)."""
    sales = [
        (D("2022-01-10"), "o1", "a", 1200.0),
        (D("2023-05-10"), "o2", "a", 900.0),  # 2,100 in all: Silver from this order on
        (D("2024-01-10"), "o3", "a", 7900.0),  # 10,000 in all: Gold from this order on
    ]
    tiers = {
        when: outputs(book({"customer_id": ["a"]}, sales, as_of=when)).loc["a", "tier"]
        for when in (dt.date(2023, 5, 9), dt.date(2023, 5, 10), dt.date(2024, 1, 10))
    }
    assert tiers == {
        dt.date(2023, 5, 9): "Standard",
        dt.date(2023, 5, 10): "Silver",
        dt.date(2024, 1, 10): "Gold",
    }
    # years later, with nothing bought since, the cumulative tier stays
    later = outputs(book({"customer_id": ["a"]}, sales, as_of=dt.date(2026, 6, 30)))
    assert later.loc["a", "tier"] == "Gold" and pd.isna(later.loc["a", "tier_gap"])
    first = outputs(book({"customer_id": ["a"]}, sales[:1], as_of=dt.date(2023, 1, 1)))
    assert first.loc["a", "tier_gap"] == "¥800 more to reach Silver (or 4 more orders)"


def test_tiers_keep_period_and_gap_over_a_rolling_window():
    sales = [(D("2023-03-01"), "o1", "a", 2500.0)]  # silver for a year from this purchase
    rolling = {"tier_window_months": 12}
    b = book(
        {"customer_id": ["a", "b"]},
        [*sales, (D("2024-06-01"), "o2", "b", 100.0)],
        as_of=dt.date(2024, 2, 20),
        **rolling,
    )
    out = outputs(b)
    assert out.loc["a", "tier"] == "Silver" and out.loc["a", "tier_since"] == D("2023-03-01")
    assert out.loc["b", "tier"] == "Standard"  # b's only purchase is after the as-of date
    later_book = book({"customer_id": ["a"]}, sales, as_of=dt.date(2024, 3, 2), **rolling)
    later = outputs(later_book)
    assert later.loc["a", "tier"] == "Standard"  # window and keep period both over
    assert later.loc["a", "tier_change"] == "down"
    assert later.loc["a", "tier_gap"] == "¥2,000 more to reach Silver (or 5 more orders)"
    neutral = codes(later_book).loc["a"]
    assert (neutral["tier"], neutral["tier_change"], neutral["tier_gap"]) == (
        "standard",
        "down",
        "silver",
    )
    assert (neutral["tier_gap__spend"], neutral["tier_gap__orders"]) == (2000.0, 5)


def test_gold_multiplier_applies_after_reaching_gold():
    sales = [(D("2024-01-01"), "o1", "a", 10000.0), (D("2024-02-01"), "o2", "a", 100.0)]
    out = outputs(book({"customer_id": ["a"]}, sales))
    assert out.loc["a", "points_earned"] == 10000 + 150  # gold from o1 on: 1.5x on o2
    assert out.loc["a", "tier"] == "Gold" and pd.isna(out.loc["a", "tier_gap"])


def test_chinese_tier_names_and_gap():
    out = outputs(
        book({"customer_id": ["a"]}, [(D("2024-06-01"), "o1", "a", 2500.0)], language="zh")
    )
    assert out.loc["a", "tier"] == "银卡"
    assert out.loc["a", "tier_gap"] == "再消费¥7,500升级金卡（或再下14单）"


def test_order_independent_and_idempotent(tmp_path):
    customers = [["Customer ID", "Birthday", "Joined", "Referred by"]] + [
        [f"c{i}", dt.date(1990, 1 + i % 12, 1 + i % 27), dt.date(2023, 1, 1), None]
        for i in range(20)
    ]
    customers[5][3] = "c1"
    sales = [["Date", "Order ID", "Customer ID", "Amount"]] + [
        [dt.date(2023, 1, 1) + dt.timedelta(days=17 * k), f"o{k}", f"c{k % 20}", 10.0 * (k % 7 + 1)]
        for k in range(300)
    ]
    sales.append([dt.date(2024, 1, 10), "o3", "c3", -5.0])
    redemptions = [["Date", "Customer ID", "Points"], [dt.date(2024, 5, 1), "c2", 50]]
    sheets = {"Customers": customers, "Sales": sales, "Redemptions": redemptions}
    shuffled = {
        "Customers": [customers[0], *reversed(customers[1:])],
        "Sales": [sales[0], *reversed(sales[1:])],
        "Redemptions": redemptions,
    }
    a = write_book(tmp_path / "a.xlsx", sheets)
    b = write_book(tmp_path / "b.xlsx", shuffled)
    stamp = dt.datetime(2024, 7, 1)
    ra = xlcrm.update(a, as_of=AS_OF, stamp=stamp, dry_run=True).outputs
    rb = xlcrm.update(b, as_of=AS_OF, stamp=stamp, dry_run=True).outputs
    ids_a = xlcrm.validate(a, as_of=AS_OF).book.frame("customers")["customer_id"].tolist()
    ids_b = xlcrm.validate(b, as_of=AS_OF).book.frame("customers")["customer_id"].tolist()
    ra.index, rb.index = ids_a, ids_b
    pd.testing.assert_frame_equal(ra.sort_index(), rb.sort_index())
    first = xlcrm.update(a, as_of=AS_OF, stamp=stamp)
    second = xlcrm.update(a, as_of=AS_OF, stamp=stamp)
    pd.testing.assert_frame_equal(first.outputs, second.outputs)  # never doubles anything
    import openpyxl

    ws = openpyxl.load_workbook(a)["Points"]
    written = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    expected = ledger_rows(xlcrm.validate(a, as_of=AS_OF).book)
    assert len(written) == len(expected) > 100
    for w, e in zip(written, expected, strict=True):
        # date, customer, rule, source (blank cell where there is none), points, balance
        assert w[0].date() == e[0] and w[1:] == [None if x == "" else x for x in e[1:]]
    c2 = [w for w in written if w[1] == "c2"]
    assert c2[-1][5] == second.outputs.set_index(pd.Index(ids_a)).loc["c2", "points_balance"]


def test_points_sheet_keeps_to_the_row_limit_by_leaving_off_the_oldest_days():
    b = book(
        {"customer_id": ["a", "b"]},
        [
            (D("2024-01-10"), "o1", "a", 10.0),
            (D("2024-02-10"), "o2", "b", 20.0),
            (D("2024-03-10"), "o3", "a", 30.0),
            (D("2024-03-10"), "o4", "b", 40.0),
            (D("2024-04-10"), "o5", "a", 50.0),
        ],
    )
    full, notes = points_sheet(b)
    assert notes == [] and len(full.frame) == 5
    # room for 3 of 5: Jan and Feb go (the oldest whole days); listed by customer, then date
    cut, notes = points_sheet(b, room=3)
    dates = [d.date() for d in cut.frame["date"]]
    assert [n.params["count"] for n in notes] == [2]
    assert dates == [dt.date(2024, 3, 10), dt.date(2024, 4, 10), dt.date(2024, 3, 10)]
    title = render(cut, b.settings, "en").title
    assert "events from 2024-03-10 on are listed; 2 earlier ones" in title
    assert "2024-03-10 起的记录；更早的 2 条" in render(cut, b.settings, "zh").title
    balances = dict(zip(cut.frame["customer_id"], cut.frame["balance"], strict=True))
    assert balances == {"a": 90, "b": 60}  # running balances still count the left-off events
    # 2024-03-10 does not fit whole, so it goes too
    assert points_sheet(b, room=2)[1][0].params["count"] == 4


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-40_000, 80_000), min_size=1, max_size=30),
    st.integers(-240, 240),
)
def test_a_calendar_month_shift_is_pandas_date_offset(days, months):
    """31 March less a month is the end of February, in leap years and not, either way."""
    ends = [19_813, 19_783, 20_178]  # 31 March and 1 March 2024, 31 March 2025
    days = np.array([*days, *ends], dtype=np.int64)
    shifted = pd.to_datetime(days, unit="D") - pd.DateOffset(months=months)
    want = ((shifted - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)).to_numpy()
    assert months_before(days, months).tolist() == want.tolist()

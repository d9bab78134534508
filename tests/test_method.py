"""The method, item by item, on small books with the expected numbers worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
from conftest import rows_frame, worded, write_book

import xlcrm
from xlcrm.book import book_from_frames
from xlcrm.rules import compute_all
from xlcrm.rules.capacity import spread
from xlcrm.template import chinese_festivals

AS_OF = dt.date(2024, 6, 30)
D = pd.Timestamp


def frames(customers: dict, sales=(), contacts=()) -> dict[str, pd.DataFrame]:
    cust = pd.DataFrame(customers)
    cust.index = range(2, 2 + len(cust))
    out = {"customers": cust}
    if sales:
        out["sales"] = rows_frame(sales, ["date", "order_id", "customer_id", "amount"])
    if contacts:
        columns = ["date", "customer_id", "kind", "resolved", "resolved_on", "satisfaction"]
        out["contacts"] = rows_frame(contacts, columns[: len(contacts[0])])
    return out


def shown(customers, sales=(), contacts=(), as_of=AS_OF, **settings):
    return worded(book_from_frames(frames(customers, sales, contacts), as_of, settings))


def codes(customers, sales=(), contacts=(), as_of=AS_OF, **settings):
    book = book_from_frames(frames(customers, sales, contacts), as_of, settings)
    out = compute_all(book)
    out.index = book.frame("customers")["customer_id"].tolist()
    return out


# 1. the welcome contact --------------------------------------------------------------------


def test_a_new_customer_never_contacted_gets_the_welcome_follow_up():
    out = shown({"customer_id": ["n"], "phone": ["1"]}, [(D("2024-06-10"), "o1", "n", 80.0)])
    # first purchase 10 June + 7 welcome days = 17 June: 13 days overdue on 30 June
    assert out.loc["n", "contact_reason"] == "new customer (13 days overdue)"
    assert out.loc["n", "next_contact"] == D("2024-06-30")
    assert out.loc["n", "contact_priority"] == 4


# 2. value classes by the average order --------------------------------------------------------


def value_book(**settings):
    sales = [
        (D("2024-06-29") - pd.Timedelta(days=10 * i), f"f{i}", "freq", 60.0) for i in range(20)
    ]
    sales += [(D("2024-03-01") + pd.Timedelta(days=20 * i), f"a{i}", "b1", 500.0) for i in range(3)]
    sales += [(D("2024-03-05") + pd.Timedelta(days=20 * i), f"b{i}", "b2", 400.0) for i in range(2)]
    sales += [(D("2024-03-10"), "c0", "b3", 300.0)]
    sales += [(D("2024-03-15") + pd.Timedelta(days=15 * i), f"d{i}", "b4", 100.0) for i in range(4)]
    return codes({"customer_id": ["freq", "b1", "b2", "b3", "b4"]}, sales, **settings)


def test_value_classes_score_the_average_order():
    out = value_book()
    # average orders 60 < 100 < 300 < 400 < 500 for freq, b4, b3, b2, b1: scores 1..5
    assert out["a_score"].tolist() == [1, 5, 4, 3, 2]
    # revenue 1,200 / 1,500 / 800 / 300 / 400: the M score column is unchanged (revenue)
    assert out["m_score"].tolist() == [4, 5, 3, 1, 2]
    assert (out.loc["freq", "f_score"], out.loc["freq", "r_score"]) == (5, 5)
    # 20 orders of the smallest average order: frequent, low value, not core
    assert out.loc["freq", "value_class"] == "potential_frequent"
    # on revenue (Settings), the same customer is core: R5 F5 M4
    assert value_book(value_basis="revenue").loc["freq", "value_class"] == "core"


# 4. the pyramid over a period -----------------------------------------------------------------


def test_the_pyramid_ranks_the_period_not_all_history():
    half = {"pyramid_a_pct": 50, "pyramid_b_pct": 0, "pyramid_c_pct": 0, "pyramid_d_pct": 50}
    sales = [(D("2020-03-01"), "big", "old", 1_000_000.0), (D("2024-06-01"), "s1", "now", 100.0)]
    customers = {"customer_id": ["old", "now"]}
    recent = codes(customers, sales, **half)  # the default period: the last 12 months
    assert recent["pyramid"].to_dict() == {"old": "D", "now": "A"}
    ever = codes(customers, sales, pyramid_months=0, **half)
    assert ever["pyramid"].to_dict() == {"old": "A", "now": "D"}


# 5. tiers: the Chinese template's benefits ----------------------------------------------------


def test_the_chinese_template_writes_its_tier_benefits_in_chinese(tmp_path):
    path = xlcrm.init_workbook(tmp_path / "zh.xlsx", lang="zh")
    ws = openpyxl.load_workbook(path)["设置"]
    values = {r[0].value: r[1].value for r in ws.iter_rows(min_row=2) if r[0].value}
    assert values["银卡权益"] == "每单九五折" and values["金卡权益"] == "每单九折并免运费"
    assert values["等级考核期（月）"] == 0  # cumulative by default


# 6. the referral bonus ------------------------------------------------------------------------


def test_the_referral_bonus_is_earned_when_the_referred_customer_joins():
    customers = {
        "customer_id": ["a", "b"],
        "referred_by": [None, "a"],
        "joined": [D("2023-01-01"), D("2024-02-01")],
    }
    sales = [(D("2024-04-01"), "o1", "b", 10.0)]
    none = {"signup_bonus": 0, "birthday_bonus": 0, "feedback_bonus": 0}
    on_join = codes(customers, sales, as_of=dt.date(2024, 3, 1), **none)
    assert on_join["points_earned"].to_dict() == {"a": 300, "b": 100}
    on_purchase = codes(
        customers, sales, as_of=dt.date(2024, 3, 1), referral_bonus_on="first_purchase", **none
    )
    assert on_purchase["points_earned"].to_dict() == {"a": 0, "b": 0}
    later = codes(
        customers, sales, as_of=dt.date(2024, 4, 1), referral_bonus_on="first_purchase", **none
    )
    assert later["points_earned"].to_dict() == {"a": 300, "b": 110}


# 7. birthdays and anniversaries ---------------------------------------------------------------


def test_a_logged_contact_answers_the_birthday_until_next_year():
    customers = {"customer_id": ["a"], "birthday": [D("1990-07-20")], "phone": ["1"]}
    out = shown(customers, contacts=[(D("2024-07-02"), "a", "call")], as_of=dt.date(2024, 7, 3))
    # greeted on 2 July, after the birthday month began: the next one is 1 July 2025, and the
    # call resets the cadence: a prospect's check-in 90 days on comes first
    assert out.loc["a", "contact_reason"] == "no purchase yet"
    assert out.loc["a", "next_contact"] == D("2024-09-30")


def test_business_customers_are_contacted_ahead_of_their_anniversary():
    customers = {
        "customer_id": ["biz", "person"],
        "type": ["ToB", "ToC"],
        "anniversary": [D("2010-07-15"), D("2010-07-15")],
        "email": ["b@x.com", "p@x.com"],
    }
    sales = [(D("2024-06-20"), "o1", "biz", 50.0), (D("2024-06-20"), "o2", "person", 50.0)]
    out = shown(
        customers, sales, contacts=[(D("2024-06-29"), c, "call") for c in ("biz", "person")]
    )
    assert out.loc["biz", "contact_reason"] == "company anniversary"
    assert out.loc["biz", "next_contact"] == D("2024-07-08")  # 15 July - 7 days
    assert out.loc["person", "contact_reason"] != "company anniversary"


# 8. complaints --------------------------------------------------------------------------------


def test_open_complaints_come_first_and_a_class_before_others_within_a_priority(tmp_path):
    customers = [["Customer ID", "Name", "Phone"]] + [[f"c{i}", f"N{i}", "13"] for i in range(10)]
    sales = [["Date", "Order ID", "Customer ID", "Amount"]]
    sales += [[dt.date(2024, 5, 1), f"o{i}", f"c{i}", 100.0 * (i + 1)] for i in range(10)]
    contacts = [["Date", "Customer ID", "Kind", "Resolved"]]
    contacts += [[dt.date(2024, 6, 1), "c0", "complaint", "no"]]  # older, but a D customer
    contacts += [[dt.date(2024, 6, 28), "c9", "complaint", "no"]]  # the top customer: A
    path = write_book(
        tmp_path / "c.xlsx",
        {"Customers": customers, "Sales": sales, "Contacts": contacts},
        settings={"Pyramid A (%)": 10, "Pyramid B (%)": 0, "Pyramid C (%)": 0, "Pyramid D (%)": 90},
    )
    r = xlcrm.due(path, as_of=AS_OF)
    rows = r.records()
    assert [(x["customer_id"], x["contact_priority"], x["pyramid"]) for x in rows[:2]] == [
        ("c9", 1, "A"),
        ("c0", 1, "D"),
    ]
    assert rows[1]["contact_reason"] == "open complaint (29 days overdue)"


# 9. holidays ----------------------------------------------------------------------------------


def test_core_and_top_customers_get_a_greeting_before_a_holiday(tmp_path):
    customers = [["Customer ID", "Name", "Phone"]] + [[f"c{i}", f"N{i}", "13"] for i in range(10)]
    sales = [["Date", "Order ID", "Customer ID", "Amount"]]
    sales += [[dt.date(2024, 5, 1), f"o{i}", f"c{i}", 100.0 * (i + 1)] for i in range(10)]
    contacts = [["Date", "Customer ID", "Kind"]] + [
        [dt.date(2024, 6, 29), f"c{i}", "call"] for i in range(10)
    ]
    settings = [
        ["Setting", "Value", "Description", None, "Holiday", "Holiday date"],
        ["Pyramid A (%)", 10, None, None, "Dragon Boat Festival", dt.date(2024, 6, 10)],
        ["Pyramid B (%)", 10, None, None, "Mid-Autumn Festival", dt.date(2024, 9, 17)],
        ["Pyramid C (%)", 0, None, None, "Company day", dt.date(2024, 7, 12)],
        ["Pyramid D (%)", 80, None, None, None, None],
    ]
    sheets = {"Customers": customers, "Sales": sales, "Contacts": contacts, "Settings": settings}
    path = write_book(tmp_path / "h.xlsx", sheets)
    r = xlcrm.update(path, as_of=AS_OF, dry_run=True)
    assert r.errors == [] and [h for h, _ in r.settings["holidays"]][:1] == ["Dragon Boat Festival"]
    out = r.display().set_axis([f"c{i}" for i in range(10)])
    # c9 is A, c8 is B: greeted 3 days before 12 July (the festival in June is past)
    for cid in ("c9", "c8"):
        assert out.loc[cid, "contact_reason"] == "holiday greeting: Company day"
        assert out.loc[cid, "next_contact"] == D("2024-07-09")
    assert not out.loc["c0", "contact_reason"].startswith("holiday")


def test_chinas_festivals_come_from_the_lunar_calendar():
    f = chinese_festivals(2026, years=1).set_index("holiday")["date"]
    assert f["春节"] == dt.date(2026, 2, 17) and f["中秋节"] == dt.date(2026, 9, 25)
    assert f["端午节"] == dt.date(2026, 6, 19) and f["国庆节"] == dt.date(2026, 10, 1)
    assert len(chinese_festivals(2026)) == 3 * len(f)  # three years


# 10. satisfaction -----------------------------------------------------------------------------


def test_an_unhappy_answer_calls_for_care_unless_someone_called_since():
    customers = {"customer_id": ["u", "v", "w"], "phone": ["1", "2", "3"]}
    sales = [(D("2024-06-01"), f"o{c}", c, 50.0) for c in "uvw"]
    contacts = [
        (D("2024-06-20"), "u", "survey", None, None, "needs_improvement"),
        (D("2024-06-20"), "v", "survey", None, None, "needs_improvement"),
        (D("2024-06-22"), "v", "call", None, None, None),  # called back since
        (D("2024-06-20"), "w", "survey", None, None, "very_satisfied"),
    ]
    out = shown(customers, sales, contacts)
    assert out.loc["u", "contact_reason"] == "not satisfied with us (10 days overdue)"
    assert out.loc["u", "contact_priority"] == 2
    assert out.loc["u", "last_satisfaction"] == "needs improvement"
    assert out.loc["v", "contact_reason"] != "not satisfied with us"
    assert out.loc["w", "last_satisfaction"] == "very satisfied"


def test_satisfaction_typed_as_a_number_or_in_chinese(tmp_path):
    contacts = [["Date", "Customer ID", "Kind", "满意度"]]
    contacts += [
        [dt.date(2024, 6, 1), "C1", "survey", 2],
        [dt.date(2024, 6, 2), "C2", "survey", "非常满意"],
    ]
    sheets = {
        "Customers": [["Customer ID"], ["C1"], ["C2"]],
        "Sales": [
            ["Date", "Order ID", "Customer ID", "Amount"],
            [dt.date(2024, 5, 1), "o", "C1", 5.0],
        ],
        "Contacts": contacts,
    }
    r = xlcrm.update(write_book(tmp_path / "s.xlsx", sheets), as_of=AS_OF, dry_run=True)
    assert r.errors == [] and r.warnings == []
    assert r.outputs["last_satisfaction"].tolist() == ["needs_improvement", "very_satisfied"]


# 11. D-class screening ------------------------------------------------------------------------


def test_d_customers_are_screened_to_grow_or_to_fade():
    pcts = {"pyramid_a_pct": 10, "pyramid_b_pct": 0, "pyramid_c_pct": 0, "pyramid_d_pct": 90}
    ids = [f"c{i}" for i in range(10)]
    sales = [(D("2024-05-01"), f"top{i}", "c9", 5000.0) for i in range(1)]
    # c0: dormant (last purchase 200 days ago) and the smallest spender: low priority
    sales.append((D(AS_OF) - pd.Timedelta(days=200), "x0", "c0", 10.0))
    # c1: six orders: buys frequently (F4): an upgrade candidate
    sales += [(D("2024-01-10") + pd.Timedelta(days=20 * k), f"x1{k}", "c1", 30.0) for k in range(6)]
    # c2: spend rising: nothing 90-180 days ago, 400 in the last 90 days
    sales += [(D("2024-06-01"), "x2", "c2", 400.0)]
    # the rest: one steady order each, mid-sized
    for i in range(3, 9):
        sales += [
            (D("2024-02-01"), f"y{i}a", f"c{i}", 100.0),
            (D("2024-05-01"), f"y{i}b", f"c{i}", 100.0),
        ]
    out = codes({"customer_id": ids, "phone": ["1"] * 10}, sales, **pcts)
    assert out.loc["c9", "pyramid"] == "A" and pd.isna(out.loc["c9", "review"])
    assert out.loc["c0", "review"] == "low_priority"
    assert out.loc["c1", "review"] == "upgrade_candidate"
    assert out.loc["c2", "review"] == "upgrade_candidate"
    assert out.loc[[f"c{i}" for i in range(3, 9)], "review"].isna().all()
    # the low-priority customer gets the longest cadence, not a win-back offer
    assert out.loc["c0", "contact_reason"] == "low_priority"
    assert out.loc["c0", "contact_priority"] == 5


# 12. channels -----------------------------------------------------------------------------------


def test_xiaohongshu_and_douyin_are_channels(tmp_path):
    customers = [["客户编号", "首选渠道"], ["C1", "小红书"], ["C2", "douyin"]]
    sales = [["日期", "订单号", "客户编号", "金额"], [dt.date(2024, 6, 1), "o1", "C1", 5.0]]
    r = xlcrm.update(
        write_book(tmp_path / "x.xlsx", {"客户": customers, "销售": sales}),
        as_of=AS_OF,
        dry_run=True,
    )
    assert r.errors == [] and r.warnings == []
    assert r.outputs["next_channel"].tolist() == ["xiaohongshu", "douyin"]
    assert r.display()["next_channel"].tolist() == ["小红书", "抖音"]


# 13. a contact list an owner can work through ---------------------------------------------------


def test_the_backlog_is_spread_over_the_days_most_urgent_first():
    # five contacts due on day 0, room for two a day:
    #   c1 an open complaint (P1); c2 P3 of class A; c3 P3 of class D;
    #   c4 P5, 100 days overdue; c5 P5, 10 days overdue
    due = np.zeros(5, dtype=np.int64)
    priority = np.array([1, 3, 3, 5, 5])
    rank = np.array([4, 0, 3, 3, 3])  # A = 0 ... D = 3, no class = 4
    late = np.array([0, 0, 0, 100, 10])
    assert spread(due, priority, rank, late, 2).tolist() == [0, 0, 1, 1, 2]
    # priority 1 is never pushed back, even past the day's room
    assert spread(np.zeros(3, np.int64), np.array([1, 1, 1]), rank[:3], late[:3], 2).tolist() == [
        0,
        0,
        0,
    ]
    # a contact due later is not moved earlier, and a more urgent one due later keeps its
    # day: with room for one a day, the P3 due on day 1 takes day 1, the second P5 day 2
    later = spread(np.array([0, 0, 1]), np.array([5, 5, 3]), np.zeros(3, np.int64), np.zeros(3), 1)
    assert later.tolist() == [0, 2, 1]
    assert spread(due, priority, rank, late, 0).tolist() == [0] * 5  # 0: no limit


def test_a_new_book_gets_a_list_that_fits_the_day(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=120, seed=3)
    r = xlcrm.update(path, dry_run=True)
    due = r.outputs["next_contact"].dropna()
    per_day = due.value_counts()
    first_priority = (r.outputs["contact_priority"] == 1).sum()
    assert per_day.max() <= max(20, first_priority)  # the default: 20 contacts a day
    assert per_day.loc[pd.Timestamp(r.as_of)] == 20  # the backlog fills today's list
    wide = xlcrm.update(path, dry_run=True, stamp=r.outputs["updated_at"].iloc[0])
    assert wide.outputs["contact_reason"].equals(r.outputs["contact_reason"])


# 14. validation the method needs ----------------------------------------------------------------


def test_a_negative_quantity_on_a_positive_amount_and_a_sale_before_joining(book):
    sheets = {
        "Customers": [["Customer ID", "Joined"], ["C1", dt.date(2024, 3, 1)]],
        "Sales": [
            ["Date", "Order ID", "Customer ID", "Quantity", "Amount"],
            [dt.date(2024, 3, 5), "O1", "C1", -2, 40.0],  # row 2: sign mismatch
            [dt.date(2024, 3, 6), "O2", "C1", -1, -20.0],  # row 3: a refund: fine
            [dt.date(2024, 2, 1), "O3", "C1", 1, 10.0],  # row 4: before joining
        ],
    }
    r = xlcrm.validate(book(sheets), as_of=AS_OF)
    assert [(p.code, p.row, p.column) for p in r.errors] == [("quantity_sign", 2, "D")]
    assert [(p.code, p.row, p.column) for p in r.warnings] == [("sale_before_joined", 4, "A")]

"""Analytics rules on small hand-computed books, the 1,000-customer pyramid, and properties."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcrm.book import book_from_frames
from xlcrm.present.columns import display
from xlcrm.rules import compute_all, output_columns
from xlcrm.rules.pyramid import class_sizes, pyramid_class
from xlcrm.rules.scores import GRID, percentile_score, threshold_score

AS_OF = dt.date(2024, 6, 30)
D = pd.Timestamp


def make(customers, sales, as_of=AS_OF, **settings_):
    cust = pd.DataFrame({"customer_id": customers}, index=range(2, 2 + len(customers)))
    sales = pd.DataFrame(
        sales,
        columns=["date", "order_id", "customer_id", "amount", "category"][
            : len(sales[0]) if sales else 4
        ],
    )
    sales.index = range(2, 2 + len(sales))
    return compute_all(book_from_frames({"customers": cust, "sales": sales}, as_of, settings_))


def by_id(out, customers):
    out = out.copy()
    out.index = customers
    return out


def test_percentile_scores_share_ties():
    s = percentile_score(pd.Series([100.0, 200, 200, 400, 800]))
    # average ranks 1, 2.5, 2.5, 4, 5 of 5: ceil(5 x (rank - 1/2) / 5) = ceil(rank - 1/2)
    assert s.tolist() == [1, 2, 2, 4, 5]
    for n in (1, 2, 3, 4, 60):  # everyone equal: everyone the middle score, whatever n
        assert set(percentile_score(pd.Series([10.0] * n)).tolist()) == {3}, n
    # ten distinct buyers: ranks 1..10 -> ceil((rank - 1/2) / 2)
    ten = percentile_score(pd.Series([float(v) for v in range(10)]))
    assert ten.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_f_thresholds():
    counts = pd.Series([1, 2, 3, 4, 5, 9, 10, 40])
    assert threshold_score(counts, [2, 3, 5, 10]).tolist() == [1, 2, 3, 3, 4, 4, 5, 5]


def test_segment_grid_is_complete_and_as_published():
    assert set(GRID) == {(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert GRID[(5, 1)] == "new" and GRID[(4, 1)] == "promising"
    assert GRID[(5, 5)] == GRID[(5, 4)] == "champions"
    assert GRID[(2, 5)] == "cant_lose" and GRID[(1, 3)] == "at_risk"
    assert GRID[(3, 3)] == "need_attention" and GRID[(3, 2)] == "about_to_sleep"
    assert GRID[(4, 2)] == GRID[(5, 3)] == "potential_loyalist"
    assert GRID[(3, 4)] == GRID[(4, 5)] == "loyal" and GRID[(2, 2)] == "hibernating"


def test_rfm_and_value_classes_hand_computed():
    ids = ["core", "big_rare", "small_frequent", "dormant", "new", "prospect"]
    sales = []
    for i in range(10):  # core: 10 recent orders of 500
        sales.append((D("2024-06-25") - pd.Timedelta(days=7 * i), f"c{i}", "core", 500.0))
    sales.append((D("2024-03-01"), "b1", "big_rare", 3000.0))
    for i in range(10):  # frequent, tiny
        sales.append((D("2024-06-20") - pd.Timedelta(days=20 * i), f"s{i}", "small_frequent", 5.0))
    sales.append((D("2023-06-01"), "d1", "dormant", 200.0))
    sales.append((D("2024-06-29"), "n1", "new", 40.0))
    out = by_id(make(ids, sales), ids)
    assert out.loc["core", "orders"] == 10 and out.loc["core", "f_score"] == 5
    assert out.loc["big_rare", "f_score"] == 1 and out.loc["big_rare", "m_score"] == 4
    # M among 5 buyers: new 40 < small 50 < dormant 200 < big 3000 < core 5000 -> 1..5
    assert out["m_score"].tolist()[:5] == [5, 4, 2, 3, 1]
    assert pd.isna(out.loc["prospect", "r_score"])
    cls = out["value_class"].to_dict()
    assert cls == {
        "core": "core",
        "big_rare": "potential_high_value",
        "small_frequent": "potential_frequent",
        "dormant": "win_back",
        "new": "new",
        "prospect": "prospect",
    }
    assert out.loc["dormant", "rfm_segment"] == "hibernating"
    shown = display(out, output_columns(), {}, "en")
    assert shown["value_class"].to_dict() == {
        "core": "Core",
        "big_rare": "Potential: high value, low frequency",
        "small_frequent": "Potential: frequent, low value",
        "dormant": "Win-back",
        "new": "New",
        "prospect": "Prospect",
    }
    assert shown.loc["dormant", "rfm_segment"] == "Hibernating"
    assert out.loc["core", "rfm"] == f"{out.loc['core', 'r_score']}55"


def test_value_class_in_chinese_is_the_same_code_worded():
    en = make(["a"], [(D("2024-06-29"), "o", "a", 10.0)])
    zh = make(["a"], [(D("2024-06-29"), "o", "a", 10.0)], language="zh")
    pd.testing.assert_frame_equal(en, zh)  # the engine knows no language
    assert zh["value_class"].iloc[0] == "new"
    assert display(zh, output_columns(), {}, "zh")["value_class"].iloc[0] == "新客户"


def test_pyramid_1000_customers():
    value = pd.Series(np.arange(1000, 0, -1, dtype=float))
    counts = pyramid_class(value, [1, 4, 15]).value_counts().to_dict()
    assert counts == {"A": 10, "B": 40, "C": 150, "D": 800}
    assert class_sizes(1000, [1, 4, 15]) == [10, 50, 200]


def test_pyramid_boundary_ties_go_up_whatever_the_order():
    value = pd.Series([float(100 - i) for i in range(100)])
    value.iloc[5] = value.iloc[4]  # places 5 and 6 tie across the B/C boundary (B ends at 5)
    cls = pyramid_class(value, [1, 4, 15])
    assert cls.iloc[4] == cls.iloc[5] == "B"
    shuffled = pyramid_class(value.sample(frac=1, random_state=3), [1, 4, 15])
    assert shuffled.sort_index().tolist() == cls.tolist()


def test_pyramid_by_profit_when_asked():
    cust = pd.DataFrame({"customer_id": ["a", "b"]}, index=[2, 3])
    sales = pd.DataFrame(
        {
            "date": [D("2024-06-01")] * 2,
            "order_id": ["1", "2"],
            "customer_id": ["a", "b"],
            "amount": [100.0, 90.0],
            "cost": [95.0, 10.0],
        },
        index=[2, 3],
    )
    frames = {"customers": cust, "sales": sales}
    rev = compute_all(
        book_from_frames(
            frames,
            AS_OF,
            {"pyramid_a_pct": 50, "pyramid_b_pct": 0, "pyramid_c_pct": 0, "pyramid_d_pct": 50},
        )
    )
    prof = compute_all(
        book_from_frames(
            frames,
            AS_OF,
            {
                "pyramid_basis": "profit",
                "pyramid_a_pct": 50,
                "pyramid_b_pct": 0,
                "pyramid_c_pct": 0,
                "pyramid_d_pct": 50,
            },
        )
    )
    assert rev["pyramid"].tolist() == ["A", "D"]
    assert prof["pyramid"].tolist() == ["D", "A"]


def test_trend_rising_star_and_slipping():
    ids = [f"c{i}" for i in range(20)]
    sales = []
    for i, cid in enumerate(ids):  # steady history: one order a month, bigger for lower i
        for m in range(12):  # 10, 40, 70 ... 340 days ago: 3 orders in each 90-day window
            sales.append(
                (
                    D(AS_OF) - pd.Timedelta(days=10 + 30 * m),
                    f"{cid}-{m}",
                    cid,
                    float(100 * (20 - i)),
                )
            )
    # c5 (a C customer) suddenly buys a lot recently; c0 (A) stops buying recently
    sales = [s for s in sales if not (s[2] == "c0" and s[0] > D("2024-04-01"))]
    sales.append((D("2023-08-01"), "old-big", "c0", 50000.0))
    sales.append((D("2024-06-20"), "boom", "c5", 3000.0))
    pcts = {"pyramid_a_pct": 5, "pyramid_b_pct": 10, "pyramid_c_pct": 25, "pyramid_d_pct": 60}
    out = by_id(make(ids, sales, **pcts), ids)
    assert out.loc["c0", "pyramid"] == "A" and out.loc["c0", "slipping"]
    assert out.loc["c0", "trend"] == "declining"
    assert out.loc["c5", "trend"] == "rising"
    assert out.loc["c5", "pyramid"] == "C"
    # c5's last 90 days: 3 x 1500 + 3000 = 7500 (the 90 before: 4500), 83.3 a day; the
    # smallest B (c2) made 12 x 1800 = 21600 over 341 days of history, 63.3 a day: a star
    assert out.index[out["rising_star"].fillna(False)].tolist() == ["c5"]
    assert out.loc["c10", "trend"] == "steady"


def test_repurchase_cycle():
    sales = [
        (D("2024-05-01"), "1", "a", 10.0),
        (D("2024-05-11"), "2", "a", 10.0),
        (D("2024-05-11"), "3", "a", 10.0),
        (D("2024-05-31"), "4", "a", 10.0),
        (D("2024-06-01"), "5", "b", 10.0),
        (D("2024-06-10"), "6", "b", 10.0),
    ]
    out = by_id(make(["a", "b"], sales), ["a", "b"])
    assert out.loc["a", "repurchase_days"] == 15  # purchase days 0, 10, 30: gaps 10 and 20
    assert out.loc["a", "next_purchase"] == D("2024-06-15")
    assert out.loc["a", "days_overdue"] == 15
    assert pd.isna(out.loc["b", "repurchase_days"])  # only two purchase days


def test_cross_sell_suggests_the_associated_category():
    sales = []
    for i in range(12):  # tea buyers also buy cake
        sales.append((D("2024-05-01"), f"t{i}", f"tc{i}", 10.0, "Tea"))
        sales.append((D("2024-05-01"), f"t{i}", f"tc{i}", 10.0, "Cake"))
    for i in range(12):
        sales.append((D("2024-05-01"), f"m{i}", f"mg{i}", 10.0, "Mugs"))
    sales.append((D("2024-05-02"), "x", "only_tea", 10.0, "Tea"))
    sales.append((D("2024-05-02"), "y", "only_mug", 10.0, "Mugs"))
    ids = [f"tc{i}" for i in range(12)] + [f"mg{i}" for i in range(12)] + ["only_tea", "only_mug"]
    out = by_id(make(ids, sales), ids)
    assert out.loc["only_tea", "cross_sell"] == "Cake"
    assert pd.isna(out.loc["only_mug", "cross_sell"])  # mug buyers buy nothing else
    assert pd.isna(out.loc["tc0", "cross_sell"])  # has both already


# --- properties ---------------------------------------------------------------------------

SALE = st.tuples(
    st.integers(0, 400),
    st.integers(0, 9),
    st.integers(-2000, 50000),
    st.sampled_from(["Tea", "Cake", "Mugs", "Beans"]),
)
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHECKED = [
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "value_class",
    "pyramid",
    "trend",
    "rising_star",
    "slipping",
    "repurchase_days",
    "cross_sell",
    "orders",
]


def frames_from(rows, n_customers=10):
    ids = [f"c{i}" for i in range(n_customers)]
    sales = pd.DataFrame(
        [
            (D(AS_OF) - pd.Timedelta(days=d), f"o{k}", f"c{c}", cents / 100, cat)
            for k, (d, c, cents, cat) in enumerate(rows)
        ],
        columns=["date", "order_id", "customer_id", "amount", "category"],
    )
    return ids, sales


def run(ids, sales):
    cust = pd.DataFrame({"customer_id": ids}, index=range(2, 2 + len(ids)))
    sales = sales.set_axis(range(2, 2 + len(sales)))
    out = compute_all(book_from_frames({"customers": cust, "sales": sales}, AS_OF))
    out.index = ids
    return out[CHECKED]


@PROPERTY
@given(st.lists(SALE, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows, rnd):
    ids, sales = frames_from(rows)
    base = run(ids, sales)
    order = list(range(len(sales)))
    rnd.shuffle(order)
    cust_order = ids[:]
    rnd.shuffle(cust_order)
    other = run(cust_order, sales.iloc[order]).loc[ids]
    pd.testing.assert_frame_equal(base, other)


@PROPERTY
@given(st.lists(SALE, min_size=1, max_size=60), st.integers(2, 50))
def test_scaling_amounts_changes_no_score_or_class(rows, k):
    ids, sales = frames_from(rows)
    base = run(ids, sales).drop(columns=["repurchase_days"])
    scaled = run(ids, sales.assign(amount=sales["amount"] * k)).drop(columns=["repurchase_days"])
    pd.testing.assert_frame_equal(base, scaled)


@PROPERTY
@given(
    st.lists(SALE, min_size=1, max_size=60),
    st.integers(0, 9),
    st.integers(0, 400),
    st.integers(1, 50000),
)
def test_adding_a_purchase_never_lowers_f(rows, who, days_ago, cents):
    ids, sales = frames_from(rows)
    base = run(ids, sales)
    extra = pd.DataFrame(
        [(D(AS_OF) - pd.Timedelta(days=days_ago), "new-order", f"c{who}", cents / 100, "Tea")],
        columns=sales.columns,
    )
    more = run(ids, pd.concat([sales, extra], ignore_index=True))
    before, after = base.loc[f"c{who}", "f_score"], more.loc[f"c{who}", "f_score"]
    assert pd.isna(before) or after >= before


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_class_sizes_add_up(n):
    ends = class_sizes(n, [1, 4, 15])
    assert ends == sorted(ends) and ends[-1] <= n


def cross_sell_by_pandas(ids, sales, min_customers=2, min_lift=1.0):
    """The rule as first written on pandas frames: the oracle for the array version."""
    lines = sales.loc[
        (sales["amount"] > 0) & sales["category"].notna(), ["customer_id", "category"]
    ]
    lines = lines.assign(category=lines["category"].str.strip()).drop_duplicates()
    cats = sorted(c for c in lines["category"].unique() if c != "")
    lines = lines[lines["category"].isin(cats)]
    if len(cats) < 2:
        return {c: None for c in ids}
    basket = pd.crosstab(lines["customer_id"], lines["category"]).reindex(columns=cats) > 0
    b = basket.to_numpy(dtype=float)
    n = len(b)
    both = b.T @ b
    p = b.sum(axis=0) / n
    lift = (both / n) / np.outer(p, p)
    ok = (both >= min_customers) & (lift >= min_lift)
    np.fill_diagonal(ok, False)
    lift = np.where(ok, lift, 0.0)
    out = {c: None for c in ids}
    for who, row in zip(basket.index, b, strict=True):
        score = np.max(row[:, None] * lift, axis=0)
        score[row > 0] = 0
        if score.max() > 0:
            out[who] = cats[int(score.argmax())]
    return out


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.integers(0, 9),
            st.integers(-2000, 5000),
            st.one_of(st.none(), st.sampled_from(["Tea", " Tea", "Cake ", "Mugs", "Beans", " "])),
        ),
        min_size=1,
        max_size=80,
    )
)
def test_cross_sell_is_the_rule_as_pandas_computes_it(rows):
    """Blank and space-only categories, padded names, refunds, the same pair many times."""
    ids = [f"c{i}" for i in range(10)]
    sales = pd.DataFrame(
        [(D(AS_OF), f"o{k}", f"c{c}", cents / 100, cat) for k, (c, cents, cat) in enumerate(rows)],
        columns=["date", "order_id", "customer_id", "amount", "category"],
    )
    sales["category"] = sales["category"].astype("str")
    cust = pd.DataFrame({"customer_id": ids}, index=range(2, 12))
    loose = {"cross_sell_min_customers": 1, "cross_sell_min_lift": 1.0}
    book = book_from_frames(
        {"customers": cust, "sales": sales.set_axis(range(2, 2 + len(sales)))}, AS_OF, loose
    )
    got = compute_all(book)["cross_sell"].set_axis(ids)
    want = cross_sell_by_pandas(ids, sales, min_customers=1, min_lift=1.0)
    assert {c: (None if pd.isna(v) else v) for c, v in got.items()} == want

"""Churn and value: BG/NBD and Gamma-Gamma reproduce the published CDNOW results, the update
writes each customer's chance still a customer as the closed form gives it, a small book
says why it has no model, and the planner's win-back follows the model when there is one."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import basic_sheets, write_book
from scipy.special import gammaln

import xlcrm
from xlcrm.cli import main
from xlcrm.rules.bgnbd import bgnbd_log_likelihood, fit_bgnbd, fit_gamma_gamma

CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"
END = pd.Timestamp("1997-09-30")  # the end of the 39-week calibration period
PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "v": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW,
        sep=r"\s+",
        header=None,
        names=["orig", "cid", "date", "cds", "value"],
        dtype={"date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def summaries(raw: pd.DataFrame) -> pd.DataFrame:
    """The paper's definitions, written out here: repeat purchase days in the calibration
    period, recency and age in weeks to its end, the mean of the repeat days' totals."""
    first = raw.groupby("cid")["date"].min()
    days = raw[raw["date"] <= END].groupby(["cid", "date"])["value"].sum().reset_index()
    repeat = days[days["date"] > days["cid"].map(first)]
    return pd.DataFrame(
        {
            "x": repeat.groupby("cid").size().reindex(first.index, fill_value=0),
            "tx": (days.groupby("cid")["date"].max() - first).dt.days / 7,
            "T": (END - first).dt.days / 7,
            "m": repeat.groupby("cid")["value"].mean(),
        }
    )


def test_bgnbd_and_gamma_gamma_reproduce_the_published_cdnow_fit(cdnow):
    s = summaries(cdnow)
    assert len(s) == 2357
    bg = fit_bgnbd(s["x"].to_numpy(), s["tx"].to_numpy(), s["T"].to_numpy())
    for name, published in PUBLISHED_BG.items():
        assert bg.params[name] == pytest.approx(published, rel=0.01), name
    assert bg.log_likelihood == pytest.approx(-9582.4, abs=1)
    repeat = s[s["x"] > 0]
    gg = fit_gamma_gamma(repeat["x"].to_numpy(), repeat["m"].to_numpy())
    assert gg.customers == 946
    for name, published in PUBLISHED_GG.items():
        assert gg.params[name] == pytest.approx(published, rel=0.01), name


def test_the_log_likelihood_is_equation_6_written_out():
    """One customer, by hand: x = 2 repeat purchases, the last at week 30, seen 38 weeks."""
    r, alpha, a, b, x, tx, T = 0.243, 4.414, 0.793, 2.426, 2.0, 30.0, 38.0

    def beta(p, q):
        return math.exp(math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q))

    g = math.exp(math.lgamma(r + x) - math.lgamma(r)) * alpha**r
    alive = beta(a, b + x) / beta(a, b) * g / (alpha + T) ** (r + x)
    gone = beta(a + 1, b + x - 1) / beta(a, b) * g / (alpha + tx) ** (r + x)
    expected = math.log(alive + gone)
    got = bgnbd_log_likelihood(r, alpha, a, b, np.array([x]), np.array([tx]), np.array([T]))
    assert got[0] == pytest.approx(expected, rel=1e-12)
    assert gammaln(1.0) == 0.0


def cdnow_book(raw: pd.DataFrame, path: Path) -> Path:
    ids = sorted(raw["cid"].unique())
    customers = [["Customer ID", "Name"]] + [[f"K{i:04d}", f"Customer {i}"] for i in ids]
    sales = [["Date", "Order ID", "Customer ID", "Product", "Quantity", "Amount"]]
    for n, row in enumerate(raw.itertuples(index=False), start=1):
        sales.append(
            [row.date.date(), f"T{n:05d}", f"K{row.cid:04d}", "CDs", int(row.cds), row.value]
        )
    settings = {"Currency": "$", "Points sheet": "no"}
    return write_book(path, {"Customers": customers, "Sales": sales}, settings=settings)


def test_update_writes_the_chance_still_a_customer_of_eq_11(cdnow, tmp_path):
    path = cdnow_book(cdnow, tmp_path / "cdnow.xlsx")
    res = CliRunner().invoke(
        main, ["update", str(path), "--as-of", "1997-09-30", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)["books"][0]
    model = doc["models"]["churn"]
    assert model["fitted"] and model["bgnbd"]["customers"] == 2357
    assert model["gamma_gamma"]["customers"] == 946
    for name, published in PUBLISHED_BG.items():
        assert model["bgnbd"][name] == pytest.approx(published, rel=0.01)
    assert model["bgnbd"]["log_likelihood"] == pytest.approx(-9582.4, abs=1)
    p = model["bgnbd"]
    s = summaries(cdnow)
    ws = openpyxl.load_workbook(path)["Customers"]
    header = [c.value for c in ws[1]]
    col = header.index("Chance still a customer")
    written = {ws.cell(r, 1).value: ws.cell(r, col + 1).value for r in range(2, ws.max_row + 1)}
    checked = 0
    for cid in (1, 2, 5, 18, 42, 1000, 2357):
        x, tx, T = s.loc[cid, ["x", "tx", "T"]]
        if x == 0:
            assert written[f"K{cid:04d}"] is None  # one purchase day: the model cannot tell
            continue
        odds = p["a"] / (p["b"] + x - 1) * ((p["alpha"] + T) / (p["alpha"] + tx)) ** (p["r"] + x)
        assert written[f"K{cid:04d}"] == pytest.approx(1 / (1 + odds), abs=1e-5)
        checked += 1
    assert checked >= 3
    assert ws.cell(2, col + 1).number_format == "0%"


def test_a_small_book_says_why_it_has_no_model_and_leaves_the_columns_blank(tmp_path):
    path = write_book(tmp_path / "small.xlsx", basic_sheets())
    r = xlcrm.update(path, as_of="2024-06-30")
    assert r.written
    lines = [p.text(r.lang) for p in r.notes if p.code == "churn_not_fitted"]
    assert lines == [
        "NOTE: Churn model not fitted: 3 customers have bought, 100 are needed (Settings: Churn "
        "model: minimum customers); the chance, expected purchases and value columns are blank."
    ]
    assert r.models["churn"] == {
        "fitted": False,
        "why_not": "too_few_customers",
        "count": 3,
        "need": 100,
    }
    shown = r.display()
    for key in ("p_alive", "expected_purchases", "expected_order_value", "clv"):
        assert shown[key].isna().all()


def test_the_planner_wins_back_by_the_model_and_says_so(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=300, seed=3)
    r = xlcrm.update(path, backup=False)
    out = r.outputs
    lost = out[out["contact_reason"] == "win_back_model"]
    assert len(lost) > 0
    assert (lost["p_alive"] < 0.3).all()
    shown = r.display()
    for row in lost.index[:5]:
        percent = round(out.loc[row, "p_alive"] * 100)
        assert shown.loc[row, "contact_reason"].startswith(
            f"likely lost ({percent}% chance still a customer)"
        )
    fitted = [p.text("en") for p in r.notes if p.code == "churn_fitted"]
    assert len(fitted) == 1 and "the next 12 months are worth ¥" in fitted[0]
    assert fitted[0].startswith("NOTE: Churn model fitted on ")
    by_class = r.models["churn"]["revenue_by_value_class"]
    assert sum(by_class.values()) == pytest.approx(out["clv"].sum(), rel=1e-6)
    # a threshold of 0 keeps the dormant days: no customer is lost by the model
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Win-back below chance"
    )
    ws.cell(row, 2).value = 0
    wb.save(path)
    again = xlcrm.update(path, backup=False)
    assert not (again.outputs["contact_reason"] == "win_back_model").any()


def test_models_are_in_the_batch_json_under_their_usual_names(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=200, seed=5)
    res = CliRunner().invoke(
        main, ["update", str(path), "--format", "json", "--as-of", str(dt.date.today())]
    )
    churn = json.loads(res.stdout)["books"][0]["models"]["churn"]
    assert set(churn["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood", "customers"}
    assert set(churn["gamma_gamma"]) == {"p", "q", "v", "log_likelihood", "customers"}

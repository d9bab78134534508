"""Churn and value: the chance each customer still buys, their expected purchases and order
value, and what the next months are worth, from BG/NBD and Gamma-Gamma (``bgnbd.py``)
fitted on the book's own purchase history.

A customer's purchases are the days with an order (a refund under an order of its own is
none; an order's refunds count against it, on its day);
``x`` counts those after the first, ``tx`` is the last one and ``T`` the as-of date, both
in weeks from the first. The order value is the mean of the repeat days' totals.

The models need a customer base to learn from: below the Settings' minimum customers or
repeat buyers, or when the fit does not converge, the columns stay blank and a note says
why. A customer with no repeat purchase gets no chance-still-a-customer (the model assumes
one cannot leave before buying again, which says nothing), but does get the rest.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align
from ..problems import Problem, note
from ..record import record
from .base import declare
from .bgnbd import (
    Fit,
    clv,
    expected_order_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    probability_alive,
)
from .facts import _cached, orders, sales_in_scope

OUTPUTS = declare("p_alive expected_purchases expected_order_value clv")
WEEK = 7.0  # days: the models' time unit (the CDNOW results are in weeks)


@record
class Model:
    """The fits (None when not made), why not, and what the update reports."""

    bg: Fit | None = None
    gg: Fit | None = None
    why_not: str | None = None  # too_few_customers, too_few_repeat, not_converged, no_sales
    params: dict[str, Any] = field(default_factory=dict)
    by_class: dict[str, float] = field(default_factory=dict)


def history(book: Book) -> pd.DataFrame:
    """Per buying customer (index: customer ID): x, tx and T in weeks, and the mean of the
    repeat purchase days' totals (NaN without one). Worked out on integer codes: a customer
    and a day make one key, and the day totals are one bincount."""

    def build() -> pd.DataFrame:
        empty = pd.DataFrame(columns=["x", "tx", "T", "m"], dtype=float)
        if sales_in_scope(book).empty:
            return empty
        found = orders(book)  # an order counts on its day, net of what came back of it
        who, ids = pd.factorize(found["customer_id"])
        day = (found["date"].to_numpy(dtype="datetime64[D]")).astype(np.int64)
        keep = (who >= 0) & (day > np.iinfo(np.int64).min)
        amount = found["amount"].to_numpy(dtype=float)
        keep &= amount >= 0  # a refund under an order of its own is no purchase
        who, day, amount = who[keep], day[keep], amount[keep]
        if not len(day):  # only refunds: nobody has bought
            return empty
        span = int(day.max() - day.min()) + 1
        key, inverse = np.unique(
            who.astype(np.int64) * span + (day - day.min()), return_inverse=True
        )
        total = np.bincount(inverse, weights=amount)
        if not len(key):
            return empty
        cust, d = key // span, key % span + day.min()  # sorted by customer, then day
        n = np.bincount(cust, minlength=len(ids))
        has = n > 0
        starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
        ends = np.r_[starts[1:], len(cust)] - 1
        first, last = d[starts], d[ends]
        spent = np.add.reduceat(total, starts)
        x = n[has] - 1
        repeat_spent = spent - total[starts]
        as_of = (np.datetime64(book.as_of, "D")).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(x > 0, repeat_spent / np.maximum(x, 1), np.nan)
        return pd.DataFrame(
            {
                "x": x.astype(float),
                "tx": (last - first) / WEEK,
                "T": (as_of - first) / WEEK,
                "m": mean,
            },
            index=ids[has],
        )

    return _cached(book, "churn_history", build)


def model(book: Book) -> Model:
    def build() -> Model:
        s = book.settings
        h = history(book)
        repeat = h[h["x"] > 0]
        if h.empty:
            return Model(why_not="no_sales")
        need_c, need_r = int(s["churn_min_customers"]), int(s["churn_min_repeat"])
        if len(h) < need_c:
            return Model(why_not="too_few_customers", params={"count": len(h), "need": need_c})
        if len(repeat) < need_r:
            return Model(why_not="too_few_repeat", params={"count": len(repeat), "need": need_r})
        bg = fit_bgnbd(h["x"].to_numpy(), h["tx"].to_numpy(), h["T"].to_numpy())
        spenders = repeat[repeat["m"] > 0]
        gg = fit_gamma_gamma(spenders["x"].to_numpy(), spenders["m"].to_numpy())
        if not (bg.converged and gg.converged) or gg.params["q"] <= 1:
            return Model(why_not="not_converged", params={"count": len(h)})
        return Model(bg, gg)

    return _cached(book, "churn_model", build)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    idx = so_far.index
    fitted = model(book)
    if fitted.bg is None:
        return pd.DataFrame({c.key: np.full(len(idx), np.nan) for c in OUTPUTS}, index=idx)
    s = book.settings
    h = history(book)
    x, tx, T, m = (h[k].to_numpy(dtype=float) for k in ("x", "tx", "T", "m"))
    bg, gg = fitted.bg.params, fitted.gg.params
    alive = np.where(x > 0, probability_alive(bg, x, tx, T), np.nan)
    horizon = int(s["churn_horizon_days"]) / WEEK
    purchases = expected_purchases(bg, horizon, x, tx, T)
    value = expected_order_value(gg, x, np.where(m > 0, m, np.nan))
    worth = clv(bg, value, x, tx, T, int(s["clv_months"]), float(s["discount_rate"]), WEEK)
    frame = pd.DataFrame(
        {
            "p_alive": alive,
            "expected_purchases": purchases,
            "expected_order_value": value,
            "clv": worth,
        },
        index=h.index,
    )
    laid = align(frame, book.frame("customers")["customer_id"])
    out = pd.DataFrame({c.key: laid[c.key].to_numpy() for c in OUTPUTS}, index=idx)
    classes = so_far["value_class"].fillna("prospect")
    fitted.by_class = {
        str(k): float(v) for k, v in out["clv"].groupby(classes.to_numpy()).sum().items() if v
    }
    return out


def summary(book: Book) -> dict[str, Any]:
    """The fitted parameters under their usual names, for JSON and the report."""
    fitted = model(book)
    if fitted.bg is None:
        return {"fitted": False, "why_not": fitted.why_not, **fitted.params}
    s = book.settings
    return {
        "fitted": True,
        "bgnbd": {
            **_rounded(fitted.bg.params),
            "log_likelihood": round(fitted.bg.log_likelihood, 3),
            "customers": fitted.bg.customers,
        },
        "gamma_gamma": {
            **_rounded(fitted.gg.params),
            "log_likelihood": round(fitted.gg.log_likelihood, 3),
            "customers": fitted.gg.customers,
        },
        "time_unit_days": WEEK,
        "horizon_days": int(s["churn_horizon_days"]),
        "clv_months": int(s["clv_months"]),
        "discount_rate": float(s["discount_rate"]),
        "revenue_by_value_class": {k: round(v, 2) for k, v in fitted.by_class.items()},
    }


def notes(book: Book) -> list[Problem]:
    """One line on the model: what was fitted and what the next months are worth, or why
    the columns are blank."""
    fitted = model(book)
    if fitted.bg is None:
        return [note("churn_not_fitted", variant=fitted.why_not, **fitted.params)]
    p = {k: round(v, 3) for k, v in {**fitted.bg.params, **fitted.gg.params}.items()}
    return [
        note(
            "churn_fitted",
            customers=fitted.bg.customers,
            months=int(book.settings["clv_months"]),
            total=sum(fitted.by_class.values()),
            by_class=fitted.by_class,
            currency=book.settings.get("currency") or "",
            **p,
        )
    ]


def _rounded(params: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in params.items()}

"""The planner's triggers: for each reason to contact a customer, when it is due.

Each trigger gives every customer a due day (NEVER when it does not apply) and carries a
priority (1 = most urgent). The facts they share (last contact, purchases, classes) are
gathered once in ``Facts``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from ..book import Book
from ..keys import per_id
from ..record import record
from .calendar import NEVER, day_number, day_numbers, month_start, next_yearly

PRIORITY = {
    "complaint_open": 1,
    "complaint_care": 2,
    "satisfaction_care": 2,
    "birthday": 3,
    "holiday": 3,
    "anniversary": 3,
    "win_back": 3,
    "win_back_model": 3,
    "tier_up": 3,
    "core": 3,
    "a_class": 3,
    "repurchase": 4,
    "points_expiring": 4,
    "potential": 4,
    "welcome": 4,
    "frequent": 5,
    "infrequent": 5,
    "light_touch": 5,
    "low_priority": 5,
    "prospect": 5,
}
GREETED = ("A", "B")  # pyramid classes that get holiday greetings (besides core customers)


@record
class Facts:
    """What the triggers read, per customer, as day numbers and flags."""

    as_of: int
    last_contact: pd.Series  # dates
    last_c: np.ndarray  # day numbers; NEVER: never contacted
    buyer: np.ndarray
    first_buy: np.ndarray
    last_buy: np.ndarray
    since: np.ndarray  # the day cadences count from: last contact, else first purchase
    dormant: np.ndarray
    lost: np.ndarray  # repeat buyers the churn model says are likely gone (when fitted)
    low: np.ndarray  # D-class, marked low priority: the lightest touch only
    value_class: pd.Series
    pyramid: pd.Series


def gather(book: Book, so_far: pd.DataFrame, contacts: pd.DataFrame) -> Facts:
    s = book.settings
    ids = book.frame("customers")["customer_id"]
    as_of = day_number(book.as_of)
    latest = per_id(ids, contacts["customer_id"], contacts["date"], "max")
    last_contact = pd.Series(latest, index=ids.index, name="date").astype(contacts["date"].dtype)
    last_c = day_numbers(last_contact)
    buyer = so_far["orders"].to_numpy() > 0
    first_buy = day_numbers(so_far["first_purchase"])
    last_buy = day_numbers(so_far["last_purchase"])
    since = np.where(last_c < NEVER, last_c, np.where(buyer, first_buy, as_of))
    dormant = buyer & (as_of - last_buy >= int(s["dormant_days"]))
    # when the churn model is fitted, a repeat buyer is lost by its chance still a customer,
    # not by the days since the last purchase; one-day buyers keep the dormant-days rule
    alive = so_far["p_alive"].to_numpy(dtype=float) if "p_alive" in so_far else None
    threshold = float(s.get("churn_alive_threshold", 0))
    lost = np.zeros(len(buyer), dtype=bool)
    if alive is not None and threshold > 0 and np.isfinite(alive).any():
        judged = np.isfinite(alive)
        lost = buyer & judged & (alive < threshold)
        dormant = np.where(judged, lost, dormant)
    low = (so_far["review"] == "low_priority").fillna(False).to_numpy()
    return Facts(
        as_of,
        last_contact,
        last_c,
        buyer,
        first_buy,
        last_buy,
        since,
        dormant,
        lost,
        low,
        so_far["value_class"].fillna(""),
        so_far["pyramid"].fillna(""),
    )


def complaints(book: Book, f: Facts, contacts: pd.DataFrame) -> dict[str, np.ndarray]:
    """An open complaint is due the day it was logged; after it is resolved, a care contact
    is due within the follow-up hours unless one was logged since."""
    ids = book.frame("customers")["customer_id"]
    hours = math.ceil(float(book.settings["complaint_followup_hours"]) / 24)
    owners = contacts["customer_id"]
    found = (contacts["kind"] == "complaint").fillna(False).to_numpy(dtype=bool)
    resolved = contacts["resolved"].fillna(False).to_numpy(dtype=bool)
    opened = day_numbers(per_id(ids, owners, contacts["date"], "min", found & ~resolved))
    resolved_on = day_numbers(per_id(ids, owners, contacts["resolved_on"], "max", found & resolved))
    care = (resolved_on < NEVER) & (f.last_c <= resolved_on)
    return {
        "complaint_open": opened,
        "complaint_care": np.where(care, resolved_on + hours, NEVER),
    }


def satisfaction(book: Book, f: Facts, contacts: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The latest satisfaction answer per customer, and the care contact a 'needs
    improvement' answer calls for, on its day, unless a contact was logged after it."""
    ids = book.frame("customers")["customer_id"]
    said = contacts["satisfaction"]
    row = per_id(ids, contacts["customer_id"], contacts["date"], "last", said.notna().to_numpy())
    answer = pd.Series(take(said.array, row, allow_fill=True), index=ids.index).astype("string")
    on = day_numbers(take(contacts["date"].to_numpy(dtype="datetime64[ns]"), row, allow_fill=True))
    unhappy = (answer == "needs_improvement").fillna(False).to_numpy()
    return answer, np.where(unhappy & (f.last_c <= on), on, NEVER)


def yearly(book: Book, f: Facts) -> dict[str, np.ndarray]:
    """Birthdays (the start of the birthday month, or the lead days before) and the
    anniversaries of business customers. A contact logged since one became due answers it:
    the next year's is due instead."""
    s = book.settings
    cust = book.frame("customers")
    lead = int(s["birthday_lead_days"])

    def birthday_due(on: np.ndarray) -> np.ndarray:
        nxt = next_yearly(cust["birthday"], on)
        if s.get("birthday_contact", "month_start") == "month_start":
            return month_start(nxt)
        return np.where(nxt < NEVER, nxt - lead, NEVER)

    def anniversary_due(on: np.ndarray) -> np.ndarray:
        nxt = next_yearly(cust["anniversary"], on)
        due = np.where(nxt < NEVER, nxt - int(s["anniversary_lead_days"]), NEVER)
        business = (cust["type"] == "ToB").fillna(False).to_numpy()
        return np.where(business, due, NEVER)

    out = {}
    for name, due_of in (("birthday", birthday_due), ("anniversary", anniversary_due)):
        due = due_of(np.full(len(cust), f.as_of, dtype=np.int64))
        answered = (f.last_c < NEVER) & (due < NEVER) & (f.last_c >= due)
        if answered.any():  # look a year on from the answered one's day
            again = due_of(np.where(answered, due + 366, f.as_of))
            due = np.where(answered, again, due)
        out[name] = due
    return out


def holidays(book: Book, f: Facts) -> tuple[np.ndarray, pd.Series]:
    """Core and A/B customers: a greeting the lead days before the next holiday in the
    Holidays table that no logged contact has answered. Returns the due day and its name."""
    n = len(f.pyramid)
    table = sorted(book.settings.get("holidays") or [], key=lambda h: h[1])
    greeted = (f.value_class == "core").to_numpy() | f.pyramid.isin(GREETED).to_numpy()
    due = np.full(n, NEVER, dtype=np.int64)
    name = np.full(n, None, dtype=object)
    lead = int(book.settings["holiday_lead_days"])
    for title, when in table:
        day = day_number(when)
        if day < f.as_of:
            continue
        starts = day - lead
        open_ = greeted & (due == NEVER) & ~((f.last_c < NEVER) & (f.last_c >= starts))
        due[open_] = starts
        name[open_] = title
    return due, pd.Series(name, index=f.pyramid.index, dtype="string")


def purchases(book: Book, so_far: pd.DataFrame, f: Facts) -> dict[str, np.ndarray]:
    """Win-back, repurchase reminders, tier-ups and expiring points."""
    s = book.settings
    win_back = f.dormant & ~f.lost & ~f.low
    monthly = np.where(f.last_c < NEVER, f.last_c + int(s["cadence_monthly_days"]), 0)
    overdue = so_far["days_overdue"].fillna(0).to_numpy(dtype=np.int64) > 0
    # a reminder waits at least a week after any logged contact
    after_contact = np.where(f.last_c < NEVER, f.last_c + int(s["cadence_weekly_days"]), 0)
    recent_contact = (f.last_c < NEVER) & (f.as_of - f.last_c < 30)
    tier_up = (so_far["tier_change"] == "up").fillna(False).to_numpy()
    expiring = so_far["points_expiring"].fillna(0).to_numpy() > 0
    next_purchase = day_numbers(so_far["next_purchase"])
    return {
        "win_back": np.where(
            win_back, np.maximum(f.last_buy + int(s["dormant_days"]), monthly), NEVER
        ),
        # the model's verdict is today's news: due now, or a month after the last contact
        "win_back_model": np.where(f.lost & ~f.low, np.maximum(f.as_of, monthly), NEVER),
        "repurchase": np.where(
            overdue & ~f.dormant, np.maximum(next_purchase, after_contact), NEVER
        ),
        "tier_up": np.where(tier_up & ~recent_contact, f.as_of, NEVER),
        "points_expiring": np.where(expiring & ~recent_contact, f.as_of, NEVER),
    }


def cadences(book: Book, so_far: pd.DataFrame, f: Facts) -> dict[str, np.ndarray]:
    """Regular contact by class and frequency, counted from the last contact."""
    s = book.settings
    cls, pyr = f.value_class, f.pyramid
    freq = so_far["f_score"].fillna(0).to_numpy()
    active = f.buyer & ~f.dormant

    def every(mask, days: int) -> np.ndarray:
        return np.where(np.asarray(mask, dtype=bool), f.since + days, NEVER)

    new = (cls == "new").to_numpy() & ((f.last_c <= f.first_buy) | (f.last_c == NEVER))
    weekly = np.where(freq >= 5, int(s["cadence_weekly_days"]), int(s["cadence_monthly_days"]))
    joined = day_numbers(book.frame("customers")["joined"])
    prospect_from = np.where(f.last_c < NEVER, f.last_c, np.minimum(joined, f.as_of))
    return {
        "core": every(cls == "core", int(s["cadence_core_days"])),
        "a_class": every(pyr == "A", int(s["cadence_a_class_days"])),
        "potential": every(
            cls.isin(["potential_high_value", "potential_frequent"]),
            int(s["cadence_potential_days"]),
        ),
        "welcome": np.where(new, f.first_buy + int(s["welcome_followup_days"]), NEVER),
        "frequent": np.where(active & (freq >= 3), f.since + weekly, NEVER),
        "infrequent": every(active & (freq < 3), int(s["cadence_quarterly_days"])),
        "light_touch": every((pyr == "D").to_numpy() & active, int(s["cadence_d_class_days"])),
        "low_priority": every(f.low, int(s["cadence_low_priority_days"])),
        "prospect": np.where(~f.buyer, prospect_from + int(s["cadence_quarterly_days"]), NEVER),
    }

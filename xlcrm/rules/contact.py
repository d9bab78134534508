"""Next contact per customer: when, why, how, and what to do — the earliest trigger wins.

Every trigger proposes a due date and a priority (1 = most urgent); the customer's next
contact is the earliest date, ties to the higher priority. Do-not-contact always wins. No date
is ever before the as-of date: an overdue contact is due on the as-of date and says by how much.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..book import Book
from ..keys import align
from .base import declare

OUTPUTS = declare(
    "last_contact next_contact contact_reason next_channel contact_action contact_priority"
)

# reasons whose suggested action names the cross-sell category, where there is one
SUGGESTS = frozenset(
    {
        "potential",
        "frequent",
        "infrequent",
        "core",
        "a_class",
        "welcome",
        "repurchase",
        "light_touch",
        "win_back",
    }
)
NEVER = np.iinfo(np.int64).max // 4


def _days(s: pd.Series) -> np.ndarray:
    d = (pd.to_datetime(s) - pd.Timestamp("1970-01-01")).dt.days
    return d.fillna(NEVER).to_numpy(dtype=np.int64)


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    s = book.settings
    cust = book.frame("customers")
    idx = so_far.index
    as_of = int((pd.Timestamp(book.as_of) - pd.Timestamp("1970-01-01")).days)
    contacts = book.frame("contacts")
    contacts = contacts[contacts["date"].notna() & (contacts["date"] <= pd.Timestamp(book.as_of))]
    ids = cust["customer_id"]
    last_contact = _per_id(contacts.groupby("customer_id")["date"].max(), ids)
    last_c = _days(last_contact)
    cand: dict[str, tuple[np.ndarray, int]] = {}

    hours = math.ceil(float(s["complaint_followup_hours"]) / 24)
    complaints = contacts[contacts["kind"] == "complaint"]
    open_ = complaints[complaints["resolved"].fillna(False) != True]  # noqa: E712
    cand["complaint_open"] = (
        _days(_per_id(open_.groupby("customer_id")["date"].min(), ids)) + hours,
        1,
    )
    done = complaints[complaints["resolved"].fillna(False) == True]  # noqa: E712
    resolved_on = _days(_per_id(done.groupby("customer_id")["resolved_on"].max(), ids))
    care = np.where((resolved_on < NEVER) & (last_c <= resolved_on), resolved_on + hours, NEVER)
    cand["complaint_care"] = (care, 2)

    cand["birthday"] = (_birthday_due(cust["birthday"], book, int(s["birthday_lead_days"])), 3)

    orders = so_far["orders"].to_numpy()
    buyer = orders > 0
    last_buy = _days(so_far["last_purchase"])
    first_buy = _days(so_far["first_purchase"])
    since = np.where(last_c < NEVER, last_c, np.where(buyer, first_buy, as_of))
    dormant = buyer & (as_of - last_buy >= int(s["dormant_days"]))
    cand["win_back"] = (
        np.where(
            dormant,
            np.maximum(
                last_buy + int(s["dormant_days"]),
                np.where(last_c < NEVER, last_c + int(s["cadence_monthly_days"]), 0),
            ),
            NEVER,
        ),
        3,
    )
    overdue = so_far["days_overdue"].fillna(0).to_numpy(dtype=np.int64) > 0
    # a reminder waits at least a week after any logged contact
    after_contact = np.where(last_c < NEVER, last_c + int(s["cadence_weekly_days"]), 0)
    cand["repurchase"] = (
        np.where(
            overdue & ~dormant, np.maximum(_days(so_far["next_purchase"]), after_contact), NEVER
        ),
        4,
    )
    recent_contact = (last_c < NEVER) & (as_of - last_c < 30)
    tier_up = (so_far["tier_change"] == "up").fillna(False).to_numpy()
    cand["tier_up"] = (np.where(tier_up & ~recent_contact, as_of, NEVER), 3)
    expiring = so_far["points_expiring"].fillna(0).to_numpy() > 0
    cand["points_expiring"] = (np.where(expiring & ~recent_contact, as_of, NEVER), 4)

    cls = so_far["value_class"].fillna("")
    pyr = so_far["pyramid"].fillna("")
    f = so_far["f_score"].fillna(0).to_numpy()

    def every(mask, days: int) -> np.ndarray:
        return np.where(np.asarray(mask, dtype=bool), since + days, NEVER)

    cand["core"] = (every(cls == "core", int(s["cadence_core_days"])), 3)
    cand["a_class"] = (every(pyr == "A", int(s["cadence_a_class_days"])), 3)
    potential = cls.isin(["potential_high_value", "potential_frequent"])
    cand["potential"] = (every(potential, int(s["cadence_potential_days"])), 4)
    new = (cls == "new").to_numpy() & (last_c <= first_buy) | (
        (cls == "new").to_numpy() & (last_c == NEVER)
    )
    cand["welcome"] = (np.where(new, first_buy + int(s["welcome_followup_days"]), NEVER), 4)
    freq_days = np.where(f >= 5, int(s["cadence_weekly_days"]), int(s["cadence_monthly_days"]))
    cand["frequent"] = (np.where(buyer & (f >= 3) & ~dormant, since + freq_days, NEVER), 5)
    cand["infrequent"] = (every(buyer & (f < 3) & ~dormant, int(s["cadence_quarterly_days"])), 5)
    cand["light_touch"] = (every((pyr == "D") & ~dormant, int(s["cadence_d_class_days"])), 5)
    joined = _days(cust["joined"])
    cand["prospect"] = (
        np.where(
            ~buyer,
            np.where(last_c < NEVER, last_c, np.minimum(joined, as_of))
            + int(s["cadence_quarterly_days"]),
            NEVER,
        ),
        5,
    )

    keys = list(cand)
    due = np.stack([cand[k][0] for k in keys], axis=1)
    prio = np.array([cand[k][1] for k in keys])
    score = np.where(due < NEVER, np.maximum(due, as_of) * 10 + prio, NEVER)
    pick = score.argmin(axis=1)
    rows = np.arange(len(idx))
    chosen_due = due[rows, pick]
    has = chosen_due < NEVER
    dnc = cust["do_not_contact"].fillna(False).to_numpy(dtype=bool)
    has &= ~dnc
    reason = np.where(dnc, "opted_out", np.where(has, np.array(keys, dtype=object)[pick], None))
    late = np.where(has, as_of - chosen_due, 0)
    out = pd.DataFrame(index=idx)
    out["last_contact"] = last_contact.set_axis(idx)
    out["next_contact"] = pd.to_datetime(
        np.where(has, np.maximum(chosen_due, as_of), 0), unit="D"
    ).where(has)
    out["contact_reason"] = pd.Series(reason, index=idx, dtype="string")
    out["contact_reason__overdue"] = pd.Series(late, index=idx, dtype="Int64").where(late > 0)
    channel, missing = _channels(cust)
    out["next_channel"] = channel.where(has)
    action = np.where(missing & has, "add_contact_details", np.where(has, reason, None))
    out["contact_action"] = pd.Series(action, index=idx, dtype="string")
    cross = so_far["cross_sell"].astype("string")
    suggest = pd.Series(reason, index=idx).isin(SUGGESTS).to_numpy() & ~(missing & has)
    out["contact_action__suggest"] = cross.where(suggest)
    out["contact_priority"] = (
        pd.Series(np.where(has, prio[pick], 0), index=idx).where(has).astype("Int64")
    )
    return out


def _per_id(values: pd.Series, ids: pd.Series) -> pd.Series:
    return align(values, ids)


def _birthday_due(birthday: pd.Series, book: Book, lead: int) -> np.ndarray:
    as_of = pd.Timestamp(book.as_of)
    b = pd.to_datetime(birthday)
    ok = b.notna().to_numpy()
    out = np.full(len(b), NEVER, dtype=np.int64)
    if not ok.any():
        return out
    m, d = b.dt.month.to_numpy()[ok].astype(int), b.dt.day.to_numpy()[ok].astype(int)
    best = np.full(ok.sum(), NEVER, dtype=np.int64)
    for year in (as_of.year, as_of.year + 1):
        leap = (year % 4 == 0) and (year % 100 != 0 or year % 400 == 0)
        dd = np.where((m == 2) & (d == 29) & (not leap), 28, d)
        when = pd.to_datetime(pd.DataFrame({"year": year, "month": m, "day": dd}))
        days = ((when - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype=np.int64)
        upcoming = days >= (as_of - pd.Timestamp("1970-01-01")).days
        best = np.where(upcoming & (best == NEVER), days - lead, best)
    out[ok] = best
    return out


def _channels(cust: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The channel to use (a code); and where no way to reach the customer exists."""
    phone = cust["phone"].notna().to_numpy()
    email = cust["email"].notna().to_numpy()
    pref = cust["preferred_channel"].fillna("").to_numpy()
    business = (cust["type"] == "ToB").fillna(False).to_numpy()
    chosen = np.where(
        pref != "",
        pref,
        np.where(
            business,
            np.where(email, "email", np.where(phone, "wecom", "")),
            np.where(phone, "wechat", np.where(email, "email", "")),
        ),
    )
    series = pd.Series(chosen, index=cust.index, dtype="string")
    missing = (chosen == "") | ((pref == "") & ~phone & ~email)
    return series.replace("", pd.NA), missing

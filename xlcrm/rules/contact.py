"""Next contact per customer: when, why, how, and what to do — the earliest trigger wins.

Every trigger (``triggers.py``) proposes a due date and a priority (1 = most urgent); the
customer's next contact is the earliest date, ties to the higher priority. Do-not-contact
always wins. No date is ever before the as-of date: an overdue contact is due on the as-of
date and says by how much, and the day's list is kept to what the owner can do
(``capacity.py``): the backlog moves to the following days, most urgent first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..book import Book
from . import triggers
from .base import declare
from .calendar import NEVER
from .capacity import spread

OUTPUTS = declare(
    "last_contact last_satisfaction next_contact contact_reason next_channel contact_action"
    " contact_priority"
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
        "win_back_model",
    }
)
PYRAMID_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def compute(book: Book, so_far: pd.DataFrame) -> pd.DataFrame:
    cust = book.frame("customers")
    idx = so_far.index
    contacts = book.frame("contacts")
    contacts = contacts[contacts["date"].notna() & (contacts["date"] <= pd.Timestamp(book.as_of))]
    f = triggers.gather(book, so_far, contacts)
    answer, unhappy = triggers.satisfaction(book, f, contacts)
    holiday, holiday_name = triggers.holidays(book, f)
    cand = {
        **triggers.complaints(book, f, contacts),
        "satisfaction_care": unhappy,
        **triggers.yearly(book, f),
        "holiday": holiday,
        **triggers.purchases(book, so_far, f),
        **triggers.cadences(book, so_far, f),
    }
    keys = list(cand)
    due = np.stack([cand[k] for k in keys], axis=1)
    prio = np.array([triggers.PRIORITY[k] for k in keys])
    # the earliest day wins (nothing is due before the as-of date), then the most urgent
    score = np.where(due < NEVER, np.maximum(due, f.as_of) * 10 + prio, NEVER)
    pick = score.argmin(axis=1)
    rows = np.arange(len(idx))
    chosen_due = due[rows, pick]
    dnc = cust["do_not_contact"].fillna(False).to_numpy(dtype=bool)
    has = (chosen_due < NEVER) & ~dnc
    reason = np.where(dnc, "opted_out", np.where(has, np.array(keys, dtype=object)[pick], None))
    late = np.where(has, f.as_of - chosen_due, 0)
    priority = np.where(has, prio[pick], 0)
    rank = f.pyramid.map(PYRAMID_RANK).fillna(4).to_numpy(dtype=np.int64)
    day = np.maximum(chosen_due, f.as_of)
    day[has] = spread(
        day[has], priority[has], rank[has], late[has], int(book.settings["contacts_per_day"])
    )
    channel, missing = _channels(cust)
    cross = so_far["cross_sell"].astype("string")
    suggest = pd.Series(reason, index=idx).isin(SUGGESTS).to_numpy() & ~(missing & has)
    action = np.where(missing & has, "add_contact_details", np.where(has, reason, None))
    out = {
        "last_contact": f.last_contact.set_axis(idx),
        "last_satisfaction": answer.set_axis(idx),
        "next_contact": pd.Series(
            pd.to_datetime(np.where(has, day, 0), unit="D").where(has), index=idx
        ),
        "contact_reason": pd.Series(reason, index=idx, dtype="string"),
        "contact_reason__overdue": pd.Series(late, index=idx, dtype="Int64").where(late > 0),
        "contact_reason__name": holiday_name.set_axis(idx).where(reason == "holiday"),
    }
    if "p_alive" in so_far:  # the chance behind a model's win-back, in whole percent
        chance = (so_far["p_alive"] * 100).round().astype("Int64")
        out["contact_reason__alive"] = chance.where(reason == "win_back_model")
    out |= {
        "next_channel": channel.where(has),
        "contact_action": pd.Series(action, index=idx, dtype="string"),
        "contact_action__suggest": cross.where(suggest),
        "contact_priority": pd.Series(priority, index=idx).where(has).astype("Int64"),
    }
    return pd.DataFrame(out, index=idx)


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

"""The next-contact planner: each trigger, their precedence, and the due list."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from click.testing import CliRunner
from conftest import rows_frame, worded, write_book
from hypothesis import given, settings
from hypothesis import strategies as st

import xlcrm
from xlcrm.book import book_from_frames
from xlcrm.cli import main
from xlcrm.owned import due_order

AS_OF = dt.date(2024, 6, 30)
D = pd.Timestamp


def plan(customers: dict, sales=(), contacts=(), **settings):
    cust = pd.DataFrame(customers)
    cust.index = range(2, 2 + len(cust))
    frames = {"customers": cust}
    if sales:
        frames["sales"] = rows_frame(sales, ["date", "order_id", "customer_id", "amount"])
    if contacts:
        frames["contacts"] = rows_frame(
            contacts, ["date", "customer_id", "kind", "resolved", "resolved_on"]
        )
    return worded(book_from_frames(frames, AS_OF, settings))


def test_opted_out_wins_over_complaint_and_birthday():
    out = plan(
        {
            "customer_id": ["a"],
            "do_not_contact": [True],
            "birthday": [D("1990-07-01")],
            "phone": ["138"],
        },
        contacts=[(D("2024-06-29"), "a", "complaint", False, None)],
    )
    assert pd.isna(out.loc["a", "next_contact"])
    assert out.loc["a", "contact_reason"] == "opted out"


def test_open_complaint_due_the_day_it_is_logged_highest_priority():
    out = plan(
        {"customer_id": ["a", "b"], "birthday": [D("1990-07-09"), None], "phone": ["1", "2"]},
        contacts=[
            (D("2024-06-29"), "a", "complaint", False, None),
            (D("2024-06-01"), "b", "complaint", None, None),
        ],
    )
    assert out.loc["a", "next_contact"] == D("2024-06-30")  # logged 29 June: due that day
    assert out.loc["a", "contact_priority"] == 1
    assert out.loc["a", "contact_reason"] == "open complaint (1 day overdue)"
    assert out.loc["a", "contact_action"].startswith("Respond within the hour")
    assert out.loc["b", "next_contact"] == D(AS_OF)  # never in the past
    assert out.loc["b", "contact_reason"] == "open complaint (29 days overdue)"


def test_resolved_complaint_care_call_and_logged_contact_clears_it():
    out = plan(
        {"customer_id": ["a", "b"], "phone": ["1", "2"]},
        contacts=[
            (D("2024-06-20"), "a", "complaint", True, D("2024-06-28")),
            (D("2024-06-20"), "b", "complaint", True, D("2024-06-25")),
            (D("2024-06-26"), "b", "call", None, None),
        ],
    )
    assert out.loc["a", "contact_reason"] == "care after a resolved complaint"
    assert out.loc["a", "next_contact"] == D("2024-07-01")  # resolved 28 June + 72 hours
    assert out.loc["a", "contact_priority"] == 2
    # b was called on 26 June, after the fix on 25 June: no care call; b has bought nothing,
    # so the next contact is the prospect cadence, 90 days after that call
    assert out.loc["b", "contact_reason"] == "no purchase yet"
    assert out.loc["b", "next_contact"] == D("2024-09-24")
    assert out.loc["b", "contact_priority"] == 5


def test_birthday_greeting_lead_days():
    out = plan(
        {
            "customer_id": ["a"],
            "birthday": [D("1985-07-05")],
            "phone": ["1"],
            "joined": [D("2024-06-29")],
        }
    )
    # the birthday contact is due when the birthday month starts (生日月)
    assert out.loc["a", "next_contact"] == D("2024-07-01")
    assert out.loc["a", "contact_action"] == "Send birthday wishes and the birthday coupon"
    ahead = plan(
        {
            "customer_id": ["a"],
            "birthday": [D("1985-07-05")],
            "phone": ["1"],
            "joined": [D("2024-06-29")],
        },
        birthday_contact="days_before",
    )
    assert ahead.loc["a", "next_contact"] == D("2024-07-02")  # 3 days before 5 July


def test_logged_call_resets_the_cadence():
    sales = [(D("2024-06-01") - pd.Timedelta(days=12 * i), f"o{i}", "a", 50.0) for i in range(6)]
    without = plan({"customer_id": ["a"], "phone": ["1"]}, sales)
    with_call = plan(
        {"customer_id": ["a"], "phone": ["1"]},
        sales,
        contacts=[(D("2024-06-25"), "a", "call", None, None)],
    )
    assert without.loc["a", "next_contact"] == D(AS_OF)
    assert with_call.loc["a", "next_contact"] > D(AS_OF)
    assert with_call.loc["a", "last_contact"] == D("2024-06-25")


def test_dormant_customer_gets_the_win_back_offer_now():
    out = plan(
        {"customer_id": ["a"], "email": ["a@x.com"], "type": ["ToB"]},
        [(D("2023-09-01"), "o1", "a", 100.0)],
    )
    assert out.loc["a", "contact_reason"].startswith("no purchase for a long time")
    assert out.loc["a", "next_contact"] == D(AS_OF)
    assert out.loc["a", "next_channel"] == "email"
    assert out.loc["a", "contact_action"].startswith("Send the limited-time win-back offer")


def test_channel_fallbacks_and_missing_contact_details():
    out = plan(
        {
            "customer_id": ["b2b", "b2c", "none", "pref"],
            "type": ["ToB", "ToC", None, "ToC"],
            "phone": [None, "138", None, "139"],
            "email": ["x@y.com", None, None, None],
            "preferred_channel": [None, None, None, "sms"],
        },
        [(D("2023-09-01"), f"o{i}", c, 10.0) for i, c in enumerate(["b2b", "b2c", "none", "pref"])],
    )
    assert out["next_channel"].tolist()[:2] == ["email", "WeChat"]
    assert pd.isna(out.loc["none", "next_channel"])
    assert out.loc["none", "contact_action"] == "Add a phone number or email first"
    assert out.loc["pref", "next_channel"] == "SMS"


def test_nothing_is_ever_due_before_the_as_of_date(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=200, seed=5)
    r = xlcrm.update(path, dry_run=True)
    due = r.outputs["next_contact"].dropna()
    assert len(due) > 100 and (due >= pd.Timestamp(r.as_of)).all()
    assert {"complaint_open", "win_back", "opted_out"} <= set(r.outputs["contact_reason"].dropna())
    reasons = set(r.display()["contact_reason"].dropna().str.split(" \\(").str[0])
    assert {"open complaint", "no purchase for a long time", "opted out"} <= reasons


def test_due_command_lists_without_writing(tmp_path):
    customers = [
        ["Customer ID", "Name", "Phone"],
        ["a", "Ann", "138"],
        ["b", "Bob", "139"],
        ["c", "Cai", "137"],
    ]
    sales = [
        ["Date", "Order ID", "Customer ID", "Amount"],
        [dt.date(2024, 6, 1), "o1", "a", 10.0],
        [dt.date(2023, 1, 1), "o2", "b", 10.0],
    ]
    contacts = [
        ["Date", "Customer ID", "Kind", "Resolved"],
        [dt.date(2024, 6, 29), "a", "complaint", "no"],
    ]
    path = write_book(
        tmp_path / "b.xlsx", {"Customers": customers, "Sales": sales, "Contacts": contacts}
    )
    data = path.read_bytes()
    res = CliRunner().invoke(main, ["due", str(path), "--as-of", "2024-06-30", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["books"][0]["due"]
    assert [r["customer_id"] for r in rows] == ["a", "b"]  # complaint first, then win-back
    assert rows[0]["contact_priority"] == 1 and rows[0]["next_contact"] == "2024-06-30"
    csv = CliRunner().invoke(
        main, ["due", str(path), "--as-of", "2024-06-30", "--format", "csv", "--days", "0"]
    )
    assert csv.output.splitlines()[0].startswith("Priority,Due,Customer ID")
    assert len(csv.output.splitlines()) == 3  # a (the complaint) and b are due today
    table = CliRunner().invoke(main, ["due", str(path), "--as-of", "2024-06-30"])
    assert "2 contacts due" in table.output
    assert path.read_bytes() == data
    r = xlcrm.update(path, as_of=AS_OF)
    import openpyxl

    ws = openpyxl.load_workbook(path)["Due"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [g[2] for g in got] == ["a", "b"] and r.written
    assert got[0][0] == 1 and got[0][1] == dt.datetime(2024, 6, 30)  # priority, due date
    assert [g[0] for g in got] == [rec["contact_priority"] for rec in rows]


def test_due_table_lines_up_chinese_text(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=40, seed=2)
    res = CliRunner().invoke(main, ["due", str(path), "--days", "30"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()[:-1]  # the last line is the count
    assert len(lines) > 3 and lines[0].startswith("优先级")
    from xlcrm.cli import _width

    # the channel column starts at the same terminal column on every line, though the names
    # before it are Chinese characters two columns wide
    channel_col = _width(lines[0][: lines[0].index("渠道")])
    starts = set()
    for line in lines:
        i = next(i for i in range(len(line)) if _width(line[:i]) >= channel_col)
        starts.add(_width(line[:i]))
        assert line[i - 2 : i] == "  "  # two spaces of padding before the column
    assert starts == {channel_col}


def test_due_piped_into_head_stops_quietly(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "big.xlsx"
    xlcrm.init_workbook(path, demo=1500, seed=3)
    pipe = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m xlcrm due "{path}" --days 3650 | head -1'],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pipe.stdout.startswith("Priority")
    assert "Error" not in pipe.stderr and "unexpected" not in pipe.stderr, pipe.stderr


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 5)),
            st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D"])),
            st.integers(0, 3),
            st.one_of(st.none(), st.sampled_from(["C1", "C10", "C2", "1003", "客户", "c1"])),
        ),
        max_size=40,
    )
)
def test_the_due_order_is_pandas_stable_sort_on_its_four_columns(rows):
    frame = pd.DataFrame(
        {
            "priority": pd.array([r[0] for r in rows], dtype="Int64"),
            "klass": pd.array([r[1] for r in rows], dtype="str"),
            "day": pd.to_datetime([dt.date(2024, 6, 1 + r[2]) for r in rows]).astype(
                "datetime64[ns]"
            ),
            "id": pd.array([r[3] for r in rows], dtype="str"),
        }
    )
    want = frame.sort_values(["priority", "klass", "day", "id"], kind="stable").index
    got = due_order(frame["priority"], frame["klass"], frame["day"].to_numpy(), frame["id"])
    assert got.tolist() == want.tolist()

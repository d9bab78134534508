"""Validation rules, each on a workbook built in the test."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from conftest import AS_OF, SALES_HEADER, Formula, Text, basic_sheets

import xlcrm
from xlcrm.cli import main


def problems(path, **kw):
    r = xlcrm.validate(path, as_of=AS_OF, **kw)
    assert r.fatal is None, r.fatal
    return r


def codes(result):
    return {(p.severity, p.code, p.sheet, p.column, p.row) for p in result.problems}


def test_clean_book_has_no_errors_and_ids_read_as_owner_sees(book):
    r = problems(book())
    assert r.errors == [] and r.warnings == []
    ids = r.book.frame("customers")["customer_id"].tolist()
    assert ids == ["C1", "C2", "1003"]  # the number 1003 is '1003', never '1003.0'
    assert r.book.frame("sales").index.tolist() == [2, 3, 4, 5]  # Excel row numbers


def test_text_in_amount_after_many_numbers_is_seen(book):
    sheets = basic_sheets()
    sales = [SALES_HEADER] + [
        [dt.date(2024, 1, 1), f"O{i}", "C1", "Tea", 10.0] for i in range(2500)
    ]
    sales.append([dt.date(2024, 1, 2), "OX", "C1", "Tea", Text("12,5")])
    sales.append([dt.date(2024, 1, 2), "OY", "C-100", "Tea", 5])
    sheets["Sales"] = sales
    r = problems(book(sheets))
    bad = [p for p in r.errors if p.code == "bad_number"]
    assert [(p.row, p.column, p.value) for p in bad] == [(2502, "E", "12,5")]
    assert "comma" in bad[0].message()
    unknown = [p for p in r.errors if p.code == "unknown_customer"]
    assert [(p.row, p.column, p.value) for p in unknown] == [(2503, "C", "C-100")]


def test_dates_typed_as_text(book):
    sheets = basic_sheets()
    sheets["Sales"][1][0] = Text("2024/3/15")
    sheets["Sales"][2][0] = Text("15.03.2024")
    sheets["Sales"][3][0] = Text("2024年3月15日")
    sheets["Sales"][4][0] = Text("03/04/2024")
    r = problems(book(sheets))
    warn = {p.row: p for p in r.warnings if p.code == "date_as_text"}
    assert set(warn) == {2, 3, 4}
    assert all("2024-03-15" in p.message() for p in warn.values())
    err = [p for p in r.errors if p.code == "bad_date"]
    assert [(p.row, p.column) for p in err] == [(5, "A")]
    assert "ambiguous" in err[0].message()
    dates = r.book.frame("sales")["date"]
    assert dates.loc[2] == dates.loc[3] == dates.loc[4]


def test_number_stored_as_text_with_separators_is_read_with_a_warning(book):
    sheets = basic_sheets()
    sheets["Sales"][1][4] = Text("1,200.50")
    sheets["Sales"][2][4] = Text("¥ 35")
    r = problems(book(sheets))
    assert {(p.row, p.code) for p in r.warnings} == {(2, "number_as_text"), (3, "number_as_text")}
    amounts = r.book.frame("sales")["amount"]
    assert amounts.loc[2] == 1200.5 and amounts.loc[3] == 35.0


def test_excel_error_values_are_errors(book):
    sheets = basic_sheets()
    sheets["Sales"][1][4] = Formula("=1/0", "#DIV/0!")
    sheets["Customers"][2][1] = Formula("=NA()", "#N/A")
    r = problems(book(sheets))
    got = {(p.sheet, p.row, p.column, p.value) for p in r.errors if p.code == "excel_error"}
    assert got == {("Sales", 2, "E", "#DIV/0!"), ("Customers", 3, "B", "#N/A")}


def test_duplicates_unknowns_referrals(book):
    sheets = basic_sheets()
    sheets["Customers"][0].append("Referred by")
    sheets["Customers"][1].append("C1")  # refers to self
    sheets["Customers"][2].append("C9")  # unknown
    sheets["Customers"].append(["C2", "Bob again", None, None, None, None])
    r = problems(book(sheets))
    c = codes(r)
    assert ("error", "duplicate_id", "Customers", "A", 5) in c
    assert ("error", "self_referral", "Customers", "F", 2) in c
    assert ("error", "unknown_customer", "Customers", "F", 3) in c
    dup = next(p for p in r.errors if p.code == "duplicate_id")
    assert "row 3" in dup.message()


def test_an_order_id_used_for_two_customers_flags_the_later_lines(book):
    sheets = basic_sheets()
    sheets["Sales"] += [
        [dt.date(2024, 3, 7), "O1", "C1", "Cake", 5.0],  # O1 again, same customer: fine
        [dt.date(2024, 3, 8), "O1", "C2", "Cake", 5.0],  # O1 for C2: row 7
        [dt.date(2024, 3, 9), "O3", 1003, "Tea", 5.0],  # O3 belongs to C2: row 8
        [dt.date(2024, 3, 9), "O3", "C2", "Tea", 5.0],  # C2's own O3 again: fine
    ]
    c = codes(problems(book(sheets)))
    clash = sorted(x for x in c if x[1] == "order_two_customers")
    assert clash == [
        ("error", "order_two_customers", "Sales", "B", 7),
        ("error", "order_two_customers", "Sales", "B", 8),
    ]


def test_a_shared_order_is_found_beside_lines_with_no_customer_or_order(book):
    """Lines missing an order or customer ID are left out of the shared-order check; the
    check still flags the right rows (it used to fail the whole book as unreadable)."""
    sheets = basic_sheets()
    sheets["Sales"] += [
        [dt.date(2024, 3, 7), "O7", None, "Cake", 5.0],  # row 6: no customer
        [dt.date(2024, 3, 7), None, "C1", "Cake", 5.0],  # row 7: no order
        [dt.date(2024, 3, 8), "O7", "C1", "Cake", 5.0],  # row 8: O7's first owner
        [dt.date(2024, 3, 8), "O7", "C2", "Cake", 5.0],  # row 9: O7 for C2
    ]
    r = problems(book(sheets))
    assert r.fatal is None
    c = codes(r)
    assert sorted(x for x in c if x[1] == "order_two_customers") == [
        ("error", "order_two_customers", "Sales", "B", 9)
    ]
    assert ("error", "schema_required", "Sales", "C", 6) in c
    assert ("error", "schema_required", "Sales", "B", 7) in c


def test_a_customers_sheet_without_its_id_column_is_a_problem_not_an_unreadable_book(book):
    sheets = basic_sheets()
    sheets["Customers"] = [["Name", "Referred by"], ["Ann", "C1"], ["Bob", None]]
    r = problems(book(sheets))
    assert r.fatal is None and r.exit_code == 1
    assert ("error", "missing_column", "Customers", None, 1) in codes(r)


def test_future_dates_and_blank_rows(book):
    sheets = basic_sheets()
    sheets["Sales"].insert(3, [None] * 5)
    sheets["Sales"].append([dt.date(2024, 7, 2), "O9", "C1", "Tea", 5.0])
    sheets["Customers"][1][4] = dt.date(2030, 1, 1)
    r = problems(book(sheets))
    c = codes(r)
    assert ("warning", "blank_row", "Sales", None, 4) in c
    assert ("warning", "future_date", "Sales", "A", 7) in c
    assert ("error", "future_date", "Customers", "E", 2) in c


def test_schema_rules_required_and_ranges(book):
    sheets = basic_sheets()
    sheets["Sales"][1][1] = None  # order ID empty
    sheets["Customers"][1][3] = "not-an-email"
    sheets["Redemptions"] = [
        ["Date", "Customer ID", "Points"],
        [dt.date(2024, 5, 1), "C1", -5],
        [dt.date(2024, 5, 1), "C1", 2.5],
    ]
    r = problems(book(sheets))
    c = codes(r)
    assert ("error", "schema_required", "Sales", "B", 2) in c
    assert ("warning", "schema_pattern", "Customers", "D", 2) in c
    assert ("error", "schema_exclusiveMinimum", "Redemptions", "C", 2) in c
    assert ("error", "schema_type", "Redemptions", "C", 3) in c


def test_chinese_headers_sheet_names_and_values(book):
    sheets = {
        "客户": [
            ["客户编号", "姓名", "勿扰", "首选渠道"],
            ["007", "王伟", "是", "微信"],
            ["008", "李娜", "否", "电话"],
        ],
        "销售": [
            ["订单日期", "订单号", "客户编号", "金额"],
            [dt.date(2024, 1, 1), "A1", "007", 88],
        ],
        "联系记录": [
            ["日期", "客户编号", "事项", "已解决"],
            [dt.date(2024, 2, 1), "008", "投诉", "否"],
            [dt.date(2024, 2, 2), "007", "抱怨", None],
        ],
    }
    r = problems(book(sheets))
    assert r.book.frame("customers")["customer_id"].tolist() == ["007", "008"]
    assert r.book.frame("customers")["do_not_contact"].tolist() == [True, False]
    assert r.book.frame("customers")["preferred_channel"].tolist() == ["wechat", "phone"]
    assert r.book.frame("contacts")["kind"].iloc[0] == "complaint"
    assert [(p.sheet, p.row, p.code) for p in r.errors] == [("联系记录", 3, "not_in_list")]


def test_header_below_a_title_and_extra_columns_in_any_order(book):
    sheets = {
        "Customers": [
            ["Our customers 2024"],
            [],
            ["Notes", "NAME", "my col", "customer_id"],
            ["vip", "Ann", "x", "C1"],
        ],
        "Sales": basic_sheets()["Sales"],
    }
    sheets["Sales"] = [
        ["Amount", "Customer ID", "Order ID", "Date"],
        [10, "C1", "O1", dt.date(2024, 1, 1)],
    ]
    r = problems(book(sheets))
    assert r.errors == []
    f = r.book.frame("customers")
    assert f.index.tolist() == [4] and f["name"].tolist() == ["Ann"]
    assert r.book.sheets["customers"].letters == {"notes": "A", "name": "B", "customer_id": "D"}


def test_missing_required_column_is_an_error_naming_it(book):
    sheets = basic_sheets()
    sheets["Sales"] = [
        [h for h in SALES_HEADER if h != "Amount"],
        [dt.date(2024, 1, 5), "O1", "C1", "Tea"],
    ]
    r = problems(book(sheets))
    p = next(p for p in r.errors if p.code == "missing_column")
    assert p.sheet == "Sales" and "Amount" in p.message() and "金额" in p.message()


def test_optional_sheets_missing_are_notes(book):
    r = problems(book())
    notes = {p.kind for p in r.problems if p.code == "sheet_missing"}
    assert notes == {"contacts", "redemptions", "settings"}
    lines = [p.text() for p in r.notes]
    assert "NOTE Contacts: No Contacts sheet: no entries." in lines
    assert "NOTE Settings: No Settings sheet: default settings are used." in lines
    assert "提示 联系记录：没有联系记录工作表：按无记录处理。" in [p.text("zh") for p in r.notes]
    assert r.exit_code == 0


def test_settings_sheet_overrides_and_reports(book):
    r = problems(
        book(
            settings={
                "Points per currency unit": 2,
                "Dormant after (days)": "abc",
                "Made up": 1,
                "截至日期": dt.date(2024, 6, 1),
            }
        )
    )
    s = r.book.settings
    assert s["points_per_unit"] == 2 and s["dormant_days"] == 180
    assert {p.code for p in r.problems if p.sheet == "Settings"} >= {
        "bad_setting",
        "unknown_setting",
    }


def test_settings_as_of_used_when_no_override(book):
    path = book(settings={"As-of date": dt.date(2024, 2, 1)})
    r = xlcrm.validate(path)
    assert r.book.as_of == dt.date(2024, 2, 1)
    late = {p.row for p in r.warnings if p.code == "future_date"}
    assert late == {3, 4, 5}


def test_cli_json_and_exit_codes(book):
    sheets = basic_sheets()
    sheets["Sales"][1][2] = "NOPE"
    path = book(sheets)
    res = CliRunner().invoke(
        main, ["validate", str(path), "--format", "json", "--as-of", "2024-06-30"]
    )
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["totals"]["books"] == 1 and doc["totals"]["exit_code"] == 1
    p = doc["books"][0]["problems"][0]
    assert (p["sheet"], p["row"], p["column"], p["header"], p["value"]) == (
        "Sales",
        2,
        "C",
        "Customer ID",
        "NOPE",
    )
    ok = CliRunner().invoke(main, ["validate", str(book(name="ok.xlsx")), "--as-of", "2024-06-30"])
    assert ok.exit_code == 0 and "OK" in ok.output


def test_rows_of_spaces_are_blank_and_odd_cells_keep_their_rows_after_a_gap(book):
    """A row whose only cells hold spaces is blank (a warning inside the table, nothing at the
    end); with a gap in the rows, an odd cell below it still names its own Excel row."""
    sheets = basic_sheets()
    sheets["Sales"].insert(2, [None, "  ", "\t", " ", None])  # row 3: spaces only
    sheets["Sales"].append([dt.date(2024, 3, 9), "O5", "C1", "Tea", "12,5"])  # row 7: odd amount
    sheets["Sales"].append([None, " ", None, None, None])  # row 8: trailing, spaces only
    c = codes(problems(book(sheets)))
    assert ("warning", "blank_row", "Sales", None, 3) in c
    assert not any(x[4] == 8 for x in c if x[2] == "Sales")
    amount = [x for x in c if x[2] == "Sales" and x[3] == "E"]
    assert [x[4] for x in amount] == [7], c


def test_every_default_setting_meets_its_own_rules():
    """Settings left at their defaults are not checked on every run: they must be valid."""
    from xlcrm.schema import settings_schema
    from xlcrm.settings import breaches, defaults

    props = settings_schema()["properties"]
    unchecked = {k: {kk: v for kk, v in p.items() if kk != "default"} for k, p in props.items()}
    assert breaches(defaults(), unchecked) == []
    assert breaches({"dormant_days": -5}, unchecked) == [("dormant_days", "minimum")]


def test_a_year_pandas_cannot_hold_is_reported_at_its_cell_by_both_doors(book, tmp_path):
    """Excel takes dates up to 9999; a Birthday typed in year 9999 or 1500 is a typo in the
    year, said at its cell, not a run that stops with no answer."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from xlengine import open_book

    import xlcrm.excel

    sheets = basic_sheets()
    sheets["Customers"][2][4] = dt.datetime(9999, 12, 31)
    sheets["Customers"][3][4] = Text("1500-01-02")
    sheets["Sales"][4][0] = dt.date(2300, 1, 1)  # Excel holds no date before 1900
    path = book(sheets)
    r = problems(path)
    far = sorted((p.sheet, p.row, p.column, p.value) for p in r.errors if p.code == "bad_date")
    assert far == [
        ("Customers", 3, "E", "9999-12-31"),
        ("Customers", 4, "E", "1500-01-02"),
        ("Sales", 5, "A", "2300-01-01"),
    ]
    said = [p.message() for p in r.errors if p.code == "bad_date"]
    assert all("outside 1678 to 2261" in m for m in said)
    live = xlcrm.excel.validate(open_book(path), as_of=AS_OF)
    assert (
        sorted((p.sheet, p.row, p.column, p.value) for p in live.errors if p.code == "bad_date")
        == far
    )
    zh = xlcrm.validate(path, as_of=AS_OF, lang="zh")
    assert any("年份超出" in p.message("zh") for p in zh.errors)

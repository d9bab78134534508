"""The presentation layer: one catalogue of words, the book's language everywhere, messages an
owner can act on; and an engine that knows no language."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import AS_OF, Text, write_book
from xlsxparts import sheet_part

import xlcrm
from xlcrm.cli import main
from xlcrm.present.words import LANGS, catalog, has, say, vocabulary
from xlcrm.rules import output_columns
from xlcrm.rules.contact import SUGGESTS
from xlcrm.rules.ledger import RULES
from xlcrm.rules.scores import GRID
from xlcrm.schema import sheet_spec

SRC = Path(__file__).resolve().parent.parent / "xlcrm"
HEADERS = {
    "en": {
        "Customers": ["Customer ID", "Name", "Email", "Birthday"],
        "Sales": ["Date", "Order ID", "Customer ID", "Product", "Amount"],
    },
    "zh": {
        "客户": ["客户编号", "姓名", "邮箱", "生日"],
        "销售": ["日期", "订单号", "客户编号", "产品", "金额"],
    },
}


def planted(tmp_path: Path, lang: str) -> Path:
    """The same book in either language, with mistakes planted: an empty ID, a duplicate ID,
    a bad e-mail, an ambiguous date typed as text, and an unknown customer in five sales."""
    customers = [
        ["C1", "Ann", "ann@example.com", dt.date(1990, 5, 1)],
        ["C2", "Bob", "not-an-email", None],
        [None, "Cai", None, None],  # row 4: no ID
        ["C2", "Dan", None, None],  # row 5: C2 again
    ]
    sales = [
        [dt.date(2024, 1, 5), "O1", "C1", "Tea", 100.0],
        [Text("03/04/2024"), "O2", "C1", "Tea", 50.0],  # row 3: ambiguous
        [dt.date(2024, 3, 5), "O3", "C2", "Cake", 20.0],
    ]
    sales += [[dt.date(2024, 4, i), f"X{i}", "C-100", "Tea", 5.0] for i in range(1, 6)]  # 5-9
    (cust_sheet, cust_head), (sales_sheet, sales_head) = HEADERS[lang].items()
    sheets = {cust_sheet: [cust_head, *customers], sales_sheet: [sales_head, *sales]}
    return write_book(tmp_path / f"planted-{lang}.xlsx", sheets)


def neutral(result) -> list[tuple]:
    return [(p.severity, p.code, p.row, p.column, p.value, p.rows) for p in result.problems]


def test_the_same_mistakes_give_the_same_codes_and_each_book_its_own_words(tmp_path):
    en = xlcrm.validate(planted(tmp_path, "en"), as_of=AS_OF)
    zh = xlcrm.validate(planted(tmp_path, "zh"), as_of=AS_OF)
    assert (en.lang, zh.lang) == ("en", "zh")  # the Chinese headers make the book Chinese
    assert neutral(en) == neutral(zh)
    codes = {p.code for p in en.problems}
    assert {"unknown_customer", "duplicate_id", "bad_date", "schema_required"} <= codes
    by_code = {p.code: p for p in zh.errors}
    unknown = by_code["unknown_customer"]
    assert unknown.text("zh") == (
        "错误 销售 C5–C9（5 行）（客户编号） [C-100]：不是客户表中的客户编号；"
        "请更正编号，或先在客户表中添加该客户。"
    )
    assert unknown.rows == (5, 6, 7, 8, 9)
    english = {p.code: p for p in en.errors}["unknown_customer"]
    assert english.text("en") == (
        "ERROR Sales C5–C9 (5 rows) (Customer ID) [C-100]: is not a customer ID on the "
        "Customers sheet; correct the ID or add the customer there first."
    )
    assert by_code["duplicate_id"].message("zh").startswith("重复：第 3 行已使用同一编号")
    assert "有歧义" in by_code["bad_date"].message("zh") and "2024-04-03" in by_code[
        "bad_date"
    ].message("zh")
    assert by_code["schema_required"].message("zh").startswith("客户编号为空")
    email = [p for p in zh.warnings if p.column == "C"]
    assert len(email) == 1 and email[0].code == "schema_pattern"  # one warning, not two
    assert "邮箱" in email[0].message("zh") and "name@example.com" in email[0].message("zh")
    assert all(
        not re.search(r"[A-Za-z]{4,}", p.message("zh").replace("C-100", "")) for p in zh.errors
    )


def test_validate_text_and_json_speak_the_books_language(tmp_path):
    path = planted(tmp_path, "zh")
    text = CliRunner().invoke(main, ["validate", str(path), "--as-of", "2024-06-30"])
    assert text.exit_code == 1
    lines = text.output.strip().splitlines()
    assert lines[0].startswith("错误 客户")  # Customers before Sales, errors first
    assert "未通过：4 个错误，1 个警告" in lines[-1]
    assert "error" not in text.output.lower().replace("C-100", "")
    doc = json.loads(
        CliRunner()
        .invoke(main, ["validate", str(path), "--as-of", "2024-06-30", "--format", "json"])
        .stdout
    )["books"][0]
    assert doc["lang"] == "zh" and doc["errors"] == 4
    unknown = next(p for p in doc["problems"] if p["code"] == "unknown_customer")
    assert unknown["count"] == 5 and unknown["rows"] == [5, 6, 7, 8, 9]
    assert unknown["message"].startswith("不是客户表中的客户编号")
    forced = CliRunner().invoke(
        main, ["validate", str(path), "--as-of", "2024-06-30", "--lang", "en"]
    )
    assert "NOT OK: 4 errors, 1 warning" in forced.output
    first = xlcrm.validate(path, as_of="2024-06-30", lang="en").errors[0].text("en")
    assert first.startswith("ERROR 客户 A4 (客户编号): The customer id is empty")


def test_problems_are_listed_in_the_order_of_the_books_sheets(tmp_path):
    r = xlcrm.validate(planted(tmp_path, "en"), as_of=AS_OF)
    errors = [(p.kind, p.row) for p in r.errors]
    assert errors == [("customers", 4), ("customers", 5), ("sales", 3), ("sales", 5)]
    assert [p.severity for p in r.problems] == sorted(
        (p.severity for p in r.problems), key=["error", "warning", "note"].index
    )


def test_problems_sheet_in_chinese_with_links_to_the_cells(tmp_path):
    path = planted(tmp_path, "zh")
    r = xlcrm.update(path, as_of=AS_OF, keep_going=True)
    assert r.written and r.lang == "zh"
    ws = openpyxl.load_workbook(path)["问题"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0].startswith("xlcrm：上次更新（截至 2024-06-30）发现的问题")
    assert rows[1] == ["级别", "工作表", "单元格", "列", "值", "处理方法"]
    body = {(r[1], r[2]): r for r in rows[2:]}
    assert body[("销售", "C5–C9（5 行）")][0] == "错误"
    assert body[("销售", "C5–C9（5 行）")][5].startswith("不是客户表中的客户编号")
    assert body[("客户", "C3")][0] == "警告"
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, "问题")).decode()
    links = dict(re.findall(r'<hyperlink ref="(C\d+)" location="([^"]+)"', xml))
    cells = {r[2]: f"C{i}" for i, r in enumerate(rows, start=1) if i > 2}
    assert (
        links[cells["C5–C9（5 行）"]] == "&apos;销售&apos;!C5"
        or links[cells["C5–C9（5 行）"]] == "'销售'!C5"
    )
    assert links[cells["A4"]] in ("'客户'!A4", "&apos;客户&apos;!A4")
    assert len(links) == len(rows) - 2  # every problem links to its cell


def test_update_summary_and_notes_in_chinese(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=30, seed=4)
    res = CliRunner().invoke(main, ["update", str(path), "--as-of", "2026-06-30"])
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    columns = len(output_columns())
    pattern = rf"：30 位客户，\d[\d,]* 行销售.*截至 2026-06-30 的 {columns} 列；\d+ 个警告；已写入"
    assert re.search(pattern, last)
    ws = openpyxl.load_workbook(path)["客户"]
    header = [c.value for c in ws[1]]
    assert "下次联系" in header and "Next contact" not in header
    reasons = {ws.cell(r, header.index("联系原因") + 1).value for r in range(2, 32)} - {None}
    words = {e["zh"] for e in vocabulary("reason").values()}
    assert reasons and all(re.sub(r"（逾期\d+天）$", "", x) in words for x in reasons)


def test_the_engine_gives_the_same_values_for_either_language(tmp_path):
    en = tmp_path / "en.xlsx"
    xlcrm.init_workbook(en, lang="en", demo=80, seed=9)
    wb = openpyxl.load_workbook(en)
    row = next(r for r in wb["Settings"].iter_rows(min_row=2) if r[0].value == "Language")
    row[1].value = "zh"
    wb.save(tmp_path / "zh.xlsx")
    a = xlcrm.update(en, as_of=AS_OF, stamp="2024-07-01T09:00:00", dry_run=True)
    b = xlcrm.update(tmp_path / "zh.xlsx", as_of=AS_OF, stamp="2024-07-01T09:00:00", dry_run=True)
    assert (a.lang, b.lang) == ("en", "zh")
    pd.testing.assert_frame_equal(a.outputs, b.outputs)
    assert a.display()["contact_reason"].dropna().str.contains(r"[a-z]").all()
    assert b.display()["contact_reason"].dropna().str.contains(r"[\u4e00-\u9fff]").all()


def test_every_entry_has_both_languages_with_the_same_values():
    field = re.compile(r"\{(\w+)")
    for code, entry in catalog().items():
        assert set(entry) == set(LANGS), code
        assert bool(entry["en"]) == bool(entry["zh"]), code  # empty only in both
        assert set(field.findall(entry["en"])) == set(field.findall(entry["zh"])), code
        assert not re.search(r"[\u4e00-\u9fff]", entry["en"]) or code.startswith(
            ("problem.not_boolean", "problem.bad_setting.not_boolean")
        ), code


def test_every_code_the_engine_writes_has_its_words():
    vocab = {
        "segment": set(GRID.values()),
        "value_class": {"core", "potential_high_value", "potential_frequent", "win_back"}
        | {"new", "prospect", "regular"},
        "trend": {"rising", "steady", "declining", "inactive"},
        "tier": {"standard", "silver", "gold"},
        "tier_change": {"new", "up", "down", "same"},
        "rule": set(RULES),
        "channel": {c.value for c in sheet_spec("customers").column("preferred_channel").choices},
        "severity": {"error", "warning", "note"},
    }
    for name, codes in vocab.items():
        assert codes <= set(vocabulary(name)), name
    reasons = set(vocabulary("reason"))
    assert reasons >= SUGGESTS and {"opted_out", "left_out", "complaint_open"} <= reasons
    assert set(vocabulary("action")) == reasons | {"add_contact_details"}
    for c in output_columns():
        assert has(f"column.{c.key}") and has(f"explain.{c.key}"), c.key


def test_every_fatal_code_raised_anywhere_has_its_words():
    raised = set()
    for path in SRC.rglob("*.py"):
        raised |= set(re.findall(r'(?:BookError|WriteRefused)\(\s*"(\w+)"', path.read_text()))
    assert len(raised) > 40
    missing = sorted(c for c in raised if not has(f"fatal.{c}"))
    assert missing == []


def test_no_rule_family_knows_a_language():
    for path in (SRC / "rules").glob("*.py"):
        text = path.read_text("utf-8")
        assert not re.search(r"[\u4e00-\u9fff]|lang|say\(", text), path.name


def test_plural_and_number_formats():
    assert say("fmt.overdue", "en", reason="birthday", days=1) == "birthday (1 day overdue)"
    assert say("fmt.overdue", "en", reason="birthday", days=3) == "birthday (3 days overdue)"
    assert say("fmt.overdue", "zh", reason="生日", days=3) == "生日（逾期3天）"
    assert say("ui.update.left_out", "en", count=1234) == ", 1,234 rows with errors left out"


def test_api_takes_iso_strings_and_results_print_one_line(tmp_path):
    path = planted(tmp_path, "en")
    r = xlcrm.update(path, as_of="2024-06-30", dry_run=True, keep_going=True)
    assert r.as_of == dt.date(2024, 6, 30) and r.exit_code == 0
    line = repr(r)
    assert "\n" not in line and line.startswith("<UpdateResult planted-en.xlsx: dry run")
    v = xlcrm.validate(path, as_of="2024-06-30")
    assert repr(v) == "<ValidationResult planted-en.xlsx: 4 errors, 1 warnings>"
    d = xlcrm.due(path, as_of=dt.date(2024, 6, 30), keep_going=True)
    assert d.as_of == dt.date(2024, 6, 30) and "\n" not in repr(d)
    with pytest.raises(ValueError, match="year-month-day"):
        xlcrm.update(path, as_of="30/06/2024")

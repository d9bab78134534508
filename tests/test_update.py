"""update: what it writes, what it refuses, and what it leaves exactly as it was."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pandas as pd
from click.testing import CliRunner
from conftest import AS_OF, CUSTOMERS_HEADER, Formula, basic_sheets
from xlsxparts import cells, members

import xlcrm
from xlcrm.cli import main
from xlcrm.present.columns import label
from xlcrm.rules import output_columns
from xlcrm.xlsx.styles import Styles

STAMP = dt.datetime(2024, 7, 1, 9, 30)
LABELS = [label(c.key) for c in output_columns()]


def run_update(path, **kw):
    kw.setdefault("as_of", AS_OF)
    kw.setdefault("stamp", STAMP)
    return xlcrm.update(path, **kw)


def customers_values(path):
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return rows[0], rows[1:]


def test_appends_output_columns_with_hand_computed_values(book):
    sheets = basic_sheets()
    sheets["Sales"].append([dt.date(2024, 2, 20), "O5", "C1", "Tea", -30.0])  # refund on O2
    sheets["Sales"].append([dt.date(2024, 7, 3), "O6", "C2", "Tea", 999.0])  # after as-of
    path = book(sheets)
    r = run_update(path)
    assert r.exit_code == 0 and r.written, r.fatal
    assert r.sales_after_as_of == 1
    header, rows = customers_values(path)
    assert header == CUSTOMERS_HEADER + LABELS
    got = {str(row[0]): dict(zip(header, row, strict=True)) for row in rows}
    c1 = got["C1"]
    assert c1["First purchase"] == dt.datetime(2024, 1, 5)
    assert c1["Last purchase"] == dt.datetime(2024, 2, 5)
    assert c1["Orders"] == 2 and c1["Revenue"] == 120  # 100 + 50 - 30
    assert c1["Average order"] == 60
    assert c1["Days since last purchase"] == (AS_OF - dt.date(2024, 2, 5)).days
    assert got["C2"]["Revenue"] == 20  # the sale after the as-of date is left out
    assert got["1003"]["Orders"] == 1
    assert c1["Updated at"] == STAMP


def test_template_book_fills_its_own_columns_and_keeps_table_valid(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=60, seed=1)
    before = members(path)
    r = xlcrm.update(path, stamp=STAMP)
    assert r.written, r.fatal
    after = members(path)
    added = set(after) - set(before)
    assert [p for p in r.problems if p.severity != "note"] == []  # a fresh demo is clean
    # the Due and Points sheets with their Tables; no Problems sheet
    assert sorted(n.rsplit("/", 1)[0] for n in added) == sorted(
        ["xl/tables"] * 2 + ["xl/worksheets"] * 2 + ["xl/worksheets/_rels"] * 2
    )
    changed = {n for n in before if before[n][2] != after[n][2]}
    # styles: the Points sheet's date and header styles are new to this book
    assert changed == {
        "xl/worksheets/sheet1.xml",
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "docProps/app.xml",
        "xl/styles.xml",
    }
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    header = [c.value for c in ws[1]]
    assert header[-len(LABELS) :] == LABELS
    # the template's table already spans the output columns: it covers every header, and
    # every customer row, as before
    last = openpyxl.utils.get_column_letter(len(header))
    assert ws.tables["Customers"].ref == f"A1:{last}61"


def test_an_update_of_an_updated_book_adds_no_cell_format(tmp_path):
    """The Due sheet's wrapped text format is added once; each later update used to append
    one more copy (towards Excel's limit of 64,000 formats)."""
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=40, seed=3)
    xlcrm.update(path, stamp=STAMP)
    once = zipfile.ZipFile(path).read("xl/styles.xml")
    for _ in range(2):
        r = xlcrm.update(path, stamp=STAMP)
        assert r.written, r.fatal
        assert zipfile.ZipFile(path).read("xl/styles.xml") == once
    wrapped = re.findall(rb'<xf [^>]*><alignment vertical="top" wrapText="1"/></xf>', once)
    assert len(wrapped) == 1


def test_a_wrapped_format_the_book_has_is_used_as_it_is():
    xml = (
        b'<styleSheet xmlns="x"><fonts count="1"><font/></fonts>'
        b'<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        b'<alignment horizontal="left" wrapText="1"/></xf>'
        b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        b'<alignment vertical="top" wrapText="1"/></xf></cellXfs></styleSheet>'
    )
    st = Styles.parse(xml)
    assert st.style_for("text", wrap=True) == 2  # not 1: that one is left-aligned
    assert not st.changed and st.xml == xml
    bare = Styles.parse(xml.replace(b'vertical="top" ', b""))
    assert bare.style_for("text", wrap=True) == 3 and bare.changed
    assert Styles.parse(bare.xml).style_for("text", wrap=True) == 3


def test_user_cells_untouched_and_run_twice_identical(book):
    sheets = basic_sheets()
    sheets["Customers"][0] += ["My formula"]
    for row in sheets["Customers"][1:]:
        row.append(Formula("=LEN(B2)", 3))
    path = book(sheets)
    before = cells(path, "Customers")
    run_update(path)
    once = cells(path, "Customers")
    for ref, xml in before.items():
        assert once[ref] == xml, ref
    first_bytes = members(path)
    run_update(path)
    assert cells(path, "Customers") == once
    second = members(path)
    assert first_bytes["xl/worksheets/sheet1.xml"][2] == second["xl/worksheets/sheet1.xml"][2]


def test_errors_block_the_write_and_leave_bytes_identical(book):
    sheets = basic_sheets()
    sheets["Sales"][1][2] = "UNKNOWN"
    path = book(sheets)
    data = path.read_bytes()
    res = CliRunner().invoke(main, ["update", str(path), "--as-of", "2024-06-30"])
    assert res.exit_code == 1
    assert "Sales" in res.output and "C2" in res.output and "UNKNOWN" in res.output
    assert path.read_bytes() == data
    assert not (path.parent / ".xlcrm-backups").exists()


def test_keep_going_writes_rest_and_lists_problems(book):
    sheets = basic_sheets()
    sheets["Sales"][1][2] = "UNKNOWN"
    sheets["Sales"][2][4] = "=cmd|' /C calc'!A0"  # text that looks like a formula
    path = book(sheets)
    r = run_update(path, keep_going=True)
    assert r.written and r.exit_code == 0 and r.rows_left_out == 2
    wb = openpyxl.load_workbook(path)
    assert "Problems" in wb.sheetnames
    ws = wb["Problems"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[1] == ["Severity", "Sheet", "Cell", "Column", "Value", "What to do"]
    listed = {(r[1], r[2]) for r in rows[2:]}
    assert ("Sales", "C2") in listed and ("Sales", "E3") in listed
    assert "=cmd|' /C calc'!A0" in [r[4] for r in rows[2:]]
    raw = cells(path, "Problems")
    assert all("<ns0:f" not in x for x in raw.values())  # nothing became a formula
    header, values = customers_values(path)
    c1 = {row[0]: dict(zip(header, row, strict=True)) for row in values}["C1"]
    # both of C1's sales rows had errors and were left out: no number of C1's may look
    # current, so its outputs are cleared and the reason says why
    assert c1["Revenue"] is None and c1["Orders"] is None and c1["Points balance"] is None
    assert c1["Reason"].startswith("left out")
    assert r.customers_left_out == 1 and r.cleared == [2]


def test_problems_sheet_cleared_when_no_problems(book):
    sheets = basic_sheets()
    sheets["Sales"][1][0] = "2024/1/5"  # a warning only
    path = book(sheets)
    run_update(path)
    wb = openpyxl.load_workbook(path)
    assert "2024/1/5" in [c.value for c in wb["Problems"]["E"]]
    # the owner retypes the date as a real date (serial 45296 = 2024-01-05)
    _rewrite_member(
        path,
        "xl/worksheets/sheet2.xml",
        lambda x: re.sub(rb'<c r="A2" t="s"><v>\d+</v></c>', b'<c r="A2"><v>45296</v></c>', x),
    )
    r = run_update(path)
    assert r.written and not [p for p in r.problems if p.severity == "warning"]
    ws = openpyxl.load_workbook(path)["Problems"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["xlcrm: no problems found on the last update."]
    ]


def test_problems_sheet_not_ours_is_refused(book):
    sheets = basic_sheets()
    sheets["Problems"] = [["my own notes"]]
    sheets["Sales"][1][0] = "2024/1/5"
    path = book(sheets)
    data = path.read_bytes()
    r = run_update(path)
    assert r.fatal and "Problems" in r.fatal and r.exit_code == 2
    assert path.read_bytes() == data


def test_dry_run_writes_nothing(book):
    path = book()
    data = path.read_bytes()
    r = run_update(path, dry_run=True)
    assert r.exit_code == 0 and not r.written and r.outputs is not None
    assert path.read_bytes() == data


def test_output_to_other_file_and_backups(book):
    path = book()
    out = path.with_name("out.xlsx")
    r = run_update(path, out=out)
    assert r.written and out.exists()
    header, _ = customers_values(out)
    assert header[-1] == "Updated at"
    for _ in range(5):
        run_update(path)
    backups = sorted((path.parent / ".xlcrm-backups").glob("book.*.xlsx"))
    assert len(backups) == 3


def test_overwriting_a_formula_drops_calc_chain(book, tmp_path):
    sheets = basic_sheets()
    sheets["Customers"][0] += ["Orders"]
    sheets["Customers"][1].append(Formula("=1+1", 2))
    path = book(sheets)
    _add_calc_chain(path)
    r = run_update(path)
    assert r.written and r.write.formulas_overwritten == 1
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "xl/calcChain.xml" not in names
        assert b"calcChain" not in z.read("[Content_Types].xml")
        assert b"calcChain" not in z.read("xl/_rels/workbook.xml.rels")
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")
    header, rows = customers_values(path)
    assert rows[0][header.index("Orders")] == 2


def test_shared_formula_in_output_column_is_refused(book):
    sheets = basic_sheets()
    sheets["Customers"][0].append("First purchase")
    sheets["Customers"][1].append(Formula("=1+1", 2))
    sheets["Customers"][2].append(Formula("=1+1", 2))
    path = book(sheets)
    shared = iter([b'<f t="shared" ref="F2:F3" si="0">1+1</f>', b'<f t="shared" si="0"/>'])
    _rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda x: re.sub(rb"<f>1\+1</f>", lambda _m: next(shared), x),
    )
    data = path.read_bytes()
    r = run_update(path)
    assert r.fatal and "shared formula" in r.fatal and "F2" in r.fatal
    assert path.read_bytes() == data


def test_1904_dates(book):
    path = book(date1904=True)
    with zipfile.ZipFile(path) as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")
    r = run_update(path)
    assert r.written, r.fatal
    header, rows = customers_values(path)
    assert rows[0][header.index("First purchase")] == dt.datetime(2024, 1, 5)


def test_xlsm_stays_xlsm_with_vba_bytes(tmp_path):
    import xlsxwriter

    vba = tmp_path / "vbaProject.bin"
    vba.write_bytes(b"\xd0\xcf\x11\xe0fake-vba-project" * 50)
    path = tmp_path / "book.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in basic_sheets().items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()))
                elif v is not None:
                    ws.write(r, c, v)
    wb.add_vba_project(str(vba))
    wb.close()
    before = members(path)
    r = run_update(path)
    assert r.written, r.fatal
    assert path.suffix == ".xlsm"
    after = members(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"macroEnabled" in after["[Content_Types].xml"][2]


def test_strict_ooxml_refused(book):
    path = book()
    _rewrite_member(
        path,
        "xl/workbook.xml",
        lambda x: x.replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        ),
    )
    r = run_update(path)
    assert r.exit_code == 2 and "Strict" in r.fatal


def test_excel_lock_and_read_only_refused(book):
    path = book()
    data = path.read_bytes()
    lock = path.parent / ("~$" + path.name)
    lock.write_bytes(b"owner")
    r = run_update(path)
    assert r.exit_code == 2 and "open in Excel" in r.fatal
    lock.unlink()
    path.chmod(0o444)
    r = run_update(path)
    assert r.exit_code == 2 and "read-only" in r.fatal
    path.chmod(0o644)
    assert path.read_bytes() == data


def test_namespace_prefixed_and_inline_string_sheet(book):
    path = book()
    part = "xl/worksheets/sheet1.xml"

    def prefix(xml: bytes) -> bytes:
        xml = xml.replace(
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        )
        return re.sub(
            rb"<(/?)(?!\?)(\w+)([ >/])",
            lambda m: b"<" + m.group(1) + b"x:" + m.group(2) + m.group(3),
            xml,
        )

    _rewrite_member(path, part, prefix)
    r = run_update(path)
    assert r.written, r.fatal
    header, rows = customers_values(path)
    assert header[-len(LABELS) :] == LABELS and rows[0][header.index("Orders")] == 2
    with zipfile.ZipFile(path) as z:
        xml = z.read(part)
    assert b"<c " not in xml and b"<x:c " in xml


def test_cli_multiple_books_progress_and_worst_exit(book, tmp_path):
    good = book(name="good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("a,b\n")
    res = CliRunner().invoke(main, ["update", str(good), str(bad), "--as-of", "2024-06-30"])
    assert res.exit_code == 2
    assert "[1/2]" in res.output and "[2/2]" in res.output
    assert "3 customers" in res.output and "CSV" in res.output


# --- helpers that edit one zip member, keeping all others -------------------------------


def _rewrite_member(path, name, fn):
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, fn(data) if info.filename == name else data)
    tmp.replace(path)


def _add_calc_chain(path):
    def ct(x):
        return x.replace(
            b"</Types>",
            b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
        )

    def rels(x):
        return x.replace(
            b"</Relationships>",
            b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
        )

    _rewrite_member(path, "[Content_Types].xml", ct)
    _rewrite_member(path, "xl/_rels/workbook.xml.rels", rels)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(
            "xl/calcChain.xml",
            '<?xml version="1.0"?><calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="F2" i="1"/></calcChain>',
        )


def test_owned_sheets_speak_the_books_language_and_are_not_doubled_when_it_changes(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=30, seed=4)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Due").append(["the owner's own list"])  # an English name, not ours
    wb.save(path)
    r = xlcrm.update(path, stamp=STAMP)
    assert r.written, r.fatal
    wb = openpyxl.load_workbook(path)
    assert {"待联系", "积分明细"} <= set(wb.sheetnames) and "Points" not in wb.sheetnames
    assert wb["待联系"]["A2"].value == "优先级" and wb["积分明细"]["A2"].value == "日期"
    assert wb["Due"]["A1"].value == "the owner's own list"  # left alone
    # the owner switches the language: the same sheets are rewritten in English, none added
    settings = wb["设置"]
    row = next(r for r in settings.iter_rows(min_row=2) if r[0].value == "语言")
    row[1].value = "en"
    wb.save(path)
    before = openpyxl.load_workbook(path).sheetnames
    r = xlcrm.update(path, stamp=STAMP)
    assert r.written, r.fatal
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == before
    assert wb["待联系"]["A2"].value == "Priority" and wb["积分明细"]["A2"].value == "Date"
    assert wb["Due"]["A1"].value == "the owner's own list"


def test_owner_column_between_output_columns_keeps_the_fast_path(book):
    sheets = basic_sheets()
    head = sheets["Customers"][0]
    head += ["First purchase", "My note", "Last purchase", "Orders"]
    for row, note in zip(sheets["Customers"][1:], ["n1", None, "n3"], strict=True):
        row += [None, note, None, None]
    path = book(sheets)
    for run in (1, 2):  # fresh cells, then cells an earlier run wrote
        r = xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
        assert r.written, r.fatal
        assert (r.write.fast_rows, r.write.careful_rows) == (3, 1), run  # 1 = the header row
        ws = openpyxl.load_workbook(path)["Customers"]
        assert [ws.cell(i, 7).value for i in (1, 2, 3, 4)] == ["My note", "n1", None, "n3"]
        assert [ws.cell(i, 6).value for i in (2, 3, 4)] == [
            dt.datetime(2024, 1, 5),
            dt.datetime(2024, 3, 5),
            dt.datetime(2024, 3, 6),
        ]
        assert [ws.cell(i, 9).value for i in (2, 3, 4)] == [2, 1, 1]  # orders, after the note


def test_problems_sheet_of_a_chinese_book(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=20, seed=4)
    wb = openpyxl.load_workbook(path)
    wb["销售"].cell(3, 7).value = "十二"  # an amount typed in words
    wb.save(path)
    r = xlcrm.update(path, keep_going=True, stamp=STAMP)
    assert r.written and r.rows_left_out == 1
    ws = openpyxl.load_workbook(path)["问题"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows[0] == ["级别", "工作表", "单元格", "列", "值", "处理方法"]
    assert rows[1][:5] == ["错误", "销售", "G3", "金额", "十二"]


def test_update_prints_the_notes_once(book):
    path = book()
    res = CliRunner().invoke(main, ["update", str(path), "--as-of", "2024-06-30"])
    assert res.exit_code == 0, res.output
    assert res.output.count("No Contacts sheet: no entries.") == 1


def test_the_threaded_read_and_rules_give_what_one_thread_gives(tmp_path):
    """The largest sheet read on a second thread, the ledger built ahead on another: the
    same frames, problems and outputs as reading and computing one step at a time."""
    from xlcrm.api import init_workbook
    from xlcrm.reader import read_book
    from xlcrm.rules import FAMILIES, compute_all
    from xlcrm.validation import check_raw, check_sheet

    path = tmp_path / "demo.xlsx"
    init_workbook(path, demo=300)
    threaded = read_book(path, parallel_from=0, then=check_sheet)  # checked as they arrive
    single = read_book(path, parallel_from=1 << 60)
    assert list(threaded.sheets) == list(single.sheets)
    assert set(threaded.done) == set(threaded.sheets) and not single.done
    for kind, sheet in single.sheets.items():
        for key, col in sheet.columns.items():
            pd.testing.assert_series_equal(threaded.sheets[kind].columns[key].values, col.values)
    book_a, problems_a = check_raw(threaded, AS_OF)
    book_b, problems_b = check_raw(single, AS_OF)
    assert [p.as_dict() for p in problems_a] == [p.as_dict() for p in problems_b]
    ahead = compute_all(book_a)
    index = book_b.frame("customers").index
    in_line = pd.DataFrame(index=index)
    for fam in FAMILIES:  # no prepare(), no worker thread
        in_line = pd.concat([in_line, fam.compute(book_b, in_line).reindex(index)], axis=1)
    pd.testing.assert_frame_equal(ahead, in_line)
    assert ahead["points_balance"].gt(0).any() and ahead["tier"].notna().all()

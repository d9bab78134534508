"""The Excel door, through xlwings' real Book/Sheet/Range code on a file-backed engine
(``xlengine.py``): the same values as the file door, nothing changed when there are errors,
reads and writes that grow with columns not rows; the macro workbook with its button; the
xlwings Lite code; and the door running with what Pyodide lacks made unimportable."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import Text, write_book
from xlengine import ENGINE, open_book
from xlsxparts import libreoffice_convert

import xlcrm
import xlcrm.excel
from xlcrm.cli import main
from xlcrm.excel.macro import module_name, vba_project

AS_OF = "2026-06-30"
STAMP = "2026-06-30T10:00:00"
OWNED = {"en": ("Problems", "Due", "Points"), "zh": ("问题", "待联系", "积分明细")}


def values(path: Path, sheet: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]


def formats(path: Path, sheet: str, row: int) -> list[str]:
    return [c.number_format for c in openpyxl.load_workbook(path)[sheet][row]]


def both_doors(path: Path, tmp_path: Path) -> tuple[Path, Path, object, object]:
    """The book updated by the live door (through the engine, then saved) and a copy by
    the file door."""
    live, disk = tmp_path / "live.xlsx", tmp_path / "disk.xlsx"
    shutil.copy(path, live)
    shutil.copy(path, disk)
    book = open_book(live)
    r_live = xlcrm.excel.update(book, as_of=AS_OF, stamp=dt.datetime.fromisoformat(STAMP))
    book.save()
    r_disk = xlcrm.update(disk, as_of=AS_OF, stamp=STAMP)
    return live, disk, r_live, r_disk


def hand_made(path: Path) -> Path:
    """A title row above the header, IDs typed as numbers, a name that looks like a formula
    (typed as text), and a customer due for a win-back."""
    return write_book(
        path,
        {
            "Customers": [
                ["Our shop's customers"],
                [],
                ["Customer ID", "Name", "Phone", "Birthday"],
                [1001, "Ann", "138 0013 8000", dt.date(1990, 7, 2)],
                [1002, Text('=HYPERLINK("http://x.example","click")'), None, None],
                ["C-7", "Cai", None, None],
            ],
            "Sales": [
                ["Date", "Order ID", "Customer ID", "Product", "Amount"],
                [dt.date(2026, 1, 5), "O1", 1001, "Tea", 120.0],
                [dt.date(2025, 6, 5), "O2", 1002, "Cake", 30.5],
                [dt.date(2026, 6, 1), "O3", "C-7", "Tea", 80.0],
                [dt.date(2026, 6, 20), "O4", 1001, "Mug", 79.0],
            ],
        },
    )


@pytest.mark.parametrize("lang,n", [("en", 60), ("zh", 30), ("hand", 3)])
def test_the_live_door_writes_what_the_file_door_writes(tmp_path, lang, n):
    path = tmp_path / "book.xlsx"
    if lang == "hand":
        hand_made(path)
    else:
        xlcrm.init_workbook(path, lang=lang, demo=n, seed=4)
    live, disk, r_live, r_disk = both_doors(path, tmp_path)
    assert r_live.written and r_disk.written, (r_live.fatal, r_disk.fatal)
    assert r_live.customers == r_disk.customers == n
    names = r_live.lang
    customers = "客户" if names == "zh" else "Customers"
    assert values(live, customers) == values(disk, customers)
    header_row = 3 if lang == "hand" else 1
    assert formats(live, customers, header_row + 1) == formats(disk, customers, header_row + 1)
    sheets = openpyxl.load_workbook(disk).sheetnames
    assert openpyxl.load_workbook(live).sheetnames == sheets
    for sheet in (s for s in OWNED[names] if s in sheets):
        assert values(live, sheet) == values(disk, sheet), sheet
    if lang == "hand":
        # the IDs typed as numbers read as the owner sees them; the formula-like name stays
        # text on the Due sheet
        due = values(live, "Due")
        ids = [row[2] for row in due[2:]]
        assert "1002" in ids and "1002.0" not in ids
        name = next(row[3] for row in due[2:] if row[2] == "1002")
        assert name == '=HYPERLINK("http://x.example","click")'
        cell = openpyxl.load_workbook(live)["Due"].cell(2 + ids.index("1002") + 1, 4)
        assert cell.data_type == "s"
    # a second click writes into the same columns
    again = open_book(live)
    assert xlcrm.excel.update(again, as_of=AS_OF, stamp=dt.datetime.fromisoformat(STAMP)).written
    again.save()
    assert values(live, customers) == values(disk, customers)


def test_errors_list_the_problems_activate_the_sheet_and_change_nothing_else(tmp_path):
    path = hand_made(tmp_path / "book.xlsx")
    good = open_book(path)
    assert xlcrm.excel.update(good, as_of=AS_OF).written
    good.save()
    before = values(path, "Customers")
    wb = openpyxl.load_workbook(path)
    wb["Sales"]["C3"] = "NOPE"  # an order of a customer not on the Customers sheet
    wb.save(path)
    book = open_book(path)
    alerts = len(book.app.impl.alerts)
    result = xlcrm.excel.update(book, as_of=AS_OF)
    assert result.blocked and not result.written and result.exit_code == 1
    book.save()
    assert values(path, "Customers") == before  # not one output cell changed
    problems = values(path, "Problems")
    assert problems[0][0].startswith("xlcrm: problems found")
    assert any("NOPE" in str(c) for row in problems for c in row)
    assert openpyxl.load_workbook(path).active.title == "Problems"
    title, text = book.app.impl.alerts[alerts]
    assert title == "xlcrm" and "1 error" in text


def _sized(path: Path, n: int) -> Path:
    customers = [["Customer ID", "Name", "Birthday"]]
    sales = [["Date", "Order ID", "Customer ID", "Product", "Amount"]]
    for i in range(n):
        customers.append([f"C{i}", f"Name {i}", dt.date(1980, 1 + i % 12, 1 + i % 28)])
        sales.append([dt.date(2026, 1 + i % 6, 1 + i % 28), f"O{i}", f"C{i}", "Tea", 10.0 + i % 7])
    return write_book(path, {"Customers": customers, "Sales": sales})


def test_range_reads_and_writes_grow_with_columns_not_rows(tmp_path):
    counts = []
    for n in (100, 5000):
        book = open_book(_sized(tmp_path / f"b{n}.xlsx", n))
        ENGINE.calls.clear()
        assert xlcrm.excel.update(book, as_of=AS_OF).written
        counts.append(dict(ENGINE.calls))
    assert counts[0] == counts[1]
    # two sheets read once each; one block per run of output columns and one per owned sheet
    assert counts[0]["read"] <= 8 and counts[0]["write"] <= 12


def test_due_and_validate_from_the_open_workbook(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=80, seed=2)
    book = open_book(path)
    live = xlcrm.excel.due(book, days=30, as_of=AS_OF)
    disk = xlcrm.due(path, days=30, as_of=AS_OF)
    assert live.records() == disk.records() and len(live.records()) > 0
    checked = xlcrm.excel.validate(book, as_of=AS_OF)
    assert checked.customers == 80 and checked.rows == xlcrm.validate(path, as_of=AS_OF).rows


PYODIDE_LIKE = r"""
import importlib.abc, sys, threading
BLOCKED = {"fastexcel", "isal", "fcntl", "multiprocessing", "_multiprocessing", "xlsxwriter",
           "lunar_python", "concurrent.futures.process"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in BLOCKED or name.split(".")[0] in BLOCKED:
            raise ImportError(name + " has no WebAssembly build")
sys.meta_path.insert(0, Block())
def no_thread(self, *a, **k):
    raise RuntimeError("can't start new thread")
threading.Thread.start = no_thread
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from xlengine import open_book
import xlcrm.excel
sys.platform = "emscripten"
book = open_book(Path(sys.argv[1]))
r = xlcrm.excel.update(book, as_of="2026-06-30")
book.save()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print(r.written, r.customers, loaded)
"""


def test_the_door_runs_without_what_pyodide_lacks(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=40, seed=1)
    shutil.copy(path, tmp_path / "disk.xlsx")
    out = subprocess.run(
        [sys.executable, "-c", PYODIDE_LIKE, str(path), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "40", "[]"]
    assert xlcrm.update(tmp_path / "disk.xlsx", as_of=AS_OF).written
    assert values(path, "Due") == values(tmp_path / "disk.xlsx", "Due")


def test_the_lite_scripts_run_the_door(tmp_path):
    res = CliRunner().invoke(main, ["lite", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1] == (
        f"xlcrm=={xlcrm.__version__}"
    )
    text = (tmp_path / "main.py").read_text()
    assert '@script(name="Update CRM", button="[xlcrm_update]Customers!A1")' in text
    namespace: dict = {}
    exec(compile(text, "main.py", "exec"), namespace)
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=20, seed=1)
    book = open_book(path)
    namespace["update_crm"](book)
    book.save()
    assert values(path, "Customers")[0][-1] == "Updated at"
    again = CliRunner().invoke(main, ["lite", "--out", str(tmp_path)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    zh = CliRunner().invoke(main, ["lite", "--lang", "zh"]).stdout
    assert '@script(name="更新客户", button="[xlcrm_update]客户!A1")' in zh


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_the_macro_workbook_carries_xlwings_project_and_the_button(tmp_path, soffice):
    from oletools.olevba import VBA_Parser

    src = tmp_path / "My Shop.xlsx"
    xlcrm.init_workbook(src, demo=20, seed=1)
    res = CliRunner().invoke(main, ["excel", str(src)])
    assert res.exit_code == 0, res.output
    xlsm, module = tmp_path / "My_Shop.xlsm", tmp_path / "My_Shop.py"
    assert module_name("My Shop") == "My_Shop" and module_name("2024") == "book_2024"
    assert "xlcrm.excel.update(xw.Book.caller())" in module.read_text()
    before, after = _members(src), _members(xlsm)
    # the VBA project is xlwings' own, byte for byte
    assert after["xl/vbaProject.bin"] == vba_project()
    # every part of the owner's is there; those the button and code names need not touch
    # are byte for byte the same
    touched = {
        "[Content_Types].xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
        "xl/drawings/vmlDrawing1.vml",
    }
    assert set(before) <= set(after)
    assert {k for k in before if before[k] != after[k]} == touched
    for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        assert re.sub(rb'<sheetPr codeName="Sheet\d"/>', b"", after[part]) == before[part]
    assert after["xl/drawings/vmlDrawing1.vml"].startswith(
        before["xl/drawings/vmlDrawing1.vml"][:-6]
    )
    # the document modules of the project match the code names of the book and its sheets
    parser = VBA_Parser(str(xlsm))
    base = re.compile(r'VB_Base = "0\{000208(19|20)-0000-0000-C000-000000000046\}"')
    # document modules: those based on the workbook's or a worksheet's class
    documents = {name[:-4] for _, _, name, code in parser.extract_macros() if base.search(code)}
    parser.close()
    assert documents == {"ThisWorkbook", "Sheet1", "Sheet2"}
    assert b'<workbookPr codeName="ThisWorkbook"' in after["xl/workbook.xml"]
    assert b'codeName="Sheet1"' in after["xl/worksheets/sheet1.xml"]
    assert b'codeName="Sheet2"' in after["xl/worksheets/sheet2.xml"]
    assert b"macroEnabled.main+xml" in after["[Content_Types].xml"]
    # the button: a form button in the Customers sheet's drawing that runs SampleCall
    vml = after["xl/drawings/vmlDrawing1.vml"].decode()
    button = re.search(r'<x:ClientData ObjectType="Button">.*?</x:ClientData>', vml, re.S)
    assert button and "<x:FmlaMacro>[0]!SampleCall</x:FmlaMacro>" in button.group(0)
    assert ">Update CRM</font>" in vml
    assert b'name="xlwings.conf"' in after["xl/workbook.xml"]
    # the macro workbook is still a book xlcrm updates, keeping its project
    assert xlcrm.update(xlsm, as_of=AS_OF).written
    assert _members(xlsm)["xl/vbaProject.bin"] == vba_project()
    # LibreOffice opens it
    out = tmp_path / "lo"
    libreoffice_convert(xlsm, out, "xlsx")
    assert (out / "My_Shop.xlsx").stat().st_size > 0
    # not over a file it did not make
    again = CliRunner().invoke(main, ["excel", str(src)])
    assert again.exit_code == 2 and "already exists; use --force" in again.stderr


def test_a_chinese_book_gets_a_chinese_button(tmp_path):
    src = tmp_path / "shop.xlsx"
    xlcrm.init_workbook(src, lang="zh", demo=10, seed=1)
    res = CliRunner().invoke(main, ["excel", str(src)])
    assert res.exit_code == 0 and "更新客户" in res.stdout
    vml = _members(tmp_path / "shop.xlsm")["xl/drawings/vmlDrawing1.vml"].decode()
    assert ">更新客户</font>" in vml

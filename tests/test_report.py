"""Pictures for people who would rather look: ``xlcrm report`` against an independent count
of what the update wrote, one self-contained HTML page and real PNG charts, and the Dashboard
sheet whose formulas LibreOffice recalculates to the same counts and whose charts render."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image
from screenshots import sheet_png
from xlsxparts import libreoffice_convert, libreoffice_csv

import xlcrm
from xlcrm.cli import main
from xlcrm.present.report import chart_font

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "demo.xlsx"
    xlcrm.init_workbook(path, demo=300, seed=11)
    assert xlcrm.update(path, backup=False).written
    return path


def written(path: Path) -> list[dict]:
    """The Customers sheet as the update left it, one dict per row, by header."""
    ws = openpyxl.load_workbook(path, read_only=True)["Customers"]
    rows = ws.iter_rows(values_only=True)
    head = next(rows)
    return [dict(zip(head, r, strict=False)) for r in rows if r[0] is not None]


def test_the_report_counts_what_the_update_wrote(demo):
    res = CliRunner().invoke(main, ["report", str(demo), "--format", "json"])
    assert res.exit_code == 0, res.output
    f = json.loads(res.stdout)["figures"]
    rows = written(demo)
    # counted here from the cells, by their words
    classes = Counter(r["Value class"] for r in rows)
    assert f["value_class"]["core"] == classes["Core"]
    assert f["value_class"]["win_back"] == classes["Win-back"]
    assert sum(f["value_class"].values()) == len(rows) == f["customers"]
    pyramid = Counter(r["Pyramid class"] for r in rows)
    assert f["pyramid"] == {k: pyramid[k] for k in "ABCD"}
    revenue = sum(r["Revenue"] or 0 for r in rows)
    share_a = sum(r["Revenue"] or 0 for r in rows if r["Pyramid class"] == "A") / revenue
    assert f["pyramid_revenue_share"]["A"] == pytest.approx(share_a, rel=1e-9)
    assert f["revenue"] == pytest.approx(revenue, abs=0.01)
    assert f["tier"] == {
        "gold": sum(r["Tier"] == "Gold" for r in rows),
        "silver": sum(r["Tier"] == "Silver" for r in rows),
        "standard": sum(r["Tier"] == "Standard" for r in rows),
    }
    as_of = dt.date.fromisoformat(json.loads(res.stdout)["as_of"])
    limit = dt.datetime.combine(as_of, dt.time()) + dt.timedelta(days=7)
    due = Counter(r["Priority"] for r in rows if r["Next contact"] and r["Next contact"] <= limit)
    assert f["due_by_priority"] == {str(p): due.get(p, 0) for p in range(1, 6)}
    balance = sum(max(r["Points balance"] or 0, 0) for r in rows)
    assert f["points_outstanding"] == balance
    stars = sorted(r["Customer ID"] for r in rows if r["Rising star"] == "yes")
    assert sorted(w["customer_id"] for w in f["rising_stars"]) == stars
    tags = Counter(t.strip() for r in rows if r["Tags"] for t in r["Tags"].split(","))
    assert f["tags"] == dict(tags.most_common()) or f["tags"] == {k: tags[k] for k in f["tags"]}
    assert f["churn"]["fitted"] is True


def test_text_html_and_png(demo, tmp_path):
    html_path, png = tmp_path / "report.html", tmp_path / "charts"
    res = CliRunner().invoke(
        main, ["report", str(demo), "--html", str(html_path), "--png", str(png)]
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    for title in ("Customers by value class", "Customer pyramid", "Rising stars:", "Churn model"):
        assert title in out
    page = html_path.read_text("utf-8")
    # one file: no reference to anything outside it
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:)""", page)
    assert "<link" not in page and "<script" not in page and "http" not in page
    assert page.count('src="data:image/png;base64,') == 4
    for name in ("value_class", "pyramid", "tier", "due"):
        data = (png / f"{name}.png").read_bytes()
        assert data.startswith(PNG)
        px = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        bars = int((px == (0x4E, 0x79, 0xA7)).all(axis=2).sum())
        assert bars > 500, name  # the bars are drawn, not an empty frame


def test_a_chinese_book_reports_in_chinese(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=120, seed=2)
    res = CliRunner().invoke(main, ["report", str(path), "--png", str(tmp_path / "png")])
    assert res.exit_code == 0, res.output
    assert "按价值分类的客户" in res.stdout and "客户金字塔" in res.stdout
    if chart_font("zh") is None:  # said in the book's language, with what to install
        assert "未安装含中文字符的字体" in res.stderr and "fonts-noto-cjk" in res.stderr
    else:
        assert "未安装" not in res.stderr and "findfont" not in res.stderr
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == [
        "due.png",
        "pyramid.png",
        "tier.png",
        "value_class.png",
    ]


def test_the_dashboard_recalculates_in_libreoffice_and_its_charts_render(demo, tmp_path, soffice):
    path = tmp_path / "book.xlsx"
    shutil.copy(demo, path)
    res = CliRunner().invoke(main, ["dashboard", str(path)])  # made again: replaced, not added
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["dashboard", str(path)])
    names = openpyxl.load_workbook(path).sheetnames
    assert names.count("Dashboard") == 1
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4
    text = libreoffice_csv(path, tmp_path / "lo", sheet=names.index("Dashboard") + 1)
    lines = text.splitlines()
    cells = {row.split(",")[0]: row.split(",")[1:] for row in lines if row}
    rows = written(path)
    assert int(cells["Core"][0]) == sum(r["Value class"] == "Core" for r in rows)
    assert int(cells["Gold"][0]) == sum(r["Tier"] == "Gold" for r in rows)
    a_share = float(cells["A"][2])
    total = sum(r["Revenue"] or 0 for r in rows)
    assert a_share == pytest.approx(
        sum(r["Revenue"] or 0 for r in rows if r["Pyramid class"] == "A") / total, rel=1e-6
    )
    today = dt.datetime.combine(dt.date.today(), dt.time()) + dt.timedelta(days=7)
    urgent = sum(1 for r in rows if r["Priority"] == 1 and r["Next contact"] <= today)
    assert int(cells["1"][0]) == urgent
    # the charts render: the Dashboard as LibreOffice prints it has the bars' colour
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is missing but CI=true: .ci/run installs it")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    picture = sheet_png(path, names.index("Dashboard"), tmp_path / "dashboard.png")
    r, g, b = np.asarray(Image.open(picture).convert("RGB")).astype(int).transpose(2, 0, 1)
    blue = int(((b > 140) & (r < 110) & (g > 90) & (g < 150)).sum())
    assert blue > 50


def test_owned_sheets_are_tables_an_accountant_can_filter_and_print(tmp_path, soffice):
    path = tmp_path / "book.xlsx"
    xlcrm.init_workbook(path, demo=120, seed=4)
    for _ in range(2):  # the second run rewrites the same tables, it adds none
        assert xlcrm.update(path, backup=False).written
    wb = openpyxl.load_workbook(path)
    due = wb["Due"]
    tables = dict(due.tables.items())
    assert list(tables) == ["xlcrmDue"]
    ref = tables["xlcrmDue"]
    last = due.max_row
    assert ref == f"A2:N{last}"
    assert due.tables["xlcrmDue"].autoFilter.ref == ref
    assert due.print_title_rows == "$2:$2"
    assert due.page_setup.orientation == "landscape" and due.page_setup.fitToWidth == 1
    assert due.sheet_properties.pageSetUpPr.fitToPage
    assert due.freeze_panes == "A3"
    headers = [c.value for c in due[2]]
    reason = headers.index("Reason") + 1
    letter = openpyxl.utils.get_column_letter(reason)
    texts = [str(due.cell(r, reason).value or "") for r in range(3, last + 1)]
    assert due.column_dimensions[letter].width >= min(60, max(len(t) for t in texts)) - 1
    action = headers.index("Action") + 1
    longest = max(len(str(due.cell(r, action).value or "")) for r in range(3, last + 1))
    if longest > 60:  # long text wraps within its column
        assert due.cell(3, action).alignment.wrap_text
    assert sum(1 for ws in wb.worksheets for _ in ws.tables) == len(
        {t for ws in wb.worksheets for t in ws.tables}
    )
    out = tmp_path / "lo"
    libreoffice_convert(path, out, "xlsx")
    assert "xlcrmDue" in dict(openpyxl.load_workbook(out / "book.xlsx")["Due"].tables.items())


def test_settings_ask_for_the_dashboard_on_every_update(tmp_path):
    path = tmp_path / "book.xlsx"
    xlcrm.init_workbook(path, demo=60, seed=8)
    wb = openpyxl.load_workbook(path)
    del wb["Dashboard"]
    wb["Settings"].append(["Dashboard sheet", "是"])  # the owner's yes, in either language
    # the owner's own column before the outputs: the formulas must follow where they land
    wb["Customers"].insert_cols(2)
    wb["Customers"].cell(1, 2).value = "Shop notes"
    wb.save(path)
    for _ in range(2):
        r = xlcrm.update(path, backup=False)
        assert r.written and not r.errors, [p.text("en") for p in r.problems]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.count("Dashboard") == 1
    head = [c.value for c in wb["Customers"][1]]
    letter = openpyxl.utils.get_column_letter(head.index("Value class") + 1)
    formulas = [c.value for row in wb["Dashboard"].iter_rows() for c in row]
    core = next(f for f in formulas if isinstance(f, str) and '"Core"' in f)
    assert core == f"=COUNTIF('Customers'!${letter}:${letter},\"Core\")"
    with zipfile.ZipFile(path) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 4


NO_MATPLOTLIB = r"""
import importlib.abc, importlib.util, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ImportError(name + " is not installed")
sys.meta_path.insert(0, Block())
find = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "matplotlib" else find(name, *a)
from xlcrm.cli import main
sys.argv = ["xlcrm", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("lang, words", [("en", "need matplotlib"), ("zh", "需要 matplotlib")])
def test_charts_without_matplotlib_say_what_to_install(tmp_path, lang, words):
    path = tmp_path / "book.xlsx"
    xlcrm.init_workbook(path, lang=lang, demo=40, seed=1)
    script = NO_MATPLOTLIB
    for extra in (["--png", str(tmp_path / "png")], ["--html", str(tmp_path / "r.html")]):
        res = subprocess.run(
            [sys.executable, "-c", script, "report", str(path), *extra],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 2, res.stderr
        assert words in res.stderr and 'pip install "xlcrm[report]"' in res.stderr
        assert "Traceback" not in res.stderr and "unexpected" not in res.stderr
    assert not (tmp_path / "png").exists() and not (tmp_path / "r.html").exists()
    # the text report needs nothing more
    res = subprocess.run(
        [sys.executable, "-c", script, "report", str(path)], capture_output=True, text=True
    )
    assert res.returncode == 0 and res.stdout.strip(), res.stderr

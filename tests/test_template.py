"""The template comes from code; the committed file is exactly what the code makes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner

import xlcrm
from xlcrm.cli import main
from xlcrm.present.columns import label, labels
from xlcrm.rules import output_columns
from xlcrm.schema import sheet_spec

ROOT = Path(__file__).resolve().parent.parent


def structure(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        headers = [c.value for c in ws[1]]
        out[ws.title] = {
            "headers": headers,
            "tables": dict(ws.tables.items()),
            "validations": sorted(
                (str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation
            ),
            "freeze": ws.freeze_panes,
            "formats": [ws.cell(2, i + 1).number_format for i in range(len(headers))],
            "comments": [c.comment.text if c.comment else None for c in ws[1]],
            "values": [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
            if ws.title == "Settings"
            else None,
        }
    return out


def test_committed_template_matches_code(tmp_path):
    made = tmp_path / "t.xlsx"
    res = CliRunner().invoke(main, ["template", str(made)])
    assert res.exit_code == 0, res.output
    assert structure(made) == structure(ROOT / "workbook_template.xlsx")


def test_template_layout_en_and_zh(tmp_path):
    for lang in ("en", "zh"):
        path = tmp_path / f"{lang}.xlsx"
        xlcrm.init_workbook(path, lang=lang)
        s = structure(path)
        cust = sheet_spec("customers")
        assert list(s) == [
            sheet_spec(k).label(lang)
            for k in ("customers", "sales", "contacts", "redemptions", "settings")
        ] + [{"en": "Dashboard", "zh": "仪表板"}[lang]]
        c = s[cust.label(lang)]
        expected = [col.label(lang) for col in cust.columns] + [
            label(o.key, lang) for o in output_columns()
        ]
        assert c["headers"] == expected
        assert c["freeze"] == "A2"
        n_in = len(cust.columns)
        assert all(x is None for x in c["comments"][:n_in])
        assert all(x and "xlcrm" in x for x in c["comments"][n_in:])
        assert any('"是,否"' in f or '"yes,no"' in f for _, f in c["validations"])
        r = xlcrm.validate(path)
        assert r.exit_code == 0, [p.text() for p in r.problems]


def test_init_refuses_to_overwrite(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"keep")
    res = CliRunner().invoke(main, ["init", str(path)])
    assert res.exit_code == 2 and path.read_bytes() == b"keep"
    res = CliRunner().invoke(main, ["init", str(path), "--force", "--demo", "40"])
    assert res.exit_code == 0


def test_demo_book_validates_and_covers_the_cases(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=300, seed=3)
    r = xlcrm.validate(path)
    assert r.errors == [] and r.warnings == [], [p.text() for p in r.problems[:5]]
    b = r.book
    sales, contacts = b.frame("sales"), b.frame("contacts")
    assert (sales["amount"] < 0).any()  # refunds
    assert b.frame("customers")["referred_by"].notna().any()
    assert (contacts["kind"] == "complaint").any()
    assert (contacts["resolved"] == False).any() and (contacts["resolved"] == True).any()  # noqa: E712
    per = sales.groupby("customer_id")["order_id"].nunique()
    assert per.max() >= 20 and (per == 1).any()  # frequent and one-time buyers
    last = sales.groupby("customer_id")["date"].max()
    assert (last < sales["date"].max() - __import__("pandas").Timedelta(days=200)).any()  # dormant
    assert len(b.frame("customers")) > sales["customer_id"].nunique()  # prospects


def test_no_output_header_can_be_read_as_an_owner_column():
    """update finds its columns by header: one that also names an input column would be
    overwritten, and the template would warn about a duplicate column on a fresh book."""
    from xlcrm.rules import output_columns
    from xlcrm.schema import normalize_label, sheet_spec

    owner = {}
    for col in sheet_spec("customers").columns:
        for name in (*col.labels.values(), *col.aliases, col.key):
            owner[normalize_label(name)] = col.key
    clashes = [
        (name, owner[normalize_label(name)])
        for oc in output_columns()
        for name in labels(oc.key)
        if normalize_label(name) in owner
    ]
    assert clashes == []

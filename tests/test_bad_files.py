"""Files that cannot be used get one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner
from conftest import basic_sheets, write_book

import xlcrm
from xlcrm.cli import main

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def run(path):
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    return res.output


def make_bad(tmp_path, kind):
    p = tmp_path / "bad.xlsx"
    if kind == "missing":
        return tmp_path / "nope.xlsx"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "csv":
        p.write_text("Customer ID,Name\nC1,Ann\n")
    elif kind == "html":
        p.write_text("<html><body><table><tr><td>C1</td></tr></table></body></html>")
    elif kind == "xls":
        p.write_bytes(OLE + b"\0" * 2000 + "Workbook".encode("utf-16-le") + b"\0" * 100)
    elif kind == "encrypted":
        p.write_bytes(OLE + b"\0" * 2000 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 99)
    elif kind == "truncated":
        good = write_book(tmp_path / "good.xlsx", basic_sheets())
        data = good.read_bytes()
        p.write_bytes(data[: len(data) // 2])
    elif kind == "zip_not_excel":
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("hello.txt", "hi")
    elif kind == "no_sales":
        write_book(p, {"Customers": basic_sheets()["Customers"]})
    elif kind == "no_header":
        write_book(
            p,
            {"Customers": [["just", "some"], ["words", "here"]], "Sales": basic_sheets()["Sales"]},
        )
    return p


@pytest.mark.parametrize(
    "kind,words",
    [
        ("missing", "not found"),
        ("empty", "empty"),
        ("csv", "CSV"),
        ("html", "web page"),
        ("xls", ".xls"),
        ("encrypted", "password"),
        ("truncated", "damaged"),
        ("zip_not_excel", "not an Excel workbook"),
        ("no_sales", "no Sales sheet"),
        ("no_header", "no header row"),
    ],
)
def test_bad_file_one_line_exit_2(tmp_path, kind, words):
    path = make_bad(tmp_path, kind)
    out = run(path)
    assert words in out
    assert len(out.strip().splitlines()) == 1
    r = xlcrm.validate(path)
    assert r.exit_code == 2 and words in r.fatal


@pytest.mark.parametrize("stage", ["check_sheet", "checked"])
def test_a_failure_of_xlcrms_own_checks_is_not_called_an_unreadable_book(
    tmp_path, monkeypatch, stage
):
    """Exit 2 says the file cannot be used; a bug in a check (here one made to fail, in the
    checks run as each sheet arrives and in those after) is exit 3, 'please report'."""
    path = write_book(tmp_path / "book.xlsx", basic_sheets())
    data = path.read_bytes()

    def broken(*args, **kwargs):
        raise IndexError("a check's own bug")

    monkeypatch.setattr(f"xlcrm.filedoor.{stage}", broken)
    with pytest.raises(IndexError, match="a check's own bug"):
        xlcrm.validate(path)
    res = CliRunner().invoke(main, ["update", str(path)])
    assert res.exit_code == 3, res.output
    assert "could not be read" not in res.output and "IndexError" in res.output
    assert path.read_bytes() == data

"""Workbooks built inside the tests, cell by cell, with XlsxWriter."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

AS_OF = dt.date(2024, 6, 30)


@dataclass(frozen=True)
class Formula:
    text: str
    cached: object = 0


@dataclass(frozen=True)
class Text:
    """A cell typed as text even though it looks like a number or date."""

    value: str


def write_book(
    path: Path,
    sheets: dict[str, list[list[object]]],
    tables: bool = False,
    settings: dict[str, object] | None = None,
    date1904: bool = False,
) -> Path:
    """Rows per sheet; the first row is the header. Values keep their Python type in the cell."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_numbers": False,
            "date_1904": date1904,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                write_cell(ws, r, c, v, date_fmt)
        if tables and rows:
            ws.add_table(
                0,
                0,
                max(len(rows) - 1, 1),
                len(rows[0]) - 1,
                {
                    "name": name.replace(" ", "") + "Tbl",
                    "columns": [{"header": str(h)} for h in rows[0]],
                },
            )
    if settings is not None:
        ws = wb.add_worksheet("Settings")
        ws.write_row(0, 0, ["Setting", "Value", "Description"])
        for r, (k, v) in enumerate(settings.items(), start=1):
            ws.write_string(r, 0, k)
            write_cell(ws, r, 1, v, date_fmt)
    wb.close()
    return path


def write_cell(ws, r: int, c: int, v: object, date_fmt) -> None:
    if v is None:
        return
    if isinstance(v, Formula):
        ws.write_formula(r, c, v.text, None, v.cached)
    elif isinstance(v, Text):
        ws.write_string(r, c, v.value)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, dt.datetime | dt.date):
        d = v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time())
        ws.write_datetime(r, c, d, date_fmt)
    elif isinstance(v, int | float):
        ws.write_number(r, c, v)
    else:
        ws.write_string(r, c, str(v))


CUSTOMERS_HEADER = ["Customer ID", "Name", "Phone", "Email", "Birthday"]
SALES_HEADER = ["Date", "Order ID", "Customer ID", "Product", "Amount"]


def basic_sheets() -> dict[str, list[list[object]]]:
    return {
        "Customers": [
            list(CUSTOMERS_HEADER),
            ["C1", "Ann", "138 0013 8000", "ann@example.com", dt.date(1990, 5, 1)],
            ["C2", "Bob", None, None, None],
            [1003, "Cai", None, None, None],
        ],
        "Sales": [
            list(SALES_HEADER),
            [dt.date(2024, 1, 5), "O1", "C1", "Tea", 100.0],
            [dt.date(2024, 2, 5), "O2", "C1", "Tea", 50.0],
            [dt.date(2024, 3, 5), "O3", "C2", "Cake", 20.0],
            [dt.date(2024, 3, 6), "O4", 1003, "Cake", 30.0],
        ],
    }


@pytest.fixture
def soffice() -> str:
    """LibreOffice, for the tests that open files in it: such a test is skipped, with the
    reason, where LibreOffice is missing, and fails where CI=true (CI must run them all)."""
    found = shutil.which("soffice")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is missing but CI=true: .ci/run installs it")
    pytest.skip("LibreOffice (soffice) is not installed (apt-get install libreoffice-calc-nogui)")


@pytest.fixture
def book(tmp_path: Path):
    def make(sheets=None, name: str = "book.xlsx", **kw) -> Path:
        return write_book(tmp_path / name, sheets or basic_sheets(), **kw)

    return make


def rows_frame(rows, columns: list[str]) -> pd.DataFrame:
    """Records as a sheet's frame, indexed by the Excel rows they would have under a header."""
    return pd.DataFrame(list(rows), columns=columns).set_axis(range(2, 2 + len(rows)))


def worded(book, outputs=None) -> pd.DataFrame:
    """The engine's outputs for a book as the owner reads them, in the book's language,
    indexed by customer ID."""
    from xlcrm.present.columns import display
    from xlcrm.rules import compute_all, output_columns

    out = compute_all(book) if outputs is None else outputs
    shown = display(out, output_columns(), book.settings, book.settings.get("language", "en"))
    shown.index = book.frame("customers")["customer_id"].tolist()
    return shown


def points_rows(book, room: int | None = None) -> list[list[object]]:
    """The Points sheet body as it is written: worded, dates as dates, blanks None."""
    from xlcrm.owned import points_sheet
    from xlcrm.present.sheets import body_rows, render

    content, _ = points_sheet(book) if room is None else points_sheet(book, room=room)
    return body_rows(render(content, book.settings, book.settings.get("language", "en")))

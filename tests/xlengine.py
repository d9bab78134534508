"""A file-backed xlwings engine for the tests: no Excel exists here, so the open workbook is
an .xlsx file held in openpyxl, and xlwings' own Book, Sheet, Range and conversion code runs
against it. It implements the part of ``xlwings.base_classes`` those need, behaves as Excel
does where it matters to xlcrm (numbers come back as floats, errors as their text with
``err_to_str``, a leading apostrophe makes text of what follows), and counts every range
read and write so a test can check that they grow with columns, not rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import xlwings as xw
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from xlwings import base_classes

NAME = "xlcrm-file"


class Engine:
    name = NAME
    type = "desktop"

    def __init__(self) -> None:
        self.apps = Apps(self)
        self.calls: Counter[str] = Counter()

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        def clean(v):
            if v is None or v == "":
                return empty_as
            if isinstance(v, str) and v.startswith("#") and v in ERRORS:
                return v if err_to_str else None
            if isinstance(v, dt.datetime):
                parts = ("year", "month", "day", "hour", "minute", "second", "microsecond")
                return datetime_builder(**{k: getattr(v, k) for k in parts})
            if isinstance(v, bool):
                return v
            if isinstance(v, int | float):
                return number_builder(v) if number_builder else float(v)
            return v

        return [[clean(v) for v in row] for row in data]

    @staticmethod
    def prepare_xl_data_element(x, options):
        import numpy as np
        import pandas as pd

        if x is None:
            return None
        if isinstance(x, float) and x != x:
            return None
        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, pd.Timestamp):
            return x.to_pydatetime()
        if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
            return dt.datetime(x.year, x.month, x.day)
        return x


ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}


class Apps(base_classes.Apps):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._apps = [App(engine)]

    def keys(self):
        return [1]

    def add(self, **kwargs):
        return self._apps[0]

    @property
    def active(self):
        return self._apps[0]

    def __iter__(self):
        return iter(self._apps)

    def __len__(self):
        return 1

    def __getitem__(self, pid):
        return self._apps[0]


class App(base_classes.App):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.alerts: list[tuple[str, str]] = []
        self._books = Books(self)

    @property
    def books(self):
        return self._books

    @property
    def pid(self):
        return 1

    display_alerts = True
    screen_updating = True

    def activate(self, steal_focus=False):
        pass

    def alert(self, prompt, title, buttons, mode, callback):
        self.alerts.append((title, prompt))
        return "ok"

    @property
    def api(self):
        return self


class Books(base_classes.Books):
    def __init__(self, app: App) -> None:
        self.app = app
        self.books: list[Book] = []

    def open(self, fullname=None, **kwargs):
        book = Book(self.app, Path(fullname))
        self.books.append(book)
        return book

    def __iter__(self):
        return iter(self.books)

    def __len__(self):
        return len(self.books)

    def __call__(self, name_or_index):
        return (
            self.books[name_or_index - 1]
            if isinstance(name_or_index, int)
            else next(b for b in self.books if b.name == name_or_index)
        )


class Book(base_classes.Book):
    def __init__(self, app: App, path: Path) -> None:
        self._app = app
        self.path = path
        self.wb = openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm")
        self.active_sheet = self.wb.active.title

    @property
    def api(self):
        return self.wb

    @property
    def name(self):
        return self.path.name

    @property
    def fullname(self):
        return str(self.path)

    @property
    def app(self):
        return self._app

    @property
    def sheets(self):
        return Sheets(self)

    def save(self, path=None, password=None):
        self.wb.save(path or self.path)

    def close(self):
        self.wb.close()

    def activate(self):
        pass


class Sheets(base_classes.Sheets):
    def __init__(self, book: Book) -> None:
        self.book = book

    @property
    def api(self):
        return self.book.wb

    @property
    def active(self):
        return Sheet(self.book, self.book.active_sheet)

    def __call__(self, name_or_index):
        wb = self.book.wb
        if isinstance(name_or_index, int):
            return Sheet(self.book, wb.worksheets[name_or_index - 1].title)
        if name_or_index not in wb.sheetnames:
            raise KeyError(name_or_index)
        return Sheet(self.book, name_or_index)

    def __len__(self):
        return len(self.book.wb.worksheets)

    def __iter__(self):
        return iter([Sheet(self.book, ws.title) for ws in self.book.wb.worksheets])

    def add(self, before=None, after=None, name=None):
        wb = self.book.wb
        if after is not None:
            index = wb.sheetnames.index(after.name) + 1
        elif before is not None:
            index = wb.sheetnames.index(before.name)
        else:
            index = 0
        ws = wb.create_sheet(name or f"Sheet{len(wb.worksheets) + 1}", index)
        self.book._app.engine.calls["sheet_add"] += 1
        return Sheet(self.book, ws.title)


class Sheet(base_classes.Sheet):
    def __init__(self, book: Book, name: str) -> None:
        self._book = book
        self._name = name

    @property
    def ws(self):
        return self._book.wb[self._name]

    @property
    def api(self):
        return self.ws

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self.ws.title = value
        self._name = value

    @property
    def book(self):
        return self._book

    @property
    def index(self):
        return self._book.wb.sheetnames.index(self._name) + 1

    def range(self, arg1, arg2=None):
        r1, c1 = _cell(arg1, first=True)
        r2, c2 = _cell(arg2 if arg2 is not None else arg1, first=False)
        return Range(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    @property
    def cells(self):
        return Range(self, 1, 1, 1_048_576, 16_384)

    @property
    def used_range(self):
        ws = self.ws
        return Range(self, ws.min_row, ws.min_column, ws.max_row, ws.max_column)

    def activate(self):
        self._book.active_sheet = self._name
        self._book.wb.active = self._book.wb.sheetnames.index(self._name)

    def clear_contents(self):
        self.used_range.clear_contents()


def _cell(arg, first: bool) -> tuple[int, int]:
    if isinstance(arg, tuple):
        return int(arg[0]), int(arg[1])
    if isinstance(arg, Range):
        return (arg.r1, arg.c1) if first else (arg.r2, arg.c2)
    if isinstance(arg, xw.Range):
        impl = arg.impl
        return (impl.r1, impl.c1) if first else (impl.r2, impl.c2)
    ref = str(arg).replace("$", "")
    if ":" in ref:
        a, b = ref.split(":")
        return _cell(a if first else b, first)
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


class Range(base_classes.Range):
    max_cells_per_read = None
    max_cells_per_write = None

    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self._sheet = sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.options: dict[str, Any] = {}

    @property
    def calls(self) -> Counter:
        return self._sheet._book._app.engine.calls

    @property
    def api(self):
        return (self._sheet.name, self.r1, self.c1, self.r2, self.c2)

    def __len__(self):
        return self.shape[0] * self.shape[1]

    @property
    def sheet(self):
        return self._sheet

    @property
    def row(self):
        return self.r1

    @property
    def column(self):
        return self.c1

    @property
    def shape(self):
        return (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1)

    @property
    def address(self):
        a = f"${get_column_letter(self.c1)}${self.r1}"
        b = f"${get_column_letter(self.c2)}${self.r2}"
        return a if a == b else f"{a}:{b}"

    def __call__(self, *args):
        """Excel's Range(row, column): one cell, counted from this range's first."""
        row, col = (
            (args[0], args[1])
            if len(args) == 2
            else (1 + (args[0] - 1) // self.shape[1], 1 + (args[0] - 1) % self.shape[1])
        )
        r, c = self.r1 + row - 1, self.c1 + col - 1
        return Range(self._sheet, r, c, r, c)

    def resize(self, row_size=None, column_size=None):
        rows = row_size or self.shape[0]
        cols = column_size or self.shape[1]
        return Range(self._sheet, self.r1, self.c1, self.r1 + rows - 1, self.c1 + cols - 1)

    def offset(self, row_offset=0, column_offset=0):
        return Range(
            self._sheet,
            self.r1 + row_offset,
            self.c1 + column_offset,
            self.r2 + row_offset,
            self.c2 + column_offset,
        )

    @property
    def raw_value(self):
        self.calls["read"] += 1
        ws = self._sheet.ws
        rows = ws.iter_rows(
            min_row=self.r1, max_row=self.r2, min_col=self.c1, max_col=self.c2, values_only=True
        )
        return [list(r) for r in rows]

    @raw_value.setter
    def raw_value(self, data):
        self.calls["write"] += 1
        if not isinstance(data, list | tuple):
            data = [[data] * self.shape[1]] * self.shape[0]
        ws = self._sheet.ws
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                cell = ws.cell(self.r1 + i, self.c1 + j)
                if isinstance(v, str) and v.startswith("'"):
                    cell.value = v[1:]  # Excel: an apostrophe makes text of the rest
                    cell.data_type = "s"
                elif isinstance(v, str) and v.startswith("="):
                    cell.value = v  # a formula, as Excel would take it
                else:
                    cell.value = None if v == "" else v

    def _cells(self):
        """Every cell of the range, row by row."""
        ws = self._sheet.ws
        for row in ws.iter_rows(min_row=self.r1, max_row=self.r2, min_col=self.c1, max_col=self.c2):
            yield from row

    def clear_contents(self):
        self.calls["clear"] += 1
        for cell in self._cells():
            cell.value = None

    @property
    def number_format(self):
        return self._sheet.ws.cell(self.r1, self.c1).number_format

    @number_format.setter
    def number_format(self, value):
        self.calls["format"] += 1
        for cell in self._cells():
            cell.number_format = value

    @property
    def color(self):
        fill = self._sheet.ws.cell(self.r1, self.c1).fill
        return fill.fgColor.rgb if fill and fill.fill_type else None

    @color.setter
    def color(self, rgb):
        self.calls["format"] += 1
        hexcode = (
            "FF" + rgb.lstrip("#").upper()
            if isinstance(rgb, str)
            else "FF{:02X}{:02X}{:02X}".format(*tuple(rgb))
        )
        for cell in self._cells():
            cell.fill = PatternFill("solid", fgColor=hexcode)

    @property
    def has_array(self):
        return False


ENGINE = Engine()


def register() -> Engine:
    """The engine, added to xlwings' engines once (idempotent)."""
    if NAME not in xw.engines.engines_by_name:
        xw.engines.add(xw.main.Engine(impl=ENGINE))
    xw.engines[NAME].activate()  # the active engine: what xw.apps and activate() use
    return ENGINE


def open_book(path: Path) -> xw.Book:
    """An xlwings Book on the file, through the file-backed engine."""
    engine = register()
    return xw.Book(impl=engine.apps.active.books.open(fullname=path))

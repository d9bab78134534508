"""The command line: parses options, calls the library, formats its results. No rules here.

Commands live by what they act on: ``books`` (validate, update and due, on one workbook or
many) and ``files`` (template, init, backups, restore) and ``excel`` (the Excel button, xlwings
Lite). ``text`` lays tables out for a terminal; ``progress`` shows how far a run is. Nothing
imported here loads pandas: ``xlcrm --version`` and ``--help`` answer at once.
"""

from . import books, excel, files, report
from .exit import run
from .group import main
from .text import _width

__all__ = ["_width", "books", "excel", "files", "main", "report", "run"]

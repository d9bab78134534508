"""xlcrm inside Excel: the open workbook (an xlwings ``Book``) validated, updated and asked
for the contacts due, by the same checks and engine as ``xlcrm update`` on a file.

``xlcrm.excel.update(xw.Book.caller())`` is what the workbook's button runs (desktop
Excel with xlwings, or xlwings Lite in the browser). ``macro.py`` makes that workbook;
``lite.py`` the code to paste into xlwings Lite.
"""

from __future__ import annotations

from typing import Any


def update(book: Any, **options: Any):
    """Validate the open workbook, compute every output column and write it back; with
    errors, list them on the Problems sheet and change nothing else."""
    from .door import update as run

    return run(book, **options)


def validate(book: Any, **options: Any):
    """Check the open workbook; writes nothing."""
    from .door import validate as run

    return run(book, **options)


def due(book: Any, **options: Any):
    """The contacts due in the open workbook, most urgent first; writes nothing."""
    from .door import due as run

    return run(book, **options)

"""The Excel door against the file door, on the same books, in one run.

``xlcrm.excel.update`` runs through the tests' file-backed xlwings engine (the workbook held
in openpyxl, xlwings' own Range and conversion code in between); only the update call is
timed, not opening or saving the book. ``xlcrm.update`` runs on a copy of the same file.
What Excel itself adds (the transfer of each block over COM or Office.js) is not here: this
measures xlcrm's side of the door.

Usage: python bench/bench_excel.py [--sizes 300 20000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    from xlengine import ENGINE, open_book

    import xlcrm
    import xlcrm.excel

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 20000])
    args = ap.parse_args()
    print(f"{'customers':>10} {'excel door s':>13} {'file door s':>12} {'ratio':>6}  calls")
    with tempfile.TemporaryDirectory(prefix="xlcrm-excel-") as tmp:
        for n in args.sizes:
            book_path = Path(tmp) / f"shop{n}.xlsx"
            xlcrm.init_workbook(book_path, demo=n, seed=7)
            copy = Path(tmp) / f"copy{n}.xlsx"
            shutil.copy(book_path, copy)
            book = open_book(book_path)
            ENGINE.calls.clear()
            t0 = time.perf_counter()
            live = xlcrm.excel.update(book, alert=False)
            live_s = time.perf_counter() - t0
            assert live.written, live.fatal
            t0 = time.perf_counter()
            disk = xlcrm.update(copy, backup=False)
            disk_s = time.perf_counter() - t0
            assert disk.written, disk.fatal
            calls = dict(ENGINE.calls)
            print(f"{n:>10,} {live_s:>13.2f} {disk_s:>12.2f} {live_s / disk_s:>6.2f}  {calls}")


if __name__ == "__main__":
    main()

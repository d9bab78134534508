"""A workbook at Excel's row limit for the benchmarks: 100,000 customers, 1,048,575 sales rows.

Written with XlsxWriter (shared strings, date styles, Excel Tables: what real books look like),
cached in bench/.cache. Run: python bench/generate.py [--customers N] [--sales N]. The timing
scripts take a scratch copy of it (``working_copy``) and time the bare read (``bare_read``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xlsxwriter

from xlcrm.present.columns import label
from xlcrm.rules import output_columns
from xlcrm.schema import sheet_spec

CACHE = Path(__file__).resolve().parent / ".cache"
AS_OF = dt.date(2026, 6, 30)


def generate(path: Path, customers: int = 100_000, sales: int = 1_048_575, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00"})
    spec = sheet_spec("customers")
    cols = [c.label() for c in spec.columns] + [label(o.key) for o in output_columns()]
    ws = wb.add_worksheet("Customers")
    ws.add_table(
        0,
        0,
        customers,
        len(cols) - 1,
        {"name": "Customers", "columns": [{"header": h} for h in cols]},
    )
    ws.write_row(0, 0, cols)
    ids = [f"C{i:06d}" for i in range(1, customers + 1)]
    birth = rng.integers(0, 365 * 40, customers)
    for r, cid in enumerate(ids, start=1):
        ws.write_string(r, 0, cid)
        ws.write_string(r, 1, f"Customer {r}")
        ws.write_string(r, 2, f"138 {r % 10000:04d} {r // 10 % 10000:04d}")
        ws.write_datetime(
            r, 4, dt.datetime(1960, 1, 1) + dt.timedelta(days=int(birth[r - 1])), date
        )
        ws.write_string(r, 6, "ToC" if r % 9 else "ToB")
        ws.write_string(r, 10, "no")
    ws = wb.add_worksheet("Sales")
    header = ["Date", "Order ID", "Customer ID", "Product", "Category", "Quantity", "Amount"]
    ws.add_table(
        0, 0, sales, len(header) - 1, {"name": "Sales", "columns": [{"header": h} for h in header]}
    )
    ws.write_row(0, 0, header)
    start = dt.datetime(2024, 7, 1)
    days = np.sort(rng.integers(0, 730, sales))
    who = rng.zipf(1.3, sales) % customers
    amount = np.round(rng.gamma(2.0, 60.0, sales), 2)
    amount[rng.random(sales) < 0.01] *= -1
    qty = rng.integers(1, 5, sales)
    cats = ["Coffee", "Tea", "Pastry", "Gifts", "Equipment"]
    for r in range(1, sales + 1):
        i = r - 1
        ws.write_datetime(r, 0, start + dt.timedelta(days=int(days[i])), date)
        ws.write_string(r, 1, f"SO{r:07d}")
        ws.write_string(r, 2, ids[int(who[i])])
        ws.write_string(r, 3, "Item")
        ws.write_string(r, 4, cats[i % 5])
        ws.write_number(r, 5, int(qty[i]))
        ws.write_number(r, 6, float(amount[i]), money)
    ws = wb.add_worksheet("Settings")
    ws.write_row(0, 0, ["Setting", "Value", "Description"])
    ws.write_row(1, 0, ["As-of date", AS_OF.isoformat(), "fixed for the benchmark"])
    ws.write_row(2, 0, ["Points sheet", "no", "off for very large books"])
    wb.close()
    return path


def cached(customers: int = 100_000, sales: int = 1_048_575) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"book_{customers}_{sales}.xlsx"
    if not path.exists():
        t = time.perf_counter()
        tmp = path.with_suffix(".part.xlsx")
        generate(tmp, customers, sales)
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def book_options(ap: argparse.ArgumentParser) -> argparse.ArgumentParser:
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--sales", type=int, default=1_048_575)
    return ap


@contextmanager
def working_copy(customers: int, sales: int, rerun: bool = False) -> Iterator[Path]:
    """A scratch copy of the cached book beside it (same disk), so the cache stays as made;
    with ``rerun`` updated once first: the owner's usual run is on a book xlcrm updated before."""
    src = cached(customers, sales)
    with tempfile.TemporaryDirectory(dir=src.parent) as tmp:
        path = Path(tmp) / src.name
        shutil.copy(src, path)
        if rerun:
            import xlcrm

            xlcrm.update(path, backup=False)
        yield path


def bare_read(path: Path) -> float:
    """Seconds for the fast reader alone to read every sheet: what the ratios are against."""
    import fastexcel

    t = time.perf_counter()
    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet(name).to_arrow()
    return time.perf_counter() - t


if __name__ == "__main__":
    a = book_options(argparse.ArgumentParser()).parse_args()
    print(cached(a.customers, a.sales))

"""One measured job in its own process: prints {"job", "seconds", "peak_mb"} as JSON.

Jobs: read (the fast reader alone, every sheet xlcrm reads), validate, update (xlcrm end to
end), rerun (update again on a book updated once, the owner's usual case), naive (pandas.read_excel + openpyxl load/save writing the same columns).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def read(path: Path) -> None:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet(name).to_arrow()


def validate(path: Path) -> None:
    import xlcrm

    r = xlcrm.validate(path)
    assert r.fatal is None, r.fatal


def update(path: Path) -> None:
    import xlcrm

    r = xlcrm.update(path, backup=False)
    assert r.written, (r.fatal, [p.as_text() for p in r.errors[:3]])


def naive(path: Path) -> None:
    import openpyxl
    import pandas as pd

    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype={"Customer ID": str})
    sales = sheets["Sales"]
    g = sales.groupby("Customer ID")
    per = pd.DataFrame(
        {
            "first": g["Date"].min(),
            "last": g["Date"].max(),
            "orders": g["Order ID"].nunique(),
            "revenue": g["Amount"].sum(),
        }
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    header = [c.value for c in ws[1]]
    col = {
        name: header.index(name) + 1
        for name in ("First purchase", "Last purchase", "Orders", "Revenue")
    }
    for row in ws.iter_rows(min_row=2):
        cid = row[0].value
        if cid in per.index:
            p = per.loc[cid]
            ws.cell(row[0].row, col["First purchase"], p["first"])
            ws.cell(row[0].row, col["Last purchase"], p["last"])
            ws.cell(row[0].row, col["Orders"], int(p["orders"]))
            ws.cell(row[0].row, col["Revenue"], float(p["revenue"]))
    wb.save(path)


JOBS = {"read": read, "validate": validate, "update": update, "rerun": update, "naive": naive}
# jobs timed on a book xlcrm has already updated once: the owner's every run after the first
PREPARED = {"rerun": update}


def main() -> None:
    job, src = sys.argv[1], Path(sys.argv[2])
    if job == "prepare":  # in a process of its own, so the timed job's peak memory is its own
        update(src)
        return
    with tempfile.TemporaryDirectory(dir=src.parent) as tmp:
        path = Path(tmp) / src.name
        shutil.copy(src, path)
        if job in PREPARED:
            subprocess.run([sys.executable, __file__, "prepare", str(path)], check=True)
        t = time.perf_counter()
        JOBS[job](path)
        seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"job": job, "seconds": round(seconds, 2), "peak_mb": round(peak)}))


if __name__ == "__main__":
    main()

"""One measured job in its own process: prints {"job", "seconds", "peak_mb"} as JSON.

Jobs: read (the fast reader alone, every sheet xlcrm reads), validate, update (xlcrm end to
end), rerun (update again on a book updated once, the owner's usual case), naive-all (the
same 37 columns the obvious way: pandas read, xlcrm's rules, openpyxl load/write/save), naive
(pandas.read_excel + openpyxl load/save writing four purchase columns: a lower bound).
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
    # generate.bare_read does the same; importing that module here would time its imports
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
    assert r.written, (r.fatal, [p.text() for p in r.errors[:3]])


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


def naive_all(path: Path) -> None:
    """The same job done the obvious way: pandas reads every sheet, xlcrm's own rules compute
    the same 37 columns, openpyxl loads the workbook, writes them and saves."""
    import math

    import openpyxl
    import pandas as pd

    from xlcrm.book import book_from_frames
    from xlcrm.present.columns import display, label
    from xlcrm.rules import UPDATED_AT, compute_all, output_columns
    from xlcrm.schema import sheet_spec

    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", dtype=str)
    frames = {}
    for kind, name in (("customers", "Customers"), ("sales", "Sales")):
        spec = sheet_spec(kind)
        frame = sheets[name].rename(columns=lambda h, spec=spec: spec.match_header(h) or h)
        for c in spec.columns:
            if c.key in frame and c.kind == "date":
                frame[c.key] = pd.to_datetime(frame[c.key])
            elif c.key in frame and c.kind in ("number", "money", "integer"):
                frame[c.key] = pd.to_numeric(frame[c.key])
            elif c.key in frame and c.kind == "boolean":
                yes_no = {"yes": True, "no": False, "是": True, "否": False}
                frame[c.key] = frame[c.key].str.lower().map(yes_no).astype("boolean")
        frame.index = range(2, 2 + len(frame))
        frames[kind] = frame[[c.key for c in spec.columns if c.key in frame]]
    from generate import AS_OF

    book = book_from_frames(frames, AS_OF, {"points_sheet": False})
    outputs = compute_all(book)
    outputs[UPDATED_AT.key] = pd.Timestamp.now().floor("s")
    outputs = display(outputs, output_columns(), book.settings, "en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    header = {c.value: c.column for c in ws[1]}
    cols = [(header[label(o.key)], o.key) for o in output_columns() if label(o.key) in header]
    for row, values in zip(outputs.index, outputs.itertuples(index=False), strict=True):
        rec = values._asdict()
        for col, key in cols:
            v = rec[key]
            if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                continue
            ws.cell(row, col, v.to_pydatetime() if isinstance(v, pd.Timestamp) else v)
    wb.save(path)


JOBS = {
    "read": read,
    "validate": validate,
    "update": update,
    "rerun": update,
    "naive": naive,
    "naive-all": naive_all,
}
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

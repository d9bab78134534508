"""Where `xlcrm update`'s time goes, stage by stage, on the benchmark book (one process).

    python bench/stages.py                 # the book at Excel's row limit (bench/generate.py)
    python bench/stages.py --rerun         # on a book xlcrm has already updated once

Stages are run one after another exactly as update runs them (the same calls): read and
check each sheet as it arrives (mapping where the Customers output cells go while the largest
sheet is still being read), the checks across sheets, the rule families, the write-back.
The fast reader alone is timed in the same process for the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import bare_read, book_options, working_copy  # noqa: E402


def main() -> None:
    ap = book_options(argparse.ArgumentParser())
    ap.add_argument("--rerun", action="store_true")
    a = ap.parse_args()

    from xlcrm.engine import compute
    from xlcrm.filedoor import _map_ahead, _write
    from xlcrm.reader import read_book
    from xlcrm.results import UpdateResult
    from xlcrm.validation import check_raw, check_sheet

    with working_copy(a.customers, a.sales, a.rerun) as path:
        times: dict[str, float] = {"fast reader alone, every sheet": bare_read(path)}
        mapped = []
        t = time.perf_counter()
        raw = read_book(path, then=check_sheet, meanwhile=lambda: mapped.append(_map_ahead(path)))
        times["read, each sheet checked as it arrives (and the row map made meanwhile)"] = (
            time.perf_counter() - t
        )
        t = time.perf_counter()
        book, problems = check_raw(raw)
        times["checks across sheets"] = time.perf_counter() - t
        t = time.perf_counter()
        computed = compute(book, problems)
        times["rule families and the owned sheets' content"] = time.perf_counter() - t
        result = UpdateResult(path, problems=problems, out=path, lang="en")
        t = time.perf_counter()
        _write(path, path.with_name("out.xlsx"), book, computed, result, mapped[0])
        times["write-back (words, patch, owned sheets, zip)"] = time.perf_counter() - t

    print(f"\n{path.name}{' (updated once before)' if a.rerun else ''}\n")
    print("| stage | seconds |")
    print("| --- | ---: |")
    for stage, secs in times.items():
        print(f"| {stage} | {secs:.2f} |")
    total = sum(v for k, v in times.items() if not k.startswith("fast reader"))
    print(f"| **update's stages together** | **{total:.2f}** |")


if __name__ == "__main__":
    main()

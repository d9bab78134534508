"""What `xlcrm update` does after the last sales row is read, against what the 1.25x target
leaves for it: a timeline of one real update, thread by thread, on the benchmark book.

    python bench/critical_path.py            # the book at Excel's row limit (bench/generate.py)
    python bench/critical_path.py --rerun    # on a book xlcrm has already updated once

Every rule needs the sales, so nothing the rules or the write do can start before the largest
sheet is read; the read of that one sheet is one thread's work in the fast reader. Whatever
follows it is the critical path. The run prints each traced call (thread, start, end), then the
wall and CPU seconds spent after the sales arrived, the least wall time two cores could make of
that CPU time, and the time the target allows (1.25 times the bare read, minus the moment the
sales arrived). The bare read is timed in the same process first, as in stages.py.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import bare_read, book_options, working_copy  # noqa: E402

# (module, function): the calls whose start and end make the timeline
TRACED = [
    ("xlcrm.reader", "_open"),
    ("xlcrm.reader", "_find_header"),
    ("xlcrm.reader", "_read_sheet"),
    ("xlcrm.filedoor", "check_sheet"),
    ("xlcrm.filedoor", "_map_ahead"),
    ("xlcrm.validation", "cross_problems"),
    ("xlcrm.engine", "compute_all"),
    ("xlcrm.rules", "order_table"),
    ("xlcrm.rules.loyalty", "prepare"),
    ("xlcrm.filedoor", "_write"),
    ("xlcrm.filedoor", "display"),
    ("xlcrm.engine", "due_sheet"),
    ("xlcrm.xlsx.writeback", "_write_zip"),
]


class Trace:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.calls: list[tuple[str, str, float, float]] = []
        self.sales_done: tuple[float, float] | None = None  # (wall, process CPU) at arrival

    def wrap(self, module: str, name: str, label: str | None = None) -> None:
        mod = importlib.import_module(module)
        fn = getattr(mod, name)

        @functools.wraps(fn)
        def traced(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                end = time.perf_counter()
                what = label or name
                if name == "_read_sheet":
                    what = f"read sheet {args[1].name}"
                    if args[2].key == "sales":
                        self.sales_done = (end - self.t0, time.process_time())
                thread = threading.current_thread().name
                self.calls.append((thread, what, start - self.t0, end - self.t0))

        setattr(mod, name, traced)


def main() -> None:
    ap = book_options(argparse.ArgumentParser())
    ap.add_argument("--rerun", action="store_true")
    a = ap.parse_args()

    import xlcrm
    from xlcrm import rules

    with working_copy(a.customers, a.sales, a.rerun) as path:
        read = bare_read(path)
        trace = Trace()
        for module, name in TRACED:
            trace.wrap(module, name)
        for fam in rules.FAMILIES:
            trace.wrap(fam.__name__, "compute", f"rules: {fam.__name__.rsplit('.', 1)[1]}")
        trace.t0 = time.perf_counter()
        cpu0 = time.process_time()
        result = xlcrm.update(path, backup=False)
        total = time.perf_counter() - trace.t0
        cpu = time.process_time() - cpu0
        assert result.written, result.fatal

    print(f"\n{path.name}{' (updated once before)' if a.rerun else ''}\n")
    print("| thread | call | from s | to s | seconds |")
    print("| --- | --- | ---: | ---: | ---: |")
    for thread, what, start, end in sorted(trace.calls, key=lambda c: c[2]):
        print(f"| {thread} | {what} | {start:.2f} | {end:.2f} | {end - start:.2f} |")
    assert trace.sales_done is not None, "the Sales sheet was not read"
    arrived, cpu_at = trace.sales_done
    after_wall = total - arrived
    after_cpu = cpu - (cpu_at - cpu0)
    allowed = 1.25 * read - arrived
    print()
    print("| measure | seconds |")
    print("| --- | ---: |")
    print(f"| fast reader alone, every sheet (R) | {read:.2f} |")
    print(f"| update end to end | {total:.2f} ({total / read:.2f}x R) |")
    print(f"| update's CPU time, all threads | {cpu:.2f} |")
    print(f"| the last sales row arrives at | {arrived:.2f} |")
    print(f"| after it: wall | {after_wall:.2f} |")
    print(f"| after it: CPU, all threads | {after_cpu:.2f} |")
    print(f"| after it: least wall time on two cores (CPU / 2) | {after_cpu / 2:.2f} |")
    print(f"| what 1.25x R leaves after the sales arrive | {allowed:.2f} |")


if __name__ == "__main__":
    main()

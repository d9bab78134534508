"""Benchmark: xlcrm validate/update at Excel's row limit against the fast reader alone and the
naive pandas + openpyxl path, all measured in this one run, each job in its own process.

    python bench/bench_update.py                    # 100,000 customers, 1,048,575 sales rows
    python bench/bench_update.py --sales 100000 --customers 10000 --naive-cap 300

naive-all is the same job done the obvious way (pandas read, xlcrm's own rules, openpyxl
load, write the 37 columns, save); naive writes only four purchase columns, a lower bound.

Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import cached  # noqa: E402


def run(job: str, book: Path, cap: float | None = None) -> dict:
    t = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, str(HERE / "measure.py"), job, str(book)],
            capture_output=True,
            text=True,
            timeout=cap,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"job": job, "seconds": time.perf_counter() - t, "peak_mb": None, "capped": True}
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{job} failed:\n{exc.stderr}") from exc
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--sales", type=int, default=1_048_575)
    ap.add_argument("--naive-cap", type=float, default=600.0)
    ap.add_argument("--skip-naive", action="store_true")
    a = ap.parse_args()
    book = cached(a.customers, a.sales)
    results = {j: run(j, book) for j in ("read", "validate", "update", "rerun")}
    if not a.skip_naive:
        results["naive-all"] = run("naive-all", book, a.naive_cap)
        results["naive"] = run("naive", book, a.naive_cap)
    base = results["read"]["seconds"]
    print(
        f"\nbook: {book.name} ({book.stat().st_size / 1e6:.0f} MB), "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}\n"
    )
    print("| job | seconds | peak RSS MB | time / fast read |")
    print("| --- | ---: | ---: | ---: |")
    for job, r in results.items():
        secs = f">= {r['seconds']:.0f} (capped)" if r.get("capped") else f"{r['seconds']:.1f}"
        peak = "-" if r["peak_mb"] is None else str(r["peak_mb"])
        print(f"| {job} | {secs} | {peak} | {r['seconds'] / base:.2f}x |")
    print()
    for job, what in (
        ("naive-all", "the same 37 columns done the obvious way"),
        ("naive", "the naive path writing four columns"),
    ):
        if job in results:
            ratio = results[job]["seconds"] / results["update"]["seconds"]
            bound = ">= " if results[job].get("capped") else ""
            print(f"update is {bound}{ratio:.0f}x faster than {what}.")


if __name__ == "__main__":
    main()

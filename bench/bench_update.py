"""Benchmark: xlcrm validate/update at Excel's row limit against the fast reader alone and the
naive pandas + openpyxl path, all measured in this one run, each job in its own process.

    python bench/bench_update.py                    # 100,000 customers, 1,048,575 sales rows
    python bench/bench_update.py --sales 100000 --customers 10000 --naive-cap 300

naive-all is the same job done the obvious way (pandas read, xlcrm's own rules, openpyxl
load, write the 37 columns, save); naive writes only four purchase columns, a lower bound.

The quick jobs run --repeat times (3) and the median is reported, with every run listed.
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


def _median(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["seconds"])
    mid = dict(ordered[len(ordered) // 2])
    mid["peak_mb"] = max(r["peak_mb"] for r in runs)
    mid["all"] = [r["seconds"] for r in runs]
    return mid


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--sales", type=int, default=1_048_575)
    ap.add_argument("--naive-cap", type=float, default=600.0)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each quick job (median kept)")
    a = ap.parse_args()
    book = cached(a.customers, a.sales)
    # the quick jobs are run a few times, interleaved, and the median kept: on a shared
    # machine one run of a 10-second job can be 30% off; the naive runs are minutes long
    quick = ("read", "validate", "update", "rerun")
    runs: dict[str, list[dict]] = {j: [] for j in quick}
    for _ in range(max(1, a.repeat)):
        for j in quick:
            runs[j].append(run(j, book))
    results = {j: _median(r) for j, r in runs.items()}
    if not a.skip_naive:
        results["naive-all"] = run("naive-all", book, a.naive_cap)
        results["naive"] = run("naive", book, a.naive_cap)
    base = results["read"]["seconds"]
    print(
        f"\nbook: {book.name} ({book.stat().st_size / 1e6:.0f} MB), "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}\n"
    )
    print("| job | seconds (median) | runs | peak RSS MB | time / fast read |")
    print("| --- | ---: | --- | ---: | ---: |")
    for job, r in results.items():
        secs = f">= {r['seconds']:.0f} (capped)" if r.get("capped") else f"{r['seconds']:.1f}"
        peak = "-" if r["peak_mb"] is None else str(r["peak_mb"])
        each = ", ".join(f"{x:.1f}" for x in r.get("all", [r["seconds"]]))
        print(f"| {job} | {secs} | {each} | {peak} | {r['seconds'] / base:.2f}x |")
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

"""The typical book: a few hundred customers, updated many times a day, and batches of such
books. Measured side by side in one run, in fresh processes, against the bare import of the
libraries any pandas tool pays for:

- ``python -c "import pandas, pyarrow, numpy"`` (the floor of any such tool)
- ``xlcrm --version``
- ``xlcrm update`` of an ``init --demo 300`` book (cold process)
- ``xlcrm.update`` of the same book in a warm process (the Excel button's case)
- a batch of ``--books`` such books with ``-j1`` and ``-j2``, and the peak memory of the
  largest process

Usage: python bench/bench_small.py [--rounds 5] [--books 200]

Rounds interleave the cold jobs, so a noisy moment spreads over all of them; each figure is
the median. Bytecode is compiled first and kept (PYTHONDONTWRITEBYTECODE is cleared for the
children), as an installed package has it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e


def timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, env=env(), stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def peak_child_mb(args: list[str]) -> tuple[float, float]:
    """Wall seconds and the peak resident memory of the largest process the command ran
    (the command itself or one of its workers), measured in a child of its own."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "t = time.perf_counter() - t\n"
        "print(json.dumps([t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], check=True, env=env(), capture_output=True
    )
    seconds, kb = json.loads(out.stdout)
    return seconds, kb / 1024


def warm_update(book: Path, runs: int) -> float:
    """Seconds per ``xlcrm.update`` in one process, after one warm-up run."""
    code = (
        "import sys, time, json, xlcrm\n"
        "p = sys.argv[1]; n = int(sys.argv[2])\n"
        "xlcrm.update(p, backup=False)\n"
        "t = []\n"
        "for _ in range(n):\n"
        "    s = time.perf_counter(); xlcrm.update(p, backup=False)\n"
        "    t.append(time.perf_counter() - s)\n"
        "print(json.dumps(sorted(t)[len(t) // 2]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(book), str(runs)],
        check=True,
        env=env(),
        capture_output=True,
    )
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--books", type=int, default=200)
    args = ap.parse_args()
    xlcrm = [sys.executable, "-m", "xlcrm"]
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(root / "xlcrm")],
        check=True,
        env=env(),
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory(prefix="xlcrm-small-") as tmp:
        folder = Path(tmp)
        book = folder / "shop.xlsx"
        subprocess.run([*xlcrm, "init", str(book), "--demo", "300", "-q"], check=True, env=env())
        subprocess.run([*xlcrm, "update", str(book), "-q", "--no-backup"], check=True, env=env())
        jobs = {
            "bare_import": [sys.executable, "-c", "import pandas, pyarrow, numpy"],
            "version": [*xlcrm, "--version"],
            "cold_update": [*xlcrm, "update", str(book), "-q", "--no-backup"],
        }
        times: dict[str, list[float]] = {k: [] for k in jobs}
        for _ in range(args.rounds):
            for name, cmd in jobs.items():
                times[name].append(timed(cmd))
        median = {k: statistics.median(v) for k, v in times.items()}
        median["warm_update"] = warm_update(book, max(5, args.rounds))

        shops = folder / "shops"
        shops.mkdir()
        for i in range(args.books):
            shutil.copyfile(book, shops / f"shop{i:04d}.xlsx")
        batch = {}
        for j in ("1", "2"):
            cmd = [*xlcrm, "update", str(shops), "-j", j, "-q", "--no-backup"]
            batch[j] = peak_child_mb(cmd)

    bare = median["bare_import"]
    rows = [
        ("python -c 'import pandas, pyarrow, numpy'", median["bare_import"], 1.0, ""),
        ("xlcrm --version", median["version"], median["version"] / bare, "<= 0.3x"),
        (
            "xlcrm update (300 customers, cold)",
            median["cold_update"],
            median["cold_update"] / bare,
            "<= 1.5x",
        ),
        ("xlcrm.update in a warm process", median["warm_update"], median["warm_update"] / bare, ""),
    ]
    print(f"{'job':46} {'seconds':>8} {'x bare':>7}  target")
    for name, sec, ratio, target in rows:
        print(f"{name:46} {sec:8.2f} {ratio:7.2f}  {target}")
    (s1, mb1), (s2, mb2) = batch["1"], batch["2"]
    print(
        f"\nbatch of {args.books} books: -j1 {s1:.1f} s, -j2 {s2:.1f} s: "
        f"-j2 is {s1 / s2:.2f}x faster (target >= 1.7x)"
    )
    print(
        f"peak memory of the largest process: -j1 {mb1:.0f} MB, -j2 {mb2:.0f} MB "
        "(target <= 300 MB a worker)"
    )
    print(
        f"per book in the batch: -j1 {s1 / args.books:.2f} s, -j2 {s2 / args.books:.2f} s "
        f"(cold single run {median['cold_update']:.2f} s)"
    )


if __name__ == "__main__":
    main()

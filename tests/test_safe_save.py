"""Safe saving: one writer at a time, and a kill at any moment leaves the old or the new file."""

from __future__ import annotations

import hashlib
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import openpyxl
from conftest import AS_OF, basic_sheets, write_book

import xlcrm
from xlcrm.save import book_lock

STAMP = "2024-07-01T08:00:00"


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_second_writer_is_refused_while_first_holds_the_lock(book):
    path = book()
    data = path.read_bytes()
    with book_lock(path):
        r = xlcrm.update(path, as_of=AS_OF)
    assert r.exit_code == 2 and "Another xlcrm" in r.fatal
    assert path.read_bytes() == data
    assert xlcrm.update(path, as_of=AS_OF).written  # the lock is gone afterwards
    assert not list(path.parent.glob(".*xlcrm-lock"))


def test_lock_is_held_across_processes(book):
    path = book()
    code = (
        "import sys,time; from pathlib import Path; from xlcrm.save import book_lock\n"
        "with book_lock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        r = xlcrm.update(path, as_of=AS_OF)
        assert r.exit_code == 2 and "Another xlcrm" in r.fatal
    finally:
        holder.kill()
        holder.wait()
    assert xlcrm.update(path, as_of=AS_OF).written  # a dead holder's lock is released


def test_killed_update_leaves_old_or_new_file(tmp_path):
    sheets = basic_sheets()
    for i in range(3000):  # enough rows that the write takes a while
        sheets["Customers"].append([f"X{i}", f"Name {i}", None, None, None])
        sheets["Sales"].append([AS_OF, f"S{i}", f"X{i}", "Tea", float(i % 50)])
    path = write_book(tmp_path / "book.xlsx", sheets)
    old = digest(path)
    reference = tmp_path / "reference.xlsx"
    shutil.copy(path, reference)
    args = [
        sys.executable,
        "-m",
        "xlcrm",
        "update",
        "--as-of",
        AS_OF.isoformat(),
        "--stamp",
        STAMP,
        "--no-backup",
    ]
    t0 = time.perf_counter()
    subprocess.run([*args, str(reference)], check=True, capture_output=True)
    full = time.perf_counter() - t0
    new = digest(reference)
    assert new != old
    original = path.read_bytes()
    rng = random.Random(11)
    outcomes = {"old": 0, "new": 0}
    for _ in range(12):
        proc = subprocess.Popen(
            [*args, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.0, full * 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = digest(path)
        assert now in (old, new)
        outcomes["old" if now == old else "new"] += 1
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
        openpyxl.load_workbook(path, read_only=True).close()
        path.write_bytes(original)  # every round kills an update of the same old file
    assert outcomes["old"] > 0
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.written
    assert not list(tmp_path.glob(".book.xlsx.xlcrm-tmp-*"))


def test_zip64_source_members_copy(book, tmp_path):
    path = book()
    z64 = tmp_path / "z64.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(z64, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(src.read(info.filename))
    before = {
        i.filename: zipfile.ZipFile(z64).read(i.filename) for i in zipfile.ZipFile(z64).infolist()
    }
    r = xlcrm.update(z64, as_of=AS_OF)
    assert r.written, r.fatal
    with zipfile.ZipFile(z64) as z:
        assert z.testzip() is None
        assert z.read("xl/worksheets/sheet2.xml") == before["xl/worksheets/sheet2.xml"]
    ws = openpyxl.load_workbook(z64)["Customers"]
    assert ws.max_column > 5

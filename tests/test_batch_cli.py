"""Many books from the command line: folders and patterns, worker processes, the summary and
its exit code, progress, safe defaults (no file replaced unasked, permissions, backups), a
`due` that fits the terminal, and a start-up that loads nothing it does not need."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import basic_sheets, write_book

import xlcrm
from xlcrm.cli import main
from xlcrm.cli import progress as progress_module
from xlcrm.cli.text import _width, fit_widths, shorten
from xlcrm.problems import BookError

AS_OF = ["--as-of", "2024-06-30"]
WIDE = {"COLUMNS": "400"}  # no path shortened


def _shop(tmp_path: Path) -> Path:
    """A folder of three books (good, with errors, unreadable) and four files that are not
    books to process: an Excel lock file, a hidden file, a backup, a text file."""
    shop = tmp_path / "shops"
    (shop / "north").mkdir(parents=True)
    write_book(shop / "a_good.xlsx", basic_sheets())
    bad = basic_sheets()
    bad["Sales"][1][2] = "NOPE"  # an order of a customer who is not on the Customers sheet
    write_book(shop / "north" / "b_bad.xlsx", bad)
    (shop / "c_unreadable.xlsx").write_text("id,name\n1,Ann\n")
    shutil.copy(shop / "a_good.xlsx", shop / "~$a_good.xlsx")
    shutil.copy(shop / "a_good.xlsx", shop / ".hidden.xlsx")
    (shop / ".xlcrm-backups").mkdir()
    shutil.copy(
        shop / "a_good.xlsx", shop / ".xlcrm-backups" / "a_good.20240101-000000-000000.xlsx"
    )
    (shop / "notes.txt").write_text("not a book")
    return shop


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_folder_gives_one_entry_per_book_and_the_worst_exit_code(tmp_path, jobs):
    shop = _shop(tmp_path)
    res = CliRunner().invoke(main, ["validate", str(shop), *AS_OF, "--format", "json", "-j", jobs])
    assert res.exit_code == 2, res.output  # the unreadable book is the worst
    doc = json.loads(res.stdout)
    # files of the folder (sorted), then its subfolder's; nothing else
    assert [Path(b["file"]).name for b in doc["books"]] == [
        "a_good.xlsx",
        "c_unreadable.xlsx",
        "b_bad.xlsx",
    ]
    assert [b["exit_code"] for b in doc["books"]] == [0, 2, 1]
    assert doc["books"][1]["fatal_code"] == "csv_renamed"
    bad = doc["books"][2]["problems"][0]
    assert (bad["sheet"], bad["row"], bad["value"]) == ("Sales", 2, "NOPE")
    totals = {k: v for k, v in doc["totals"].items() if k != "seconds"}
    # customers: 3 in each readable book; rows: 3 customers and 4 sales in each
    assert totals == {
        "books": 3,
        "ok": 1,
        "problems": 1,
        "failed": 1,
        "customers": 6,
        "rows": 14,
        "exit_code": 2,
    }


def test_the_text_summary_a_line_per_book_and_progress_on_stderr(tmp_path):
    shop = _shop(tmp_path)
    res = CliRunner().invoke(main, ["validate", str(shop), *AS_OF, "-j", "1"], env=WIDE)
    assert res.exit_code == 2
    out = res.stdout.splitlines()
    table = out[out.index(next(x for x in out if x.startswith("Book"))) + 1 : -1]
    rows = {line.split()[0]: line.split()[1] for line in table}
    assert rows == {
        str(shop / "a_good.xlsx"): "ok",
        str(shop / "c_unreadable.xlsx"): "failed",
        str(shop / "north" / "b_bad.xlsx"): "problems",
    }
    assert out[-1].startswith("3 books: 1 ok, 1 with problems, 1 failed; 6 customers, 14 rows")
    # why the bad books are bad comes before the table, each under its name
    assert f"== {shop / 'north' / 'b_bad.xlsx'}" in out
    assert any("NOPE" in line for line in out)
    # not on a terminal: a plain line per book on stderr; --quiet: none
    assert [line[:5] for line in res.stderr.splitlines()] == ["[1/3]", "[2/3]", "[3/3]"]
    quiet = CliRunner().invoke(main, ["validate", str(shop), *AS_OF, "-j", "1", "-q"], env=WIDE)
    assert quiet.stderr == "" and quiet.exit_code == 2
    assert "NOPE" not in quiet.stdout
    assert quiet.stdout.splitlines()[-1].split(" in ")[0] == out[-1].split(" in ")[0]


def test_problems_without_an_unreadable_book_exit_1_and_patterns_are_expanded(tmp_path):
    shop = _shop(tmp_path)
    (shop / "c_unreadable.xlsx").unlink()
    pattern = str(shop / "**" / "*.xlsx")  # quoted in the shell: xlcrm expands it
    res = CliRunner().invoke(main, ["validate", pattern, *AS_OF, "--format", "json"])
    assert res.exit_code == 1
    names = [Path(b["file"]).name for b in json.loads(res.stdout)["books"]]
    assert names == ["a_good.xlsx", "b_bad.xlsx"]
    missing = CliRunner().invoke(main, ["validate", str(shop / "none-*.xlsx"), "--format", "json"])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["books"][0]["fatal_code"] == "not_found"


def test_update_many_in_worker_processes_writes_each_book_and_keeps_its_backup(tmp_path):
    books = []
    for name in ("one.xlsx", "two.xlsx", "three.xlsx"):
        books.append(write_book(tmp_path / name, basic_sheets()))
    before = {p: p.read_bytes() for p in books}
    batch = xlcrm.update_many([str(tmp_path / "*.xlsx")], jobs=2, as_of="2024-06-30")
    assert batch.exit_code == 0 and len(batch.results) == 3
    for r in batch.results:
        assert r.written and r.customers == 3
        assert r.backup.read_bytes() == before[r.path]  # the backup is the book as it was
        assert r.path.read_bytes() != before[r.path]
    res = CliRunner().invoke(main, ["update", str(tmp_path), *AS_OF, "-j", "2", "-q"])
    assert res.exit_code == 0
    header = res.stdout.splitlines()[0].split()
    assert header == ["Book", "Status", "Customers", "Rows", "Seconds", "Backup"]
    assert res.stdout.splitlines()[-1].startswith("3 books: 3 ok, 0 with problems, 0 failed")


def test_no_command_replaces_a_file_it_did_not_make_without_force(tmp_path):
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"the owner's own file")
    for args in (["template", str(mine)], ["init", str(mine), "--demo", "5"]):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2
        assert res.stderr.strip() == f"{mine} already exists; use --force to replace it."
        assert mine.read_bytes() == b"the owner's own file"
    with pytest.raises(BookError) as err:
        xlcrm.init_workbook(mine)
    assert err.value.code == "exists"

    forced = CliRunner().invoke(main, ["template", str(mine), "--force"])
    assert forced.exit_code == 0
    kept = xlcrm.backups(mine)
    assert len(kept) == 1 and kept[0].path.read_bytes() == b"the owner's own file"
    assert xlcrm.validate(mine).fatal is None

    book = write_book(tmp_path / "book.xlsx", basic_sheets())
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"another workbook")
    res = CliRunner().invoke(main, ["update", str(book), "-o", str(other), *AS_OF])
    assert res.exit_code == 2 and "other.xlsx already exists" in res.stderr
    assert other.read_bytes() == b"another workbook"
    res = CliRunner().invoke(main, ["update", str(book), "-o", str(other), *AS_OF, "--force"])
    assert res.exit_code == 0 and xlcrm.validate(other).customers == 3


def test_bad_names_and_folders_get_plain_words_and_exit_2(tmp_path):
    cases = {
        ("init", str(tmp_path / "x.csv")): "x.csv: name the file .xlsx",
        ("init", str(tmp_path / "none" / "x.xlsx")): f"The folder {tmp_path / 'none'} does not",
        ("template", str(tmp_path / "t.xlsm")): "t.xlsm: name the file .xlsx",
    }
    for args, start in cases.items():
        res = CliRunner().invoke(main, list(args))
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith(start) and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    book = write_book(tmp_path / "book.xlsx", basic_sheets())
    res = CliRunner().invoke(main, ["update", str(book), "-o", str(tmp_path / "o.xlsm"), *AS_OF])
    assert res.exit_code == 2 and "o.xlsm: name the file .xlsx" in res.stderr
    nothing = CliRunner().invoke(main, ["validate", str(tmp_path / "empty-folder")])
    assert nothing.exit_code == 2 and "File not found" in nothing.stderr


def test_written_files_get_the_permissions_a_normal_save_gives(tmp_path):
    old = os.umask(0o022)
    try:
        made = xlcrm.init_workbook(tmp_path / "new.xlsx")
        assert stat.S_IMODE(made.stat().st_mode) == 0o644  # the umask's, not 0600
        book = write_book(tmp_path / "book.xlsx", basic_sheets())
        book.chmod(0o640)
        out = tmp_path / "out.xlsx"
        assert xlcrm.update(book, out=out, as_of="2024-06-30").written
        assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the input's, for -o
        assert xlcrm.update(book, as_of="2024-06-30").written
        assert stat.S_IMODE(book.stat().st_mode) == 0o640  # kept when updated in place
    finally:
        os.umask(old)


def test_backups_are_listed_newest_first_and_one_is_restored_keeping_the_current(tmp_path):
    book = write_book(tmp_path / "book.xlsx", basic_sheets())
    original = book.read_bytes()
    assert xlcrm.update(book, as_of="2024-06-30").written
    first = book.read_bytes()
    assert xlcrm.update(book, as_of="2024-07-31").written
    current = book.read_bytes()
    listed = CliRunner().invoke(main, ["backups", str(book), "--format", "json"])
    doc = json.loads(listed.stdout)
    assert [d["n"] for d in doc] == [1, 2] and doc[0]["made"] >= doc[1]["made"]
    assert [Path(d["path"]).read_bytes() for d in doc] == [first, original]
    text = CliRunner().invoke(main, ["backups", str(book)]).stdout.splitlines()
    assert text[0].split() == ["No.", "Made", "Size", "File"] and len(text) == 3

    res = CliRunner().invoke(main, ["restore", str(book), "--backup", "2"])
    assert res.exit_code == 0, res.output
    assert book.read_bytes() == original
    assert xlcrm.backups(book)[0].path.read_bytes() == current  # what it replaced is kept
    assert "the version it replaced is kept at" in res.stdout

    wrong = CliRunner().invoke(main, ["restore", str(book), "--backup", "9"])
    assert wrong.exit_code == 2 and "has 3 backups; choose one from 1" in wrong.stderr
    none = CliRunner().invoke(main, ["restore", str(write_book(tmp_path / "n.xlsx", {}))])
    assert none.exit_code == 2 and "n.xlsx has no backups yet" in none.stderr


def test_text_is_shortened_at_a_word_boundary_within_the_width():
    assert shorten("Call to offer a win-back deal", 16) == "Call to offer a…"
    assert shorten("Call to offer a win-back deal", 15) == "Call to offer…"
    assert shorten("Supercalifragilistic", 8) == "Superca…"  # one long word: cut inside it
    assert shorten("请在一小时内回复投诉", 9) == "请在一小…"  # two columns a character
    assert shorten("fits", 4) == "fits"
    cut = shorten("/far/away/folders/book.xlsx", 12, keep_end=True)
    assert cut == "…s/book.xlsx" and _width(cut) == 12
    # fixed columns keep their width; the flexible share what is left, narrow ones whole
    assert fit_widths([1, 10, 40, 60], [False, False, True, True], 60) == [1, 10, 24, 25]
    assert fit_widths([1, 10, 5, 60], [False, False, True, True], 60) == [1, 10, 5, 44]


def test_due_fits_the_terminal_and_csv_keeps_every_word(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=200, seed=5)
    args = ["due", str(path), "--days", "30"]
    wide = CliRunner().invoke(main, args, env={"COLUMNS": "400"})
    narrow = CliRunner().invoke(main, args, env={"COLUMNS": "70"})
    assert narrow.exit_code == 0 and wide.exit_code == 0
    lines = narrow.stdout.splitlines()
    assert max(_width(line) for line in lines[:-1]) <= 70
    assert any("…" in line for line in lines) and not any("…" in w for w in wide.stdout)
    full = CliRunner().invoke(main, [*args, "--format", "csv"]).stdout
    cells = {c for row in csv.reader(io.StringIO(full)) for c in row}
    # every shortened cell is the start of a full one, cut where a word ends (inside a word
    # only when no word ends in the second half of the room)
    shortened = [p.strip()[:-1] for line in lines for p in line.split("  ") if p.endswith("…")]
    assert shortened
    for start in shortened:
        whole = next(c for c in cells if c.startswith(start) and c != start)
        assert whole[len(start)] in " ,;:" or " " not in start[len(start) // 2 :], start


def test_due_filters_by_priority_channel_and_limit(tmp_path):
    path = tmp_path / "demo.xlsx"
    xlcrm.init_workbook(path, demo=300, seed=3)
    every = xlcrm.due(path, days=60).frame
    urgent = xlcrm.due(path, days=60, priority=2).frame
    assert len(urgent) == int((every["contact_priority"] <= 2).sum()) > 0
    assert urgent["contact_priority"].max() <= 2
    wechat = xlcrm.due(path, days=60, channel="微信").frame
    assert len(wechat) == int((every["next_channel"] == "wechat").sum()) > 0
    assert set(wechat["next_channel"]) == {"wechat"}
    first = xlcrm.due(path, days=60, limit=3)
    assert first.total == len(every) and list(first.frame.index) == list(every.index[:3])
    res = CliRunner().invoke(main, ["due", str(path), "--days", "60", "--limit", "3"])
    assert f"3 of {len(every)} shown" in res.stdout
    bad = CliRunner().invoke(main, ["due", str(path), "--channel", "pigeon"])
    assert bad.exit_code == 2 and "not a channel: 'pigeon'" in bad.output


def test_a_large_books_phases_are_shown_and_the_api_tells_them_in_order(tmp_path, monkeypatch):
    book = write_book(tmp_path / "book.xlsx", basic_sheets())
    told = []
    xlcrm.update(book, as_of="2024-06-30", on_progress=lambda phase, n: told.append((phase, n)))
    assert [p for p, _ in told] == ["reading", "read", "read", "checking", "computing", "writing"]
    assert {n["sheet"]: n["rows"] for p, n in told if p == "read"} == {"Customers": 3, "Sales": 4}
    assert told[4][1] == {"customers": 3, "sales": 4}
    small = CliRunner().invoke(main, ["update", str(book), *AS_OF])
    assert small.stderr == ""  # a small book is done before a bar could be read
    monkeypatch.setattr(progress_module, "LARGE_BOOK", 0)
    large = CliRunner().invoke(main, ["update", str(book), *AS_OF])
    assert large.stderr.splitlines() == [
        "reading book.xlsx",
        "read Customers: 3 rows",
        "read Sales: 4 rows",
        "checking",
        "computing 3 customers, 4 sales rows",
        "writing",
    ]
    assert CliRunner().invoke(main, ["update", str(book), *AS_OF, "-q"]).stderr == ""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["update", "--help"]])
def test_version_and_help_load_no_pandas(args):
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "xlcrm", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in res.stderr.splitlines()}
    assert "xlcrm" in loaded and "click" in loaded
    assert not loaded & {"pandas", "numpy", "pyarrow", "fastexcel", "xlsxwriter"}


def test_a_book_the_churn_model_fits_loads_no_scipy(tmp_path):
    """scipy's import costs more than the whole fit: the model has its own numerics."""
    big = tmp_path / "big.xlsx"
    xlcrm.init_workbook(big, demo=150, seed=2)  # above the 100 customers the model needs
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "xlcrm", "update", str(big), "--no-backup"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Churn model fitted on" in res.stdout + res.stderr
    loaded = {line.rsplit("|", 1)[-1].strip() for line in res.stderr.splitlines()}
    assert "xlcrm.rules.bgnbd" in loaded and "scipy" not in loaded


def test_the_console_script_ends_quickly_but_in_order(tmp_path):
    """``python -m xlcrm`` skips unloading modules at the end: what it prints still arrives
    whole through a pipe, its exit code is the command's, and its temporary files are gone."""
    shop = _shop(tmp_path)
    good = shop / "a_good.xlsx"
    cli = [sys.executable, "-m", "xlcrm"]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    piped = subprocess.run(
        [*cli, "due", str(good), *AS_OF, "--format", "csv"], capture_output=True, env=env
    )
    in_process = CliRunner().invoke(main, ["due", str(good), *AS_OF, "--format", "csv"])
    lines = piped.stdout.decode().splitlines()
    assert piped.returncode == 0 and lines == in_process.stdout.splitlines()
    assert len(lines) == 4 and lines[-1].endswith(",20")  # the header, three customers
    folder = subprocess.run([*cli, "validate", str(shop), "-q", "-j", "2"], env=env)
    assert folder.returncode == 2  # the unreadable book is the worst
    bad = subprocess.run([*cli, "update", str(shop / "north" / "b_bad.xlsx"), *AS_OF], env=env)
    assert bad.returncode == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shops"]  # no temporary left


# the console script, run for real, with a look at the collector when the command has loaded
_COLLECTOR_PROBE = """
import gc, sys
import xlcrm.cli.books as books
from xlcrm.cli import exit as leaving

def look():
    loading = {"collecting": gc.isenabled(), "pandas": "pandas" in sys.modules}
    leaving.loaded()
    print(loading, gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()[0], flush=True)

books.loaded = look
sys.argv = ["xlcrm", *sys.argv[1:]]
leaving.run()
"""


def test_the_collector_is_off_while_modules_load_and_on_once_the_command_has_loaded(tmp_path):
    """Loading pandas makes hundreds of thousands of objects and no garbage: the console
    script collects nothing until the command's modules are in, then freezes them out of the
    collector's passes and collects every 50,000 allocations. CliRunner's process (any
    caller embedding xlcrm) keeps its own collector as it was."""
    book = tmp_path / "shop.xlsx"
    write_book(book, basic_sheets())
    probe = [sys.executable, "-c", _COLLECTOR_PROBE, "validate", str(book), *AS_OF, "-q"]
    done = subprocess.run(probe, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loading, collecting, frozen, young = done.stdout.splitlines()[0].rsplit(" ", 3)
    assert loading == "{'collecting': False, 'pandas': True}"
    assert collecting == "True" and young == "50000"
    assert int(frozen) > 50_000  # pandas, numpy, Arrow and xlcrm: out of every pass
    before = (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold())
    assert CliRunner().invoke(main, ["validate", str(book), *AS_OF, "-q"]).exit_code == 0
    assert (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()) == before


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_due_of_a_book_it_cannot_list_answers_in_every_format(tmp_path, fmt):
    """An unreadable book (exit 2) and a book whose errors stop the list (exit 1): each format
    says so and lists no one (JSON failed on the missing list: 'unexpected TypeError')."""
    shop = _shop(tmp_path)
    for book, code in ((shop / "c_unreadable.xlsx", 2), (shop / "north" / "b_bad.xlsx", 1)):
        res = CliRunner().invoke(main, ["due", str(book), *AS_OF, "--format", fmt])
        assert res.exit_code == code, res.output
        assert "unexpected" not in res.output
        if fmt == "json":
            (entry,) = json.loads(res.stdout)["books"]
            assert entry["due"] == [] and entry["exit_code"] == code
        elif fmt == "csv":  # no rows to pipe on; why goes to stderr
            assert res.stdout == "" and book.name in res.stderr
    result = xlcrm.due(shop / "c_unreadable.xlsx")
    assert result.settings == {} and result.records() == []
    assert result.table()[0][:3] == ["Priority", "Due", "Customer ID"]

"""Reliability: nothing stale, nothing misplaced, nothing of another book's lost, and hostile
files refused in one line with memory bounded."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import AS_OF, basic_sheets, write_book

import xlcrm
from xlcrm.cli import main
from xlcrm.filedoor import Request, plan_update, write_update
from xlcrm.save import BACKUP_DIR, backups
from xlcrm.xlsx import survey

STAMP = dt.datetime(2024, 7, 1, 9, 0)


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def rezip(path: Path, parts: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path


def customers(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path)["Customers"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return {str(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}


def refused_in_one_line(path: Path, words: str) -> None:
    data = path.read_bytes()
    for run in (xlcrm.validate(path), xlcrm.update(path)):
        assert run.exit_code == 2 and words in run.fatal, run.fatal
        assert "\n" not in run.fatal
    assert path.read_bytes() == data


# --- data an owner could be misled by ---------------------------------------------------


def test_keep_going_clears_the_numbers_of_a_customer_it_left_out(book):
    path = book()
    assert xlcrm.update(path, as_of=AS_OF, stamp=STAMP).written
    before = customers(path)["C1"]
    assert before["Orders"] == 2 and before["Revenue"] == 150 and before["Next contact"]
    wb = openpyxl.load_workbook(path)
    wb["Sales"]["E2"].value = "abc"  # one of C1's sales becomes unreadable
    wb.save(path)
    res = CliRunner().invoke(main, ["update", str(path), "--keep-going", "--as-of", "2024-06-30"])
    assert res.exit_code == 0, res.output
    assert "1 rows with errors left out (1 customer not computed" in res.output
    after = customers(path)
    c1 = after["C1"]
    for header in ("Orders", "Revenue", "Tier", "Next contact", "Points balance", "RFM"):
        assert c1[header] is None, header  # nothing that looks current but is not
    assert c1["Reason"].startswith("left out")
    assert after["C2"]["Orders"] == 1 and after["C2"]["Revenue"] == 20  # the rest is computed


def test_keep_going_lists_each_due_customer_with_their_own_name(book):
    """A customer row left out before others: the Due sheet's names, IDs and reasons stay
    together (they were once paired by position, so later customers got the wrong row)."""
    sheets = basic_sheets()
    sheets["Customers"][1][4] = "not a date"  # C1's row has an error: left out
    sheets["Customers"].append(["C4", "Dee", "139 0000 0000", None, None])
    sheets["Sales"].append([dt.date(2024, 3, 6), "O9", "C4", "Tea", 10.0])
    path = book(sheets)
    r = xlcrm.update(path, as_of=AS_OF, stamp=STAMP, keep_going=True)
    assert r.written and r.rows_left_out == 1
    after = customers(path)
    wb = openpyxl.load_workbook(path)
    due = list(wb["Due"].iter_rows(min_row=2, values_only=True))
    head = due[0]
    listed = [dict(zip(head, row, strict=True)) for row in due[1:]]
    by_id = {str(k): v for k, v in after.items()}
    assert sorted(str(d["Customer ID"]) for d in listed) == ["1003", "C2", "C4"]
    for d in listed:
        mine = by_id[str(d["Customer ID"])]
        assert d["Name"] == mine["Name"] and d["Phone"] == mine["Phone"]
        assert d["Due"] == mine["Next contact"] and d["Priority"] is not None
    assert "C1" not in {str(d["Customer ID"]) for d in listed}


def test_keep_going_stops_at_an_error_of_a_whole_sheet(book):
    """No Customer ID column: no row can be left out to get past it (the run used to go on
    and fail inside the loyalty rules)."""
    sheets = basic_sheets()
    sheets["Customers"] = [["Name", "Referred by"], ["Ann", "C1"], ["Bob", None]]
    path = book(sheets)
    data = path.read_bytes()
    res = CliRunner().invoke(main, ["update", str(path), "--keep-going", "--as-of", "2024-06-30"])
    assert res.exit_code == 1, res.output
    assert "one of them of a whole sheet (a missing column)" in res.output
    assert path.read_bytes() == data
    zh = CliRunner().invoke(main, ["due", str(path), "--keep-going", "--lang", "zh"])
    assert zh.exit_code == 1 and "整张表的错误" in zh.output


def test_a_wrong_optional_value_is_a_warning_and_the_customer_is_computed(book):
    sheets = basic_sheets()
    sheets["Customers"][0] += ["Preferred channel", "Type"]
    sheets["Customers"][1] += ["fax", "Shop"]
    sheets["Customers"][1][3] = "not-an-email"
    path = book(sheets)
    r = xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
    assert r.written and r.errors == []
    warned = {(p.code, p.column) for p in r.warnings}
    assert warned == {("not_in_list", "F"), ("not_in_list", "G"), ("schema_pattern", "D")}
    fax = next(p for p in r.warnings if p.column == "F")
    assert fax.message().endswith("xlcrm ignores this value until it is fixed.")
    c1 = customers(path)["C1"]
    assert c1["Orders"] == 2 and c1["Revenue"] == 150
    assert c1["Next channel"] == "WeChat"  # the channel typed is ignored: the phone is used


def test_a_book_replaced_between_read_and_write_is_not_written(book, tmp_path):
    path = book()
    other = write_book(tmp_path / "other.xlsx", basic_sheets() | {"Notes": [["another book"]]})
    planned = plan_update(path, Request(AS_OF), stamp=STAMP)
    assert planned.ready
    shutil.copy(other, path)  # a sync client puts another version in place meanwhile
    replaced = path.read_bytes()
    r = write_update(planned)
    assert r.exit_code == 2 and r.fatal_code == "book_changed" and not r.written
    assert "changed on disk while xlcrm was working on it" in r.fatal
    assert path.read_bytes() == replaced  # the new version is left as it is
    again = xlcrm.update(path, as_of=AS_OF, stamp=STAMP)  # a new run reads it and writes
    assert again.written


def test_a_book_changed_in_place_after_the_read_is_not_written(book):
    path = book()
    planned = plan_update(path, Request(AS_OF), stamp=STAMP)
    wb = openpyxl.load_workbook(path)
    wb["Customers"]["B2"].value = "Ann (edited)"
    wb.save(path)
    edited = path.read_bytes()
    assert write_update(planned).fatal_code == "book_changed"
    assert path.read_bytes() == edited


def test_libreoffices_lock_file_counts_like_excels(book):
    path = book()
    lock = path.parent / f".~lock.{path.name}#"
    lock.write_text("owner")
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.fatal_code == "open_in_excel" and ".~lock.book.xlsx#" in r.fatal
    lock.unlink()
    assert xlcrm.update(path, as_of=AS_OF).written


def test_backups_of_another_book_are_never_pruned(tmp_path):
    shop = write_book(tmp_path / "shop.xlsx", basic_sheets())
    older = write_book(tmp_path / "shop.2024.xlsx", basic_sheets())
    for _ in range(3):
        assert xlcrm.update(older, as_of=AS_OF).written
    kept = sorted(b.path.name for b in backups(older))
    assert len(kept) == 3
    for _ in range(4):
        assert xlcrm.update(shop, as_of=AS_OF).written
    assert sorted(b.path.name for b in backups(older)) == kept
    assert len(backups(shop)) == 3
    assert all(b.path.name.startswith("shop.2024.") for b in backups(older))


def test_a_linked_book_is_updated_through_the_link(tmp_path):
    real = tmp_path / "data" / "shop.xlsx"
    real.parent.mkdir()
    write_book(real, basic_sheets())
    link = tmp_path / "shop.xlsx"
    link.symlink_to(real)
    r = xlcrm.update(link, as_of=AS_OF, stamp=STAMP)
    assert r.written, r.fatal
    assert link.is_symlink() and link.resolve() == real
    assert customers(real)["C1"]["Orders"] == 2
    assert (real.parent / BACKUP_DIR).is_dir() and not (tmp_path / BACKUP_DIR).exists()


def test_every_customer_row_in_error_is_still_a_run(book):
    sheets = basic_sheets()
    for row in sheets["Customers"][1:]:
        row[0] = None  # no ID anywhere
    path = book(sheets)
    r = xlcrm.update(path, as_of=AS_OF, keep_going=True, stamp=STAMP)
    assert r.written and r.exit_code == 0 and r.customers == 0
    assert r.customers_left_out == 3
    assert {row["Reason"] for row in customers(path).values()} == {
        "left out: fix the row's errors (see the Problems sheet)"
    }


# --- hostile files -----------------------------------------------------------------------


def corner_book(path: Path) -> Path:
    """Two legal cells as far apart as the grid allows: a reader laying out the grid between
    them would need 17 billion cells."""
    write_book(path, basic_sheets())
    parts = parts_of(path)
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"].replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>'
    )
    return rezip(path, parts)


def understated_book(path: Path, true_size: int) -> Path:
    """A sheet whose zip directory says it is 600 bytes while it inflates far beyond."""
    write_book(path, basic_sheets())
    parts = parts_of(path)
    row = b'<row><c t="s"><v>0</v></c></row>'
    body = parts["xl/worksheets/sheet2.xml"].replace(
        b"</sheetData>", row * (true_size // len(row)) + b"</sheetData>"
    )
    parts["xl/worksheets/sheet2.xml"] = body
    rezip(path, parts)
    return claim_size(path, "xl/worksheets/sheet2.xml", 600)


def claim_size(path: Path, member: str, size: int) -> Path:
    """Make the zip's local header and central directory claim ``size`` bytes for a member."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info, start = z.getinfo(member), z.start_dir
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    at = start
    while data[at : at + 4] == b"PK\x01\x02":
        name_len, extra, comment = (
            int.from_bytes(data[at + k : at + k + 2], "little") for k in (28, 30, 32)
        )
        if data[at + 46 : at + 46 + name_len].decode() == member:
            data[at + 24 : at + 28] = size.to_bytes(4, "little")
        at += 46 + name_len + extra + comment
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(member).file_size == size
    return path


def peak_mb_of(code: str) -> tuple[str, int]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    last = out.stdout.strip().splitlines()
    return out.stdout, int(last[-1]) if last else -1


def refused_within_memory(call: str, path: Path, fatal: str) -> None:
    """``xlcrm.<call>`` in a process of its own refuses the book (exit 2, ``fatal``) with its
    peak memory under 2 GB."""
    code = (
        "import resource, xlcrm\n"
        f"r = xlcrm.{call}({str(path)!r})\n"
        "print(r.exit_code, r.fatal_code)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    out, peak = peak_mb_of(code)
    assert out.startswith(f"2 {fatal}") and 0 < peak < 2048, out


def test_far_apart_cells_are_refused_before_any_grid_is_built(tmp_path):
    path = corner_book(tmp_path / "corner.xlsx")
    refused_in_one_line(path, "reaches row 1,048,576 and column XFD: 17,179,869,184 cells")
    refused_within_memory("update", path, "too_many_cells")


def test_a_sheet_that_inflates_past_what_the_directory_says_is_refused(tmp_path):
    path = understated_book(tmp_path / "liar.xlsx", 40 * 1024**2)
    # the first look at the part already inflates past the 600 bytes claimed: damaged
    refused_in_one_line(path, "liar.xlsx is damaged or incomplete")
    refused_within_memory("validate", path, "damaged")


def test_a_sheet_inflating_past_the_limit_is_refused_while_inflating(tmp_path, monkeypatch):
    """A bomb within the ratio limits: counted while inflating, stopped at the limit (here
    lowered to 4 MB so the test inflates only that much)."""
    path = write_book(tmp_path / "bomb.xlsx", basic_sheets())
    parts = parts_of(path)
    row = b'<row><c t="s"><v>0</v></c></row>'
    parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"].replace(
        b"</sheetData>", row * 300_000 + b"</sheetData>"
    )
    rezip(path, parts)
    with zipfile.ZipFile(path) as z:
        size = z.getinfo("xl/worksheets/sheet2.xml").file_size
    assert size > 9 * 1024**2
    monkeypatch.setattr(survey, "SHEET_LIMIT", 4 * 1024**2)
    refused_in_one_line(path, "xl/worksheets/sheet2.xml inflates beyond 4,194,304 bytes")


def test_cells_without_references_are_placed_as_the_reader_places_them(tmp_path):
    """Cells with no reference sit one after another: 20,000 of them in a row run past the
    last column, which both commands refuse alike."""
    path = write_book(tmp_path / "wide.xlsx", basic_sheets())
    parts = parts_of(path)
    wide = b'<row r="9">' + b"<c><v>1</v></c>" * 20_000 + b"</row>"
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", wide + b"</sheetData>"
    )
    rezip(path, parts)
    refused_in_one_line(path, "beyond Excel's last row or column")


@pytest.mark.parametrize("part", ["xl/styles.xml", "[Content_Types].xml", "docProps/app.xml"])
def test_a_dtd_in_any_xml_part_is_refused(book, part):
    path = book()
    parts = parts_of(path)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
    parts[part] = dtd + parts[part].split(b"?>", 1)[1]
    rezip(path, parts)
    refused_in_one_line(path, f"The part {part} declares a DTD or entities")


def test_a_dtd_in_shared_strings_is_refused_in_the_owners_words(tmp_path):
    path = tmp_path / "zh.xlsx"
    xlcrm.init_workbook(path, lang="zh", demo=5)
    parts = parts_of(path)
    sst = parts["xl/sharedStrings.xml"]
    parts["xl/sharedStrings.xml"] = b'<!DOCTYPE sst [<!ENTITY a "b">]>' + sst.split(b"?>", 1)[1]
    rezip(path, parts)
    r = xlcrm.validate(path)
    assert r.exit_code == 2 and r.lang == "zh"
    assert r.fatal == "部件 xl/sharedStrings.xml 含有 DTD 或实体声明，xlcrm 拒绝处理。已拒绝。"


def test_a_part_named_with_two_dots_is_not_path_traversal(book):
    path = book()
    parts = parts_of(path)
    parts["..evil/x.txt"] = b"just a name"
    rezip(path, parts)
    assert xlcrm.update(path, as_of=AS_OF).written
    parts["../evil.xml"] = b"<a/>"
    rezip(path, parts)
    refused_in_one_line(path, "unsafe name")


# --- what is printed ---------------------------------------------------------------------


def test_due_csv_is_safe_to_open_and_the_table_prints_no_control_characters(tmp_path):
    names = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "Ann\x1b[31m\x07"]
    sheets = {
        "Customers": [["Customer ID", "Name", "Phone"]]
        + [[f"C{i}", n, "138"] for i, n in enumerate(names)],
        "Sales": [["Date", "Order ID", "Customer ID", "Amount"]]
        + [[dt.date(2023, 1, 1), f"O{i}", f"C{i}", 10.0] for i in range(4)],
    }
    path = write_book(tmp_path / "names.xlsx", sheets)
    args = ["due", str(path), "--as-of", "2024-06-30", "--days", "30"]
    csv = CliRunner().invoke(main, [*args, "--format", "csv"]).output
    for n in names[:3]:
        assert f"'{n}" in csv.replace('""', '"')
    table = CliRunner().invoke(main, args).output
    assert "\x1b" not in table and "\x07" not in table and "Ann[31m" in table


def test_write_errors_name_the_real_cause(book, tmp_path):
    path = book()
    r = xlcrm.update(path, as_of=AS_OF, out=tmp_path / "missing" / "out.xlsx")
    assert r.fatal_code == "folder_missing" and "does not exist" in r.fatal
    (path.parent / BACKUP_DIR).write_text("a file where the backup folder should be")
    data = path.read_bytes()
    r = xlcrm.update(path, as_of=AS_OF)
    assert r.fatal_code == "backup_failed" and "--no-backup" in r.fatal
    assert path.read_bytes() == data  # no backup, no update: the book is as it was
    assert xlcrm.update(path, as_of=AS_OF, backup=False).written


def test_a_renamed_output_column_is_noted_once(book):
    path = book()
    assert xlcrm.update(path, as_of=AS_OF, stamp=STAMP).written
    wb = openpyxl.load_workbook(path)
    ws = wb["Customers"]
    header = [c.value for c in ws[1]]
    col = header.index("Points balance") + 1
    ws.cell(1, col).value = "My balance"
    wb.save(path)
    r = xlcrm.update(path, as_of=AS_OF, stamp=STAMP)
    notes = [p for p in r.notes if p.code == "renamed_output"]
    assert len(notes) == 1
    assert notes[0].text() == (
        f"NOTE Customers {notes[0].column}1 (My balance): looks like xlcrm's 'Points balance' "
        f"column renamed: xlcrm no longer fills it and writes 'Points balance' in column "
        f"{notes[0].params['new']} instead. Rename it back, or delete it if you do not need it."
    )
    header = [c.value for c in openpyxl.load_workbook(path)["Customers"][1]]
    assert header.count("Points balance") == 1 and header[-1] == "Points balance"

"""Looking inside xlsx packages from the tests: members, raw bytes, cells as XML."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def members(path: Path) -> dict[str, tuple[int, int, bytes]]:
    """name -> (CRC, compressed size, uncompressed bytes)."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (i.CRC, i.compress_size, z.read(i.filename)) for i in z.infolist()}


def raw_compressed(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
        z.fp.seek(info.header_offset)
        head = z.fp.read(30)
        n, m = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
        z.fp.seek(info.header_offset + 30 + n + m)
        return z.fp.read(info.compress_size)


def sheet_part(path: Path, sheet_name: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(
        r'<(?:\w+:)?sheet\b[^>]*name="' + re.escape(sheet_name) + r'"[^>]*r:id="(\w+)"', wb
    )
    rid = rid or re.search(
        r'<(?:\w+:)?sheet\b[^>]*r:id="(\w+)"[^>]*name="' + re.escape(sheet_name) + '"', wb
    )
    target = re.search(r'Id="' + rid.group(1) + r'"[^>]*Target="([^"]+)"', rels) or re.search(
        r'Target="([^"]+)"[^>]*Id="' + rid.group(1) + '"', rels
    )
    t = target.group(1)
    return t.lstrip("/") if t.startswith("/") else "xl/" + t


def cells(path: Path, sheet_name: str) -> dict[str, str]:
    """ref -> the cell element serialised, for exact comparison."""
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(sheet_part(path, sheet_name)))
    out = {}
    for c in root.iter(MAIN + "c"):
        out[c.get("r")] = ET.tostring(c, encoding="unicode")
    return out


def outside_sheetdata(path: Path, sheet_name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_part(path, sheet_name))
    xml = re.sub(rb"<(\w+:)?sheetData\b.*?</(\w+:)?sheetData>", b"", xml, flags=re.S)
    return re.sub(rb'<(\w+:)?dimension ref="[^"]*"/>', b"", xml)


def col_of(ref: str) -> str:
    return re.match(r"[A-Z]+", ref).group(0)


def libreoffice_convert(path: Path, outdir: Path, filt: str) -> None:
    """Convert with a real LibreOffice (own profile, headless); it exits 0 even on failure, so
    callers assert on the file it makes."""
    outdir.mkdir(exist_ok=True)
    profile = outdir / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            filt,
            "--outdir",
            str(outdir),
            str(path),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )


def libreoffice_csv(path: Path, outdir: Path, sheet: int = 1) -> str:
    """One sheet as CSV, as LibreOffice reads it."""
    filt = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}"
    libreoffice_convert(path, outdir, filt)
    produced = list(outdir.glob(f"{path.stem}*.csv"))
    assert produced, "LibreOffice produced no CSV: it could not open the file"
    return produced[0].read_text("utf-8")


def append_columns(spec: list[tuple[str, str, str]], frame=None):
    """A placement for the writer alone: each (key, header, kind) appended after the last used
    column, with its values from ``frame`` (None: positions only, for a row map)."""
    from xlcrm.xlsx.writeback import ColumnOut

    def place(header: dict[int, str], used: int, taken: list[str]) -> list[ColumnOut]:
        return [
            ColumnOut(used + i, kind, None if frame is None else frame[key], head)
            for i, (key, head, kind) in enumerate(spec, start=1)
        ]

    return place

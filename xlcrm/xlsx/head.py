"""The first rows of a sheet, parsed just far enough to find the header row."""

from __future__ import annotations

import zipfile

from defusedxml import ElementTree as SafeET

from ..problems import BookError
from .cellref import col_index, split_ref
from .package import local, remembered
from .sharedstrings import SharedStrings


def head_rows(
    zf: zipfile.ZipFile, part: str, sst: SharedStrings, max_rows: int = 40, from_row: int = 1
) -> dict[int, dict[int, str]]:
    """Rows {row: {col: text}} of the first ``max_rows`` rows holding values, from ``from_row``.

    An update looks at the Customers header four times, each through a new handle on the same
    file: the rows are parsed once per process for each version of the sheet and shared
    strings parts (their names, checksums, sizes and places in the zip, which any change to
    either changes)."""
    key = (_version(zf, part), _version(zf, sst.part), max_rows, from_row)
    rows = remembered(_SEEN, key, lambda: _parse(zf, part, sst, max_rows, from_row))
    return {r: dict(cells) for r, cells in rows.items()}


_SEEN: dict[tuple, dict[int, dict[int, str]]] = {}


def _version(zf: zipfile.ZipFile, part: str | None) -> tuple | None:
    info = zf.NameToInfo.get(part) if part else None
    if info is None:
        return None
    return (
        str(zf.filename),
        part,
        info.CRC,
        info.file_size,
        info.compress_size,
        info.header_offset,
    )


def _parse(
    zf: zipfile.ZipFile, part: str, sst: SharedStrings, max_rows: int, from_row: int
) -> dict[int, dict[int, str]]:
    rows: dict[int, dict[int, str]] = {}
    try:
        fh = zf.open(part)
    except KeyError as exc:
        raise BookError("part_missing", part=part) from exc
    with fh:
        row_no = 0
        cells: dict[int, str] = {}
        next_col = 1
        try:
            for event, el in SafeET.iterparse(_Growing(fh), events=("start", "end")):
                tag = local(el.tag)
                if event == "start":
                    if tag == "row":
                        r = el.get("r")
                        row_no = int(r) if r else row_no + 1
                        cells, next_col = {}, 1
                    continue
                if tag == "c":
                    ref = el.get("r")
                    col = split_ref(ref)[1] if ref else next_col
                    next_col = col + 1
                    text = _cell_text(el, sst)
                    if text is not None and text.strip() != "":
                        cells[col] = text
                    el.clear()
                elif tag == "row":
                    if cells and row_no >= from_row:
                        rows[row_no] = cells
                        if len(rows) >= max_rows:
                            break
                    el.clear()
                elif tag == "sheetData":
                    break
        except SafeET.ParseError as exc:
            raise BookError("part_damaged", part=part, detail=str(exc)) from exc
    return rows


class _Growing:
    """A part read in growing steps (1 KB, then 2, 4 … up to the parser's 16 KB): the
    header is usually in the first kilobyte, and the parser builds every element of what it
    is given before the loop can stop."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.step = 1024

    def read(self, n: int) -> bytes:
        k = min(n, self.step)
        self.step *= 2
        return self.fh.read(k)


def _cell_text(el, sst: SharedStrings) -> str | None:
    t = el.get("t", "n")
    v = None
    inline: list[str] = []
    for child in el:
        ct = local(child.tag)
        if ct == "v":
            v = child.text
        elif ct == "is":
            inline.extend(x.text or "" for x in child.iter() if local(x.tag) == "t")
    if t == "inlineStr":
        return "".join(inline)
    if v is None:
        return None
    if t == "s":
        try:
            return sst.get(int(v))
        except ValueError:
            return None
    return v


__all__ = ["col_index", "head_rows"]

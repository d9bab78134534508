"""What a part really holds, found before the fast reader is let near it.

The fast reader (fastexcel, on calamine) inflates a part to its end whatever the zip's
directory claims, and lays a sheet's cells out as one dense grid spanning its farthest
cells: one cell in A1 and one in XFD1048576 ask it for 17 billion cells (550 GB), and it
aborts the process. So each part it will read is inflated here first, as a stream (ISA-L,
with bounded output per step), and:

- its true size is counted and must be what the directory says and within the limit;
- for a sheet, every cell reference is checked by RE2 (in Arrow's compute kernels, outside
  the interpreter lock) against the columns and rows the cell budget allows; only a sheet
  whose cells reach past those is looked at cell by cell, to find exactly how far it goes.

The grid the reader may build is then known before it is built: rows x columns within
``CELL_BUDGET``, else a plain refusal.
"""

from __future__ import annotations

import re
import string
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

from ..problems import BookError
from ..record import record
from .cellref import MAX_COLS, MAX_ROWS, col_letter
from .text import xml_unescape

try:
    from isal import isal_zlib as _inflate
except ImportError:  # a platform without its wheel
    _inflate = zlib

SHEET_LIMIT = 1024**3  # true bytes of one sheet part the fast reader reads
PART_LIMIT = 512 * 1024**2  # shared strings, styles, workbook: what the reader opens
CELL_BUDGET = 20_000_000  # cells the fast reader may lay out for one sheet (about 1.3 GB)
MARGIN = 5  # columns past the header's last that the quick check lets through
_STEP = 16 * 1024**2  # inflated bytes per step
ELEMENT_LIMIT = 4 * 1024**2  # from one '<' to the next: a cell's text is at most 128 KB
_LOCAL = struct.Struct("<4s2B4HL2L2H")


@record(frozen=True)
class Extent:
    """How far a sheet's cells reach: rows and columns of the grid the reader lays out."""

    rows: int
    cols: int

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def inflated(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The part's bytes, step by step, refusing as soon as they exceed what the directory
    says or ``limit``: a lying directory or a bomb costs at most ``limit`` bytes of work."""
    if info.file_size > limit:
        raise BookError("part_inflates", part=info.filename, limit=limit)
    fp = zf.fp
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL.size)
    if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise BookError("part_damaged", part=info.filename, detail="local header")
    fields = _LOCAL.unpack(header)
    fp.seek(info.header_offset + _LOCAL.size + fields[-2] + fields[-1])
    left, total = info.compress_size, 0
    d = _inflate.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    if d is None and info.compress_type != zipfile.ZIP_STORED:
        raise BookError("part_damaged", part=info.filename, detail="compression method")
    pending = b""
    while left or pending:
        if not pending:
            pending = fp.read(min(left, 1 << 20))
            if not pending:
                raise BookError("part_damaged", part=info.filename, detail="cut short")
            left -= len(pending)
        if d is None:
            out, pending = pending, b""
        else:
            out = d.decompress(pending, _STEP)
            pending = d.unconsumed_tail
        total += len(out)
        if total > info.file_size:
            raise BookError("part_inflates", part=info.filename, limit=info.file_size)
        if out:
            yield out
        if d is not None and d.eof:
            break
    if total != info.file_size:
        raise BookError("part_damaged", part=info.filename, detail="size")


def check_part(zf: zipfile.ZipFile, part: str, limit: int = PART_LIMIT) -> None:
    """A part the reader opens whole (shared strings, styles): its true size, bounded."""
    info = zf.NameToInfo.get(part)
    if info is not None:
        for _ in inflated(zf, info, limit):
            pass


def sheet_extent(zf: zipfile.ZipFile, part: str, width: int, name: str) -> Extent:
    """How far the sheet's cells reach, refusing a sheet whose grid would be over budget.

    ``width`` is the last column of the table's header: cells within it (and a few columns
    more) and within the rows the budget then allows pass at the speed of one scan; a sheet
    with cells farther out is read reference by reference to find how far it really goes.
    """
    info = zf.NameToInfo.get(part)
    if info is None:
        raise BookError("part_missing", part=part)
    cols = min(MAX_COLS, max(width + MARGIN, 10))
    rows = min(MAX_ROWS, CELL_BUDGET // cols)
    quick = _beyond(cols, rows)
    found = Extent(rows, cols)
    if _any_beyond(inflated(zf, info, SHEET_LIMIT), quick):
        # cells past the quick bound: a second pass reads every reference
        exact = _Exact()
        for chunk in inflated(zf, info, SHEET_LIMIT):
            exact.add(chunk)
        found = exact.extent()
    if found.rows > MAX_ROWS or found.cols > MAX_COLS:
        raise BookError("beyond_grid", sheet=name)
    if found.cells > CELL_BUDGET:
        raise BookError(
            "too_many_cells",
            sheet=name,
            rows=found.rows,
            last=col_letter(found.cols),
            cells=found.cells,
            budget=CELL_BUDGET,
        )
    return found


def _any_beyond(chunks: Iterator[bytes], quick: str) -> bool:
    """Whether any reference is past the quick bound. Chunks are inflated on this thread and
    scanned on another (both let go of the interpreter lock); the element a chunk's edge cuts
    is looked at whole, from its '<' in one chunk to its '>' in the next."""
    hit = False
    carry = b""
    scans: deque[Future] = deque()
    with ThreadPoolExecutor(1, thread_name_prefix="xlcrm-survey") as pool:
        for chunk in chunks:
            close = chunk.find(b">")
            window = carry + (chunk[: close + 1] if close != -1 else chunk)
            hit = hit or _matches(window, quick)
            cut = chunk.rfind(b"<")
            carry = chunk[cut:] if cut != -1 else window
            if len(carry) > ELEMENT_LIMIT:
                hit = True  # one element longer than any real cell: the exact pass decides
            if not hit:  # past a hit the part is still inflated to its end: its size counts
                scans.append(pool.submit(_matches, chunk, quick))
            while len(scans) > 2:  # two chunks in flight at most
                hit = scans.popleft().result() or hit
        for scan in scans:
            hit = scan.result() or hit
    return hit


def _matches(text: bytes, pattern: str) -> bool:
    """RE2 through Arrow: the interpreter lock is let go while the bytes are scanned, and the
    pattern (one per sheet width) is compiled in microseconds, where Python's re takes
    milliseconds."""
    offsets = pa.py_buffer(struct.pack("<2q", 0, len(text)))
    one = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(text)])
    return bool(pc.match_substring_regex(one, pattern)[0].as_py())


# a cell's or row's reference attribute, as an XML parser reads it: spaces around '=' and
# either quote are allowed, and a character reference in it (&#88;) is decoded
_R_ATTR = rb"""\sr\s*=\s*["']"""
_QUOTE = rb"""["'])"""
_ENTITY = rb"""[^"'<>]*&"""
# a cell or row element none of whose attributes is named r
_NO_REF = (
    rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row)"
    rb"""(?:\s+(?:[^\s=>/r][^\s=>]*|r[^\s=>]+)\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>"""
)


class _Exact:
    """A sheet's cells placed as the reader places them: a cell or row with a reference
    where it says, one without it right after the one before; the farthest row and column."""

    _ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])([^>]*)>")
    _REF = re.compile(_R_ATTR + rb"""([^"'<>]*)["']""")
    _CELL = re.compile(rb"([A-Za-z]{0,4})0*([0-9]{1,10})")

    def __init__(self) -> None:
        self.rows = self.cols = 0
        self.row = self.col = 0
        self.rest = b""

    def add(self, chunk: bytes) -> None:
        text = self.rest + chunk
        cut = text.rfind(b"<")  # an element may be cut at the chunk's end: kept for the next
        self.rest = text[cut:] if cut != -1 else text
        if len(self.rest) > ELEMENT_LIMIT:
            raise BookError("part_damaged", part="sheet", detail="an element over 4 MB")
        for m in self._ELEMENT.finditer(text, 0, cut if cut != -1 else len(text)):
            letters, number = self._ref(m.group(2))
            if m.group(1) == b"row":
                self.row = number if number else self.row + 1
                self.col = 0
            elif letters:
                self.row, self.col = number or self.row, _col(letters)
            else:
                self.col += 1
            self.rows = max(self.rows, self.row)
            self.cols = max(self.cols, self.col)

    def _ref(self, attrs: bytes) -> tuple[bytes, int]:
        m = self._REF.search(b" " + attrs)
        if m is None:
            return b"", 0
        value = m.group(1)
        if b"&" in value:
            value = xml_unescape(value.decode("utf-8", "replace")).encode("utf-8")
        ref = self._CELL.fullmatch(value.strip())
        if ref is None:
            return b"", 0
        return ref.group(1), int(ref.group(2))

    def extent(self) -> Extent:
        return Extent(self.rows, self.cols)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _beyond(cols: int, rows: int) -> str:
    """A pattern (for RE2) matching a reference past ``cols`` columns or ``rows`` rows, one
    holding a character reference, and a cell or row element without a reference."""
    letters = _letters_above(col_letter(cols))
    number = _number_above(rows)
    ref = rb"(?:(?:" + letters + rb")0*[0-9]|[A-Z]{0,3}0*(?:" + number + rb")" + _QUOTE
    pattern = rb"(?i)" + _R_ATTR + ref + rb"|" + _R_ATTR + _ENTITY + rb"|" + _NO_REF
    return pattern.decode("ascii")


def _letters_above(limit: str) -> bytes:
    """Column letters that name a column past ``limit`` (longer, or as long and later)."""
    return _greater(limit, string.ascii_uppercase, b"A-Z")


def _number_above(limit: int) -> bytes:
    """Decimal numbers (no leading zeros) greater than ``limit``."""
    return _greater(str(limit), string.digits, b"1-9")


def _greater(limit: str, alphabet: str, lead: bytes) -> bytes:
    """Strings over ``alphabet`` (the first from ``lead``) past ``limit``: longer, or as long
    and later at the first place they differ."""
    n, last = len(limit), alphabet[-1]
    every = f"{alphabet[0]}-{last}".encode()
    parts = [b"[" + lead + b"][" + every + b"]{%d,}" % n]
    for i, ch in enumerate(limit):
        if ch != last:
            rest = n - i - 1
            later = f"[{alphabet[alphabet.index(ch) + 1]}-{last}]".encode()
            parts.append(
                limit[:i].encode() + later + (b"[" + every + b"]{%d}" % rest if rest else b"")
            )
    return b"|".join(parts)

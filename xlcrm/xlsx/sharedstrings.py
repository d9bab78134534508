"""Shared strings, found by index without parsing the whole table.

A book with a million order IDs has a million shared strings; the header row needs a handful,
and Excel numbers strings in the order it meets them, so the header's come first. The part is
inflated only as far as the highest index asked for, the ``<si>`` starts found by a byte scan
of what was inflated, and only the entries asked for are decoded. Text is taken with the
standard XML escapes only: no entity is ever resolved.
"""

from __future__ import annotations

import re
import zipfile

from ..problems import BookError
from .closing import Closing
from .text import xml_unescape

SST_LIMIT = 1024 * 1024 * 1024
_CHUNK = 1 << 20
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s>/])")
_RPH = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)rPh\b.*?</\1rPh>", re.S)
_T = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)t(?:\s[^>]*)?(?:/>|>(.*?)</\1t>)", re.S)


class SharedStrings(Closing):
    def __init__(self, zf: zipfile.ZipFile, part: str | None, chunk: int = _CHUNK) -> None:
        self._zf, self._part, self._chunk = zf, part, chunk
        self._fh = None
        self._data = bytearray()
        self._starts: list[int] = []
        self._scanned = 0  # the scan for entry starts has covered data[:_scanned]
        self._done = part is None
        self._cache: dict[int, str] = {}

    @property
    def part(self) -> str | None:
        return self._part

    def _more(self) -> None:
        """Inflate the next chunk and find the entries that start in it."""
        if self._fh is None:
            try:
                self._fh = self._zf.open(self._part)
            except KeyError as exc:
                raise BookError("part_missing", part=self._part) from exc
        chunk = self._fh.read(self._chunk)
        if not chunk:
            self._done = True
            self._fh.close()
        self._data += chunk
        if len(self._data) > SST_LIMIT:
            raise BookError("part_inflates", part=self._part, limit=SST_LIMIT)
        # scan up to the last '<': every tag before it is whole, the one after may be cut
        upto = len(self._data) if self._done else max(self._scanned, self._data.rfind(b"<"))
        for m in _SI.finditer(self._data, self._scanned, upto):
            self._starts.append(m.start())
        self._scanned = upto

    def _reach(self, index: int) -> None:
        """Inflate until entry ``index`` is known to end (the next entry starts) or the part does."""
        while not self._done and len(self._starts) <= index + 1:
            self._more()

    def __len__(self) -> int:
        self._reach(1 << 62)
        return len(self._starts)

    def get(self, index: int) -> str:
        if index in self._cache:
            return self._cache[index]
        self._reach(index)
        if not 0 <= index < len(self._starts):
            raise BookError("shared_string_missing", index=index)
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._data)
        chunk = _RPH.sub(b"", bytes(self._data[self._starts[index] : end]))
        text = "".join(
            xml_unescape((m.group(2) or b"").decode("utf-8", "replace")) for m in _T.finditer(chunk)
        )
        self._cache[index] = text
        return text

    def close(self) -> None:
        """Let go of the inflated text; entries already decoded stay answerable."""
        if self._fh is not None:
            self._fh.close()
        self._fh, self._data, self._starts, self._scanned = None, bytearray(), [], 0
        self._done = self._part is None

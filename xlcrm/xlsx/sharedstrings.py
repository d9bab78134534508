"""Shared strings, found by index without parsing the whole table.

A book with a million order IDs has a million shared strings; the header row needs a handful.
The ``<si>`` start offsets are found once with a byte scan, and only the entries asked for are
decoded. Text is taken with the standard XML escapes only: no entity is ever resolved.
"""

from __future__ import annotations

import re
import zipfile

import numpy as np

from ..problems import BookError
from .package import read_member
from .text import xml_unescape

SST_LIMIT = 1024 * 1024 * 1024
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s>/])")
_RPH = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)rPh\b.*?</\1rPh>", re.S)
_T = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)t(?:\s[^>]*)?(?:/>|>(.*?)</\1t>)", re.S)


class SharedStrings:
    def __init__(self, zf: zipfile.ZipFile, part: str | None) -> None:
        self._zf, self._part = zf, part
        self._data: bytes | None = None
        self._starts: list[int] = []
        self._cache: dict[int, str] = {}

    def _load(self) -> None:
        if self._data is None:
            self._data = read_member(self._zf, self._part, SST_LIMIT) if self._part else b""
            if b"<si>" in self._data and not re.search(rb"<\w+:si[\s>]|<si\s", self._data):
                # the usual form: one C-level pass finds every entry
                parts = self._data.split(b"<si>")
                lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)) + 4
                lengths[0] -= 4
                self._starts = np.cumsum(lengths)[:-1]
            else:
                self._starts = [m.start() for m in _SI.finditer(self._data)]

    def __len__(self) -> int:
        self._load()
        return len(self._starts)

    def get(self, index: int) -> str:
        if index in self._cache:
            return self._cache[index]
        self._load()
        if not 0 <= index < len(self._starts):
            raise BookError(f"A cell refers to shared string {index}, which does not exist.")
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._data)
        chunk = _RPH.sub(b"", self._data[self._starts[index] : end])
        text = "".join(
            xml_unescape((m.group(2) or b"").decode("utf-8", "replace")) for m in _T.finditer(chunk)
        )
        self._cache[index] = text
        return text

    def close(self) -> None:
        self._data = None

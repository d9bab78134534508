"""Limits a workbook must respect before xlcrm parses anything in it.

Checked from the zip's central directory alone, so a hostile file is refused in milliseconds.
The numbers sit far above real workbooks: a sheet at Excel's row limit is about 330 MB of XML
and compresses about 10:1.
"""

from __future__ import annotations

import zipfile

from ..problems import BookError

MAX_MEMBERS = 10_000
MAX_MEMBER_SIZE = 2 * 1024**3  # 2 GiB uncompressed for one part
MAX_TOTAL_SIZE = 4 * 1024**3  # 4 GiB uncompressed for the whole book
MAX_RATIO = 300  # uncompressed / compressed, for parts over RATIO_FLOOR
RATIO_FLOOR = 16 * 1024**2


def check_zip(zf: zipfile.ZipFile, name: str) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise BookError("too_many_parts", name=name, count=len(infos))
    seen: set[str] = set()
    total = 0
    for info in infos:
        member = info.filename
        steps = member.replace("\\", "/").split("/")
        if member.startswith(("/", "\\")) or ".." in steps or ":" in steps[0]:
            raise BookError("unsafe_name", name=name, member=repr(member))
        key = member.casefold()
        if key in seen:
            raise BookError("duplicate_part", name=name, member=repr(member))
        seen.add(key)
        if info.file_size > MAX_MEMBER_SIZE:
            raise BookError("part_too_large", name=name, member=member, size=info.file_size)
        if (
            info.file_size > RATIO_FLOOR
            and info.compress_size
            and (info.file_size / info.compress_size > MAX_RATIO)
        ):
            ratio = info.file_size // max(1, info.compress_size)
            raise BookError("zip_bomb", name=name, member=member, ratio=ratio)
        total += info.file_size
    if total > MAX_TOTAL_SIZE:
        raise BookError("book_too_large", name=name, size=total)

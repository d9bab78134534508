"""Write a new package from an old one: untouched members copied raw, never re-compressed.

zipfile can only add members it compresses itself, so a raw copy writes the member's local
header and its compressed bytes directly and registers the entry, letting zipfile write the
central directory (ZIP64 included) as usual.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from collections.abc import Iterable

from .deflate import DeflatedPart

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile's local file header layout
_DATA_DESCRIPTOR = 0x08
CHUNK = 1024 * 1024


def _strip_extra(extra: bytes, ids: tuple[int, ...]) -> bytes:
    out, i = bytearray(), 0
    while i + 4 <= len(extra):
        xid, size = struct.unpack("<HH", extra[i : i + 4])
        if xid not in ids:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return bytes(out)


def copy_raw(dst: zipfile.ZipFile, src: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Append ``info`` from ``src`` to ``dst`` with its compressed bytes unchanged."""
    fp = src.fp
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL.size)
    if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    fields = _LOCAL.unpack(header)
    name_len, extra_len = fields[-2], fields[-1]
    fp.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.extra = _strip_extra(info.extra, (1,))
    new.create_system = info.create_system
    new.create_version = info.create_version
    new.extract_version = info.extract_version
    new.flag_bits = info.flag_bits & ~_DATA_DESCRIPTOR
    new.internal_attr = info.internal_attr
    new.external_attr = info.external_attr
    new.CRC = info.CRC
    new.compress_size = info.compress_size
    new.file_size = info.file_size
    out = dst.fp
    new.header_offset = out.tell()
    zip64 = new.file_size > zipfile.ZIP64_LIMIT or new.compress_size > zipfile.ZIP64_LIMIT
    out.write(new.FileHeader(zip64))
    remaining = info.compress_size
    while remaining:
        chunk = fp.read(min(CHUNK, remaining))
        if not chunk:
            raise zipfile.BadZipFile(f"{info.filename} is truncated")
        out.write(chunk)
        remaining -= len(chunk)
    dst.filelist.append(new)
    dst.NameToInfo[new.filename] = new
    dst.start_dir = out.tell()


def write_member(
    dst: zipfile.ZipFile,
    name: str,
    data: bytes | Iterable[bytes],
    like: zipfile.ZipInfo | None = None,
    level: int = 6,
) -> None:
    """Add a new or changed member, compressed, keeping the old entry's timestamp if any."""
    info = _deflated_info(name, like)
    info._compresslevel = level  # type: ignore[attr-defined]
    streamed = not isinstance(data, bytes | bytearray)
    with dst.open(info, "w", force_zip64=streamed) as fh:
        if isinstance(data, bytes | bytearray):
            fh.write(data)
        else:
            for chunk in data:
                fh.write(chunk)


def _deflated_info(name: str, like: zipfile.ZipInfo | None) -> zipfile.ZipInfo:
    """A deflated entry that keeps the old entry's timestamp and attributes, if any."""
    info = zipfile.ZipInfo(name, like.date_time if like else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    if like is not None:
        info.external_attr = like.external_attr
        info.create_system = like.create_system
    return info


def member_bytes(src: zipfile.ZipFile, name: str) -> bytes:
    with src.open(name) as fh:
        return fh.read()


def copy_file(a: str, b: str) -> None:
    shutil.copyfile(a, b)


def write_deflated(
    dst: zipfile.ZipFile, name: str, part: DeflatedPart, like: zipfile.ZipInfo | None = None
) -> None:
    """Add a member whose deflate stream was made beforehand (see deflate.py), as it is."""
    info = _deflated_info(name, like)
    info.CRC, info.file_size, info.compress_size = part.crc, part.file_size, part.compress_size
    out = dst.fp
    info.header_offset = out.tell()
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
    out.write(info.FileHeader(zip64))
    for block in part.blocks(CHUNK):
        out.write(block)
    dst.filelist.append(info)
    dst.NameToInfo[info.filename] = info
    dst.start_dir = out.tell()


def write_package(
    src: zipfile.ZipFile,
    dst,
    changed: dict,
    added: Iterable[str] | dict,
    removed: Iterable[str] = (),
) -> None:
    """Every member of src in its place, with xlcrm's parts swapped in and its new ones last.

    Keeping the owner's members in their order and raw bytes is what makes the result a
    patch of their file rather than a rewrite of it.
    """
    gone = set(removed)
    new = dict(added) if isinstance(added, dict) else {n: changed[n] for n in added}
    with zipfile.ZipFile(dst, "w", allowZip64=True) as out:
        for info in src.infolist():
            if info.filename in gone:
                continue
            if info.filename in changed:
                _put(out, info.filename, changed[info.filename], info)
            else:
                copy_raw(out, src, info)
        for name, data in new.items():
            _put(out, name, data, None)


def _put(out: zipfile.ZipFile, name: str, data, like: zipfile.ZipInfo | None) -> None:
    if isinstance(data, DeflatedPart):
        write_deflated(out, name, data, like=like)
    else:
        write_member(out, name, data, like=like)

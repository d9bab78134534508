"""Zip members deflated on a second thread while the main thread goes on producing them.

Writing back a large book is two kinds of work: Python building the XML of the patched and
owned sheets, and deflating it. The compressor lets go of the interpreter lock while it works,
so each large part gets a worker thread that checksums, deflates and spools the chunks it is
fed; the deflated bytes then go into the new package as they are, like an untouched member.

ISA-L (``isal``) deflates the same standard stream about four times as fast as zlib at its
fastest level, and smaller (150 MB of Customers XML: 0.19 s against 0.88 s); where it is not
installed, zlib does the same job.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator

try:
    from isal import isal_zlib as _fast
except ImportError:  # a platform without its wheel
    _fast = zlib

_DONE = object()


class DeflatedPart:
    """One member's raw deflate stream with its CRC and sizes, spooled to a scratch file."""

    def __init__(self, level: int = 1, depth: int = 4) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.crc = 0
        self.file_size = 0
        self.compress_size = 0
        self._level = level
        self._queue: queue.Queue = queue.Queue(maxsize=depth)  # bounds the memory in flight
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlcrm-deflate", daemon=True)
        self._thread.start()
        self._open = True

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(chunk)

    def finish(self) -> DeflatedPart:
        """Wait for the worker; raise what it met. Safe to call twice."""
        if self._open:
            self._open = False
            self._queue.put(_DONE)
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self

    def blocks(self, size: int = 1 << 20) -> Iterator[bytes]:
        self.file.seek(0)
        while block := self.file.read(size):
            yield block

    def close(self) -> None:
        if self._open:  # an error stopped the producer: let the worker drain and end
            self._open = False
            self._queue.put(_DONE)
            self._thread.join()
        self.file.close()

    def __enter__(self) -> DeflatedPart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        z = _fast.compressobj(self._level, zlib.DEFLATED, -15)
        while (chunk := self._queue.get()) is not _DONE:
            if self._error is not None:
                continue  # keep taking chunks so the producer never blocks on a full queue
            try:
                self.crc = _fast.crc32(chunk, self.crc)
                self.file_size += len(chunk)
                out = z.compress(chunk)
                self.file.write(out)
                self.compress_size += len(out)
            except BaseException as exc:  # handed to the producer by write() or finish()
                self._error = exc
        if self._error is None:
            try:
                out = z.flush()
                self.file.write(out)
                self.compress_size += len(out)
                self.file.flush()
            except BaseException as exc:
                self._error = exc


def deflate(chunks: Iterable[bytes], level: int = 1) -> DeflatedPart:
    """Deflate ``chunks`` on a worker thread as they are produced; the caller closes the part."""
    part = DeflatedPart(level)
    try:
        for chunk in chunks:
            part.write(chunk)
        return part.finish()
    except BaseException:
        part.close()
        raise

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

import io
import queue
import tempfile
import threading
import zlib
from collections.abc import Iterable, Iterator

from .closing import Closing

try:
    from isal import isal_zlib as _fast
except ImportError:  # a platform without its wheel
    _fast = zlib

_DONE = object()


class DeflatedPart(Closing):
    """One member's raw deflate stream with its CRC and sizes, spooled to a scratch file.

    ``threaded``: deflated by a worker thread as the chunks come; else in the caller, into
    memory (a small part: a thread would cost more than it saves)."""

    def __init__(self, level: int = 1, depth: int = 4, threaded: bool = True) -> None:
        self.file = tempfile.TemporaryFile() if threaded else io.BytesIO()  # noqa: SIM115
        self.crc = 0
        self.file_size = 0
        self.compress_size = 0
        self._z = _fast.compressobj(level, zlib.DEFLATED, -15)
        self._error: BaseException | None = None
        self._open = True
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue: queue.Queue = queue.Queue(maxsize=depth)  # bounds memory in flight
            self._thread = threading.Thread(target=self._run, name="xlcrm-deflate", daemon=True)
            self._thread.start()

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._take(chunk)
        else:
            self._queue.put(chunk)

    def finish(self) -> DeflatedPart:
        """Wait for the worker; raise what it met. Safe to call twice."""
        if self._open:
            self._open = False
            if self._thread is None:
                self._flush()
            else:
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
        if self._open and self._thread is not None:  # an error stopped the producer
            self._open = False
            self._queue.put(_DONE)
            self._thread.join()
        self.file.close()

    def _take(self, chunk: bytes) -> None:
        self.crc = _fast.crc32(chunk, self.crc)
        self.file_size += len(chunk)
        out = self._z.compress(chunk)
        self.file.write(out)
        self.compress_size += len(out)

    def _flush(self) -> None:
        out = self._z.flush()
        self.file.write(out)
        self.compress_size += len(out)
        self.file.flush()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not _DONE:
            if self._error is not None:
                continue  # keep taking chunks so the producer never blocks on a full queue
            try:
                self._take(chunk)
            except BaseException as exc:  # handed to the producer by write() or finish()
                self._error = exc
        if self._error is None:
            try:
                self._flush()
            except BaseException as exc:
                self._error = exc


SMALL = 1 << 20  # a part this small is deflated in the caller: no worker thread


def deflate(chunks: Iterable[bytes], level: int = 1) -> DeflatedPart:
    """Deflate ``chunks``: a large part on a worker thread as they are produced, a small one
    in the caller. The caller closes the part."""
    it = iter(chunks)
    head: list[bytes] = []
    size = 0
    for chunk in it:
        head.append(chunk)
        size += len(chunk)
        if size >= SMALL:
            break
    part = DeflatedPart(level, threaded=size >= SMALL)
    try:
        for chunk in head:
            part.write(chunk)
        for chunk in it:
            part.write(chunk)
        return part.finish()
    except BaseException:
        part.close()
        raise

"""Safe saving: refuse when the book is open or read-only, lock, write aside, back up, swap.

The new file is written to a temporary file in the book's own folder (the real file's, when
the book is a link), flushed and fsynced, then moved over the old one with os.replace, which
is atomic: a crash at any moment leaves the old file or the new one, never a mix. Before the
swap the book must still be the file that was read: a sync client or another program that
saved it meanwhile makes the update refuse rather than write one book's numbers into another.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .problems import BookError
from .record import record

BACKUP_DIR = ".xlcrm-backups"
KEEP_BACKUPS = 3
_STAMP = "%Y%m%d-%H%M%S-%f"
_STAMP_RX = r"\d{8}-\d{6}-\d{6}"


def real_path(path: Path) -> Path:
    """The file a link points at (the book itself otherwise): what is really replaced."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def lock_files(path: Path) -> list[Path]:
    """The lock files of an office program that has the book open, beside it: Excel's owner
    file ('~$' + name, or '~$' + the name without its first two characters) and LibreOffice's
    ('.~lock.' + name + '#')."""
    names = {"~$" + path.name, f".~lock.{path.name}#"}
    if len(path.name) > 2:
        names.add("~$" + path.name[2:])
    return sorted(path.parent / n for n in names if (path.parent / n).exists())


def check_writable(path: Path) -> None:
    real = real_path(path)
    for p in dict.fromkeys((path, real)):
        found = lock_files(p)
        if found:
            raise BookError("open_in_excel", name=path.name, lock=found[0].name)
    if real.exists() and not real.stat().st_mode & stat.S_IWUSR:
        raise BookError("read_only", name=path.name)
    folder = real.parent if str(real.parent) else Path(".")
    if not folder.is_dir():
        raise BookError("folder_missing", name=path.name, folder=str(folder))
    if not os.access(folder, os.W_OK):
        raise BookError("folder_not_writable", name=path.name)


def check_new_file(path: Path, suffix: str, force: bool = False) -> None:
    """A file xlcrm is about to make: named for what it is (Excel refuses a workbook whose
    name says another kind), in a folder that exists, and not over another file unless
    ``force``."""
    if path.suffix.lower() != suffix:
        raise BookError("out_suffix", name=path.name, want=suffix)
    if path.is_dir():
        raise BookError("is_folder", path=str(path))
    if path.exists() and not force:
        raise BookError("exists", path=str(path))
    check_writable(path)


@record(frozen=True)
class Fingerprint:
    """What a book was when it was read: the file (device, inode, size, time modified) and
    each part's name, CRC and size from the zip's directory."""

    file: tuple[int, int, int, int]
    parts: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, path: Path) -> Fingerprint | None:
        """None when the file cannot be opened as a zip (the reader says why, in its words)."""
        try:
            with zipfile.ZipFile(path) as z:
                parts = tuple((i.filename, i.CRC, i.file_size) for i in z.infolist())
            return cls(_stat(path), parts)
        except (OSError, zipfile.BadZipFile, ValueError, EOFError):
            return None

    def same_file(self, path: Path) -> bool:
        try:
            return _stat(path) == self.file
        except OSError:
            return False

    def check(self, path: Path, parts: bool = True) -> None:
        """Refuse, changing nothing, unless ``path`` is still the book that was read."""
        same = self.same_file(path)
        if same and parts:
            again = Fingerprint.of(path)
            same = again is not None and again.parts == self.parts
        if not same:
            raise BookError("book_changed", name=path.name)


def _stat(path: Path) -> tuple[int, int, int, int]:
    s = os.stat(path)
    return (s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns)


@contextlib.contextmanager
def book_lock(path: Path) -> Iterator[None]:
    """One xlcrm writer per book: an exclusive lock on a small file beside it."""
    real = real_path(path)
    lock = real.parent / f".{real.name}.xlcrm-lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_fd(fd)
        except OSError:
            os.close(fd)
            raise BookError("book_busy", name=path.name) from None
        try:  # the file may have been removed by the previous holder: lock the one on disk
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def _lock_fd(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def atomic_write(
    target: Path,
    write: Callable[[Path], object],
    backup: bool = True,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> Path | None:
    """Run ``write(tmp)`` and move tmp over target. Returns the backup made, if any.

    The new file gets ``mode``, else the old file's permissions, else what a new file gets
    under the umask. ``before_replace`` runs last, just before the swap: it may refuse.
    """
    real = real_path(Path(target))
    folder = real.parent
    _clean_stale_temps(real)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{real.name}.xlcrm-tmp-", suffix=real.suffix, dir=folder
    )
    os.close(fd)
    tmp = Path(tmp_name)
    made = None
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else _new_file_mode()
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        if backup and real.exists():
            made = _backup(real)
        os.replace(tmp, real)
        _fsync_dir(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return made


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@record(frozen=True)
class Backup:
    """A backup of a book: the file and when it was made (from its name)."""

    path: Path
    made: dt.datetime


def backups(book: Path) -> list[Backup]:
    """The backups of this book, newest first: found by its exact name, never another's."""
    real = real_path(Path(book))
    folder = real.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    rx = re.compile(re.escape(real.stem) + r"\.(" + _STAMP_RX + r")" + re.escape(real.suffix) + "$")
    found = []
    for p in folder.iterdir():
        m = rx.fullmatch(p.name)
        if m:
            found.append(Backup(p, dt.datetime.strptime(m.group(1), _STAMP)))
    return sorted(found, key=lambda b: b.made, reverse=True)


def restore(book: Path, backup: Backup) -> Path | None:
    """Put a backup back in place of the book, atomically, keeping the current file as a
    backup too. Returns that new backup."""

    check_writable(book)
    keep = backup.path.with_name(backup.path.name + ".restoring")
    shutil.copy2(backup.path, keep)  # pruning may remove the one being restored
    try:
        with book_lock(book):
            return atomic_write(book, lambda tmp: shutil.copyfile(keep, tmp), backup=True)
    finally:
        with contextlib.suppress(OSError):
            keep.unlink()


def _backup(real: Path) -> Path:
    folder = real.parent / BACKUP_DIR
    try:
        folder.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime(_STAMP)
        dest = folder / f"{real.stem}.{stamp}{real.suffix}"
        shutil.copy2(real, dest)
    except OSError as exc:
        raise BookError(
            "backup_failed", folder=str(folder), detail=exc.strerror or str(exc)
        ) from exc
    for old in backups(real)[KEEP_BACKUPS:]:
        with contextlib.suppress(OSError):
            old.path.unlink()
    return dest


def _clean_stale_temps(target: Path) -> None:
    for old in target.parent.glob(f".{glob_escape(target.name)}.xlcrm-tmp-*"):
        with contextlib.suppress(OSError):
            old.unlink()


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

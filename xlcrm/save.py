"""Safe saving: refuse when the book is open or read-only, lock, write aside, back up, swap.

The new file is written to a temporary file in the same folder, flushed and fsynced, then
moved over the old one with os.replace, which is atomic: a crash at any moment leaves the old
file or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from .problems import BookError

BACKUP_DIR = ".xlcrm-backups"
KEEP_BACKUPS = 3


def excel_lock_files(path: Path) -> list[Path]:
    """Excel's owner file: '~$' + name, or '~$' + name without its first two characters."""
    names = {"~$" + path.name, "~$" + path.name[2:]} if len(path.name) > 2 else {"~$" + path.name}
    return [path.parent / n for n in names if (path.parent / n).exists()]


def check_writable(path: Path) -> None:
    if excel_lock_files(path):
        raise BookError("open_in_excel", name=path.name, lock=excel_lock_files(path)[0].name)
    if path.exists():
        mode = path.stat().st_mode
        if not mode & stat.S_IWUSR:
            raise BookError("read_only", name=path.name)
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK):
        raise BookError("folder_not_writable", name=path.name)


@contextlib.contextmanager
def book_lock(path: Path) -> Iterator[None]:
    """One xlcrm writer per book: an exclusive lock on a small file beside it."""
    lock = path.parent / f".{path.name}.xlcrm-lock"
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


def atomic_write(target: Path, write: Callable[[Path], None], backup: bool = True) -> Path | None:
    """Run ``write(tmp)`` and move tmp over target. Returns the backup made, if any."""
    target = Path(target)
    folder = target.parent
    _clean_stale_temps(target)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.xlcrm-tmp-", suffix=target.suffix, dir=folder
    )
    os.close(fd)
    tmp = Path(tmp_name)
    made = None
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
            if backup:
                made = _backup(target)
        os.replace(tmp, target)
        _fsync_dir(folder)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return made


def _backup(target: Path) -> Path:
    folder = target.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"{target.stem}.{stamp}{target.suffix}"
    shutil.copy2(target, dest)
    olds = sorted(folder.glob(f"{target.stem}.*{target.suffix}"))
    for old in olds[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):
            old.unlink()
    return dest


def _clean_stale_temps(target: Path) -> None:
    for old in target.parent.glob(f".{target.name}.xlcrm-tmp-*"):
        with contextlib.suppress(OSError):
            old.unlink()


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

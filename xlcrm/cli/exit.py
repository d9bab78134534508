"""The console script's way in and out: a lighter garbage collector for one command, and an
exit that skips tearing down the interpreter.

Loading pandas, numpy, Arrow and xlcrm leaves some 120,000 objects for the collector to
track, all kept as long as the process lives and none of them garbage, yet the collector's
default (a pass every 700 allocations, and whole-heap passes as the heap grows) walks them
again and again while they load: 0.1-0.15 s of a typical update on a small machine. So the
collector is off while the modules load. Once a command has imported what it runs on
(``loaded``), everything alive is frozen out of the collector's sight (``gc.freeze``: those
objects stay for the whole run anyway) and collection resumes, a pass every 50,000
allocations: a command allocates a few million short-lived objects (pandas' Series and Index
objects, cell text) and few reference cycles, and the default walked the young objects some
two hundred times in a typical update. The commands that load the engine call ``loaded``;
the others (``--help``, ``backups``) are over before their garbage would matter.

Unloading pandas, numpy and Arrow module by module takes about 0.2 s on a small machine,
a fifth of a typical book's whole run, and frees nothing the operating system would not
free at once. So once the command has finished, everything an orderly exit owes the user is
done here, in the order Python's own exit does it, and the process then ends directly:
the non-daemon threads are joined, the ``atexit`` functions run (temporary folders, worker
processes), the standard streams flushed. Every file xlcrm writes is already synced and in
place before a command returns (save.py), so nothing the owner keeps depends on the
teardown that is skipped. The group itself (``main``) is unchanged, so ``CliRunner`` and
callers embedding xlcrm exit normally.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

from .group import main


def run() -> None:
    """Run the command line and end the process as soon as its work is done."""
    global _LOADING
    gc.disable()
    _LOADING = True
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    os._exit(_leave(code))


def loaded() -> None:
    """Called by a command once its modules are imported: the collector resumes (see above).
    Does nothing unless the console script turned the collector off (``CliRunner``, callers
    embedding xlcrm)."""
    global _LOADING
    if not _LOADING:
        return
    _LOADING = False
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    gc.enable()


GC_YOUNG = 50_000
_LOADING = False  # the console script's collector is off until the command has loaded


def _leave(code: object) -> int:
    """Everything an orderly exit does except unloading modules; the exit status."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, (int, type(None))):  # sys.exit("text") prints it, as Python does
        print(code, file=sys.stderr)
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):  # the reader left, or it is closed
            status = status or 120
    return status

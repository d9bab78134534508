"""The console script's way in and out: a lighter garbage collector for one command, and an
exit that skips tearing down the interpreter.

A command allocates a few million short-lived objects (pandas' Series and Index objects, cell
text) and few reference cycles; the collector's default, a pass every 700 allocations, walks
the young objects some two hundred times in a typical update, about 0.05-0.1 s of it. A
pass every 50,000 keeps cycles collected at any book size for a fraction of that.

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
    lighter_collection()
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    os._exit(_leave(code))


def lighter_collection() -> None:
    """Collect reference cycles less often (see above): for a process that runs commands."""
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


GC_YOUNG = 50_000


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

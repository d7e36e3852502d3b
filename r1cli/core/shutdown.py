"""Ending a one-shot `r1` process without the interpreter's teardown.

After the last byte of an answer, CPython's exit — finalising every module that typer,
httpx, rich and sqlite3 loaded, collecting their objects — costs 50–150 ms, paid by
every call a script makes. `fast_exit` ends the process with `os._exit` instead, but
only when it is safe: the process entry armed it (never an in-process caller such as
the tests), the command declared that what it opened is registered here (`allow`), and
every registered closer ran (the history store is closed, so its last write is on
disk and its WAL checkpointed) and stdout and stderr flushed. Any failure there returns,
and the ordinary exit runs as before.

Threads still running are daemons by design (spinner, ticker, a connection opened
ahead of the request); `os._exit` ends them as the ordinary exit would. A live
non-daemon thread is work the ordinary exit would wait for: then it is the ordinary
exit. `atexit` handlers and finalizers do not run: code on the one-shot path that
needs closing registers it here (or closes it before returning).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

_closers: list[Callable[[], None]] = []
_state = {"armed": False, "allowed": False}


def arm() -> None:
    """This process may end through `fast_exit` (called by the process entry only)."""
    _state["armed"] = True


def allow() -> None:
    """The running command registers everything it opens (one-shot `ask`)."""
    _state["allowed"] = True


def register(closer: Callable[[], None]) -> None:
    """Run `closer` before a fast exit (kept only in an armed process, so in-process
    callers accumulate nothing)."""
    if _state["armed"]:
        _closers.append(closer)


def fast_exit(code: int) -> None:
    """`os._exit(code)` once everything is closed and flushed; returns when that is not
    allowed or not possible (then the caller exits normally)."""
    if not (_state["armed"] and _state["allowed"]) or _busy_threads():
        return
    try:
        while _closers:
            _closers.pop()()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and not stream.closed:
                stream.flush()
    except Exception:  # a closed pipe, a failing close: the ordinary exit reports it
        return
    os._exit(code)


def _busy_threads() -> bool:
    main = threading.main_thread()
    return any(
        thread is not main and not thread.daemon and thread.is_alive()
        for thread in threading.enumerate()
    )

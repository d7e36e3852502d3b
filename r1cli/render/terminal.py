"""What the terminal is: whether a stream is one, and how wide it is.

Standard library only: the spinner, the pipe renderer and the REPL ask these
questions without loading rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO


def isatty(stream: TextIO | None) -> bool:
    """Whether `stream` is a terminal; False for None, a closed or a fake stream."""
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def columns(stream: TextIO | None = None) -> int:
    """The width of the terminal behind `stream` (stdout by default); 80 if unknown."""
    try:
        return os.get_terminal_size((stream or sys.stdout).fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


# termios attribute lists: [iflag, oflag, cflag, lflag, ispeed, ospeed, cc].
TermAttrs = list[Any]


@contextmanager
def terminal_mode(
    change: Callable[[TermAttrs], TermAttrs], *, flush_input: bool = False
) -> Iterator[bool]:
    """Run the block with stdin's terminal attributes changed by `change`, then put
    them back; yields whether the change took effect (False off a terminal, or where
    termios is missing). `flush_input` drops keys typed before the change."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield False
        return
    try:
        if flush_input:
            termios.tcflush(fd, termios.TCIFLUSH)
        termios.tcsetattr(fd, termios.TCSANOW, change(list(saved)))
    except termios.error:
        yield False
        return
    try:
        yield True
    finally:
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)

"""What the terminal is: whether a stream is one, and how wide it is.

Standard library only: the spinner, the pipe renderer and the REPL ask these
questions without loading rich.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


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

"""Facts about the terminal the output goes to: is it one, and how wide is it."""

from __future__ import annotations

import os
from typing import Protocol


class _Stream(Protocol):
    def isatty(self) -> bool: ...

    def fileno(self) -> int: ...


def isatty(stream: _Stream | None) -> bool:
    """True for a terminal; False for a pipe, a file, a closed or missing stream."""
    try:
        return stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def columns(stream: _Stream | None, default: int = 80) -> int:
    """The terminal's width in columns, or `default` when it cannot be told."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or default  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return default

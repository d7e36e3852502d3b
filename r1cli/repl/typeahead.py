"""Keys typed while `r1 chat` starts: kept, and an Enter among them still sends.

Until prompt_toolkit puts the terminal in raw mode, the kernel's line discipline is
in charge: it echoes the keys and turns Enter's CR into NL (ICRNL), which the REPL
would read as Ctrl-J, "new line". So before the first prompt the REPL takes what is
waiting in the input queue itself: each line that ended with an Enter is a message,
and the unfinished rest is put back at the prompt. Nothing here ever flushes the
queue (no TCSAFLUSH, no tcflush). Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import select
from typing import TextIO

MAX_BYTES = 1 << 20  # a paste at start-up, not a stream


def take(stream: TextIO) -> tuple[list[str], str]:
    """(lines ended by Enter, the unfinished rest) typed ahead on `stream`'s tty."""
    return split(read_pending(stream))


def read_pending(stream: TextIO) -> str:
    """What is waiting in the terminal's input queue, without waiting for more."""
    try:
        import termios

        fd = stream.fileno()
        if not os.isatty(fd):
            return ""
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        return ""
    quiet = list(saved)
    quiet[0] &= ~termios.ICRNL
    # Non-canonical: a line not yet ended by Enter becomes readable too.
    quiet[3] &= ~(termios.ECHO | termios.ICANON)
    quiet[6] = list(quiet[6])
    quiet[6][termios.VMIN] = 0
    quiet[6][termios.VTIME] = 0
    data = b""
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        while len(data) < MAX_BYTES and select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    except (OSError, termios.error):
        pass
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    return data.decode("utf-8", errors="replace")


def split(text: str) -> tuple[list[str], str]:
    """Lines ended by an Enter (CR, or the NL the tty made of it) and the rest.

    Other control characters (an arrow key's escape sequence, say) are dropped:
    they were meant for a line editor that was not there yet.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    *done, rest = text.split("\n")
    return [_printable(line) for line in done if _printable(line).strip()], _printable(
        rest
    )


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch == "\t" or ch.isprintable())

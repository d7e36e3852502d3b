"""The REPL's "answer now" key: Ctrl-E while the model thinks ends the thinking.

Keys typed during an answer wait in the terminal's queue for the next prompt
(`keys.keys_not_echoed`), so nothing reads stdin while a turn streams. The key is
therefore made a signal: for the length of the turn the terminal's QUIT character
becomes Ctrl-E and SIGQUIT calls `on_key` (the Runtime's `request_answer_now`, which
cuts the thinking or notes in the panel why it cannot). Ctrl-\\ sends nothing
meanwhile, and both are restored when the turn ends. No prompt_toolkit here.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

from r1cli.render.terminal import TermAttrs, terminal_mode

ANSWER_NOW_KEY = b"\x05"  # Ctrl-E: "end the thinking"


@contextlib.contextmanager
def answer_now_key(on_key: Callable[[], None]) -> Iterator[None]:
    """While the block runs, Ctrl-E calls `on_key` (on a terminal; else nothing)."""
    import termios

    def quit_key_is_ours(attrs: TermAttrs) -> TermAttrs:
        chars = list(attrs[6])
        chars[termios.VQUIT] = ANSWER_NOW_KEY
        attrs[6] = chars
        return attrs

    def handler(signum: int, frame: FrameType | None) -> None:
        on_key()

    # The terminal turns the key into SIGQUIT; while the block runs, that is ours.
    previous = signal.signal(signal.SIGQUIT, handler)
    try:
        with terminal_mode(quit_key_is_ours) as changed:
            if not changed:
                signal.signal(signal.SIGQUIT, previous)
            yield
    finally:
        signal.signal(signal.SIGQUIT, previous)

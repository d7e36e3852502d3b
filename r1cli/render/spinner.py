"""The waiting spinner: `⠋ waiting for MODEL… 3.2 s` on stderr until the first token,
and the same line with other words (the pipe's `⠋ thinking… 12.3 s · ~456 tokens`).

Standard library only, so the pipe renderer can show it without loading rich.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from r1cli.render.sanitize import sanitize
from r1cli.render.terminal import columns, isatty

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class StderrSpinner:
    """`⠋ waiting for MODEL… 3.2 s` on one stderr line until `stop()`.

    Draws only when its stream is a terminal, from a daemon thread at ~10 Hz (the
    main thread is blocked in the network read meanwhile). Uses no escape sequences —
    just CR and spaces — so it works on TERM=dumb and with colour off. `start()` and
    `stop()` are idempotent and thread-safe; `stop()` returns once the line is clear,
    so the caller may write to the terminal right after it.
    """

    def __init__(
        self,
        model: str = "",
        *,
        file: TextIO | None = None,
        interval: float = 0.1,
        enabled: bool | None = None,
        status: Callable[[], str] | None = None,
    ) -> None:
        """`status`, when given, says what the line shows after the glyph (asked
        once a frame, from the spinner's thread) instead of `waiting for MODEL… N s`."""
        self._file = file if file is not None else sys.stderr
        self._status = status
        name = sanitize(model)
        self._label = f"waiting for {name}…" if name else "waiting…"
        self._interval = interval
        self._enabled = isatty(self._file) if enabled is None else enabled
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = 0  # characters on the line that stop() must blank
        self._started_at = 0.0

    def start(self) -> None:
        with self._lock:
            if not self._enabled or self._thread is not None:
                return
            if self._file is sys.stderr:
                # Other code (a retry warning) writes to sys.stderr while we draw:
                # route it through us so the spinner line is cleared first.
                sys.stderr = _ClearingStream(self._file, self)
            self._started_at = time.monotonic()
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="r1cli-spinner", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._lock:
            current = sys.stderr
            if isinstance(current, _ClearingStream) and current.spinner is self:
                sys.stderr = current.stream
            if self._drawn:
                self._write("\r" + " " * self._drawn + "\r")
                self._drawn = 0

    def write_message(self, text: str) -> int:
        """Write `text` (a whole message) below a cleared spinner line; the spinner
        redraws on the next line at its next tick."""
        with self._lock:
            if self._drawn:
                self._write("\r" + " " * self._drawn + "\r")
                self._drawn = 0
            return self._file.write(text)

    def _run(self) -> None:
        frame = 0
        while not self._stopping.wait(self._interval):
            with self._lock:
                if self._stopping.is_set():
                    return
                self._draw(frame)
            frame += 1

    def _draw(self, frame: int) -> None:
        elapsed = time.monotonic() - self._started_at
        glyph = SPINNER_FRAMES[frame % len(SPINNER_FRAMES)]
        if self._status is not None:
            text = f"{glyph} {sanitize(self._status())}"
        else:
            text = f"{glyph} {self._label} {elapsed:.1f} s"
        text = text[: max(columns(self._file) - 1, 1)]
        pad = " " * max(self._drawn - len(text), 0)
        self._write("\r" + text + pad)
        self._drawn = max(self._drawn, len(text))

    def _write(self, text: str) -> None:
        try:
            self._file.write(text)
            self._file.flush()
        except (OSError, ValueError):
            self._enabled = False
            self._drawn = 0


class _ClearingStream:
    """sys.stderr while a spinner draws: writes go through `write_message`."""

    def __init__(self, stream: TextIO, spinner: StderrSpinner) -> None:
        self.stream = stream
        self.spinner = spinner

    def write(self, text: str) -> int:
        return self.spinner.write_message(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)

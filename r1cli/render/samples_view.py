"""`ask --samples N`: the samples' progress on one stderr line, and their answers.

The progress line (a terminal only) shows every sample compactly —
`samples  1 ◐ 1.2k  2 ▶ 340  3 ✓  4 ⋯` (thinking, answering, done, waiting; ✗ failed,
■ stopped) — redrawn at most 10 times a second from the samples' threads. Standard
library only.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.render.footer import compact
from r1cli.render.sanitize import sanitize
from r1cli.render.terminal import columns, isatty

INTERVAL = 0.1
MARKS = {
    "waiting": "⋯",
    "thinking": "◐",
    "answering": "▶",
    "done": "✓",
    "failed": "✗",
    "stopped": "■",
}


class SamplesProgress:
    """The one-line progress of N samples; `sink(i)` feeds it from sample i."""

    def __init__(self, count: int, *, file: TextIO | None = None) -> None:
        self._file = file if file is not None else sys.stderr
        self._live = isatty(self._file)
        self._phases = ["waiting"] * count
        self._tokens = [0.0] * count
        self._lock = threading.Lock()
        self._last = 0.0
        self._shown = False

    def sink(self, index: int) -> _SampleSink:
        return _SampleSink(self, index)

    def line(self) -> str:
        """The progress text (without any terminal control)."""
        parts = []
        for i, phase in enumerate(self._phases):
            part = f"{i + 1} {MARKS[phase]}"
            if phase in ("thinking", "answering"):
                part += f" {compact(round(self._tokens[i]))}"
            parts.append(part)
        return "samples  " + "  ".join(parts)

    def update(self, index: int, phase: str, text: str = "") -> None:
        with self._lock:
            self._phases[index] = phase
            if text:
                ascii_chars = len(text.encode("ascii", "ignore"))
                self._tokens[index] += 0.3 * ascii_chars + 0.6 * (
                    len(text) - ascii_chars
                )
            now = time.monotonic()
            final = phase not in ("thinking", "answering")
            if self._live and (final or now - self._last >= INTERVAL):
                self._draw()
                self._last = now

    def note(self, text: str) -> None:
        """A line of text above the progress line (a retry notice, a warning)."""
        with self._lock:
            self._clear()
            self._file.write(text + "\n")
            if self._live:
                self._draw()
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._clear()
            self._live = False

    def _draw(self) -> None:
        width = max(columns(self._file) - 1, 10)
        self._file.write("\r\x1b[2K" + self.line()[:width])
        self._file.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            self._file.write("\r\x1b[2K")
            self._file.flush()
            self._shown = False


class _SampleSink:
    def __init__(self, progress: SamplesProgress, index: int) -> None:
        self._progress = progress
        self._index = index

    def begin(self, turn: Turn) -> None:
        self._progress.update(self._index, "waiting")

    def on_event(self, event: Event, turn: Turn) -> None:
        if isinstance(event, ReasoningDelta) and event.text:
            self._progress.update(self._index, "thinking", event.text)
        elif isinstance(event, ContentDelta) and event.text:
            self._progress.update(self._index, "answering", event.text)

    def end(self, turn: Turn) -> None:
        phase = {"complete": "done", "length": "done", "interrupted": "stopped"}
        self._progress.update(self._index, phase.get(turn.status, "failed"))


def sample_block(index: int, count: int, content: str) -> str:
    """One sample's answer for stdout when there is no vote."""
    body = sanitize(content).rstrip("\n")
    return f"── sample {index + 1}/{count} ──\n{body}\n"

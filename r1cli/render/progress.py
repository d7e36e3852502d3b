"""`r1 batch` progress on stderr: a live bar on a terminal, a plain line every few
seconds otherwise (a log file, CI), and one summary line at the end.

Shows done (of the total when the input is a file), failed, tokens, cost so far,
items per second and the ETA; while a 429 holds every worker, how long the pause
has left. Warnings from worker threads go through `log`, so they never tear the bar.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol, TextIO

from r1cli.render.sanitize import sanitize


class Stats(Protocol):
    """What the view reads (the engine's BatchStats has these)."""

    total: int | None
    ok: int
    failed: int
    bad: int
    skipped: int
    not_run: int
    in_flight: int
    cost: float
    costed: int
    rate_limited: int
    paused: float

    @property
    def done(self) -> int: ...

    @property
    def tokens(self) -> int: ...

    @property
    def elapsed(self) -> float: ...

    @property
    def remaining(self) -> int | None: ...


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}:{seconds:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def rate(stats: Stats) -> float:
    elapsed = stats.elapsed
    return stats.done / elapsed if elapsed > 0 else 0.0


def details(stats: Stats) -> str:
    """Everything but the done count: failed, tokens, cost, rate, ETA, pause."""
    parts = []
    if stats.failed or stats.bad:
        parts.append(f"{stats.failed + stats.bad} failed")
    if stats.skipped:
        parts.append(f"{stats.skipped} already done")
    if stats.not_run:
        parts.append(f"{stats.not_run} not run")
    parts.append(f"{stats.tokens:,} tokens")
    parts.append(f"${stats.cost:.4f}" if stats.costed else "cost n/a")
    speed = rate(stats)
    parts.append(f"{speed:.1f} items/s")
    remaining = stats.remaining
    if remaining and speed > 0:
        parts.append(f"ETA {_duration(remaining / speed)}")
    if stats.paused > 0.5:
        parts.append(f"rate limited: paused {stats.paused:.0f} s")
    return " · ".join(parts)


def describe(stats: Stats) -> str:
    total = stats.total
    shown = total - stats.skipped if total is not None else None
    done = f"{stats.done:,}/{shown:,}" if shown is not None else f"{stats.done:,}"
    return f"{done} done · {details(stats)}"


def summary(stats: Stats) -> str:
    """The last line: what happened to every item, and what it cost."""
    parts = [f"{stats.ok:,} ok"]
    if stats.failed or stats.bad:
        parts.append(f"{stats.failed + stats.bad:,} failed")
    if stats.skipped:
        parts.append(f"{stats.skipped:,} already done")
    if stats.not_run:
        parts.append(f"{stats.not_run:,} not run")
    cost = f"${stats.cost:.4f}" if stats.costed else "cost not reported"
    return (
        f"r1 batch: {', '.join(parts)}; {stats.tokens:,} tokens; {cost}; "
        f"{_duration(stats.elapsed)} ({rate(stats):.1f} items/s)"
    )


class PlainProgress:
    """A `r1 batch: …` line every `interval` seconds; for stderr that is no terminal."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        quiet: bool = False,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._clock = clock
        self._last = clock()
        self._quiet = quiet
        self._lock = threading.Lock()

    def update(self, stats: Stats) -> None:
        if self._quiet or self._clock() - self._last < self._interval:
            return
        self._last = self._clock()
        self._write(f"r1 batch: {describe(stats)}")

    def log(self, line: str) -> None:
        self._write(sanitize(line))

    def finish(self, stats: Stats) -> None:
        if not self._quiet:
            self._write(summary(stats))

    def close(self) -> None:
        pass

    def _write(self, line: str) -> None:
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass


class BarProgress:
    """A rich progress bar on a terminal's stderr, redrawn a few times a second."""

    def __init__(self, *, color: bool = True) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self._console = Console(
            stderr=True, no_color=not color, highlight=False, markup=False
        )
        self._progress = Progress(
            BarColumn(bar_width=30),
            TextColumn("{task.description}"),
            console=self._console,
            refresh_per_second=5,
            transient=True,
        )
        self._task = self._progress.add_task("starting…", total=None)
        self._started = False

    def update(self, stats: Stats) -> None:
        if not self._started:  # not before the first item: a config error shows none
            self._started = True
            self._progress.start()
        total = stats.total - stats.skipped if stats.total is not None else None
        self._progress.update(
            self._task, completed=stats.done, total=total, description=describe(stats)
        )

    def log(self, line: str) -> None:
        from rich.text import Text

        self._console.print(Text(sanitize(line)))

    def finish(self, stats: Stats) -> None:
        self.close()
        from rich.text import Text

        self._console.print(Text(summary(stats)))

    def close(self) -> None:
        if self._started:
            self._started = False
            self._progress.stop()


def make_progress(
    *, terminal: bool, quiet: bool, color: bool
) -> PlainProgress | BarProgress:
    """The bar on a terminal that can redraw; plain lines otherwise (or when quiet)."""
    if terminal and not quiet:
        return BarProgress(color=color)
    return PlainProgress(quiet=quiet)

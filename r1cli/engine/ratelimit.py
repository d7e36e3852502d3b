"""The pacing every `r1 batch` worker shares, so a 429 slows them all."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """How many items may run, and when the next attempt may be sent, for all workers.

    A 429, or any response with `Retry-After`, pauses every worker until the asked
    time (or a doubling backoff when none is given) and, once per episode, halves
    the number of items that may run at once; each run of successes as long as that
    number raises it by one again (AIMD, as TCP does). It is the transport's
    `Throttle`: `wait` comes before every attempt, retries included.
    """

    def __init__(
        self,
        jobs: int,
        *,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_pause: float = 300.0,
        notify: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = jobs
        self.limit = jobs
        self.active = 0
        self.paused_until = 0.0
        self.rate_limited = 0  # 429s (and Retry-Afters) seen
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_pause = max_pause
        self._strikes = 0
        self._credit = 0
        self._notify = notify
        self._clock = clock
        self._cond = threading.Condition()

    def acquire(self) -> None:
        """Block until this worker may start an item."""
        with self._cond:
            while True:
                now = self._clock()
                if now < self.paused_until:
                    self._cond.wait(self.paused_until - now)
                elif self.active < self.limit:
                    self.active += 1
                    return
                else:
                    self._cond.wait(1.0)

    def release(self) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def wait(self) -> None:
        """Block while every worker is paused (before each HTTP attempt)."""
        with self._cond:
            while (left := self.paused_until - self._clock()) > 0:
                self._cond.wait(left)

    def observe(self, status: int, retry_after: float | None) -> None:
        with self._cond:
            if status < 400:
                self._strikes = 0
                self._credit += 1
                if self.limit < self.jobs and self._credit >= self.limit:
                    self.limit += 1
                    self._credit = 0
                    self._cond.notify_all()
                return
            if status != 429 and retry_after is None:
                return  # one item's failure says nothing about the others
            self.rate_limited += 1
            now = self._clock()
            if retry_after is not None:
                pause = min(retry_after, self._max_pause)
            else:
                pause = min(self._max_backoff, self._backoff * 2**self._strikes)
            if now >= self.paused_until:  # a new episode, not its echo from others
                self._strikes += 1
                self._credit = 0
                self.limit = max(1, self.limit // 2)
                if self._notify and pause >= 1.0:
                    self._notify(
                        f"rate limited (HTTP {status}); every worker pauses "
                        f"{pause:.0f} s, at most {self.limit} at once for now"
                    )
            self.paused_until = max(self.paused_until, now + pause)

    def pause_left(self) -> float:
        return max(0.0, self.paused_until - self._clock())

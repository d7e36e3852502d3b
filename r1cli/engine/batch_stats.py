"""Running totals of `r1 batch` and the summary it ends with (read by the progress
view and the exit code)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from r1cli.engine.batch_io import (
    EXIT_CLASS,
)
from r1cli.engine.batch_item import (
    ItemResult,
)
from r1cli.errors import (
    ExitCode,
    ProviderFailed,
    R1Error,
    UsageError,
)

# A 429 that outlived the transport's own retries sends its item back this many times
# (each after the shared pause) before it is recorded as failed.
RATE_LIMIT_ROUNDS = 6
# Each bad input line gets a warning on stderr, up to this many (then one summary).
MAX_BAD_LINE_WARNINGS = 10


class SpendCapReached(R1Error):
    """`--max-cost` stopped the batch before every item ran."""

    exit_code = ExitCode.COST


@dataclass
class BatchStats:
    """Running totals, read by the progress view (on the main thread)."""

    total: int | None = None  # items in this shard, when the input is a file
    ok: int = 0
    failed: int = 0
    bad: int = 0  # input lines that are not items
    skipped: int = 0  # already ok in OUT
    not_run: int = 0  # not sent: --max-cost or an account-wide failure stopped it
    in_flight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    costed: int = 0  # items whose cost the provider reported
    rate_limited: int = 0
    paused: float = 0.0  # seconds the workers are still paused
    started: float = field(default_factory=time.monotonic)
    failures: dict[int, int] = field(default_factory=dict)  # exit code → items

    @property
    def done(self) -> int:
        """Items finished this run, whatever their outcome."""
        return self.ok + self.failed + self.bad + self.not_run

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining(self) -> int | None:
        if self.total is None:
            return None
        return max(0, self.total - self.done - self.skipped)

    def count(self, result: ItemResult) -> None:
        turn = result.turn
        if turn is not None and turn.usage is not None:
            self.prompt_tokens += turn.usage.prompt_tokens or 0
            self.completion_tokens += turn.usage.completion_tokens or 0
            if turn.usage.cost is not None:
                self.cost += turn.usage.cost
                self.costed += 1
        if result.exit_code:
            self.failed += 1
            self.failures[result.exit_code] = self.failures.get(result.exit_code, 0) + 1
        else:
            self.ok += 1


@dataclass
class BatchSummary:
    stats: BatchStats
    stopped_by_cost: bool = False
    max_cost: float | None = None
    output: Path | None = None
    stopped_by: R1Error | None = None  # an account-wide failure that stopped it

    def problem(self) -> R1Error | None:
        """The error the whole batch ends with (its exit code), or None for exit 0.

        Order: a spend cap that stopped it (7: rerun with a higher cap), an
        account-wide failure that stopped it (its own code: 4 for a bad key or no
        credit, 5 for a daily cap), bad input lines (2: fix the input), then failed
        items (5: a rerun retries them).
        """
        s = self.stats
        where = f" (see the error field in {self.output})" if self.output else ""
        rerun = "run the same command again to retry only what is not ok"
        if self.stopped_by_cost:
            return SpendCapReached(
                f"--max-cost ${self.max_cost:g} reached after ${s.cost:.4f}: "
                f"{s.not_run} items not run",
                hint="run the same command with a higher --max-cost to finish the rest",
            )
        if self.stopped_by is not None:
            error = self.stopped_by
            error.message += f"; the batch stopped: {s.not_run} items not run"
            return error
        if s.bad:
            return UsageError(
                f"{s.bad} input line{'s' if s.bad != 1 else ''} "
                f"{'are' if s.bad != 1 else 'is'} not a valid item{where}",
                hint='each line is a JSON string or an object with "prompt"',
            )
        if s.failed:
            kinds = ", ".join(
                f"{n} {EXIT_CLASS.get(code, 'internal')}"
                for code, n in sorted(s.failures.items())
            )
            return ProviderFailed(
                f"{s.failed} of {s.ok + s.failed} items failed ({kinds}){where}",
                hint=rerun if self.output else None,
            )
        return None

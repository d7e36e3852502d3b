"""`r1 batch`: many prompts through the one engine loop, concurrently and resumably.

- `batch_io` reads the items (streamed, sharded), scans an earlier OUT for what is
  done, and writes records as whole lines.
- `ratelimit.RateLimiter` is the pacing every worker shares: a 429 or a
  `Retry-After` pauses them all and lowers how many may run at once.
- `ItemResolver` (here) is the single adapter from an item to the engine's
  `TurnRequest`, built on today's `engine.runtime` functions (re-point it at the
  Runtime class when that lands).
- `run_batch` (here) keeps a bounded window of items in flight on worker threads,
  runs each through `run_turn`, and writes each result in input order or as they
  finish; `BatchSummary.problem` turns the outcome into the exit status.

No rich and no typer here: the CLI passes in an observer for warnings and progress.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, Protocol

from r1cli.engine.batch_io import (
    BadLine,
    Item,
    ItemId,
    RecordWriter,
    error_info,
    id_key,
    record,
)
from r1cli.engine.batch_item import (
    BatchOptions,
    HistoryWriter,
    ItemResolver,
    ItemResult,
    run_item,
)
from r1cli.engine.batch_stats import BatchStats, BatchSummary
from r1cli.engine.ratelimit import RateLimiter
from r1cli.errors import (
    R1Error,
)

# A 429 that outlived the transport's own retries sends its item back this many times
# (each after the shared pause) before it is recorded as failed.
RATE_LIMIT_ROUNDS = 6
# Each bad input line gets a warning on stderr, up to this many (then one summary).
MAX_BAD_LINE_WARNINGS = 10


# -- per-item resolution (the adapter) -------------------------------------------------


class Observer(Protocol):
    """What the CLI supplies: where warnings and progress go (main thread for
    progress; warnings may come from any worker)."""

    def warn(self, message: str) -> None: ...

    def progress(self, stats: BatchStats) -> None: ...


# -- the scheduler -----------------------------------------------------------------------


class BatchInterrupted(BaseException):
    """Ctrl-C, SIGTERM or a closed stdout stopped the batch; what finished is written.
    Carries the stats and the original exception."""

    def __init__(self, stats: BatchStats, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.stats = stats
        self.cause = cause


def run_batch(
    options: BatchOptions,
    items: Iterable[Item | BadLine],
    out: BinaryIO,
    observer: Observer,
    *,
    total: int | None = None,
    done: set[str] | None = None,
    paths: Any = None,
    backoff: float | None = None,
    secrets: list[str] | None = None,
) -> BatchSummary:
    """Run every item; write one record per item (not the ones already done) to `out`.

    `secrets` collects the keys in use, so the caller can redact them too.
    """
    from r1cli.config.paths import resolve_paths

    paths = paths or resolve_paths()
    secrets = [] if secrets is None else secrets
    stats = BatchStats(total=total)
    limiter = RateLimiter(
        options.jobs,
        backoff=backoff if backoff is not None else _retry_backoff(paths),
        notify=observer.warn,
    )
    resolver = ItemResolver(options, paths, limiter, secrets)
    # Configuration every item shares (a broken config file, no key for the default
    # provider) stops the batch before any request: exit 3, not N error lines.
    resolver.target(None, None)
    store = _open_history(options, paths, observer) if options.history else None
    scheduler = _Scheduler(
        options,
        resolver,
        limiter,
        RecordWriter(out),
        observer,
        stats,
        done or set(),
        secrets,
        HistoryWriter(store, observer.warn) if store is not None else None,
    )
    try:
        scheduler.run(iter(items))
    finally:
        if store is not None:
            store.close()
    return BatchSummary(
        stats,
        scheduler.stopped_by_cost,
        options.max_cost,
        options.output,
        scheduler.stopped_by,
    )


def _retry_backoff(paths: Any) -> float:
    from r1cli.config.settings import load_settings

    return load_settings(paths.config_file).retry_backoff


def _open_history(options: BatchOptions, paths: Any, observer: Observer) -> Any:
    from r1cli.errors import HistoryError
    from r1cli.history.store import HistoryRefused, HistoryStore

    try:
        return HistoryStore.open(paths.history_db)
    except HistoryRefused:
        raise
    except HistoryError as exc:
        observer.warn(
            f"history is not available ({exc.message}); nothing will be saved"
        )
        return None


class _Scheduler:
    """The main thread's loop: read ahead within the window, hand items to workers,
    write finished records (in order, or as they come), keep the stats."""

    def __init__(
        self,
        options: BatchOptions,
        resolver: ItemResolver,
        limiter: RateLimiter,
        writer: RecordWriter,
        observer: Observer,
        stats: BatchStats,
        done: set[str],
        secrets: list[str],
        history: HistoryWriter | None,
    ) -> None:
        self.options = options
        self.resolver = resolver
        self.limiter = limiter
        self.writer = writer
        self.observer = observer
        self.stats = stats
        self.done = done
        self.secrets = secrets
        self.history = history
        self.stopped_by_cost = False
        self.stopped_by: R1Error | None = None
        self.cancel = threading.Event()
        self.halt = threading.Event()  # stopped: queued items are not sent
        self.work: queue.Queue[tuple[int, Item] | None] = queue.Queue()
        # (seq, result): None when cancelled, the Item itself when handed back unrun.
        self.results: queue.Queue[tuple[int, ItemResult | Item | None]] = queue.Queue()
        # In order, a slow item holds back the lines after it: the window bounds how
        # many finished records may wait for it (and so the memory they take).
        self.window = options.jobs * (1 if options.unordered else 4) + options.jobs
        self.issued = 0  # records given a sequence number
        self.written = 0  # records written
        self.ready: dict[int, dict[str, Any]] = {}  # finished, waiting for their turn
        self.seen: dict[str, int] = {}  # id key → line, for duplicate ids
        self.warned: set[str] = set()
        self.last_tick = 0.0

    def run(self, items: Iterator[Item | BadLine]) -> None:
        workers = [
            threading.Thread(target=self._worker, name=f"batch-{n}", daemon=True)
            for n in range(self.options.jobs)
        ]
        for worker in workers:
            worker.start()
        exhausted = False
        try:
            while True:
                if not exhausted:
                    exhausted = self._fill(items)
                self._write_ready()
                if exhausted and self.stats.in_flight == 0 and not self.ready:
                    break
                self._collect(timeout=0.2)
        except BaseException as exc:
            self.cancel.set()
            self._drain_finished()
            raise BatchInterrupted(self.stats, exc) from exc
        finally:
            self.cancel.set()
            for _ in workers:
                self.work.put(None)
            self._tick(force=True)

    # -- reading ahead

    def _fill(self, items: Iterator[Item | BadLine]) -> bool:
        """Issue items while the window has room; True once the input is used up."""
        while self.issued - self.written < self.window:
            if not self._stopped and not self._cost_allows():
                return False
            entry = next(items, None)
            if entry is None:
                return True
            key = id_key(entry.id)
            if isinstance(entry, Item) and key in self.done:
                self.stats.skipped += 1
                continue
            if isinstance(entry, Item):  # a bad line does not claim its id
                if key in self.seen:
                    entry = BadLine(
                        entry.line,
                        entry.id,
                        f"line {entry.line}: duplicate id {entry.id!r} "
                        f"(first on line {self.seen[key]})",
                    )
                else:
                    self.seen[key] = entry.line
            self._issue(entry)
        return False

    def _issue(self, entry: Item | BadLine) -> None:
        seq = self.issued
        self.issued += 1
        if isinstance(entry, BadLine):
            self.stats.bad += 1
            if self.stats.bad <= MAX_BAD_LINE_WARNINGS:
                self.observer.warn(entry.message)
            elif self.stats.bad == MAX_BAD_LINE_WARNINGS + 1:
                self.observer.warn("more bad lines: see the error lines in the output")
            self.ready[seq] = record(
                entry.id, "error", None, error_info(2, entry.message)
            )
        elif self._stopped:
            self.ready[seq] = self._not_run(entry.id)
        else:
            self._note_fields(entry)
            self.stats.in_flight += 1
            self.work.put((seq, entry))

    def _not_run(self, item_id: ItemId) -> dict[str, Any]:
        """The `skipped` record of an item the batch stopped before running."""
        self.stats.not_run += 1
        if self.stopped_by is not None:
            code = int(self.stopped_by.exit_code)
            message = f"not run: the batch stopped on {self.stopped_by.message}"
        else:
            code = 7
            message = f"not run: --max-cost ${self.options.max_cost:g} reached"
        return record(item_id, "skipped", None, error_info(code, message))

    @property
    def _stopped(self) -> bool:
        return self.stopped_by_cost or self.stopped_by is not None

    def _cost_allows(self) -> bool:
        """Whether one more item fits under --max-cost, at the average cost so far.

        Until a cost is known only one item runs at a time (and when an answer comes
        without one, there is nothing to cap); when the next one would pass the cap
        and none is running, the batch stops taking items (for good).
        """
        cap = self.options.max_cost
        stats = self.stats
        if cap is None:
            return True
        if stats.costed:
            average = stats.cost / stats.costed
            fits = stats.cost + (stats.in_flight + 1) * average <= cap
        elif "no-cost" in self.warned:
            fits = True  # the provider reports no cost: nothing to cap (warned)
        else:
            fits = stats.in_flight == 0 and stats.cost < cap
        if not fits and (stats.in_flight == 0 or stats.cost >= cap):
            self.stopped_by_cost = True
            return True  # the rest of the input is recorded as skipped
        return fits

    def _note_fields(self, item: Item) -> None:
        if item.role is not None and "role" not in self.warned:
            self.warned.add("role")
            self.observer.warn(
                "roles are not supported yet; the role field of items is ignored"
            )
        for name in item.unknown:
            if name not in self.warned:
                self.warned.add(name)
                self.observer.warn(f"unknown item field {name!r} is ignored")

    # -- the workers

    def _worker(self) -> None:
        while (job := self.work.get()) is not None:
            seq, item = job
            result: ItemResult | Item | None = None
            if self.halt.is_set():
                result = item  # handed back unrun
            elif not self.cancel.is_set():
                result = self._run_guarded(item)
                if result is not None and result.stops_batch is not None:
                    self.halt.set()  # at once: this worker's next item is queued
            self.results.put((seq, result))

    def _run_guarded(self, item: Item) -> ItemResult | None:
        """run_item, and never a dead worker: the main loop waits for every item."""
        try:
            return run_item(
                item,
                self.resolver,
                self.limiter,
                self.cancel,
                self.secrets,
                self.history,
            )
        except Exception as exc:
            message = f"internal error ({type(exc).__name__}: {exc})"
            return ItemResult(record(item.id, "error", None, error_info(1, message)), 1)

    # -- collecting and writing

    def _collect(self, timeout: float) -> None:
        try:
            seq, result = self.results.get(timeout=timeout)
        except queue.Empty:
            self._tick()
            return
        self._accept(seq, result)
        while True:  # whatever else has finished meanwhile
            try:
                seq, result = self.results.get_nowait()
            except queue.Empty:
                break
            self._accept(seq, result)
        self._tick()

    def _accept(self, seq: int, result: ItemResult | Item | None) -> None:
        self.stats.in_flight -= 1
        if result is None:
            return  # cancelled: redone by the next run
        if isinstance(result, Item):
            self.ready[seq] = self._not_run(result.id)
            return
        self.stats.count(result)
        if result.stops_batch is not None and not self._stopped:
            self.stopped_by = result.stops_batch
        if result.exit_code == 0 and result.record["cost"] is None:
            self._warn_once(
                "no-cost",
                "the provider reported no cost; the batch's cost counts only "
                "what was reported"
                + (
                    " (--max-cost cannot limit what is not reported)"
                    if self.options.max_cost
                    else ""
                ),
            )
        self.ready[seq] = result.record

    def _write_ready(self) -> None:
        if self.options.unordered:
            for seq in sorted(self.ready):
                self.writer.write(self.ready.pop(seq))
                self.written += 1
            return
        while self.written in self.ready:
            self.writer.write(self.ready.pop(self.written))
            self.written += 1

    def _drain_finished(self) -> None:
        """On interruption: keep every finished answer, even out of order (they were
        paid for); the next run redoes only what is missing."""
        with contextlib.suppress(BaseException):
            while True:
                try:
                    seq, result = self.results.get_nowait()
                except queue.Empty:
                    break
                self._accept(seq, result)
            for seq in sorted(self.ready):
                self.writer.write(self.ready.pop(seq))
                self.written += 1

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.observer.warn(message)

    def _tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last_tick >= 0.1:
            self.last_tick = now
            self.stats.rate_limited = self.limiter.rate_limited
            self.stats.paused = self.limiter.pause_left()
            self.observer.progress(self.stats)

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from r1cli.core.events import Event
from r1cli.core.messages import Conversation, Message, Turn
from r1cli.core.params import Sampling, merge_params
from r1cli.core.redact import redact_text
from r1cli.engine.batch_io import (
    EXIT_CLASS,
    BadLine,
    Item,
    ItemId,
    RecordWriter,
    error_info,
    id_key,
    record,
)
from r1cli.engine.ratelimit import RateLimiter
from r1cli.engine.runtime import Runtime, TurnOptions
from r1cli.errors import (
    ExitCode,
    Interrupted,
    ProviderError,
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


# -- per-item resolution (the adapter) -------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    input: str  # a path, or "-" for stdin
    output: Path | None = None
    jobs: int = 4
    unordered: bool = False
    shard: tuple[int, int] = (0, 1)
    max_cost: float | None = None
    history: bool = False
    model: str | None = None
    provider: str | None = None
    base_url: str | None = None
    system: str | None = None
    timeout: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


class ItemResolver:
    """The one adapter from an item to the engine's request: settings, provider,
    model and key (cached per provider and model), params, system prompt, files.

    One `Runtime` per provider/model pair (history off: `HistoryWriter` stores
    items); its key joins `secrets`. Thread-safe: workers call `request_for`.
    """

    def __init__(
        self,
        options: BatchOptions,
        paths: Any,
        throttle: RateLimiter,
        secrets: list[str],
    ) -> None:
        self._options = options
        self._paths = paths
        self._throttle = throttle
        self._secrets = secrets
        self._targets: dict[tuple[str | None, str | None], Runtime] = {}
        self._lock = threading.Lock()

    def target(self, provider: str | None, model: str | None) -> Runtime:
        """The Runtime for a provider/model pair; R1Error if unusable."""
        key = (provider or self._options.provider, model or self._options.model)
        with self._lock:
            if key not in self._targets:
                opts = TurnOptions(
                    provider=key[0],
                    model=key[1],
                    base_url=self._options.base_url,
                    timeout=self._options.timeout,
                    no_history=True,
                )
                self._targets[key] = Runtime.from_options(
                    opts, secrets=self._secrets, paths=self._paths
                )
            return self._targets[key]

    def request_for(self, item: Item) -> tuple[Any, str]:
        """The TurnRequest for `item`, and the prompt as sent."""
        from r1cli.engine.prompt import build_prompt

        runtime = self.target(item.provider, item.model)
        settings = runtime.settings
        prompt = build_prompt((item.prompt,), None, [Path(f) for f in item.files])
        system = item.system
        if system is None:
            system = self._options.system or settings.system
        conversation = Conversation(system=system)
        conversation.messages.append(Message("user", prompt))
        defaults = {**settings.params, **self._options.params, **item.params}
        if isinstance(defaults.get("stop"), str):  # "stop": "END" is one sequence
            defaults["stop"] = [defaults["stop"]]
        try:
            sampling = merge_params(Sampling(), defaults)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"params: {exc}") from None
        request = runtime.request(conversation, params=sampling)
        policy = replace(request.policy, throttle=self._throttle)
        return replace(request, policy=policy), prompt


# -- one item --------------------------------------------------------------------------


class CollectSink:
    """Holds the turn so a failed item still yields its partial answer; stops the
    stream at the next event once the batch is cancelled."""

    def __init__(self, cancel: threading.Event) -> None:
        self.turn: Turn | None = None
        self._cancel = cancel

    def begin(self, turn: Turn) -> None:
        self.turn = turn

    def on_event(self, event: Event, turn: Turn) -> None:
        if self._cancel.is_set():
            raise Interrupted("batch cancelled")

    def end(self, turn: Turn) -> None:
        pass


@dataclass
class ItemResult:
    record: dict[str, Any]
    exit_code: int = 0  # 0 for ok
    turn: Turn | None = None
    # A failure every other item would meet too (bad key, no credit, a daily cap):
    # the batch stops taking items rather than failing each of them.
    stops_batch: R1Error | None = None


class Observer(Protocol):
    """What the CLI supplies: where warnings and progress go (main thread for
    progress; warnings may come from any worker)."""

    def warn(self, message: str) -> None: ...

    def progress(self, stats: BatchStats) -> None: ...


def run_item(
    item: Item,
    resolver: ItemResolver,
    limiter: RateLimiter,
    cancel: threading.Event,
    secrets: list[str],
    history: Any = None,
) -> ItemResult | None:
    """Run one item to a record; None when the batch was cancelled under it."""
    from r1cli.engine.turn import run_turn

    try:
        request, prompt = resolver.request_for(item)
    except R1Error as exc:
        code = int(exc.exit_code)
        return ItemResult(
            record(item.id, "error", None, error_info(code, exc.message)), code
        )
    for round_ in range(RATE_LIMIT_ROUNDS):
        sink = CollectSink(cancel)
        limiter.acquire()
        try:
            if cancel.is_set():
                return None
            turn = run_turn(request, [sink])
        except Interrupted:
            return None
        except ProviderFailed as exc:
            again = exc.status == 429 and exc.retryable
            if again and round_ + 1 < RATE_LIMIT_ROUNDS and not _said_anything(sink):
                continue  # the limiter has paused everyone; try once it lets us
            result = _failure(item, exc, sink.turn, secrets)
        except R1Error as exc:
            result = _failure(item, exc, sink.turn, secrets)
        except Exception as exc:  # one item's bug must not stop the other 9,999
            message = f"internal error ({type(exc).__name__}: {exc})"
            result = ItemResult(
                record(item.id, "error", sink.turn, error_info(1, message)),
                1,
                sink.turn,
            )
        else:
            result = ItemResult(record(item.id, "ok", turn), 0, turn)
        finally:
            limiter.release()
        if history is not None and result.turn is not None:
            history.save(request, prompt, result.turn)
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _said_anything(sink: CollectSink) -> bool:
    return sink.turn is not None and bool(sink.turn.content or sink.turn.reasoning)


def _failure(
    item: Item, exc: R1Error, turn: Turn | None, secrets: list[str]
) -> ItemResult:
    code = int(exc.exit_code)
    status = exc.status if isinstance(exc, ProviderError) else None
    exc.message = redact_text(exc.message, secrets)
    info = error_info(code, exc.message, status)
    result = ItemResult(record(item.id, "error", turn, info), code, turn)
    if _account_wide(exc):
        result.stops_batch = exc
    return result


def _account_wide(exc: R1Error) -> bool:
    """401/403 (the key), 402 (the balance), and a 429 that is not worth retrying
    (OpenRouter's daily cap): the next item would fail the same way."""
    if not isinstance(exc, ProviderError):
        return False
    return exc.status in (401, 402, 403) or (exc.status == 429 and not exc.retryable)


class HistoryWriter:
    """`--history`: each finished item becomes a conversation (prompt and answer),
    written once it ends; OUT, not history, is what a resume reads."""

    def __init__(self, store: Any, warn: Callable[[str], None]) -> None:
        self._store = store
        self._warn = warn
        self.warning: str | None = None

    def save(self, request: Any, prompt: str, turn: Turn) -> None:
        from r1cli.history.ids import derive_title
        from r1cli.history.recorder import HistoryRecorder

        if self.warning is not None:
            return
        store = self._store
        try:
            cid = store.create_conversation(
                title=derive_title(prompt),
                model=request.model,
                provider=request.spec.name,
                system=request.conversation.system,
            )
            store.add_message(cid, "user", prompt)
            message_id = store.begin_answer(
                cid, model=request.model, provider=request.spec.name
            )
        except Exception as exc:  # history must never cost an item its answer
            self.warn(f"could not write history ({exc}); items will not be saved")
            return
        recorder = HistoryRecorder(store, cid, message_id)
        recorder.begin(turn)
        recorder.end(turn)
        if recorder.warning:
            self.warn(recorder.warning)

    def warn(self, message: str) -> None:
        if self.warning is None:
            self.warning = message
            self._warn(message)


# -- the scheduler -----------------------------------------------------------------------


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

"""One item of `r1 batch`: from its input line to a Runtime request, a streamed
answer and an output record (`engine/batch.py` schedules many of them)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from r1cli.core.events import Event
from r1cli.core.messages import Conversation, Message, Turn
from r1cli.core.params import Sampling, merge_params
from r1cli.core.redact import redact_text
from r1cli.engine.batch_io import (
    Item,
    error_info,
    record,
)
from r1cli.engine.ratelimit import RateLimiter
from r1cli.engine.resolve import TurnOptions
from r1cli.engine.runtime import Runtime
from r1cli.errors import (
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

"""Self-consistency: N answers to one prompt at once (`ask --samples N`).

Each sample is its own turn through `run_turn`, recorded as its own conversation
(titled `… [sample 2/5]`), with its own guards (the loop guard, the `--max-cost`
share). At most `MAX_PARALLEL` stream at a time. When one sample is told to back off
(a 429, a 5xx) the samples that have not started yet wait as long too, so N
requests do not hammer a provider that has just asked for a pause. Ctrl-C (or a
signal) sets `stop`: every running sample ends at its next event, marked interrupted.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from r1cli.core.events import Event
from r1cli.core.messages import Conversation, Turn
from r1cli.core.sink import TurnSink
from r1cli.errors import Interrupted

if TYPE_CHECKING:
    from r1cli.engine.runtime import Runtime
    from r1cli.engine.turn import TurnRequest
    from r1cli.history.recorder import HistoryRecorder

MIN_SAMPLES, MAX_SAMPLES = 2, 10
MAX_PARALLEL = 4
_RETRY = re.compile(r"retrying in ([\d.]+) s")


@dataclass(slots=True)
class SampleResult:
    index: int
    turn: Turn | None = None
    error: BaseException | None = None
    conversation_id: str | None = None
    history_warning: str | None = None


class SharedBackoff:
    """The retry wait one sample was told, held by the samples not yet started."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._until = 0.0
        self._lock = threading.Lock()
        self._clock = clock

    def note(self, message: str) -> None:
        """Read a transport retry notice (`…; retrying in 1.5 s`)."""
        match = _RETRY.search(message)
        if match:
            with self._lock:
                self._until = max(self._until, self._clock() + float(match[1]))

    def remaining(self) -> float:
        with self._lock:
            return max(self._until - self._clock(), 0.0)

    def wait(self, stop: threading.Event) -> None:
        while (left := self.remaining()) > 0 and not stop.is_set():
            stop.wait(left)


class _StopSink:
    """Ends a sample at its next event once `stop` is set."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def begin(self, turn: Turn) -> None:
        pass

    def on_event(self, event: Event, turn: Turn) -> None:
        if self._stop.is_set():
            raise Interrupted("interrupted by Ctrl-C")

    def end(self, turn: Turn) -> None:
        pass


def run_samples(
    runtime: Runtime,
    conversation: Conversation,
    prompt: str,
    count: int,
    progress: Callable[[int], TurnSink],
    *,
    stop: threading.Event,
    notify: Callable[[str], None],
) -> list[SampleResult]:
    """Stream `count` answers to `conversation` (whose last message is `prompt`).

    Spend checks (budget, `--max-cost` × count) happen first and raise as for one
    turn. Returns every sample's result, failed ones with their error. If the
    caller is interrupted while waiting, `stop` is set and the exception re-raised.
    """
    request = runtime.request(conversation)
    cost_guards = runtime.spend_guards(request, samples=count)
    backoff = SharedBackoff()
    slots = threading.Semaphore(min(count, MAX_PARALLEL))
    results = [SampleResult(i) for i in range(count)]

    def said(message: str) -> None:
        backoff.note(message)
        notify(message)

    def one(index: int) -> None:
        result = results[index]
        try:
            with slots:
                backoff.wait(stop)
                if stop.is_set():
                    raise Interrupted("interrupted by Ctrl-C")
                mine = _own_conversation(conversation)
                recorder = _record(runtime, mine, prompt, index, count, notify)
                result.conversation_id = mine.id
                guards = [guard.fresh() for guard in cost_guards]
                sinks: list[TurnSink] = [
                    progress(index),
                    *guards,
                    *runtime.stream_guards(),
                    _StopSink(stop),
                ]
                if recorder is not None:
                    sinks.append(recorder)
                sample = replace(request, conversation=mine)
                result.turn = _run(runtime, sample, sinks, said)
                if recorder is not None:
                    result.history_warning = recorder.warning
        except BaseException as exc:  # reported by the caller, per sample
            result.error = exc

    threads = [
        threading.Thread(target=one, args=(i,), name=f"r1cli-sample-{i + 1}")
        for i in range(count)
    ]
    for thread in threads:
        thread.daemon = True  # a stuck first byte must not hold the process at exit
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
    except BaseException:
        stop.set()
        for thread in threads:
            thread.join(2.0)
        raise
    return results


def _run(
    runtime: Runtime,
    request: TurnRequest,
    sinks: list[TurnSink],
    notify: Callable[[str], None],
) -> Turn:
    from r1cli.engine.turn import run_turn

    return run_turn(
        request,
        sinks,
        notify=notify,
        debug=runtime.debug,
        redact=runtime.redact,
    )


def _own_conversation(conversation: Conversation) -> Conversation:
    return Conversation(
        messages=list(conversation.messages), system=conversation.system, id=None
    )


def _record(
    runtime: Runtime,
    conversation: Conversation,
    prompt: str,
    index: int,
    count: int,
    notify: Callable[[str], None],
) -> HistoryRecorder | None:
    """A conversation of its own for the sample, and the recorder of its answer."""
    store = runtime.store
    if store is None:
        return None
    from r1cli.history.ids import TITLE_MAX, derive_title
    from r1cli.history.recorder import HistoryRecorder

    suffix = f" [sample {index + 1}/{count}]"
    title = derive_title(prompt)
    if len(title) + len(suffix) > TITLE_MAX:  # keep the suffix whole
        title = title[: TITLE_MAX - len(suffix) - 1].rstrip() + "…"
    try:
        cid = store.create_conversation(
            title=title + suffix,
            model=runtime.model,
            provider=runtime.spec.name,
            system=conversation.system,
        )
        store.add_message(cid, "user", prompt)
        message_id = store.begin_answer(
            cid, model=runtime.model, provider=runtime.spec.name
        )
    except Exception as exc:  # history must never cost the user the answer
        notify(f"could not write history ({exc}); sample {index + 1} is not saved")
        return None
    conversation.id = cid
    return HistoryRecorder(store, cid, message_id)

""" "Answer now": end the thinking and make the model answer at once.

Where the server can continue an assistant message, r1 stops the stream and asks
again with the reasoning so far closed as a finished `<think>` block in an assistant
prefix, so the next tokens are the answer:

DeepSeek, vLLM, llama.cpp and Ollama each take the prefix differently; how is
`providers/prefill.py`'s (the wire side).

`AnswerNow` is the event source `run_turn` reads: the first stream's events, and
once the thinking is due to end (`--think-max SECONDS`, `--think-max-tokens N`, or
the REPL's key setting `trigger`) the continuation's. Both feed the same Turn, whose
`thinking_cut` marks the cut for the footer and history.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from r1cli.config.providers import ProviderSpec
from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import Conversation, Message
from r1cli.engine.turn import TurnRequest, stream_events
from r1cli.errors import UsageError
from r1cli.providers.prefill import (
    PrefixStyle,
    closed_think,
    patch_body,
    prefix_spec,
    prefix_style,
    unavailable,
)

__all__ = [
    "AnswerNow",
    "closed_think",
    "continuation",
    "prefix_style",
    "require_prefix",
    "unavailable",
]


def require_prefix(spec: ProviderSpec, flag: str) -> PrefixStyle:
    """The style, or a UsageError naming `flag` when the provider has none."""
    style = prefix_style(spec)
    if style is None:
        raise UsageError(f"{flag}: {unavailable(spec)}")
    return style


def continuation(request: TurnRequest, style: PrefixStyle) -> TurnRequest:
    """The request that asks again; the prefix itself is set by `patch_body`."""
    spec = prefix_spec(request.spec, style)
    conversation = Conversation(
        messages=list(request.conversation.messages),
        system=request.conversation.system,
        id=request.conversation.id,
    )
    conversation.messages.append(Message("assistant", ""))
    return replace(request, spec=spec, conversation=conversation)


class AnswerNow:
    """The event source of a turn whose thinking may be cut (module docstring)."""

    def __init__(
        self,
        style: PrefixStyle | None,
        *,
        max_seconds: float | None = None,
        max_tokens: int | None = None,
        trigger: threading.Event | None = None,
        on_cut: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._style = style
        self._max_seconds = max_seconds
        self._max_tokens = max_tokens
        self._trigger = trigger
        self._on_cut = on_cut
        self._clock = clock
        self._reasoning: list[str] = []
        self._estimate = 0.0
        self._since: float | None = None

    def _due(self) -> bool:
        if self._trigger is not None and self._trigger.is_set():
            return True
        if self._since is None:
            return False
        elapsed = self._clock() - self._since
        if self._max_seconds is not None and elapsed >= self._max_seconds:
            return True
        return self._max_tokens is not None and self._estimate >= self._max_tokens

    def __call__(
        self,
        request: TurnRequest,
        *,
        notify: Callable[[str], None] | None = None,
        debug: Callable[[str], None] | None = None,
    ) -> Iterator[Event]:
        events = stream_events(request, notify=notify, debug=debug)
        answering = False
        try:
            for event in events:
                yield event
                if isinstance(event, ContentDelta) and event.text:
                    answering = True
                elif isinstance(event, ReasoningDelta) and event.text:
                    self._note_reasoning(event.text)
                if self._style and not answering and self._reasoning and self._due():
                    break
            else:
                return
        finally:
            events.close()  # closes the first response when the thinking is cut
        if self._on_cut is not None:
            self._on_cut()
        style = self._style
        assert style is not None  # the loop breaks only when a style exists
        reasoning = "".join(self._reasoning)
        yield from stream_events(
            continuation(request, style),
            notify=notify,
            debug=debug,
            patch=patch_body(style, reasoning),
        )

    def _note_reasoning(self, text: str) -> None:
        if self._since is None:
            self._since = self._clock()
        self._reasoning.append(text)
        ascii_chars = len(text.encode("ascii", "ignore"))
        self._estimate += 0.3 * ascii_chars + 0.6 * (len(text) - ascii_chars)

"""Messages, conversations and the Turn that one streamed answer folds into.

Pure value types: no I/O, no third-party imports. Reasoning is always kept apart from
content, and is never part of what gets sent back to a model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from r1cli.core.events import (
    ContentDelta,
    Event,
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    ToolCall,
    ToolResult,
    Usage,
)

if TYPE_CHECKING:
    from r1cli.core.models import ModelInfo

Role = Literal["system", "user", "assistant", "tool"]
TurnStatus = Literal["streaming", "complete", "interrupted", "error", "length"]

# What the model is told when an earlier answer of its own was cut off, so that it does
# not take a half sentence for a finished thought.
INTERRUPTED_MARKER = "\n\n[answer interrupted]"
# A streamed text is kept as its pieces until read; past this many they are joined,
# so a long answer costs its characters, not a string object (~60 bytes) per token.
_MAX_PIECES = 1024


def _add_piece(pieces: list[str], text: str) -> None:
    pieces.append(text)
    if len(pieces) > _MAX_PIECES:
        pieces[:] = ["".join(pieces)]


def replay_text(content: str, status: str) -> str | None:
    """What an earlier answer contributes to the next request: its content, marked
    when it was cut off; None when it said nothing (providers reject empty turns)."""
    if not content:
        return None
    if status in ("interrupted", "error", "streaming"):
        return content + INTERRUPTED_MARKER
    return content


def answer_messages(
    content: str, status: str, exchange: list[Message]
) -> list[Message]:
    """What one answer contributes to the next request: the tool loop's messages
    (calls and results, in order), then the final text.

    Text the model wrote before a call is in its tool-call message already, so the
    final message carries only what came after the last call.
    """
    before = "".join(m.content for m in exchange if m.role == "assistant")
    if before and content.startswith(before):
        content = content[len(before) :]
    messages = list(exchange)
    text = replay_text(content, status)
    if text is not None:
        messages.append(Message("assistant", text))
    return messages


def unmarked(content: str) -> tuple[str, bool]:
    """A replayed answer's text without the cut-off marker, and whether it had it."""
    cut = content.endswith(INTERRUPTED_MARKER)
    return content.removesuffix(INTERRUPTED_MARKER), cut


@dataclass(slots=True)
class Message:
    """One message as sent to a model.

    Plain messages are role and content only. An assistant message that asked for
    tools carries its `tool_calls` (and, inside the tool loop of the turn that made
    them, the round's `reasoning` and `signature`, which some providers require back);
    a `tool` message carries one call's result under `tool_call_id`.
    """

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None
    is_error: bool = False
    reasoning: str | None = None
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A function offered to the model: its name (`SERVER__TOOL`), what it does, and
    the JSON Schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, object]


@dataclass(slots=True)
class Turn:
    """One assistant answer as it streams in, and once it has ended.

    The engine folds events in with `apply`; sinks read the running text. Text is kept
    as a list of pieces joined on demand so that folding stays linear in the answer.
    """

    model: str
    provider: str
    status: TurnStatus = "streaming"
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    usage: Usage | None = None
    signature: str | None = None
    error: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    first_token_at: float | None = None
    first_reasoning_at: float | None = None
    first_content_at: float | None = None
    ended_at: float | None = None
    conversation_id: str | None = None
    # Thought accounting (core/accounting.py): the listed prices that split the
    # cost, the effort asked for, and whether the thinking was cut short ("answer
    # now"). The times are the fields above.
    prices: ModelInfo | None = None
    effort: str | None = None
    thinking_cut: bool = False
    # Warnings about the stream found while it ran (the loop guard): shown in the
    # reasoning panel and repeated when the turn ends.
    notices: list[str] = field(default_factory=list)
    # Every tool call and result of this turn, in order (all rounds).
    steps: list[ToolCall | ToolResult] = field(default_factory=list)
    # The messages the tool loop sent back (assistant calls, tool results), in order.
    exchange: list[Message] = field(default_factory=list)
    _content: list[str] = field(default_factory=list)
    _reasoning: list[str] = field(default_factory=list)

    def apply(self, event: Event) -> None:
        """Fold one event into the turn."""
        # Per token: the clock is read only until the first of each kind is seen.
        if isinstance(event, ContentDelta):
            if self.first_content_at is None:
                self.first_content_at = self._first_token()
            _add_piece(self._content, event.text)
        elif isinstance(event, ReasoningDelta):
            if self.first_reasoning_at is None:
                now = self._first_token()
                if event.text:
                    self.first_reasoning_at = now
            _add_piece(self._reasoning, event.text)
        elif isinstance(event, Usage):
            self.usage = event
        elif isinstance(event, Finish):
            # A finish reason, once seen, is never reset by a later chunk.
            if self.finish_reason is None:
                self.finish_reason = event.reason
                self.native_finish_reason = event.native
        elif isinstance(event, ReasoningSignature):
            self.signature = event.signature
        elif isinstance(event, (ToolCall, ToolResult)):
            self.steps.append(event)

    def _first_token(self) -> float:
        """Now, noted as the first token's time if none was seen before."""
        now = time.monotonic()
        if self.first_token_at is None:
            self.first_token_at = now
        return now

    def next_round(self) -> None:
        """A tool round has ended: the next request's finish is its own."""
        self.finish_reason = None
        self.native_finish_reason = None

    @property
    def content(self) -> str:
        if len(self._content) > 1:
            self._content[:] = ["".join(self._content)]
        return self._content[0] if self._content else ""

    @property
    def reasoning(self) -> str:
        if len(self._reasoning) > 1:
            self._reasoning[:] = ["".join(self._reasoning)]
        return self._reasoning[0] if self._reasoning else ""

    def end(self, status: TurnStatus, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.ended_at = time.monotonic()

    @property
    def elapsed(self) -> float:
        return (self.ended_at or time.monotonic()) - self.started_at

    @property
    def thinking_seconds(self) -> float:
        """Seconds spent reasoning: from the first reasoning token to the first
        answer token (or the end, or now); 0 when there was no reasoning.

        The wait before the first token is the provider's queue, not thought; the
        collapsed `Thought for …` line and the footer both use this number.
        """
        start = self.first_reasoning_at
        if start is None:
            return 0.0
        end = self.first_content_at
        if end is None or end < start:
            end = self.ended_at or time.monotonic()
        return max(end - start, 0.0)


@dataclass(slots=True)
class Conversation:
    """The messages sent to the model, oldest first; the system prompt is apart."""

    messages: list[Message] = field(default_factory=list)
    system: str | None = None
    id: str | None = None
    # The functions offered to the model with each request (none: no tools).
    tools: tuple[ToolSpec, ...] = ()

    def add_user(self, text: str) -> None:
        """Append a user message, merging it into a trailing user message if any.

        Providers reject two user messages in a row; that happens when an earlier
        answer failed before it said anything.
        """
        last = self.messages[-1] if self.messages else None
        if last is not None and last.role == "user":
            last.content = f"{last.content}\n\n{text}"
        else:
            self.messages.append(Message("user", text))

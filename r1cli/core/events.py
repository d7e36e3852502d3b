"""The closed vocabulary of stream events shared by providers, the engine and sinks.

Providers turn wire JSON into these; renderers and the history store only ever see
these. Events carry plain text and numbers, never provider dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


# The two events made once per token are not frozen: a frozen dataclass's __init__
# sets each field through object.__setattr__, twice the cost of a plain one. They are
# values all the same: no sink changes an event it is given.
@dataclass(slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning (shown apart from the answer)."""

    text: str


@dataclass(slots=True)
class ContentDelta:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningSignature:
    """An opaque reasoning signature (Anthropic thinking): kept, never shown."""

    signature: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token accounting. Later Usage events replace earlier ones (counts are totals)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost: float | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The provider's finish signal, normalised: stop, length, content_filter, ..."""

    reason: str
    native: str | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One whole function call the model asked for; `arguments` is its JSON text as
    the model wrote it (providers join the fragments before emitting this)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a call gave back (the engine emits these; providers never do)."""

    id: str
    name: str
    content: str
    is_error: bool = False


Event = Union[  # noqa: UP007
    ReasoningDelta,
    ContentDelta,
    ReasoningSignature,
    Usage,
    Finish,
    ToolCall,
    ToolResult,
]

"""The tool loop's side of one turn: what runs a call, and the bound on calls.

`run_turn` streams a round; when the round ends with tool calls it hands each to a
`ToolRunner` (the MCP layer behind an approval policy, or a fake in tests), sends the
assistant's calls and the results back, and streams the next round — at most
`max_calls` calls per turn. A refused or failed call is a result the model reads, never
an exception: only Ctrl-C and signals stop the loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from r1cli.core.events import ToolCall, ToolResult
from r1cli.core.messages import Message

DEFAULT_MAX_TOOL_CALLS = 10


class ToolRunner(Protocol):
    def call(self, call: ToolCall) -> ToolResult:
        """Approve and run one call; failures and refusals are error results."""
        ...


@dataclass(slots=True)
class ToolLoop:
    """The runner and the per-turn bound, as `run_turn` takes them."""

    runner: ToolRunner
    max_calls: int = DEFAULT_MAX_TOOL_CALLS


def over_limit(call: ToolCall, limit: int) -> ToolResult:
    return ToolResult(
        call.id,
        call.name,
        f"not run: the limit of {limit} tool calls per turn was reached; "
        "answer with what you have",
        is_error=True,
    )


def round_messages(
    content: str,
    reasoning: str,
    signature: str | None,
    calls: list[ToolCall],
    results: list[ToolResult],
) -> list[Message]:
    """The assistant message that made `calls` and one tool message per result."""
    messages = [
        Message(
            "assistant",
            content,
            tool_calls=tuple(calls),
            reasoning=reasoning or None,
            signature=signature,
        )
    ]
    messages += [
        Message(
            "tool",
            result.content,
            tool_call_id=result.id,
            name=result.name,
            is_error=result.is_error,
        )
        for result in results
    ]
    return messages

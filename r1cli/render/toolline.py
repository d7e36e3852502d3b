"""The one compact line a tool call and its result get on screen.

`⚙ time__get_current_time(timezone="UTC") → {"datetime": "…"}`: arguments as
`key=value` pairs, the result on one line, both cut to fit, and both sanitised (a
tool's text is as untrusted as the model's).
"""

from __future__ import annotations

import contextlib
import json

from r1cli.core.events import ToolCall, ToolResult
from r1cli.render.sanitize import sanitize

GEAR = "⚙"
ARROW = "→"


def call_text(call: ToolCall, limit: int = 120) -> str:
    """`name(key="value", …)`; arguments that are no JSON object shown as sent."""
    try:
        arguments = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        arguments = None
    if isinstance(arguments, dict):
        inner = ", ".join(
            f"{key}={json.dumps(value, ensure_ascii=False)}"
            for key, value in arguments.items()
        )
    else:
        inner = call.arguments
    return f"{sanitize(call.name)}({_one_line(inner, limit)})"


def result_text(result: ToolResult, limit: int = 120) -> str:
    content = result.content
    with contextlib.suppress(ValueError):  # pretty-printed JSON: compact, one line
        content = json.dumps(json.loads(content), ensure_ascii=False)
    text = _one_line(content, limit)
    return f"error: {text}" if result.is_error else text


def tool_line(call: ToolCall, result: ToolResult | None, width: int = 100) -> str:
    """The whole line; without a result (not back yet), the call alone."""
    head = f"{GEAR} {call_text(call, max(width // 2, 30))}"
    if result is None:
        return head
    room = max(width - len(head) - 3, 20)
    return f"{head} {ARROW} {result_text(result, room)}"


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(sanitize(text).split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 1)] + "…"

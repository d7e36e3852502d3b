"""`--json`: one JSON object per line on stdout, in shapes scripts rely on.

{"type":"reasoning","text":…} · {"type":"content","text":…} ·
{"type":"usage","prompt_tokens":…,"completion_tokens":…,"reasoning_tokens":…,"cost":…} ·
{"type":"tool_call","id":…,"name":…,"arguments":{…}} ·
{"type":"tool_result","id":…,"name":…,"content":…,"is_error":…} ·
{"type":"done","finish_reason":…,"conversation_id":…} · {"type":"error","message":…,"exit_code":N}
(`arguments` is the parsed object; text that is no JSON object is given as a string.)
Nothing else is ever written to stdout in this mode.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, ToolCall, ToolResult
from r1cli.core.messages import Turn
from r1cli.render.plain import output_errors


def write_line(out: BinaryIO, obj: dict[str, Any]) -> None:
    # ensure_ascii keeps every control or bidi character escaped: safe on a terminal,
    # and json.loads still round-trips the exact text.
    with output_errors():
        out.write(json.dumps(obj, ensure_ascii=True).encode("ascii") + b"\n")
        out.flush()


def write_error(out: BinaryIO, message: str, exit_code: int) -> None:
    write_line(out, {"type": "error", "message": message, "exit_code": exit_code})


class JsonlRenderer:
    def __init__(self, *, out: BinaryIO | None = None) -> None:
        self._out = out if out is not None else sys.stdout.buffer

    def begin(self, turn: Turn) -> None:
        pass

    def on_event(self, event: Event, turn: Turn) -> None:
        if isinstance(event, ReasoningDelta):
            write_line(self._out, {"type": "reasoning", "text": event.text})
        elif isinstance(event, ContentDelta):
            write_line(self._out, {"type": "content", "text": event.text})
        elif isinstance(event, ToolCall):
            write_line(
                self._out,
                {
                    "type": "tool_call",
                    "id": event.id,
                    "name": event.name,
                    "arguments": _arguments(event.arguments),
                },
            )
        elif isinstance(event, ToolResult):
            write_line(
                self._out,
                {
                    "type": "tool_result",
                    "id": event.id,
                    "name": event.name,
                    "content": event.content,
                    "is_error": event.is_error,
                },
            )

    def end(self, turn: Turn) -> None:
        usage = turn.usage
        if usage is not None:
            write_line(
                self._out,
                {
                    "type": "usage",
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "reasoning_tokens": usage.reasoning_tokens,
                    "cost": usage.cost,
                },
            )
        if turn.status in ("complete", "length"):
            write_line(
                self._out,
                {
                    "type": "done",
                    "finish_reason": turn.finish_reason,
                    "conversation_id": turn.conversation_id,
                },
            )


def _arguments(text: str) -> Any:
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return text
    return value if isinstance(value, dict) else text

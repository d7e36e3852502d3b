"""Scripted tool-call replies in both dialects, for the fake provider.

Arguments are cut into small fragments (as providers stream them), and several calls
can share one reply, their fragments interleaved by index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from tests.support.replies import chat_chunk


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def openai_tool_stream(
    calls: Sequence[tuple[str, str, str]],
    *,
    reasoning: str = "",
    size: int = 3,
    usage: dict[str, object] | None = None,
) -> list[bytes]:
    """A chat-completions reply that ends in `calls` (id, name, arguments JSON text),
    the arguments of all calls interleaved `size` characters at a time."""
    writes = [chat_chunk({"reasoning": reasoning})] if reasoning else []
    for index, (call_id, name, _) in enumerate(calls):
        head = {"index": index, "id": call_id, "type": "function"}
        head["function"] = {"name": name, "arguments": ""}
        writes.append(chat_chunk({"tool_calls": [head]}))
    split = [pieces(arguments, size) for _, _, arguments in calls]
    for step in range(max(len(p) for p in split)):
        for index, fragments in enumerate(split):
            if step < len(fragments):
                part = {"index": index, "function": {"arguments": fragments[step]}}
                writes.append(chat_chunk({"tool_calls": [part]}))
    writes.append(chat_chunk({}, "tool_calls", usage))
    writes.append(b"data: [DONE]\n\n")
    return writes


def _event(kind: str, data: dict[str, object]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


def anthropic_stream(
    *,
    thinking: str = "",
    signature: str = "",
    text: str = "",
    calls: Sequence[tuple[str, str, str]] = (),
    size: int = 3,
    input_tokens: int = 10,
    output_tokens: int = 5,
) -> list[bytes]:
    """A Messages API stream: a thinking block (with its signature), text, then
    `tool_use` blocks whose input arrives as `input_json_delta` fragments."""
    writes = [
        _event(
            "message_start",
            {
                "type": "message_start",
                "message": {"usage": {"input_tokens": input_tokens}},
            },
        )
    ]
    index = 0
    if thinking:
        writes.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": ""},
                },
            )
        )
        for part in pieces(thinking, 8):
            delta = {"type": "thinking_delta", "thinking": part}
            writes.append(_delta(index, delta))
        if signature:
            writes.append(
                _delta(index, {"type": "signature_delta", "signature": signature})
            )
        writes.append(_stop(index))
        index += 1
    if text:
        writes.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        writes.append(_delta(index, {"type": "text_delta", "text": text}))
        writes.append(_stop(index))
        index += 1
    for call_id, name, arguments in calls:
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        writes.append(
            _event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        for part in pieces(arguments, size):
            delta = {"type": "input_json_delta", "partial_json": part}
            writes.append(_delta(index, delta))
        writes.append(_stop(index))
        index += 1
    reason = "tool_use" if calls else "end_turn"
    writes.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reason},
                "usage": {"output_tokens": output_tokens},
            },
        )
    )
    writes.append(_event("message_stop", {"type": "message_stop"}))
    return writes


def _delta(index: int, delta: dict[str, object]) -> bytes:
    return _event(
        "content_block_delta",
        {"type": "content_block_delta", "index": index, "delta": delta},
    )


def _stop(index: int) -> bytes:
    return _event("content_block_stop", {"type": "content_block_stop", "index": index})

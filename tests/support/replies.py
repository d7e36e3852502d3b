"""Scripted OpenAI-style streams and JSON replies for `tests.support.fakeserver`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from tests.support.fakeserver import Reply


def chat_chunk(
    delta: Mapping[str, object],
    finish: str | None = None,
    usage: Mapping[str, object] | None = None,
) -> bytes:
    """One `data:` event of a chat-completions stream."""
    choice = {"index": 0, "delta": dict(delta), "finish_reason": finish}
    payload: dict[str, object] = {
        "id": "gen-test",
        "object": "chat.completion.chunk",
        "choices": [choice],
    }
    if usage is not None:
        payload["usage"] = dict(usage)
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def chat_stream(
    content: Iterable[str] = (),
    reasoning: Iterable[str] = (),
    *,
    finish: str | None = "stop",
    usage: Mapping[str, object] | None = None,
    done: bool = True,
) -> list[bytes]:
    """A whole stream: reasoning deltas, content deltas, a finish chunk, [DONE]."""
    writes = [chat_chunk({"reasoning": text}) for text in reasoning]
    writes += [chat_chunk({"content": text}) for text in content]
    if finish is not None:
        writes.append(chat_chunk({"content": ""}, finish, usage))
    if done:
        writes.append(b"data: [DONE]\n\n")
    return writes


def sse_reply(chunks: list[bytes], **options: Any) -> Reply:
    return Reply(
        headers=[("Content-Type", "text/event-stream")], chunks=chunks, **options
    )


def json_reply(
    status: int, body: object, *headers: tuple[str, str], **options: Any
) -> Reply:
    """A non-streaming response with a JSON body."""
    return Reply(
        status=status,
        headers=[("Content-Type", "application/json"), *headers],
        chunks=[json.dumps(body).encode()],
        framing="length",
        **options,
    )

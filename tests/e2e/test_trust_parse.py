"""Hostile stream content: deeply nested JSON is a malformed event, not an internal
error (issue 10, item 7)."""

from __future__ import annotations

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer, Reply
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.mark.parametrize("payload", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("provider", ["openrouter", "anthropic"])
def test_deep_json_line_is_a_malformed_event_with_the_partial_kept(
    payload: bytes, provider: str, run_r1: RunR1, server: FakeServer
) -> None:
    if provider == "anthropic":
        start = (
            b'event: content_block_delta\ndata: {"type":"content_block_delta",'
            b'"index":0,"delta":{"type":"text_delta","text":"partial"}}\n\n'
        )
        base, env = f"{server.url}/v1", {"ANTHROPIC_API_KEY": CANARY}
    else:
        start = chat_stream(["partial"], finish=None, done=False)[0]
        base, env = f"{server.url}/api/v1", {"OPENROUTER_API_KEY": CANARY}
    server.queue(sse_reply([start, b"data: " + payload + b"\n\n"]))
    result = run_r1(
        "-p", provider, "-m", "some-model", "--base-url", base, "hi", env=env
    )
    assert result.returncode == 5, result.stderr
    assert "malformed stream data" in result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout.startswith("partial")


def test_deep_json_error_body_is_described_not_crashed(
    run_r1: RunR1, server: FakeServer
) -> None:
    server.queue(
        Reply(
            status=400,
            headers=[("Content-Type", "application/json")],
            chunks=[DEEP[:60_000] + DEEP[-60_000:]],
            framing="length",
        )
    )
    result = run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 4, result.stderr
    assert "internal error" not in result.stderr


# -- item 10: a turn without answer text is never silent ----------------------------


def ask_with(run_r1: RunR1, server: FakeServer, chunks: list[bytes]) -> object:
    server.queue(sse_reply(chunks))
    return run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )


def test_tool_call_only_reply_is_reported(run_r1: RunR1, server: FakeServer) -> None:
    from tests.support.replies import chat_chunk

    call = {
        "tool_calls": [
            {
                "index": 0,
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": "{}"},
            }
        ]
    }
    chunks = [chat_chunk(call), chat_chunk({}, "tool_calls"), b"data: [DONE]\n\n"]
    result = ask_with(run_r1, server, chunks)
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    assert result.stdout.strip() == ""  # type: ignore[attr-defined]
    warnings = [
        line
        for line in result.stderr.splitlines()  # type: ignore[attr-defined]
        if line.startswith("warning:")
    ]
    assert len(warnings) == 1 and "asked to call a tool" in warnings[0]
    assert "'tool_calls'" in warnings[0]


def test_reasoning_only_reply_is_reported(run_r1: RunR1, server: FakeServer) -> None:
    result = ask_with(run_r1, server, chat_stream([], ["thinking..."]))
    assert result.returncode == 0
    assert "warning: the model finished without an answer (only reasoning" in (
        result.stderr  # type: ignore[attr-defined]
    )


def test_stream_of_only_unknown_shapes_is_a_provider_failure(
    run_r1: RunR1, server: FakeServer
) -> None:
    chunks = [b'data: {"unexpected": %d}\n\n' % i for i in range(3)]
    result = ask_with(run_r1, server, [*chunks, b"data: [DONE]\n\n"])
    assert result.returncode == 5, result.stderr  # type: ignore[attr-defined]
    assert "none of its 3 events had a known shape" in result.stderr  # type: ignore[attr-defined]


def test_a_normal_answer_has_no_notice(run_r1: RunR1, server: FakeServer) -> None:
    result = ask_with(run_r1, server, chat_stream(["fine"], ["thought"]))
    assert result.returncode == 0 and result.stderr == ""  # type: ignore[attr-defined]

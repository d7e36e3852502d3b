"""Hostile stream content: deeply nested JSON is a malformed event, not an internal
error (issue 10, item 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import CANARY, RunR1, chat_stream, sse_reply
from tests.fakeserver import FakeServer, Reply

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


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

"""`r1 ask` as a real process: the output contract and the key checks end to end.

tests/integration/test_cli_ask.py covers `r1 ask` in-process (flags, request bodies,
exit codes, error lines, history). These few run `python -m r1cli` for real, one per
output mode (a pipe, `--json`, `--debug` with and without an error), because only a
real process shows everything that reaches its stdout and stderr, up to the
interpreter's exit; the conftest teardown searches all of it for the canary key.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.runner import Result, RunR1
from tests.support.streams import CASES

OPENROUTER_BODY_KEYS = {"model", "messages", "stream", "usage"}


@pytest.fixture
def ask(run_r1: RunR1, server: FakeServer) -> RunR1:
    """`r1 --base-url <fake openrouter> ARGS…` with the canary as OpenRouter key."""

    def run(*args: str, env: dict[str, str | None] | None = None, **kw: Any) -> Result:
        full_env: dict[str, str | None] = {"OPENROUTER_API_KEY": CANARY, **(env or {})}
        base = ("--base-url", f"{server.url}/api/v1")
        return run_r1(*base, *args, env=full_env, **kw)

    return run


def test_pipe_output_is_exactly_the_answer_and_one_newline(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T01"].reply)
    result = ask("hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"Hello!\n"
    assert result.stderr == ""  # no reasoning, spinner or colour anywhere
    # The request: Bearer auth, and nothing the user did not set (no temperature,
    # top_p, max_tokens, reasoning...).
    request = server.requests[0]
    assert request.method == "POST"
    assert request.path == "/api/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {CANARY}"
    assert "x-api-key" not in request.headers
    assert "http-referer" not in request.headers and "x-title" not in request.headers
    sent = request.json()
    assert set(sent) == OPENROUTER_BODY_KEYS
    assert sent["model"] == "deepseek/deepseek-r1-0528"
    assert sent["stream"] is True
    assert sent["usage"] == {"include": True}
    assert sent["messages"] == [{"role": "user", "content": "hi"}]


def test_json_lines_have_exactly_the_documented_shapes(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T01"].reply)
    result = ask("--json", "hi")
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["type"] for line in lines] == [
        "reasoning",
        "reasoning",
        "content",
        "usage",
        "done",
    ]
    assert lines[0] == {"type": "reasoning", "text": "Okay, the user"}
    assert lines[1] == {"type": "reasoning", "text": " says hi."}
    assert lines[2] == {"type": "content", "text": "Hello!"}
    assert lines[3] == {
        "type": "usage",
        "prompt_tokens": 9,
        "completion_tokens": 15,
        "reasoning_tokens": 12,
        "cost": pytest.approx(0.0000367),
    }
    assert set(lines[3]) == {
        "type",
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cost",
    }
    done = lines[4]
    assert set(done) == {"type", "finish_reason", "conversation_id"}
    assert done["finish_reason"] == "stop"
    assert isinstance(done["conversation_id"], str) and done["conversation_id"]
    assert result.stderr == ""


def test_debug_shows_the_request_with_the_key_redacted(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T01"].reply)
    result = ask("--debug", "hi")
    assert result.returncode == 0
    assert result.stdout_bytes == b"Hello!\n"
    assert f"POST {server.url}/api/v1/chat/completions" in result.stderr
    assert '"Authorization": "[REDACTED]"' in result.stderr
    assert '"messages"' in result.stderr
    # The canary is checked for (and base64 forms) by the conftest teardown.


def test_debug_error_traceback_is_redacted(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T28"].reply)
    result = ask("--debug", "hi")
    assert result.returncode == 4
    assert "Traceback" in result.stderr
    assert result.error_lines()

""" "Answer now" end to end: the thinking is cut and the server asked to continue an
assistant prefix (vLLM, DeepSeek's prefix completion), against the fake server."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from r1cli.config.providers import BUILTIN
from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import Conversation, Message
from r1cli.core.params import Sampling
from r1cli.engine.answer_now import AnswerNow, closed_think, prefix_style
from r1cli.engine.turn import TurnRequest
from r1cli.wire.http import NetworkPolicy
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1

THOUGHT = "Let me count the tiles one by one. "


def slow_thinking(server: FakeServer, delay: float = 0.0) -> None:
    """A first answer that would think for 400 pieces, then the continuation."""
    server.queue(sse_reply(chat_stream(["never shown"], [THOUGHT] * 400), delay=delay))
    usage = {"prompt_tokens": 900, "completion_tokens": 2}
    server.queue(sse_reply(chat_stream(["34 ways."], usage=usage)))


def test_think_max_tokens_cuts_and_vllm_continues_the_closed_think_block(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    slow_thinking(server)
    result = call_r1(
        "--provider", "vllm", "--base-url", f"{server.url}/v1",
        "-m", "r1-distill", "--think-max-tokens", "50", "tile it",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "34 ways.\n"
    assert len(server.requests) == 2
    body = server.requests[1].json()
    assert body["continue_final_message"] is True
    assert body["add_generation_prompt"] is False
    last = body["messages"][-1]
    assert last["role"] == "assistant"
    assert last["content"].startswith("<think>\n" + THOUGHT.strip())
    assert last["content"].endswith("\n</think>\n\n")
    cut = last["content"].count("Let me count")
    assert 4 <= cut <= 8  # ~50 tokens of 9-token pieces, not the 400
    (row,) = history_rows(r1_home)
    assert row["thinking_cut"] == 1 and row["content"] == "34 ways."
    assert row["reasoning"].count("Let me count") == cut
    assert row["tokens_estimated"] == 1 and row["answer_tokens"] == 2


def test_think_max_seconds_with_deepseeks_prefix_completion(
    call_r1: RunR1, server: FakeServer
) -> None:
    slow_thinking(server, delay=0.02)  # 8 s of thinking if left alone
    result = call_r1(
        "--provider", "deepseek", "--base-url", server.url, "-m", "deepseek-reasoner",
        "--think-max", "0.3", "tile it",
        env={"DEEPSEEK_API_KEY": CANARY},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "34 ways.\n"
    first, second = server.requests
    assert first.path == "/chat/completions"
    assert second.path == "/beta/chat/completions"
    last = second.json()["messages"][-1]
    assert last["prefix"] is True and last["content"] == ""
    assert last["reasoning_content"].startswith(THOUGHT)
    assert 2 <= last["reasoning_content"].count("Let me count") < 100


def test_think_max_where_the_server_cannot_continue_is_a_usage_error(
    call_r1: RunR1, server: FakeServer
) -> None:
    result = call_r1(
        "--base-url", f"{server.url}/api/v1", "--think-max", "5", "tile it",
        env={"OPENROUTER_API_KEY": CANARY},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: --think-max: answer now is not available for openrouter: it needs "
        "a server that continues an assistant message (deepseek, vllm, llamacpp "
        "and ollama)"
    )
    assert server.requests == []


def test_an_answer_that_started_is_never_cut(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["34 ways."] * 50, [THOUGHT] * 2)))
    result = call_r1(
        "--provider", "vllm", "--base-url", f"{server.url}/v1", "-m", "m",
        "--think-max-tokens", "30", "tile it",
    )  # fmt: skip
    assert result.returncode == 0 and len(server.requests) == 1


@pytest.mark.parametrize(
    ("name", "style"),
    [
        ("deepseek", "deepseek"),
        ("vllm", "vllm"),
        ("llamacpp", "prefill"),
        ("ollama", "prefill"),
        ("openrouter", None),
        ("anthropic", None),
        ("lmstudio", None),
    ],
)
def test_which_providers_can_continue(name: str, style: str | None) -> None:
    assert prefix_style(BUILTIN[name]) == style


def test_a_trigger_cuts_at_the_next_reasoning_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_stream(request: TurnRequest, **kw: Any) -> Any:
        calls.append(kw)
        if len(calls) == 1:
            for i in range(100):
                if i == 3:
                    trigger.set()
                yield ReasoningDelta(f"r{i} ")
        else:
            yield ContentDelta("answer")

    trigger = threading.Event()
    cuts: list[bool] = []
    monkeypatch.setattr("r1cli.engine.answer_now.stream_events", fake_stream)
    source = AnswerNow("prefill", trigger=trigger, on_cut=lambda: cuts.append(True))
    request = TurnRequest(
        spec=BUILTIN["vllm"],
        model="m",
        conversation=Conversation([Message("user", "q")]),
        sampling=Sampling(),
        key=None,
        policy=NetworkPolicy(
            connect_timeout=1, read_timeout=1, max_retries=0, backoff=0
        ),
        first_token_timeout=1,
    )
    events: list[Event] = list(source(request))
    assert events[-1] == ContentDelta("answer")
    assert [e for e in events if isinstance(e, ReasoningDelta)] == [
        ReasoningDelta(f"r{i} ") for i in range(4)
    ]
    assert cuts == [True] and "patch" in calls[1]
    assert closed_think("r0 r1 ") == "<think>\nr0 r1\n</think>\n\n"

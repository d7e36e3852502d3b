"""The engine's tool loop against the loopback provider, in both dialects.

A fake `ToolRunner` stands in for MCP: the point here is the wire (arguments split
across many deltas, two calls in one reply, what goes back in the next request) and
the loop's bound.
"""

from __future__ import annotations

import dataclasses
import json

from r1cli.config.providers import resolve_provider
from r1cli.core.events import Event, ToolCall, ToolResult
from r1cli.core.messages import Conversation, Message, ToolSpec, Turn
from r1cli.core.params import Sampling
from r1cli.engine.tools import ToolLoop
from r1cli.engine.turn import TurnRequest, run_turn
from r1cli.wire.http import NetworkPolicy
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.tool_replies import anthropic_stream, openai_tool_stream

POLICY = NetworkPolicy(connect_timeout=2.0, read_timeout=5.0, max_retries=0, backoff=0)
CLOCK = ToolSpec(
    "time__get_current_time",
    "Get the current time",
    {"type": "object", "properties": {"timezone": {"type": "string"}}},
)
TOKYO = '{"timezone": "Asia/Tokyo"}'
UTC = '{"timezone": "UTC"}'


class FakeRunner:
    def __init__(self) -> None:
        self.calls: list[ToolCall] = []

    def call(self, call: ToolCall) -> ToolResult:
        self.calls.append(call)
        zone = json.loads(call.arguments)["timezone"]
        return ToolResult(call.id, call.name, f'{{"datetime": "12:00 {zone}"}}')


class Events:
    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.ended: Turn | None = None

    def begin(self, turn: Turn) -> None:
        pass

    def on_event(self, event: Event, turn: Turn) -> None:
        self.seen.append(event)

    def end(self, turn: Turn) -> None:
        self.ended = turn


def request(server: FakeServer, provider: str) -> TurnRequest:
    spec = resolve_provider(provider, base_url=server.url)
    conversation = Conversation(
        messages=[Message("user", "what time is it in Tokyo?")], tools=(CLOCK,)
    )
    return TurnRequest(
        spec=spec,
        model="m",
        conversation=conversation,
        sampling=Sampling(),
        key="k",
        policy=POLICY,
        first_token_timeout=5,
    )


def test_openai_two_calls_split_across_deltas(server: FakeServer) -> None:
    calls = [("call_a", CLOCK.name, TOKYO), ("call_b", CLOCK.name, UTC)]
    server.queue(
        sse_reply(
            openai_tool_stream(
                calls,
                reasoning="need the clock",
                size=2,
                usage={"prompt_tokens": 10, "completion_tokens": 3},
            )
        ),
        sse_reply(
            chat_stream(
                ["It is noon."], usage={"prompt_tokens": 20, "completion_tokens": 4}
            )
        ),
    )
    runner, sink = FakeRunner(), Events()
    turn = run_turn(request(server, "openrouter"), [sink], tools=ToolLoop(runner))

    assert [(c.id, c.arguments) for c in runner.calls] == [
        ("call_a", TOKYO),
        ("call_b", UTC),
    ]
    assert turn.content == "It is noon." and turn.status == "complete"
    assert turn.usage is not None and turn.usage.prompt_tokens == 30
    assert turn.usage.completion_tokens == 7
    # The sinks saw each call, then each result, in order.
    steps = [e for e in sink.seen if isinstance(e, (ToolCall, ToolResult))]
    assert [type(s).__name__ for s in steps] == [
        "ToolCall",
        "ToolCall",
        "ToolResult",
        "ToolResult",
    ]
    first, second = (r.json() for r in server.requests)
    assert first["tools"][0]["function"]["name"] == CLOCK.name
    sent = second["messages"]
    assert sent[0] == {"role": "user", "content": "what time is it in Tokyo?"}
    assert sent[1]["role"] == "assistant" and sent[1]["content"] is None
    assert [c["function"]["arguments"] for c in sent[1]["tool_calls"]] == [TOKYO, UTC]
    assert "reasoning_content" not in sent[1]  # only DeepSeek needs it back
    assert sent[2] == {
        "role": "tool",
        "tool_call_id": "call_a",
        "content": '{"datetime": "12:00 Asia/Tokyo"}',
    }
    assert sent[3]["tool_call_id"] == "call_b"
    assert [m.role for m in turn.exchange] == ["assistant", "tool", "tool"]


def test_anthropic_thinking_goes_back_before_tool_use(server: FakeServer) -> None:
    server.queue(
        sse_reply(
            anthropic_stream(
                thinking="I should call the clock.",
                signature="sig-123",
                calls=[("toolu_1", CLOCK.name, TOKYO), ("toolu_2", CLOCK.name, UTC)],
                size=1,
            )
        ),
        sse_reply(anthropic_stream(text="Noon in Tokyo.")),
    )
    runner = FakeRunner()
    turn = run_turn(request(server, "anthropic"), [Events()], tools=ToolLoop(runner))

    assert [c.arguments for c in runner.calls] == [TOKYO, UTC]
    assert turn.content == "Noon in Tokyo."
    body = server.requests[1].json()
    assert body["tools"][0]["input_schema"] == CLOCK.parameters
    assistant, results = body["messages"][1], body["messages"][2]
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": "I should call the clock.",
        "signature": "sig-123",
    }
    assert assistant["content"][1] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": CLOCK.name,
        "input": {"timezone": "Asia/Tokyo"},
    }
    assert results["role"] == "user"
    assert [b["tool_use_id"] for b in results["content"]] == ["toolu_1", "toolu_2"]
    assert results["content"][0]["type"] == "tool_result"


def test_call_bound_refuses_then_stops(server: FakeServer) -> None:
    calls = [("c1", CLOCK.name, TOKYO), ("c2", CLOCK.name, UTC)]
    server.queue(
        sse_reply(openai_tool_stream(calls)),
        sse_reply(openai_tool_stream([("c3", CLOCK.name, UTC)])),
    )
    runner, notes = FakeRunner(), []
    turn = run_turn(
        request(server, "openrouter"),
        [Events()],
        tools=ToolLoop(runner, max_calls=1),
        notify=notes.append,
    )
    assert [c.id for c in runner.calls] == ["c1"]  # c2 was over the bound
    refused = [s for s in turn.steps if isinstance(s, ToolResult) and s.is_error]
    assert [r.id for r in refused] == ["c2"] and "limit of 1" in refused[0].content
    assert len(server.requests) == 2  # the model asked again: the loop stopped
    assert notes and "--max-tool-calls 1" in notes[0]
    assert turn.status == "complete"


def test_no_runner_means_no_loop(server: FakeServer) -> None:
    server.queue(sse_reply(openai_tool_stream([("c1", CLOCK.name, TOKYO)])))
    turn = run_turn(request(server, "openrouter"), [Events()])
    assert len(server.requests) == 1
    assert [type(s) for s in turn.steps] == [ToolCall]


def test_deepseek_reasoning_goes_back_with_tool_calls() -> None:
    from r1cli.providers.openai_compat import build_request

    spec = resolve_provider("deepseek")
    call = ToolCall("c1", CLOCK.name, TOKYO)
    conversation = Conversation(
        messages=[
            Message("user", "old question"),
            Message("assistant", "old answer", reasoning="old thoughts"),
            Message("user", "time?"),
            Message("assistant", "", tool_calls=(call,), reasoning="use the clock"),
            Message("tool", "noon", tool_call_id="c1"),
        ]
    )
    body = build_request(spec, "deepseek-reasoner", conversation, Sampling(), "k").body
    assert body["messages"][1] == {"role": "assistant", "content": "old answer"}
    assert body["messages"][3]["reasoning_content"] == "use the clock"
    other = dataclasses.replace(
        spec, name="openrouter", base_url="https://openrouter.ai/api/v1"
    )
    body = build_request(other, "m", conversation, Sampling(), "k").body
    assert "reasoning_content" not in body["messages"][3]

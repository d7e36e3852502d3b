"""Every stream case of docs/wire-formats.md §9 (`tests.support.streams.CASES`) through the real engine.

Two levels:

- in process, byte by byte: the joined body goes through `r1cli.wire.sse.SSEDecoder` and
  the dialect's parser, split at every byte offset and as single bytes, and must give
  the same reasoning, answer, finish, usage and error as the catalogue expects;
- over HTTP: `engine.turn.run_turn` against the loopback `FakeServer`, with the scripted
  writes and once more one byte per write, checking the events the sinks saw, the
  turn's final status, and the error class and exit code of the failing cases.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from r1cli.config.providers import ProviderSpec, resolve_provider
from r1cli.core.events import (
    ContentDelta,
    Event,
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    Usage,
)
from r1cli.core.messages import Conversation, Message, Turn
from r1cli.core.params import Sampling
from r1cli.engine.turn import TurnRequest, run_turn
from r1cli.errors import NetworkError, ProviderFailed, R1Error, RequestRejected
from r1cli.providers.dialects import make_parser
from r1cli.wire.http import NetworkPolicy
from r1cli.wire.sse import SSEDecoder
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.streams import CASES, Case, Expect, single_bytes, split_every

ERROR_CLASSES: dict[int, type[R1Error]] = {
    4: RequestRejected,
    5: ProviderFailed,
    6: NetworkError,
}
POLICY = NetworkPolicy(
    connect_timeout=2.0, read_timeout=5.0, max_retries=0, backoff=0.01
)


def spec_for(case: Case, base_url: str | None = None) -> ProviderSpec:
    """The provider a case's bytes come from (its dialect and think-tag setting)."""
    name = "anthropic" if case.dialect == "anthropic" else "openrouter"
    spec = resolve_provider(name, base_url=base_url)
    return dataclasses.replace(spec, think_tags=case.think_tags)


def is_sse_stream(case: Case) -> bool:
    content_types = [
        v.lower() for k, v in case.reply.headers if k.lower() == "content-type"
    ]
    return case.reply.status == 200 and any("event-stream" in v for v in content_types)


@dataclass(frozen=True)
class Outcome:
    """What a stream amounts to, independent of how its events were chunked."""

    reasoning: str
    content: str
    finish: str | None
    usage: Usage | None
    signature: str | None
    exit_code: int
    error: str | None


def summarise(events: Iterable[Event], error: R1Error | None) -> Outcome:
    reasoning: list[str] = []
    content: list[str] = []
    finish: str | None = None
    usage: Usage | None = None
    signature: str | None = None
    for event in events:
        if isinstance(event, ReasoningDelta):
            reasoning.append(event.text)
        elif isinstance(event, ContentDelta):
            content.append(event.text)
        elif isinstance(event, Finish) and finish is None:
            finish = event.reason
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, ReasoningSignature):
            signature = event.signature
    # A stream without a finish signal is truncated: a network failure (exit 6).
    code = int(error.exit_code) if error else (0 if finish is not None else 6)
    return Outcome(
        "".join(reasoning),
        "".join(content),
        finish,
        usage,
        signature,
        code,
        error.message if error else None,
    )


def parse_writes(case: Case, writes: Iterable[bytes]) -> Outcome:
    """The engine's SSE loop, in process: decoder + parser over the given reads."""
    parser = make_parser(spec_for(case), case.model)
    decoder = SSEDecoder()
    events: list[Event] = []
    error: R1Error | None = None

    def collect(produced: Iterator[Event]) -> None:
        # Event by event, so the events before an error are kept.
        for event in produced:
            events.append(event)

    try:
        for write in writes:
            for sse in decoder.feed(write):
                collect(parser.feed(sse))
                if parser.done:
                    return summarise(events, None)
        for sse in decoder.close():
            collect(parser.feed(sse, at_eof=True))
        collect(parser.finish())
    except R1Error as exc:
        error = exc
    return summarise(events, error)


def check_expectation(outcome: Outcome, expect: Expect) -> None:
    assert outcome.reasoning == expect.reasoning
    assert outcome.content == expect.content
    assert outcome.finish == expect.finish
    assert outcome.exit_code == expect.exit_code, outcome.error
    if expect.error is not None:
        assert outcome.error is not None and expect.error in outcome.error
    if expect.exit_code == 0:
        assert outcome.error is None
    if expect.usage is not None:
        assert outcome.usage is not None
        for name, value in expect.usage.items():
            assert getattr(outcome.usage, name) == pytest.approx(value), name
    if expect.signature is not None:
        assert outcome.signature == expect.signature


SSE_CASES = [name for name, case in CASES.items() if is_sse_stream(case)]


def test_catalogue_is_covered() -> None:
    """The in-process tests see every streaming case; the rest are HTTP-level only."""
    assert len(SSE_CASES) >= 35
    others = set(CASES) - set(SSE_CASES)
    assert all(
        CASES[name].reply.status != 200 or CASES[name].expect.exit_code == 5
        for name in others
    )


@pytest.mark.parametrize("name", SSE_CASES)
def test_scripted_writes_give_the_expected_answer(name: str) -> None:
    case = CASES[name]
    check_expectation(parse_writes(case, case.reply.chunks), case.expect)


@pytest.mark.parametrize("name", SSE_CASES)
def test_every_two_way_split_gives_the_same_answer(name: str) -> None:
    case = CASES[name]
    body = b"".join(case.reply.chunks)
    reference = parse_writes(case, [body])
    check_expectation(reference, case.expect)
    for offset in range(len(body) + 1):
        outcome = parse_writes(case, split_every(case.reply.chunks, offset))
        assert outcome == reference, f"split at byte {offset}"


@pytest.mark.parametrize("name", SSE_CASES)
def test_single_byte_reads_give_the_same_answer(name: str) -> None:
    case = CASES[name]
    outcome = parse_writes(case, single_bytes(case.reply.chunks))
    check_expectation(outcome, case.expect)
    assert outcome == parse_writes(case, case.reply.chunks)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(SSE_CASES),
    cuts=st.lists(st.integers(min_value=0, max_value=4096), max_size=12),
)
def test_any_chunking_gives_the_same_answer(name: str, cuts: list[int]) -> None:
    case = CASES[name]
    body = b"".join(case.reply.chunks)
    points = sorted({cut % (len(body) + 1) for cut in cuts})
    writes = [
        body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=True)
    ]
    check_expectation(parse_writes(case, writes), case.expect)


# -- over HTTP, through run_turn -----------------------------------------------------


class RecordingSink:
    """A TurnSink that keeps everything it is told."""

    def __init__(self) -> None:
        self.turn: Turn | None = None
        self.events: list[Event] = []
        self.end_statuses: list[str] = []

    def begin(self, turn: Turn) -> None:
        assert self.turn is None, "begin called twice"
        self.turn = turn

    def on_event(self, event: Event, turn: Turn) -> None:
        assert turn is self.turn
        self.events.append(event)

    def end(self, turn: Turn) -> None:
        self.end_statuses.append(turn.status)


@pytest.fixture(autouse=True)
def shared_ssl_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every httpx.Client loads the CA bundle (~50 ms); these tests only talk plain
    HTTP to loopback, so one context serves them all. Speed only: if httpx moves the
    function, nothing breaks."""
    import httpx._transports.default as transports

    context = _ssl_context()
    monkeypatch.setattr(
        transports, "create_ssl_context", lambda *a, **k: context, raising=False
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()


def run_case_over_http(case: Case, writes: list[bytes] | None = None) -> None:
    reply = case.reply
    if writes is not None:
        reply = dataclasses.replace(reply, chunks=writes, delay=0.0)
    if reply.reset:
        # Linux drops unread received data when a RST arrives: give the client time
        # to read what was sent, as a real server's delay between writes would.
        reply = dataclasses.replace(reply, stall=0.2)
    with FakeServer([reply]) as server:
        base = server.url + ("/v1" if case.dialect == "anthropic" else "/api/v1")
        spec = spec_for(case, base)
        conversation = Conversation(messages=[Message("user", "hi")])
        request = TurnRequest(
            spec=spec,
            model=case.model,
            conversation=conversation,
            sampling=Sampling(),
            key=CANARY,
            policy=POLICY,
            first_token_timeout=30.0,
        )
        sink = RecordingSink()
        notes: list[str] = []
        error: R1Error | None = None
        try:
            returned = run_turn(request, [sink], notify=notes.append)
        except R1Error as exc:
            error = exc
        else:
            assert returned is sink.turn
        assert len(server.requests) == 1, "nothing is retried with max_retries=0"
        sent = server.requests[0]
        endpoint = "/messages" if case.dialect == "anthropic" else "/chat/completions"
        assert sent.path.endswith(endpoint)
        assert sent.json()["stream"] is True

    turn = sink.turn
    assert turn is not None
    assert sink.end_statuses == [turn.status], "every sink ends exactly once"
    outcome = summarise(sink.events, error)
    check_expectation(outcome, case.expect)
    # The turn folded in exactly what the sinks saw.
    assert turn.reasoning == outcome.reasoning
    assert turn.content == outcome.content
    assert turn.finish_reason == outcome.finish
    expect = case.expect
    if expect.exit_code == 0:
        assert error is None
        assert turn.status == ("length" if expect.finish == "length" else "complete")
        if expect.usage is not None:
            assert turn.usage is not None
            for name, value in expect.usage.items():
                assert getattr(turn.usage, name) == pytest.approx(value), name
        if expect.signature is not None:
            assert turn.signature == expect.signature
    else:
        assert isinstance(error, ERROR_CLASSES[expect.exit_code]), repr(error)
        assert int(error.exit_code) == expect.exit_code
        assert turn.status == "error"
        assert turn.error == error.message
    assert not any(CANARY in note for note in notes)


@pytest.mark.parametrize("name", list(CASES))
def test_case_over_http(name: str) -> None:
    run_case_over_http(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_case_over_http_one_byte_per_write(name: str) -> None:
    case = CASES[name]
    run_case_over_http(case, single_bytes(case.reply.chunks))


# -- the usage numbers the issue pins down ---------------------------------------------


def test_openrouter_usage_arrives_after_the_finish() -> None:
    outcome = parse_writes(CASES["T01"], CASES["T01"].reply.chunks)
    assert outcome.usage == Usage(
        prompt_tokens=9,
        completion_tokens=15,
        reasoning_tokens=12,
        cached_tokens=0,
        cost=0.0000367,
    )
    assert outcome.finish == "stop"  # the later usage-only chunk does not reset it


def test_deepseek_cache_hits_are_kept() -> None:
    outcome = parse_writes(CASES["T02"], CASES["T02"].reply.chunks)
    assert outcome.usage is not None
    assert outcome.usage.cached_tokens == 0
    assert outcome.usage.reasoning_tokens == 94


def test_anthropic_usage_is_cumulative_and_signature_kept() -> None:
    outcome = parse_writes(CASES["T33"], CASES["T33"].reply.chunks)
    assert outcome.usage is not None
    assert (outcome.usage.prompt_tokens, outcome.usage.completion_tokens) == (25, 15)
    assert outcome.signature == "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pki"
    assert "EqQB" not in outcome.reasoning + outcome.content


def test_encrypted_reasoning_is_a_marker_never_base64() -> None:
    outcome = parse_writes(CASES["T04"], CASES["T04"].reply.chunks)
    assert "[REDACTED]" in outcome.reasoning
    assert "c2VjcmV0" not in outcome.reasoning


def test_cost_is_a_float() -> None:
    outcome = parse_writes(CASES["T01"], CASES["T01"].reply.chunks)
    assert outcome.usage is not None and outcome.usage.cost is not None
    assert math.isclose(outcome.usage.cost, 3.67e-05)

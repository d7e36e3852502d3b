"""The engine: one loop, shared by `ask` and the REPL, that turns a request into a Turn.

`run_turn` sends the request, decodes the stream into events, folds each into the
`Turn` and fans it out to the sinks (a renderer, the history recorder), which never
talk to each other. Whatever happens — a finish, an error, Ctrl-C, a closed pipe — every
sink's `end` is called with the turn's final status before the exception propagates.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from r1cli.config.providers import ProviderSpec
from r1cli.core.events import (
    ContentDelta,
    Event,
    ReasoningDelta,
    ToolCall,
    Usage,
)
from r1cli.core.messages import Conversation, Turn, TurnStatus
from r1cli.core.models import ModelInfo, cost_from_prices
from r1cli.core.params import Sampling
from r1cli.core.sink import TurnSink
from r1cli.engine.tools import ToolLoop, over_limit, round_messages
from r1cli.errors import Interrupted, NetworkError, ProviderFailed, R1Error
from r1cli.providers.base import StreamParser
from r1cli.providers.dialects import build_request, make_parser
from r1cli.wire.sse import SSEDecoder, SSEOverflow
from r1cli.wire.transport import (
    NetworkPolicy,
    StreamResponse,
    Target,
    describe_body,
    open_stream,
)


@dataclass(frozen=True, slots=True)
class TurnRequest:
    spec: ProviderSpec
    model: str
    conversation: Conversation
    sampling: Sampling
    key: str | None
    policy: NetworkPolicy
    # Keep-alive comments reset the idle timeout forever; this bounds the wait for
    # the first token (DeepSeek queues requests for up to 10 minutes).
    first_token_timeout: float
    key_hint: str | None = None
    # The model's listed prices (`r1 models` cache): a cost where the provider
    # reports none.
    prices: ModelInfo | None = None


def run_turn(
    request: TurnRequest,
    sinks: Sequence[TurnSink],
    *,
    notify: Callable[[str], None] | None = None,
    debug: Callable[[str], None] | None = None,
    redact: Callable[[str], str] | None = None,
    tools: ToolLoop | None = None,
) -> Turn:
    """Stream one answer into a Turn, fanning events out to `sinks`.

    `redact` cleans the error text the turn keeps (servers echo keys back in error
    bodies), so no sink (the history row above all) ever holds a secret. With `tools`,
    a round that ends in tool calls runs them and sends the results back (the
    rounds are one Turn: the sinks see every round's events, then one end).
    """
    turn = Turn(
        model=request.model,
        provider=request.spec.name,
        conversation_id=request.conversation.id,
    )
    for sink in sinks:
        sink.begin(turn)
    try:
        conversation = request.conversation
        calls_made = 0
        while True:
            content_mark, reasoning_mark = len(turn.content), len(turn.reasoning)
            steps_mark = len(turn.steps)
            _stream_round(request, turn, sinks, turn.usage, notify=notify, debug=debug)
            calls = [s for s in turn.steps[steps_mark:] if isinstance(s, ToolCall)]
            if tools is None or not calls:
                break
            if calls_made >= tools.max_calls:
                # The model was told the limit and asked again: stop here.
                if notify is not None:
                    notify(
                        f"stopped after {calls_made} tool calls "
                        f"(--max-tool-calls {tools.max_calls})"
                    )
                break
            results = []
            for call in calls:
                calls_made += 1
                if calls_made > tools.max_calls:
                    result = over_limit(call, tools.max_calls)
                else:
                    result = tools.runner.call(call)
                results.append(result)
                _fan_out(result, turn, sinks)
            messages = round_messages(
                turn.content[content_mark:],
                turn.reasoning[reasoning_mark:],
                turn.signature,
                calls,
                results,
            )
            turn.exchange += messages
            conversation = replace(
                conversation, messages=[*conversation.messages, *messages]
            )
            request = replace(request, conversation=conversation)
            turn.next_round()
            turn.signature = None
        turn.end(_final_status(turn))
    except BaseException as exc:
        if turn.status == "streaming":
            status, error = _status_for(exc)
            if error is not None and redact is not None:
                error = redact(error)
            turn.end(status, error)
        raise
    finally:
        _end_sinks(sinks, turn)
    return turn


def _stream_round(
    request: TurnRequest,
    turn: Turn,
    sinks: Sequence[TurnSink],
    before: Usage | None,
    *,
    notify: Callable[[str], None] | None,
    debug: Callable[[str], None] | None,
) -> None:
    """One request's stream folded into the turn and fanned out to the sinks.

    `before` is what the earlier rounds of a tool loop used: a round's counts are its
    own, and the turn's are the sum.
    """
    for event in stream_events(request, notify=notify, debug=debug):
        if isinstance(event, Usage):
            if event.cost is None and request.prices:
                event = replace(event, cost=cost_from_prices(event, request.prices))
            if before is not None:
                event = add_usage(before, event)
        _fan_out(event, turn, sinks)
    if turn.finish_reason is None:
        raise NetworkError(
            f"the stream from {request.spec.host} ended without a finish signal; "
            "the answer may be incomplete",
            hint="try again",
        )


def add_usage(before: Usage, now: Usage) -> Usage:
    """Two rounds' counts together (a count neither round reported stays None)."""

    def plus(a: float | None, b: float | None) -> float | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    def plus_int(a: int | None, b: int | None) -> int | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    return Usage(
        prompt_tokens=plus_int(before.prompt_tokens, now.prompt_tokens),
        completion_tokens=plus_int(before.completion_tokens, now.completion_tokens),
        reasoning_tokens=plus_int(before.reasoning_tokens, now.reasoning_tokens),
        cached_tokens=plus_int(before.cached_tokens, now.cached_tokens),
        cost=plus(before.cost, now.cost),
    )


def _fan_out(event: Event, turn: Turn, sinks: Sequence[TurnSink]) -> None:
    turn.apply(event)
    for sink in sinks:
        sink.on_event(event, turn)


def _final_status(turn: Turn) -> TurnStatus:
    return "length" if turn.finish_reason == "length" else "complete"


def _status_for(exc: BaseException) -> tuple[TurnStatus, str | None]:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", "interrupted by Ctrl-C"
    if isinstance(exc, Interrupted):
        return "interrupted", exc.reason
    if isinstance(exc, BrokenPipeError):
        return "interrupted", "output closed"
    if isinstance(exc, R1Error):
        return "error", exc.message
    return "error", f"internal error: {type(exc).__name__}"


def _end_sinks(sinks: Sequence[TurnSink], turn: Turn) -> None:
    """Call every sink's end, even if one fails (a closed stdout must not stop the
    history store from saving the partial answer)."""
    failure: Exception | None = None
    for sink in reversed(sinks):
        try:
            sink.end(turn)
        except Exception as exc:  # the next sink still ends (history above all)
            failure = failure or exc
    if failure is not None and turn.status != "interrupted":
        raise failure


def stream_events(
    request: TurnRequest,
    *,
    notify: Callable[[str], None] | None = None,
    debug: Callable[[str], None] | None = None,
) -> Iterator[Event]:
    """The provider's answer as events; raises R1Error subclasses on failure."""
    http = build_request(
        request.spec, request.model, request.conversation, request.sampling, request.key
    )
    parser = make_parser(request.spec, request.model)
    target = Target(request.spec.name, request.key_hint)
    with open_stream(
        http, target, request.policy, notify=notify, debug=debug
    ) as response:
        if _is_json(response.content_type):
            yield from parser.parse_body(_json_body(response))
            return
        if "html" in response.content_type:
            detail = describe_body(response.read_bounded(), response.content_type)
            raise ProviderFailed(f"unexpected response from {response.host}: {detail}")
        yield from _sse_events(response, parser, request.first_token_timeout)


def _sse_events(
    response: StreamResponse, parser: StreamParser, first_token_timeout: float
) -> Iterator[Event]:
    decoder = SSEDecoder()
    deadline = time.monotonic() + first_token_timeout
    answered = False
    try:
        for chunk in response.iter_bytes():
            for sse in decoder.feed(chunk):
                for event in parser.feed(sse):
                    answered = answered or isinstance(
                        event, (ContentDelta, ReasoningDelta)
                    )
                    yield event
                if parser.done:
                    return
            if not answered and time.monotonic() > deadline:
                raise NetworkError(
                    f"no answer from {response.host} after {first_token_timeout:.0f} s "
                    "(the server only sent keep-alives)",
                    hint="the provider may be overloaded; try again later",
                )
        for sse in decoder.close():
            yield from parser.feed(sse, at_eof=True)
        yield from parser.finish()
    except SSEOverflow:
        raise ProviderFailed(
            f"malformed stream from {response.host}: a line too long"
        ) from None


def _is_json(content_type: str) -> bool:
    return "json" in content_type and "event-stream" not in content_type


def _json_body(response: StreamResponse) -> object:
    raw = response.read_bounded()
    try:
        return json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        raise ProviderFailed(
            f"unexpected response from {response.host}: {describe_body(raw, '')}"
        ) from None

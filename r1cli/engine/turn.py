"""The engine: one loop, shared by `ask` and the REPL, that turns a request into a Turn.

`run_turn` sends the request, decodes the stream into events, folds each into the
`Turn` and fans it out to the sinks (a renderer, the history recorder), which never
talk to each other. Whatever happens — a finish, an error, Ctrl-C, a closed pipe — every
sink's `end` is called with the turn's final status before the exception propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

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
from r1cli.engine.loop_guard import ReasoningLoop
from r1cli.engine.tools import ToolLoop, over_limit, round_messages
from r1cli.errors import CostLimit, Interrupted, NetworkError, ProviderFailed, R1Error
from r1cli.providers.base import StreamParser, loads
from r1cli.providers.dialects import build_request, make_parser
from r1cli.wire.failures import describe_body
from r1cli.wire.http import HttpRequest
from r1cli.wire.sse import SSEDecoder, SSEEvent, SSEOverflow
from r1cli.wire.transport import (
    NetworkPolicy,
    StreamResponse,
    Target,
    open_stream,
)

# More decoded bytes than this with no event from the parser is not a stream making
# progress (twice the SSE decoder's line cap in ASCII, so one huge event still fits).
MAX_BYTES_WITHOUT_EVENT = 32 * 1024 * 1024


class EventSource(Protocol):
    """What `run_turn` reads events from: `stream_events` or a wrapper of it."""

    def __call__(
        self,
        request: TurnRequest,
        *,
        notify: Callable[[str], None] | None = ...,
        debug: Callable[[str], None] | None = ...,
    ) -> Iterator[Event]: ...


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
    source: EventSource | None = None,
    tools: ToolLoop | None = None,
    started: Callable[[Turn], None] | None = None,
) -> Turn:
    """Stream one answer into a Turn, fanning events out to `sinks`.

    `redact` cleans the error text the turn keeps (servers echo keys back in error
    bodies), so no sink (the history row above all) ever holds a secret. With `tools`,
    a round that ends in tool calls runs them and sends the results back (the
    rounds are one Turn: the sinks see every round's events, then one end).
    `started` is given the turn before anything is sent (a caller that must see it
    even when this raises).
    """
    turn = Turn(
        model=request.model,
        provider=request.spec.name,
        conversation_id=request.conversation.id,
        prices=request.prices,
        effort=request.sampling.effort,
    )
    if started is not None:
        started(turn)
    for sink in sinks:
        sink.begin(turn)
    try:
        conversation = request.conversation
        calls_made = 0
        while True:
            content_mark, reasoning_mark = len(turn.content), len(turn.reasoning)
            steps_mark = len(turn.steps)
            _stream_round(
                request,
                turn,
                sinks,
                turn.usage,
                notify=notify,
                debug=debug,
                source=source,
            )
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
        notice = _no_answer_notice(turn)
        if notice and notify:
            notify(notice)
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


def _no_answer_notice(turn: Turn) -> str | None:
    """What to tell the user when a turn finished cleanly without any answer text
    (it used to end silently with exit 0). A cut at the token limit is reported by
    the caller already."""
    if turn.content or turn.finish_reason == "length":
        return None
    reason = turn.native_finish_reason or turn.finish_reason
    if reason in ("tool_calls", "function_call", "tool_use"):
        return (
            f"the model asked to call a tool (finish reason {reason!r}) and gave no "
            "answer text; no tools were offered (see 'r1 tools')"
        )
    what = "only reasoning" if turn.reasoning else "no text at all"
    return f"the model finished without an answer ({what}; finish reason {reason!r})"


def _stream_round(
    request: TurnRequest,
    turn: Turn,
    sinks: Sequence[TurnSink],
    before: Usage | None,
    *,
    notify: Callable[[str], None] | None,
    debug: Callable[[str], None] | None,
    source: EventSource | None = None,
) -> None:
    """One request's stream folded into the turn and fanned out to the sinks.

    `before` is what the earlier rounds of a tool loop used: a round's counts are its
    own, and the turn's are the sum.
    """
    # `source`: another reader of the same stream (engine/answer_now.py).
    for event in (source or stream_events)(request, notify=notify, debug=debug):
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
    if isinstance(exc, (CostLimit, ReasoningLoop)):
        # Stopped on purpose (a cap, a loop): the answer is cut short, not wrong.
        return "interrupted", exc.message
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
    patch: Callable[[HttpRequest], None] | None = None,
) -> Generator[Event, None, None]:
    """The provider's answer as events; raises R1Error subclasses on failure.

    `patch` edits the built request in place (an assistant prefix to continue).
    """
    http = build_request(
        request.spec, request.model, request.conversation, request.sampling, request.key
    )
    if patch is not None:
        patch(http)
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
        yield from _sse_events(
            response,
            parser,
            request.first_token_timeout,
            request.policy.read_timeout,
        )


IDLE_HINT = "use --timeout SECONDS to wait longer"


def _sse_events(
    response: StreamResponse,
    parser: StreamParser,
    first_token_timeout: float,
    idle_timeout: float,
) -> Iterator[Event]:
    """Events from an SSE body, under two deadlines the transport enforces at every
    socket read: the first token (keep-alives count as waiting until then), and after
    it the idle gap between pieces of answer (keep-alives no longer count: a model that
    has started answering and then only sends comments is stuck)."""
    decoder = SSEDecoder()
    watch = response.watch
    host = response.host
    watch.set(
        "first token",
        first_token_timeout,
        f"no answer from {host} after {first_token_timeout:g} s "
        "(the server only sent keep-alives)",
        "the provider may be overloaded; try again later",
    )
    # Renewed after every read that brought answer text: the message is built once.
    stalled = f"the answer from {host} stalled: nothing new for {idle_timeout:g} s"
    answered = False
    idle_bytes = 0  # decoded bytes since the parser last produced an event
    unread = 0  # SSE events (other than [DONE]) the parser could make nothing of
    read = 0  # SSE events that gave at least one event
    try:
        for chunk in response.iter_bytes():
            idle_bytes += len(chunk)
            progressed = False  # this read brought answer or reasoning text
            for sse in decoder.feed(chunk):
                produced = False
                for event in parser.feed(sse):
                    produced = True
                    idle_bytes = 0
                    if not progressed and isinstance(
                        event, (ContentDelta, ReasoningDelta)
                    ):
                        progressed = True
                        if not answered:
                            answered = True
                            watch.clear("first token")
                    yield event
                if not produced:
                    unread += 1
                elif not (parser.done and _is_done_marker(sse)):  # [DONE] ends it
                    read += 1
                if parser.done:
                    break
            if progressed:
                # Once per read, after its events were handled (not per token: a
                # clock read and a tuple per token were a twentieth of the cost).
                watch.set("idle", idle_timeout, stalled, IDLE_HINT)
            if parser.done:
                break
            if idle_bytes > MAX_BYTES_WITHOUT_EVENT:
                # Blank lines, comments or unusable events: a gzip stream of them
                # inflates a thousandfold and pinned the CPU for minutes.
                raise ProviderFailed(
                    f"malformed stream from {host}: "
                    f"{idle_bytes // 2**20} MiB without a usable event"
                )
            watch.check()
        else:
            for sse in decoder.close():
                for event in parser.feed(sse, at_eof=True):
                    read += 1
                    yield event
            yield from parser.finish()
    except SSEOverflow:
        raise ProviderFailed(f"malformed stream from {host}: a line too long") from None
    if unread and not read:
        # Every event had a shape this provider's parser does not know: not an
        # empty answer, a stream we could not read (wrong dialect, a proxy's own
        # format).
        raise ProviderFailed(
            f"could not read the stream from {host}: none of its {unread} events "
            "had a known shape",
            hint="check the provider's dialect (and base URL) in the config",
        )


def _is_done_marker(sse: SSEEvent) -> bool:
    return sse.data.strip() == "[DONE]"


def _is_json(content_type: str) -> bool:
    return "json" in content_type and "event-stream" not in content_type


def _json_body(response: StreamResponse) -> object:
    raw = response.read_bounded()
    try:
        return loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        raise ProviderFailed(
            f"unexpected response from {response.host}: {describe_body(raw, '')}"
        ) from None

"""The chat-completions dialect: OpenRouter, DeepSeek, ModelsLab, vLLM, llama.cpp,
Ollama, LM Studio and any other OpenAI-compatible server.

Reasoning is read from exactly one field per delta — `reasoning_details` text parts,
else `reasoning`, else `reasoning_content` — because OpenRouter sends R1's reasoning in
the first two at once. Inline `<think>` tags are split out only when the provider is
configured for it and no structured reasoning field has appeared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from r1cli.config.providers import ProviderSpec
from r1cli.core.events import (
    ContentDelta,
    Event,
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    ToolCall,
    Usage,
)
from r1cli.core.messages import Conversation, Message, ToolSpec
from r1cli.core.models import ModelInfo, per_million
from r1cli.core.params import Sampling
from r1cli.errors import ProviderFailed, UsageError
from r1cli.providers.base import HttpRequest, loads, raise_stream_error
from r1cli.providers.think_tags import ThinkTagSplitter
from r1cli.wire.sse import SSEEvent

REDACTED_MARKER = "[REDACTED]"
_R1_FAMILY = ("r1", "reasoner", "think", "qwq")


def build_request(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
) -> HttpRequest:
    """The POST to `{base_url}/chat/completions` for one streamed answer."""
    messages: list[dict[str, Any]] = []
    if conversation.system:
        messages.append({"role": "system", "content": conversation.system})
    reasoning_back = passes_reasoning_back(spec)
    messages += [_message(m, reasoning_back) for m in conversation.messages]
    body: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    if conversation.tools:
        body["tools"] = [_tool(t) for t in conversation.tools]
    body.update(sampling.number_params())
    if sampling.stop:
        body["stop"] = list(sampling.stop)
    if sampling.json_mode:
        body["response_format"] = {"type": "json_object"}
    if sampling.schema is not None:
        body["response_format"] = schema_format(spec, sampling.schema)
    body.update(_reasoning_params(spec, sampling))
    if spec.usage_param == "openrouter":
        body["usage"] = {"include": True}
    elif spec.usage_param == "stream_options":
        body["stream_options"] = {"include_usage": True}
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    secrets: tuple[str, ...] = ()
    if key:
        secrets = (key,)
        if spec.auth in ("bearer", "modelslab", "none"):
            headers["Authorization"] = f"Bearer {key}"
        elif spec.auth == "x-api-key":
            headers["x-api-key"] = key
        if spec.auth == "modelslab":
            # ModelsLab's API page documents the key and model_id in the JSON body;
            # its newer docs say Bearer. Both go to the same host, so send both.
            body["key"] = key
            body["model_id"] = model
    headers.update(spec.headers)
    body.update(sampling.extra)
    return HttpRequest(f"{spec.base_url}/chat/completions", headers, body, secrets)


def schema_format(spec: ProviderSpec, schema: dict[str, Any]) -> dict[str, Any]:
    """`--schema` as a strict `json_schema` response format. DeepSeek's API documents
    only `json_object`: refused before anything is sent."""
    if is_deepseek(spec):
        raise UsageError(
            f"--schema: {spec.name} has no structured output (json_schema)",
            hint="use --json-mode, or a provider that has it (openrouter, a local server)",
        )
    return {
        "type": "json_schema",
        "json_schema": {"name": "answer", "strict": True, "schema": schema},
    }


def passes_reasoning_back(spec: ProviderSpec) -> bool:
    """DeepSeek's thinking mode: an assistant message that made tool calls must carry
    its `reasoning_content` back (else 400 "The reasoning_content in the thinking mode
    must be passed back"); plain answers never do (the older API rejects it)."""
    return is_deepseek(spec)


def is_deepseek(spec: ProviderSpec) -> bool:
    """DeepSeek's own API (by name, or by host when configured under another)."""
    return spec.name == "deepseek" or spec.host.endswith("deepseek.com")


def _message(message: Message, reasoning_back: bool) -> dict[str, Any]:
    if message.role == "tool":
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id or "",
            "content": message.content,
        }
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments or "{}"},
            }
            for call in message.tool_calls
        ]
        if reasoning_back and message.reasoning:
            out["reasoning_content"] = message.reasoning
    return out


def _tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def _reasoning_params(spec: ProviderSpec, sampling: Sampling) -> dict[str, Any]:
    if spec.reasoning_param == "openrouter":
        reasoning: dict[str, Any] = {}
        if sampling.effort:
            reasoning["effort"] = sampling.effort
        elif sampling.reasoning_max_tokens is not None:
            reasoning["max_tokens"] = sampling.reasoning_max_tokens
        if sampling.exclude_reasoning:
            reasoning["exclude"] = True
        return {"reasoning": reasoning} if reasoning else {}
    if spec.reasoning_param == "effort" and sampling.effort:
        return {"reasoning_effort": sampling.effort}
    return {}


def is_r1_family(model: str) -> bool:
    """Models whose chat template forces `<think>`, so the opening tag may be missing."""
    name = model.lower()
    return any(marker in name for marker in _R1_FAMILY)


class ChatCompletionsParser:
    """Folds `chat.completion.chunk` events into r1cli events.

    One chunk's events are built into a list by plain methods (not a generator per
    level: nested generators were a large share of the per-token cost) and `feed`
    returns that list. When a chunk fails half-way, the events made before the
    failure still come out before the exception (`_then_raise`), as they would from
    a lazy generator.
    """

    def __init__(self, spec: ProviderSpec, model: str) -> None:
        self.done = False
        self._host = spec.host
        self._source = f"{spec.name} ({spec.host})"
        self._structured_reasoning = False
        self._splitter = (
            ThinkTagSplitter(assume_thinking=is_r1_family(model))
            if spec.think_tags
            else None
        )
        self._finish: str | None = None
        # Streamed tool calls by index: [id, name, argument fragments].
        self._calls: dict[int, list[Any]] = {}

    def feed(self, sse: SSEEvent, *, at_eof: bool = False) -> Iterable[Event]:
        if self.done:
            return ()
        if sse.event == "error":
            raise_stream_error(_loads_or_text(sse.data), self._source, sse.data)
        if len(sse.lines) > 1:
            return self._multi(sse, at_eof)
        # One data line, as nearly every event is: the same steps as `_payloads`
        # and `_chunk`, returning a list (no generator made per token).
        try:
            payload = _decode(sse.data)
        except ValueError:
            if at_eof:  # half a JSON line at EOF: a truncated stream, not garbage
                return ()
            raise ProviderFailed(
                f"malformed stream data from {self._host}: {sse.data[:120]!r}"
            ) from None
        events: list[Event] = []
        try:
            self._fold(payload, events)
        except BaseException as exc:
            return _then_raise(events, exc)
        return events

    def _multi(self, sse: SSEEvent, at_eof: bool) -> Iterator[Event]:
        for payload in self._payloads(sse, at_eof):
            yield from self._chunk(payload)

    def _payloads(self, sse: SSEEvent, at_eof: bool) -> Iterator[Any]:
        try:
            yield _decode(sse.data)
            return
        except ValueError:
            if len(sse.lines) < 2:
                if at_eof:  # half a JSON line at EOF: a truncated stream, not garbage
                    return
                raise ProviderFailed(
                    f"malformed stream data from {self._host}: {sse.data[:120]!r}"
                ) from None
        # Servers that put no blank line between events send several payloads as one
        # multi-line event; take each line on its own.
        for line in sse.lines:
            try:
                yield _decode(line)
            except ValueError:
                if not at_eof:
                    raise ProviderFailed(
                        f"malformed stream data from {self._host}: {line[:120]!r}"
                    ) from None

    def _chunk(self, chunk: Any) -> Iterator[Event]:
        events: list[Event] = []
        try:
            self._fold(chunk, events)
        except BaseException:
            yield from events
            raise
        yield from events

    def _fold(self, chunk: Any, out: list[Event]) -> None:
        """Append the events of one decoded payload to `out`."""
        if not isinstance(chunk, dict):
            if chunk == "[DONE]":
                self.done = True
                out += self._flush_splitter(self._finish)
                out += self._flush_calls()
                if self._finish is None:  # [DONE] is a finish signal of its own
                    self._finish = "stop"
                    out.append(Finish("stop", None))
            return
        if ("error" in chunk or "status" in chunk) and (
            chunk.get("error") or chunk.get("status") == "error"
        ):
            out += self._flush_splitter(self._finish)
            raise_stream_error(chunk, self._source, "the provider reported an error")
        # Per token: a field is tested for truth before its type (most are absent,
        # None or empty on most chunks, and that test is the cheaper one).
        choices = chunk.get("choices")
        if choices and isinstance(choices, list) and isinstance(choices[0], dict):
            self._choice(choices[0], out)
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            out.append(parse_usage(usage))

    def _choice(self, choice: dict[str, Any], out: list[Event]) -> None:
        delta = choice.get("delta") or choice.get("message") or {}
        if isinstance(delta, dict):
            if _add_reasoning(delta, out):
                self._structured_reasoning = True
            content = delta.get("content")
            if content and isinstance(content, str):
                if self._splitter is None or self._structured_reasoning:
                    out.append(ContentDelta(content))
                else:
                    out += self._splitter.feed(content)
            calls = delta.get("tool_calls")
            if calls and isinstance(calls, list):
                self._add_calls(calls)
        reason = choice.get("finish_reason")
        if reason == "error":
            raise_stream_error(choice, self._source, "the provider ended the stream")
        if reason and isinstance(reason, str) and self._finish is None:
            self._finish = reason
            out += self._flush_splitter(reason)
            out += self._flush_calls()
            out.append(Finish(normalise_finish(reason), reason))

    def _add_calls(self, calls: list[Any]) -> None:
        """Fold `tool_calls` deltas: the id and name come once, the arguments in
        fragments, each keyed by its index (several calls may interleave)."""
        for position, part in enumerate(calls):
            if not isinstance(part, dict):
                continue
            index = part.get("index")
            if not isinstance(index, int) or isinstance(index, bool):
                index = position
            slot = self._calls.setdefault(index, ["", "", []])
            if isinstance(part.get("id"), str) and part["id"]:
                slot[0] = part["id"]
            function = part.get("function")
            if isinstance(function, dict):
                name = function.get("name")
                if isinstance(name, str) and name:
                    slot[1] = slot[1] or name
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    slot[2].append(arguments)
                elif isinstance(arguments, dict):  # whole messages (JSON bodies)
                    slot[2].append(json.dumps(arguments))

    def _flush_calls(self) -> list[Event]:
        calls, self._calls = self._calls, {}
        return [
            ToolCall(slot[0] or f"call_{index}", slot[1], "".join(slot[2]))
            for index, slot in sorted(calls.items())
            if slot[1]
        ]

    def _flush_splitter(self, reason: str | None) -> list[Event]:
        if self._splitter is None:
            return []
        splitter, self._splitter = self._splitter, None
        return list(splitter.finish(reason))

    def finish(self) -> Iterator[Event]:
        yield from self._flush_splitter(self._finish)
        yield from self._flush_calls()

    def parse_body(self, body: Any) -> Iterator[Event]:
        if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
            raise_stream_error(
                body,
                self._source,
                f"unexpected JSON response: {body!r:.120}",
                in_stream=False,
            )
        yield from self._chunk(body)
        yield from self.finish()
        self.done = True


def _then_raise(events: list[Event], exc: BaseException) -> Iterator[Event]:
    """The events a chunk made before it failed, then its exception."""
    yield from events
    raise exc


# json.loads pays for a BOM check and two whitespace regex matches per call, a third
# of its cost on a 300-byte chunk; a payload that starts with "{" needs none of them.
# scan_once is the decoder's C entry point; typeshed does not declare it.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _decode(data: str) -> Any:
    """`json.loads(data)`, or "[DONE]" for the end marker."""
    if data[:1] == "{":
        try:
            value, end = _scan_json(data, 0)
        except (ValueError, StopIteration, RecursionError):
            pass  # json.loads raises the error it would have raised anyway
        else:
            if end == len(data):
                return value
    elif data.strip() == "[DONE]":
        return "[DONE]"
    return loads(data)


def _add_reasoning(delta: dict[str, Any], out: list[Event]) -> bool:
    """Append the delta's reasoning events; True if any (a signature counts)."""
    added = False
    details = delta.get("reasoning_details")
    if details and isinstance(details, list):
        found = False
        for part in details:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            text = part.get("text") if kind == "reasoning.text" else part.get("summary")
            if kind == "reasoning.encrypted":
                text = REDACTED_MARKER
            if text and isinstance(text, str):
                found = added = True
                out.append(ReasoningDelta(text))
            signature = part.get("signature")
            if signature and isinstance(signature, str):
                added = True
                out.append(ReasoningSignature(signature))
        if found:
            return True
    # OpenRouter's `reasoning`, else DeepSeek's and vLLM's `reasoning_content` (two
    # lookups, not a loop: this runs for every token).
    text = delta.get("reasoning")
    if not (text and isinstance(text, str)):
        text = delta.get("reasoning_content")
    if text and isinstance(text, str):
        out.append(ReasoningDelta(text))
        return True
    return added


def parse_usage(usage: dict[str, Any]) -> Usage:
    def number(obj: Any, key: str) -> int | None:
        value = obj.get(key) if isinstance(obj, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    cached = number(usage.get("prompt_tokens_details"), "cached_tokens")
    if not cached:
        cached = number(usage, "prompt_cache_hit_tokens") or cached
    cost = usage.get("cost")
    return Usage(
        prompt_tokens=number(usage, "prompt_tokens"),
        completion_tokens=number(usage, "completion_tokens"),
        reasoning_tokens=number(
            usage.get("completion_tokens_details"), "reasoning_tokens"
        ),
        cached_tokens=cached,
        cost=float(cost) if isinstance(cost, (int, float)) else None,
    )


def normalise_finish(reason: str) -> str:
    return {"eos": "stop", "max_tokens": "length"}.get(reason, reason)


def _loads_or_text(data: str) -> Any:
    try:
        return loads(data)
    except ValueError:
        return data


# -- model listings: `GET {base}/models` ---------------------------------------------


def models_request(spec: ProviderSpec, key: str | None) -> HttpRequest:
    """The GET that lists a chat-completions provider's models.

    OpenRouter (`/api/v1/models`), DeepSeek (`/models`) and local servers (`/v1/models`)
    all answer at `{base_url}/models`. ModelsLab documents its listing only on the
    Anthropic-compatible path (`/api/v7/llm/v1/models`, key in `x-api-key`).
    """
    headers = {"Accept": "application/json"}
    url = f"{spec.base_url}/models"
    if spec.auth == "modelslab":
        url = f"{spec.base_url}/v1/models"
        if key:
            headers["x-api-key"] = key
    elif key and spec.auth == "x-api-key":
        headers["x-api-key"] = key
    elif key:
        headers["Authorization"] = f"Bearer {key}"
    headers.update(spec.headers)
    return HttpRequest(url, headers, {}, (key,) if key else ())


def parse_models(body: Any) -> list[ModelInfo]:
    """`{"data": [...]}` from any OpenAI-compatible server, OpenRouter's extras included.

    OpenRouter prices are strings in USD per token; vLLM reports `max_model_len`.
    Entries without an id are skipped; unknown fields are ignored.
    """
    items = body.get("data") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise ProviderFailed("the model list has no `data` array")
    models = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        pricing = _table(item.get("pricing"))
        top = _table(item.get("top_provider"))
        parameters = item.get("supported_parameters")
        reasoning = (
            "reasoning" in parameters or "include_reasoning" in parameters
            if isinstance(parameters, list)
            else None
        )
        context = next(
            (
                value
                for value in (
                    item.get("context_length"),
                    top.get("context_length"),
                    item.get("max_model_len"),
                )
                if isinstance(value, int) and not isinstance(value, bool) and value > 0
            ),
            None,
        )
        models.append(
            ModelInfo(
                id=item["id"],
                name=item["name"] if isinstance(item.get("name"), str) else None,
                context_length=context,
                input_price=per_million(pricing.get("prompt")),
                output_price=per_million(pricing.get("completion")),
                reasoning=reasoning,
            )
        )
    return models


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

"""The Anthropic Messages dialect: Anthropic itself and ModelsLab's compatible endpoint.

Thinking arrives in `thinking` content blocks (`thinking_delta`), the answer in `text`
blocks, and usage as `message_start` totals followed by cumulative `message_delta`
counts (replace, never add). The stream ends with `message_stop`; there is no `[DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from r1cli.core.messages import Conversation, Message
from r1cli.core.models import ModelInfo
from r1cli.core.params import Sampling
from r1cli.errors import ProviderFailed, UsageError
from r1cli.providers.base import HttpRequest, loads, raise_stream_error
from r1cli.wire.sse import SSEEvent

ANTHROPIC_VERSION = "2023-06-01"
# The Messages API requires max_tokens; R1 spends much of it thinking.
DEFAULT_MAX_TOKENS = 16384
_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "refusal": "content_filter",
    "tool_use": "tool_calls",
}


def build_request(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
) -> HttpRequest:
    """The POST to `{base_url}/messages` for one streamed answer."""
    if sampling.schema is not None:
        raise UsageError(
            f"--schema: {spec.name} speaks the Messages API, which has no "
            "json_schema response format",
            hint="use a chat-completions provider (openrouter, a local server)",
        )
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": sampling.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": messages_body(conversation.messages),
        "stream": True,
    }
    if conversation.tools:
        body["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters}
            for t in conversation.tools
        ]
    if conversation.system:
        body["system"] = conversation.system
    for name in ("temperature", "top_p", "top_k"):
        value = getattr(sampling, name)
        if value is not None:
            body[name] = value
    if sampling.stop:
        body["stop_sequences"] = list(sampling.stop)
    if sampling.reasoning_max_tokens is not None:
        body["thinking"] = {
            "type": "enabled",
            "budget_tokens": sampling.reasoning_max_tokens,
        }
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "anthropic-version": ANTHROPIC_VERSION,
    }
    if key:
        headers["x-api-key"] = key
    headers.update(spec.headers)
    body.update(sampling.extra)
    secrets = (key,) if key else ()
    return HttpRequest(f"{spec.base_url}/messages", headers, body, secrets)


def messages_body(messages: list[Message]) -> list[dict[str, Any]]:
    """The Messages API's `messages`: tool calls as `tool_use` blocks, and the
    results that answer them as `tool_result` blocks of one user message.

    Anthropic's rule for reasoning across a tool loop: the thinking block that led to
    a `tool_use` goes back unchanged, with its signature, right before it. A round
    without a signature (an earlier turn, replayed from history) sends none.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content,
            }
            if message.is_error:
                block["is_error"] = True
            last = out[-1] if out else None
            if (
                last is not None
                and last["role"] == "user"
                and isinstance(last["content"], list)
            ):
                last["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif message.tool_calls:
            blocks: list[dict[str, Any]] = []
            if message.signature:
                blocks.append(
                    {
                        "type": "thinking",
                        "thinking": message.reasoning or "",
                        "signature": message.signature,
                    }
                )
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            blocks += [
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": _arguments(call.arguments),
                }
                for call in message.tool_calls
            ]
            out.append({"role": "assistant", "content": blocks})
        else:
            out.append({"role": message.role, "content": message.content})
    return out


def _arguments(text: str) -> dict[str, Any]:
    """A call's arguments as the object `tool_use.input` must be ({} if not one)."""
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class MessagesParser:
    """Folds Anthropic stream events into r1cli events."""

    def __init__(self, spec: ProviderSpec, model: str) -> None:
        self.done = False
        self._host = spec.host
        self._source = f"{spec.name} ({spec.host})"
        self._input_tokens: int | None = None
        self._cached: int | None = None
        self._signature = ""
        self._finished = False
        # The tool_use block being streamed: [id, name, input_json fragments].
        self._call: list[Any] | None = None

    def feed(self, sse: SSEEvent, *, at_eof: bool = False) -> Iterator[Event]:
        if self.done:
            return
        try:
            data = loads(sse.data)
        except ValueError:
            if at_eof:
                return
            raise ProviderFailed(
                f"malformed stream data from {self._host}: {sse.data[:120]!r}"
            ) from None
        if not isinstance(data, dict):
            return
        kind = data.get("type", sse.event)
        if kind == "error" or sse.event == "error":
            raise_stream_error(data, self._source, "the provider reported an error")
        handler = getattr(self, f"_on_{kind}", None)
        if handler is not None:
            yield from handler(data)

    def _on_message_start(self, data: dict[str, Any]) -> Iterator[Event]:
        message = data.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        if isinstance(usage, dict):
            self._input_tokens = _int(usage.get("input_tokens"))
            self._cached = _int(usage.get("cache_read_input_tokens"))
            yield self._usage(usage)

    def _on_content_block_start(self, data: dict[str, Any]) -> Iterator[Event]:
        block = data.get("content_block")
        if isinstance(block, dict) and block.get("type") == "redacted_thinking":
            yield ReasoningDelta("[REDACTED]")
        elif isinstance(block, dict) and block.get("type") == "tool_use":
            # `input` here is a placeholder ({}) when streamed: the deltas carry the
            # JSON. Kept for servers that send it whole and no deltas.
            start = block.get("input")
            self._call = [
                str(block.get("id") or ""),
                str(block.get("name") or ""),
                [],
                json.dumps(start) if isinstance(start, dict) else "{}",
            ]

    def _on_content_block_delta(self, data: dict[str, Any]) -> Iterator[Event]:
        delta = data.get("delta")
        if not isinstance(delta, dict):
            return
        kind = delta.get("type")
        if kind == "thinking_delta" and delta.get("thinking"):
            yield ReasoningDelta(str(delta["thinking"]))
        elif kind == "text_delta" and delta.get("text"):
            yield ContentDelta(str(delta["text"]))
        elif kind == "input_json_delta" and self._call is not None:
            partial = delta.get("partial_json")
            if isinstance(partial, str):
                self._call[2].append(partial)
        elif kind == "signature_delta" and delta.get("signature"):
            # Some servers split a signature over several deltas; keep the whole.
            self._signature += str(delta["signature"])
            yield ReasoningSignature(self._signature)

    def _on_content_block_stop(self, data: dict[str, Any]) -> Iterator[Event]:
        # A new thinking block starts a new signature.
        self._signature = ""
        call, self._call = self._call, None
        if call is not None and call[1]:
            yield ToolCall(call[0], call[1], "".join(call[2]) or call[3])

    def _on_message_delta(self, data: dict[str, Any]) -> Iterator[Event]:
        usage = data.get("usage")
        if isinstance(usage, dict):
            yield self._usage(usage)
        delta = data.get("delta")
        reason = delta.get("stop_reason") if isinstance(delta, dict) else None
        if isinstance(reason, str) and reason and not self._finished:
            self._finished = True
            yield Finish(_STOP_REASONS.get(reason, reason), reason)

    def _on_message_stop(self, data: dict[str, Any]) -> Iterator[Event]:
        self.done = True
        if not self._finished:  # message_stop is a finish signal of its own
            self._finished = True
            yield Finish("stop", None)

    def _usage(self, usage: dict[str, Any]) -> Usage:
        # message_delta counts are cumulative totals: each Usage replaces the last.
        return Usage(
            prompt_tokens=_int(usage.get("input_tokens")) or self._input_tokens,
            completion_tokens=_int(usage.get("output_tokens")),
            cached_tokens=_int(usage.get("cache_read_input_tokens")) or self._cached,
        )

    def finish(self) -> Iterator[Event]:
        yield from ()

    def parse_body(self, body: Any) -> Iterator[Event]:
        if not isinstance(body, dict) or body.get("type") != "message":
            raise_stream_error(
                body,
                self._source,
                f"unexpected JSON response: {body!r:.120}",
                in_stream=False,
            )
        for block in body.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "thinking":
                yield ReasoningDelta(str(block.get("thinking", "")))
            elif isinstance(block, dict) and block.get("type") == "text":
                yield ContentDelta(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "tool_use":
                yield ToolCall(
                    str(block.get("id") or ""),
                    str(block.get("name") or ""),
                    json.dumps(block.get("input") or {}),
                )
        if isinstance(body.get("usage"), dict):
            yield self._usage(body["usage"])
        reason = body.get("stop_reason") or "end_turn"
        yield Finish(_STOP_REASONS.get(reason, reason), reason)
        self.done = True


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- model listings and token counts ---------------------------------------------------

MODELS_PAGE = 1000  # Anthropic's documented maximum page size


def _headers(spec: ProviderSpec, key: str | None) -> dict[str, str]:
    headers = {
        "Accept": "application/json",
        "anthropic-version": ANTHROPIC_VERSION,
    }
    if key:
        headers["x-api-key"] = key
    headers.update(spec.headers)
    return headers


def models_request(
    spec: ProviderSpec, key: str | None, after_id: str | None = None
) -> HttpRequest:
    """`GET {base_url}/models` (Anthropic `/v1/models`, ModelsLab `/api/v7/llm/v1/models`)."""
    url = f"{spec.base_url}/models?limit={MODELS_PAGE}"
    if after_id:
        from urllib.parse import quote

        url += f"&after_id={quote(after_id, safe='')}"
    return HttpRequest(url, _headers(spec, key), {}, (key,) if key else ())


def parse_models(body: Any) -> tuple[list[ModelInfo], str | None]:
    """One page of models, and the cursor of the next page (None: the last page).

    Anthropic entries carry `display_name` (and, in newer API versions,
    `max_input_tokens`); ModelsLab's are OpenAI-shaped (`id`, `owned_by`).
    """
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ProviderFailed("the model list has no `data` array")
    models = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        name = item.get("display_name") or item.get("name")
        context = item.get("max_input_tokens") or item.get("context_length")
        models.append(
            ModelInfo(
                id=item["id"],
                name=name if isinstance(name, str) else None,
                context_length=_int(context) if _int(context) else None,
            )
        )
    last = body.get("last_id")
    more = body.get("has_more") is True and isinstance(last, str) and last
    return models, (last if more else None)


def count_tokens_request(request: HttpRequest) -> HttpRequest:
    """The `POST {base_url}/messages/count_tokens` for the request `ask` would send:
    the same model, messages and system prompt, and the same auth headers."""
    body: dict[str, Any] = {
        k: request.body[k] for k in ("model", "messages", "system") if k in request.body
    }
    headers = {k: v for k, v in request.headers.items() if k.lower() != "accept"}
    headers["Accept"] = "application/json"
    url = request.url.removesuffix("/messages") + "/messages/count_tokens"
    return HttpRequest(url, headers, body, request.secrets)


def parse_count(body: Any) -> int:
    tokens = _int(body.get("input_tokens")) if isinstance(body, dict) else None
    if tokens is None:
        raise ProviderFailed(f"the token count has no input_tokens: {body!r:.120}")
    return tokens

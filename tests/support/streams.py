"""The catalogue of scripted stream cases from docs/wire-formats.md §9, as data.

Each `Case` pairs a `Reply` for `tests.support.fakeserver.FakeServer` (status, headers and the
body as successive socket writes) with an `Expect`: what a correct client shows and
how the turn ends. The byte literals are exact copies of the §9 literals; the cases
whose bytes §9 holds back (T07, T12, T13, T17, T22, T25, T36, T39) are built here from
its descriptions. T38 (Ollama native NDJSON) is left out: r1 talks to Ollama through
its OpenAI-compatible endpoint.

    from tests.support.streams import CASES
    case = CASES["T01"]
    server.queue(case.reply)

Replies are shared objects: derive variants with `dataclasses.replace(case.reply, ...)`
rather than mutating them. `split_every` and `single_bytes` re-split a body for
chunk-boundary tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.fakeserver import Reply


@dataclass(frozen=True)
class Expect:
    """What a correct client reports for a case."""

    reasoning: str = ""
    content: str = ""
    # The normalised finish reason ("stop", "length", ...); None when the turn fails.
    finish: str | None = None
    # The usage fields a test must check (others may be present too); keys among
    # prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost.
    usage: dict[str, int | float] | None = None
    # A substring of the error message when the turn fails (None: not pinned down).
    error: str | None = None
    # r1's exit code: 0 ok, 4 rejected (4xx), 5 provider failed (5xx after retries,
    # mid-stream error, malformed or JSON-instead-of-stream), 6 network/truncated.
    exit_code: int = 0
    signature: str | None = None  # an Anthropic thinking signature: stored, not shown


@dataclass(frozen=True)
class Case:
    """One scripted response and what the client must make of it."""

    name: str  # "T01", ... plus a suffix for variants: "T03b", "T23b", ...
    dialect: str  # "openai" | "anthropic" | "ndjson"
    reply: Reply
    expect: Expect
    think_tags: bool = False  # the provider splits inline <think> tags
    model: str = "deepseek/deepseek-r1-0528"  # R1-family: a missing <think> is implied
    description: str = ""


def split_every(chunks: list[bytes], offset: int) -> list[bytes]:
    """The joined body as two writes split at `offset` (either may be empty)."""
    body = b"".join(chunks)
    return [body[:offset], body[offset:]]


def single_bytes(chunks: list[bytes]) -> list[bytes]:
    """The joined body as one write per byte."""
    return [bytes([byte]) for byte in b"".join(chunks)]


def _headers(content_type: str, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Content-Type", content_type), *extra]


SSE = "text/event-stream"
SSE_UTF8 = "text/event-stream; charset=utf-8"
JSON = "application/json"


def _sse(
    chunks: list[bytes],
    content_type: str = SSE,
    *,
    delay: float = 0.0,
    reset: bool = False,
    gzip: bool = False,
) -> Reply:
    """A stream that ends when the server closes the connection."""
    headers = _headers(content_type)
    return Reply(headers=headers, chunks=chunks, delay=delay, reset=reset, gzip=gzip)


def _error(
    status: int,
    chunks: list[bytes],
    *extra: tuple[str, str],
    content_type: str = JSON,
) -> Reply:
    """A non-streaming reply: the body in one write, with Content-Length."""
    headers = _headers(content_type, *extra)
    return Reply(status=status, headers=headers, chunks=chunks, framing="length")


# -- T01–T06: providers' normal streams ------------------------------------------

T01 = [
    b": OPENROUTER PROCESSING\n\n",
    b'data: {"id":"gen-1","provider":"DeepSeek","model":"deepseek/deepseek-r1-0528","object":"chat.completion.chunk","created":1750000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Okay, the user","reasoning_details":[{"type":"reasoning.text","text":"Okay, the user","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n',
    b": OPENROUTER PROCESSING\n\n",
    b'data: {"id":"gen-1","provider":"DeepSeek","model":"deepseek/deepseek-r1-0528","object":"chat.completion.chunk","created":1750000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" says hi.","reasoning_details":[{"type":"reasoning.text","text":" says hi.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n',
    b'data: {"id":"gen-1","provider":"DeepSeek","model":"deepseek/deepseek-r1-0528","object":"chat.completion.chunk","created":1750000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello!","reasoning":null,"reasoning_details":[]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}\n\n',
    b'data: {"id":"gen-1","provider":"DeepSeek","model":"deepseek/deepseek-r1-0528","object":"chat.completion.chunk","created":1750000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":null,"reasoning_details":[]},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}\n\n',
    b'data: {"id":"gen-1","provider":"DeepSeek","model":"deepseek/deepseek-r1-0528","object":"chat.completion.chunk","created":1750000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":9,"completion_tokens":15,"total_tokens":24,"cost":0.0000367,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":12}}}\n\n',
    b"data: [DONE]\n\n",
]

T02 = [
    b'data: {"id":"d1","object":"chat.completion.chunk","created":1763038408,"model":"deepseek-reasoner","system_fingerprint":"fp_ffc7281d48_prod0820_fp8_kvcache","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":""},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"d1","object":"chat.completion.chunk","created":1763038408,"model":"deepseek-reasoner","system_fingerprint":"fp_ffc7281d48_prod0820_fp8_kvcache","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Greeting; reply briefly."},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"d1","object":"chat.completion.chunk","created":1763038408,"model":"deepseek-reasoner","system_fingerprint":"fp_ffc7281d48_prod0820_fp8_kvcache","choices":[{"index":0,"delta":{"content":"Hi!","reasoning_content":null},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"d1","object":"chat.completion.chunk","created":1763038408,"model":"deepseek-reasoner","system_fingerprint":"fp_ffc7281d48_prod0820_fp8_kvcache","choices":[{"index":0,"delta":{"content":"","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":128,"total_tokens":138,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":94},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":10}}\n\n',
    b"data: [DONE]\n\n",
]

T03 = [
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[{"index":0,"delta":{"reasoning":"Two plus two."},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[{"index":0,"delta":{"reasoning_content":" Four."},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[{"index":0,"delta":{"content":"4"},"logprobs":null,"finish_reason":"stop"}]}\n\n',
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[],"usage":{"prompt_tokens":12,"total_tokens":40,"completion_tokens":28}}\n\n',
    b"data: [DONE]\n\n",
]
# Variant b: the same text under both field names in one delta (mlx-vlm style alias),
# replacing the two reasoning writes.
T03B = [
    T03[0],
    b'data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1-distill","choices":[{"index":0,"delta":{"reasoning":"Two plus two. Four.","reasoning_content":"Two plus two. Four."},"logprobs":null,"finish_reason":null}]}\n\n',
    *T03[3:],
]

T04 = [
    b'data: {"id":"gen-2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning_details":[{"type":"reasoning.text","text":"Check units.","signature":null,"id":"r1","format":"anthropic-claude-v1","index":0}]},"finish_reason":null}]}\n\n',
    b'data: {"id":"gen-2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"reasoning_details":[{"type":"reasoning.summary","summary":" Units ok.","id":"r2","format":"anthropic-claude-v1","index":1},{"type":"reasoning.encrypted","data":"c2VjcmV0","id":"r3","format":"anthropic-claude-v1","index":2}]},"finish_reason":null}]}\n\n',
    b'data: {"id":"gen-2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Done."},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T05 = [
    b": keep-alive\n\n",
    b": keep-alive\n\n",
    b"\n\n\n",
    b": keep-alive\n\n",
    b'data: {"id":"d2","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":null,"reasoning_content":"Hm."},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"id":"d2","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"content":"Ok","reasoning_content":null},"logprobs":null,"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T06 = [
    b": OPENROUTER PROCESSING\r\n\r\n",
    b'data: {"choices":[{"index":0,"delta":{"content":"crlf "},"finish_reason":null}]}\r\n\r\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\r\n\r\n',
    b"data: [DONE]\r\n\r\n",
]

# Built: bare CR line endings; one event's blank line straddles two writes.
T07 = [
    b": keep-alive\r\r",
    b'data: {"choices":[{"index":0,"delta":{"content":"cr "},"finish_reason":null}]}\r',
    b'\rdata: {"choices":[{"index":0,"delta":{"content":"only"},"finish_reason":"stop"}]}\r\r',
    b"data: [DONE]\r\r",
]

# -- T08–T17: framing ------------------------------------------------------------

T08 = [
    b"da",
    b'ta: {"choices":[{"index":0,"delta":{"content":"Hel',
    b'lo"},"finish_reason":null}]}\r',
    b"\n\r",
    b'\ndata: {"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":"stop"}]}\n',
    b"\ndata: [DO",
    b"NE]\n\n",
]

T09 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,',
    b'"delta":{"content":"d"},',
    b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
]

T10 = [
    b'data: {"choices":[{"index":0,\n',
    b'data: "delta":{"content":"multi-line"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T11 = [
    b'id: 1\nretry: 3000\nevent: message\ndata:{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\n',
    b'data:  {"choices":[{"index":0,"delta":{"content":"y"},"finish_reason":"stop"}]}\n\n',
    b"data:[DONE]\n\n",
]

# Built: ModelsLab's documented sample — no blank lines between events.
T12 = [
    b'data: {"id":"chat-abc123","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Silent"},"finish_reason":null}]}\n',
    b'data: {"id":"chat-abc123","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" snow"},"finish_reason":null}]}\n',
    b"data: [DONE]\n",
]

# Built: a UTF-8 BOM before the first field name.
T13 = [
    b'\xef\xbb\xbfdata: {"choices":[{"index":0,"delta":{"content":"bom"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T14 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"Caf\xc3',
    b"\xa9 \xe5\xa5",
    b"\xbd\xf0\x9f",
    b'\x98\x8a"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T15 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"bad \xff byte"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T16 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"na\xc3\xafve \xe2\x80\x94 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

# Built: the plain stream; Reply(gzip=True) compresses it write by write.
T17 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"gz"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"ip"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

# -- T18–T22: chunk shapes and endings -------------------------------------------

T18 = [
    b'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n',
    b'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n',
    b'data: {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}\n\n',
    b"data: [DONE]\n\n",
]

T19 = [
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n',
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":null},"finish_reason":null}]}\n\n',
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":null}]}\n\n',
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[]}\n\n',
    b'data: {"id":"c1","object":"chat.completion.chunk"}\n\n',
    b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T20 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"done"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
]

T21 = [
    b'data: {"choices":[{"index":0,"delta":{"reasoning_content":"Thinking"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"Partial"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":" ans',
]

# Built: the final `data: [DONE]` has no line terminator at all before EOF.
T22 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"tail"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]",
]

# -- T23–T27: errors inside a 200 response ---------------------------------------

T23 = [
    b'data: {"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"deepseek/deepseek-r1-0528","provider":"DeepSeek","choices":[{"index":0,"delta":{"content":"The answer is"},"finish_reason":null}]}\n\n',
    b'data: {"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"gpt-3.5-turbo","provider":"openai","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}\n\n',
    b"data: [DONE]\n\n",
]
# Variant b: an error chunk without `choices` right after the first content chunk.
T23B = [
    T23[0],
    b'data: {"error":{"code":429,"message":"deepseek/deepseek-r1-0528 is temporarily rate-limited upstream.","metadata":{"error_type":"rate_limit_exceeded"}}}\n\n',
]

T24 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
    b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
]

# Built: llama.cpp's non-standard `error:` field line, then [DONE].
T25 = [
    b'data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Par"}}],"created":1750000000,"id":"chatcmpl-x","model":"r1","system_fingerprint":"b9554-d403f00ec","object":"chat.completion.chunk"}\n\n',
    b'error: {"code":400,"message":"context too long","type":"exceed_context_size_error"}\n\n',
    b"data: [DONE]\n\n",
]

T26 = [
    b'data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"r1","choices":[{"index":0,"delta":{"content":"Par"},"logprobs":null,"finish_reason":null}]}\n\n',
    b'data: {"error": {"message": "Internal server error", "type": "InternalServerError", "param": null, "code": 500}}\n\n',
    b"data: [DONE]\n\n",
]

T27 = [
    b'{"error":{"message":"Internal Server Error","code":500},"user_id":"org_abc123"}',
]
T27B = [
    b'{"error":"Unexpected endpoint or method. (POST /chat/completions)"}',
]
T27C = [
    b'{"status":"error","message":"Invalid API key"}',
]

# -- T28–T32: HTTP errors (one write, Content-Length) -----------------------------

T28 = [
    b'{"error":{"message":"No auth credentials found","code":401}}',
]
T28B = [
    b'{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}',
]
T28C = [
    b'{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011CYue8NEipCQTBcGM7dT6w"}',
]

T29 = [
    b'{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 8192 tokens, but can only afford 7527. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account","code":402,"metadata":{"provider_name":null}},"user_id":"user_XXXX"}',
]
T29B = [
    b'{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}',
]

T30 = [
    b'{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"deepseek/deepseek-r1-0528:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"Chutes"}},"user_id":"user_XXXX"}',
]
T30B = [
    b'{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1750032000000"},"provider_name":null}},"user_id":"user_XXXX"}',
]

T31 = [
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
]

T32 = [
    b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_018EeWyXxfu5pfWkrYcMdjWG"}',
]

# -- T33–T34: Anthropic Messages streams -----------------------------------------

T33 = [
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"deepseek-r1-0528","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n\n',
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}\n\n',
    b'event: ping\ndata: {"type": "ping"}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"GCD via Euclid."}}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pki"}}\n\n',
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    b'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"It is "}}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"**21**."}}\n\n',
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":10}}\n\n',
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}\n\n',
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n',
]

T34 = [
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Part"}}\n\n',
    b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
]

# -- T35–T39: inline <think> tags --------------------------------------------------

T35 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"<thi"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"nk>\\nThe user"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":" greets.\\n</th"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"ink>\\n\\nHi"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"! Use <think> tags."},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

# Built: the template forced the opening tag, so only `</think>` arrives.
T36 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"Okay, so the"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":" user wants 2+2.</th"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"ink>\\n\\n4"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
# Built: R1 skipped thinking — an empty think block before the answer.
T36B = [
    b'data: {"choices":[{"index":0,"delta":{"content":"<think>\\n\\n</think>\\n\\n"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]

T37 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"<think>\\nLet me"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,"delta":{"content":" consider every case"},"finish_reason":"length"}]}\n\n',
    b"data: [DONE]\n\n",
]

# Built: Go's JSON encoder escapes < and > (old Ollama through its OpenAI endpoint).
T39 = [
    b'data: {"id":"chatcmpl-39","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"\\u003cthink\\u003eShort."},"finish_reason":null}]}\n\n',
    b'data: {"id":"chatcmpl-39","object":"chat.completion.chunk","created":1750000000,"model":"deepseek-r1:8b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"\\u003c/think\\u003eHello!"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]


# -- the catalogue ------------------------------------------------------------------

_OLLAMA_R1 = "deepseek-r1:8b"
_ANTHROPIC_R1 = "deepseek-r1-0528"  # as named in T33's message_start

_CASES: list[Case] = [
    Case(
        "T01",
        "openai",
        Reply(headers=_headers(SSE, ("Cache-Control", "no-cache")), chunks=T01),
        Expect(
            reasoning="Okay, the user says hi.",
            content="Hello!",
            finish="stop",
            usage={
                "prompt_tokens": 9,
                "completion_tokens": 15,
                "reasoning_tokens": 12,
                "cost": 0.0000367,
            },
        ),
        description="OpenRouter R1: comments, reasoning duplicated in reasoning_details "
        "(shown once), finish not reset by the later usage chunk.",
    ),
    Case(
        "T02",
        "openai",
        _sse(T02, SSE_UTF8),
        Expect(
            reasoning="Greeting; reply briefly.",
            content="Hi!",
            finish="stop",
            usage={
                "prompt_tokens": 10,
                "completion_tokens": 128,
                "reasoning_tokens": 94,
                "cached_tokens": 0,
            },
        ),
        model="deepseek-reasoner",
        description="DeepSeek: reasoning_content, content:null (never the text None), "
        "usage on the finish chunk; the next request's history has no reasoning_content.",
    ),
    Case(
        "T03",
        "openai",
        Reply(headers=[("content-type", SSE_UTF8)], chunks=T03),
        Expect(
            reasoning="Two plus two. Four.",
            content="4",
            finish="stop",
            usage={"prompt_tokens": 12, "completion_tokens": 28},
        ),
        description="vLLM: `reasoning` then `reasoning_content`; usage in a choices:[] chunk.",
    ),
    Case(
        "T03b",
        "openai",
        Reply(headers=[("content-type", SSE_UTF8)], chunks=T03B),
        Expect(
            reasoning="Two plus two. Four.",
            content="4",
            finish="stop",
            usage={"prompt_tokens": 12, "completion_tokens": 28},
        ),
        description="Both reasoning field names with the same text in one delta: shown once.",
    ),
    Case(
        "T04",
        "openai",
        _sse(T04),
        Expect(
            reasoning="Check units. Units ok.[REDACTED]",
            content="Done.",
            finish="stop",
        ),
        description="OpenRouter reasoning_details only: text and summary shown, the "
        "encrypted item becomes a [REDACTED] reasoning piece (never the base64).",
    ),
    Case(
        "T05",
        "openai",
        _sse(T05, SSE_UTF8, delay=0.01),
        Expect(reasoning="Hm.", content="Ok", finish="stop"),
        model="deepseek-reasoner",
        description="DeepSeek queueing: keep-alive comments and blank lines before the "
        "first token (spaced by small delays); no empty events, no JSON errors.",
    ),
    Case(
        "T06",
        "openai",
        _sse(T06),
        Expect(content="crlf ok", finish="stop"),
        description="CRLF line endings; [DONE] recognised despite the \\r.",
    ),
    Case(
        "T07",
        "openai",
        _sse(T07),
        Expect(content="cr only", finish="stop"),
        description="Bare CR line endings, delivered incrementally (a \\n-only parser "
        "sees one endless line).",
    ),
    Case(
        "T08",
        "openai",
        _sse(T08),
        Expect(content="Hello world", finish="stop"),
        description="A data line split inside `data:`, inside JSON and between \\r and "
        "\\n: exactly two content events.",
    ),
    Case(
        "T09",
        "openai",
        _sse(T09),
        Expect(content="abcd", finish="stop"),
        description="Three events in one write, then one event over three writes.",
    ),
    Case(
        "T10",
        "openai",
        _sse(T10),
        Expect(content="multi-line", finish="stop"),
        description="One event with two data: lines, joined with \\n into one JSON.",
    ),
    Case(
        "T11",
        "openai",
        _sse(T11),
        Expect(content="xy", finish="stop"),
        description="data: without a space and with two; id:/retry:/event: message "
        "ignored; data:[DONE] recognised.",
    ),
    Case(
        "T12",
        "openai",
        _sse(T12),
        Expect(content="Silent snow", finish="stop"),
        description="ModelsLab's sample: no blank lines between events, no "
        "finish_reason. Flush at EOF and parse each data: line on its own; [DONE] "
        "without a finish_reason counts as a normal stop.",
    ),
    Case(
        "T13",
        "openai",
        _sse(T13),
        Expect(content="bom", finish="stop"),
        description="A UTF-8 BOM before the first field name is stripped.",
    ),
    Case(
        "T14",
        "openai",
        _sse(T14, SSE_UTF8),
        Expect(content="Caf\u00e9 \u597d\U0001f60a", finish="stop"),
        description="Multibyte UTF-8 characters split across writes: no U+FFFD.",
    ),
    Case(
        "T15",
        "openai",
        _sse(T15),
        Expect(content="bad \ufffd byte", finish="stop"),
        description="An invalid UTF-8 byte becomes U+FFFD; the stream goes on.",
    ),
    Case(
        "T16",
        "openai",
        _sse(T16),
        Expect(
            content="na\u00efve \u2014 \u043f\u0440\u0438\u0432\u0435\u0442",
            finish="stop",
        ),
        description="text/event-stream without charset is still UTF-8.",
    ),
    Case(
        "T17",
        "openai",
        _sse(T17, gzip=True),
        Expect(content="gzip", finish="stop"),
        description="gzip-encoded stream, decompressed incrementally; no gzip bytes "
        "reach the parser.",
    ),
    Case(
        "T18",
        "openai",
        _sse(T18),
        Expect(
            content="ok",
            finish="stop",
            usage={"prompt_tokens": 5, "completion_tokens": 1},
        ),
        description="usage:null on every chunk, then a usage-only choices:[] chunk.",
    ),
    Case(
        "T19",
        "openai",
        _sse(T19),
        Expect(content="ok", finish="stop"),
        description="Role-only, content:null, delta:{}, choices:[] and no-choices "
        "chunks print nothing.",
    ),
    Case(
        "T20",
        "openai",
        _sse(T20),
        Expect(content="done", finish="stop"),
        description="finish_reason seen, then EOF without [DONE]: a normal end.",
    ),
    Case(
        "T21",
        "openai",
        _sse(T21),
        Expect(reasoning="Thinking", content="Partial", exit_code=6),
        description="EOF mid-JSON with no finish: partial reasoning and content kept, "
        "the fragment dropped, the turn truncated (not success, not 'empty').",
    ),
    Case(
        "T21b",
        "openai",
        _sse(T21, reset=True),
        Expect(reasoning="Thinking", content="Partial", exit_code=6),
        description="T21 ending with a TCP RST instead of FIN (httpx.ReadError).",
    ),
    Case(
        "T22",
        "openai",
        _sse(T22),
        Expect(content="tail", finish="stop"),
        description="The final data: [DONE] has no line terminator before EOF.",
    ),
    Case(
        "T23",
        "openai",
        _sse(T23),
        Expect(
            content="The answer is",
            error="Provider disconnected unexpectedly",
            exit_code=5,
        ),
        description="OpenRouter mid-stream error chunk with finish_reason:error; the "
        "[DONE] after it does not turn the turn into a success.",
    ),
    Case(
        "T23b",
        "openai",
        _sse(T23B),
        Expect(
            content="The answer is",
            error="temporarily rate-limited upstream",
            exit_code=5,
        ),
        description="An error chunk without choices (numeric code 429): rate-limited, "
        "but never retried after content has been shown.",
    ),
    Case(
        "T24",
        "openai",
        _sse(T24),
        Expect(content="Hi", error="Overloaded", exit_code=5),
        description="`event: error` with a payload without choices in an OpenAI stream.",
    ),
    Case(
        "T25",
        "openai",
        _sse(T25),
        Expect(content="Par", error="context too long", exit_code=5),
        description="llama.cpp's non-standard `error:` field line, then [DONE]: an "
        "error, not an empty success.",
    ),
    Case(
        "T26",
        "openai",
        Reply(headers=[("content-type", SSE_UTF8)], chunks=T26),
        Expect(content="Par", error="Internal server error", exit_code=5),
        description="vLLM mid-stream error payload, then [DONE].",
    ),
    Case(
        "T27",
        "openai",
        _error(200, T27),
        Expect(error="Internal Server Error", exit_code=5),
        description="HTTP 200 with a JSON error body instead of a stream; the user id "
        "is not shown.",
    ),
    Case(
        "T27b",
        "openai",
        _error(200, T27B),
        Expect(
            error="Unexpected endpoint or method. (POST /chat/completions)",
            exit_code=5,
        ),
        description="LM Studio on a wrong path: 200 with `error` as a string.",
    ),
    Case(
        "T27c",
        "openai",
        _error(200, T27C),
        Expect(error="Invalid API key", exit_code=5),
        description="ModelsLab legacy envelope: 200 with status:error.",
    ),
    Case(
        "T28",
        "openai",
        _error(401, T28),
        Expect(error="No auth credentials found", exit_code=4),
        description="OpenRouter 401: no retry; the message names the provider and the "
        "env var / config key to fix; the key is never printed.",
    ),
    Case(
        "T28b",
        "openai",
        _error(401, T28B),
        Expect(error="Authentication Fails", exit_code=4),
        model="deepseek-reasoner",
        description="DeepSeek 401 (code is a string): no retry.",
    ),
    Case(
        "T28c",
        "anthropic",
        _error(401, T28C),
        Expect(error="invalid x-api-key", exit_code=4),
        model=_ANTHROPIC_R1,
        description="Anthropic-style 401 body: no retry.",
    ),
    Case(
        "T29",
        "openai",
        _error(402, T29),
        Expect(error="can only afford 7527", exit_code=4),
        description="OpenRouter 402: no backoff loop. The client may retry once with "
        "max_tokens <= 7527; queue a second reply if the test lets it.",
    ),
    Case(
        "T29b",
        "openai",
        _error(402, T29B),
        Expect(error="Insufficient Balance", exit_code=4),
        model="deepseek-reasoner",
        description="DeepSeek 402: tell the user to top up; no retry.",
    ),
    Case(
        "T30",
        "openai",
        _error(429, T30, ("Retry-After", "0")),
        Expect(error="429", exit_code=5),
        description="429 from upstream. §9 sends Retry-After: 23; the catalogue uses 0 so "
        "no test sleeps. Retried a bounded number of times: queue the reply once per "
        "attempt (a missing reply is the fake server's 500, also exit 5).",
    ),
    Case(
        "T30b",
        "openai",
        _error(
            429,
            T30B,
            ("X-RateLimit-Limit", "50"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "1750032000000"),
        ),
        Expect(exit_code=5),
        description="OpenRouter daily free cap: no Retry-After, X-RateLimit-Reset in "
        "epoch milliseconds (2025-06-16 00:00 UTC). Not retried; report the daily limit "
        "and when it resets (message wording left to the provider code).",
    ),
    Case(
        "T31",
        "openai",
        _error(
            502, T31, ("Server", "cloudflare"), content_type="text/html; charset=UTF-8"
        ),
        Expect(error="502 Bad Gateway", exit_code=5),
        description="An HTML page from a proxy: the <title> is the message, no JSON "
        "traceback, retried as a 5xx.",
    ),
    Case(
        "T32",
        "anthropic",
        Reply(
            status=529,
            reason="",
            headers=[
                ("content-type", JSON),
                ("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG"),
            ],
            chunks=T32,
            framing="length",
        ),
        Expect(error="Overloaded", exit_code=5),
        model=_ANTHROPIC_R1,
        description="Anthropic 529 with no reason phrase: overloaded, backoff with "
        "jitter, the request id shown on final failure.",
    ),
    Case(
        "T33",
        "anthropic",
        Reply(headers=[("content-type", SSE)], chunks=T33),
        Expect(
            reasoning="GCD via Euclid.",
            content="It is **21**.",
            finish="stop",
            usage={"prompt_tokens": 25, "completion_tokens": 15},
            signature="EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pki",
        ),
        model=_ANTHROPIC_R1,
        description="Anthropic thinking stream: ping ignored, signature stored not "
        "shown, cumulative output usage (15, not 25), ends at message_stop.",
    ),
    Case(
        "T34",
        "anthropic",
        Reply(headers=[("content-type", SSE)], chunks=T34),
        Expect(content="Part", error="Overloaded", exit_code=5),
        model=_ANTHROPIC_R1,
        description="Anthropic `event: error` after some text; the close that follows "
        "is not a second error.",
    ),
    Case(
        "T35",
        "openai",
        _sse(T35),
        Expect(
            reasoning="The user greets.",
            content="Hi! Use <think> tags.",
            finish="stop",
        ),
        think_tags=True,
        description="Inline tags split across deltas (no <thi / </th fragments shown); "
        "a later literal <think> in the answer stays content.",
    ),
    Case(
        "T36",
        "openai",
        _sse(T36),
        Expect(reasoning="Okay, so the user wants 2+2.", content="4", finish="stop"),
        think_tags=True,
        model=_OLLAMA_R1,
        description="Missing opening <think> (template-forced): text before </think> "
        "is reasoning.",
    ),
    Case(
        "T36b",
        "openai",
        _sse(T36B),
        Expect(content="Hello", finish="stop"),
        think_tags=True,
        model=_OLLAMA_R1,
        description="An empty think block (R1 skipped thinking): no reasoning.",
    ),
    Case(
        "T37",
        "openai",
        _sse(T37),
        Expect(reasoning="Let me consider every case", finish="length"),
        think_tags=True,
        description="</think> never arrives (finish length): empty answer, a notice to "
        "raise max_tokens, nothing stored as an answer; exit 0 with a warning.",
    ),
    Case(
        "T39",
        "openai",
        _sse(T39),
        Expect(reasoning="Short.", content="Hello!", finish="stop"),
        think_tags=True,
        model=_OLLAMA_R1,
        description="Go-escaped tags (\\u003cthink\\u003e): tag detection runs on "
        "decoded JSON strings.",
    ),
]

CASES: dict[str, Case] = {case.name: case for case in _CASES}

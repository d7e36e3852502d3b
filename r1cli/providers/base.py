"""What every dialect shares: the HTTP request it builds and the parser it returns.

`HttpRequest` is plain data so that building a request can be tested without a network
and so the transport never needs to know a provider's body shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from r1cli.core.events import Event
from r1cli.errors import ProviderFailed
from r1cli.wire.sse import SSEEvent


@dataclass(frozen=True, slots=True)
class HttpRequest:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    # Values that must never appear in any output (debug dumps redact them).
    secrets: tuple[str, ...] = field(default=(), repr=False)


class StreamParser(Protocol):
    """Turns one provider's stream into events; raises ProviderFailed on error events."""

    done: bool

    def feed(self, sse: SSEEvent, *, at_eof: bool = False) -> Iterator[Event]: ...

    def finish(self) -> Iterator[Event]:
        """The byte stream has ended: flush anything held back."""
        ...

    def parse_body(self, body: Any) -> Iterator[Event]:
        """A JSON body where a stream was expected: a full answer, or an error."""
        ...


def loads(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for the parser reported as the ValueError
    it is: a 100,000-deep line was an internal RecursionError, not a malformed event."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def error_message(body: Any) -> str | None:
    """The human message in any of the error envelopes providers use, if present."""
    if isinstance(body, str):
        return body or None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return error
    if isinstance(error, dict):
        message = error.get("message")
        raw = (
            (error.get("metadata") or {}).get("raw")
            if isinstance(error.get("metadata"), dict)
            else None
        )
        if isinstance(message, str) and message:
            # OpenRouter wraps upstream failures as "Provider returned error" + raw text.
            if isinstance(raw, str) and raw and raw not in message:
                return f"{message}: {raw}"
            return message
        if isinstance(error.get("type"), str):
            return str(error["type"])
    if body.get("status") == "error" or "message" in body:
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
    return None


def error_code(body: Any) -> int | None:
    """A numeric HTTP-like code from an error envelope, if one is given."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        if isinstance(code, int):
            return code
        if isinstance(code, str) and code.isdigit():
            return int(code)
    return None


def raise_stream_error(
    body: Any, source: str, fallback: str, *, in_stream: bool = True
) -> None:
    """Raise ProviderFailed for an error that arrived inside a 200 response.

    `source` names the provider and host; `in_stream` says whether the error came in
    the event stream or as a JSON body where a stream was expected.
    """
    message = error_message(body) or fallback
    code = error_code(body)
    detail = f" ({code})" if code else ""
    where = "mid-stream" if in_stream else "instead of a stream"
    raise ProviderFailed(
        f"{source} reported an error {where}{detail}: {message}",
        status=code,
        hint="this is usually transient: try again in a moment"
        if code in (408, 429, 500, 502, 503, 529)
        else None,
    )

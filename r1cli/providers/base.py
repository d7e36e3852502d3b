"""What every dialect shares: the parser protocol and the in-stream error report.

The request a dialect builds is `wire.http.HttpRequest`: plain data, so building a
request can be tested without a network and the transport never sees a body shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from r1cli.core.events import Event
from r1cli.errors import ProviderFailed
from r1cli.wire.http import HttpRequest, error_code, error_message, loads
from r1cli.wire.sse import SSEEvent

__all__ = ["HttpRequest", "StreamParser", "loads", "raise_stream_error"]


class StreamParser(Protocol):
    """Turns one provider's stream into events; raises ProviderFailed on error events."""

    done: bool

    def feed(self, sse: SSEEvent, *, at_eof: bool = False) -> Iterable[Event]:
        """The events of one SSE event (a list, or a generator that yields the
        events made before a failure and then raises)."""
        ...

    def finish(self) -> Iterator[Event]:
        """The byte stream has ended: flush anything held back."""
        ...

    def parse_body(self, body: Any) -> Iterator[Event]:
        """A JSON body where a stream was expected: a full answer, or an error."""
        ...


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

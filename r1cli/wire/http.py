"""What goes over the wire, as plain data: the request, the network policy, and the
error envelopes APIs answer with.

No httpx here: dialects build an `HttpRequest` and the transport sends it, so neither
needs to know the other. The envelope readers are generic (OpenAI, OpenRouter,
Anthropic, DeepSeek and ModelsLab shapes), which is why they live below the providers.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class HttpRequest:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    # Values that must never appear in any output (debug dumps redact them).
    secrets: tuple[str, ...] = field(default=(), repr=False)


class Throttle(Protocol):
    """Paces attempts shared by many concurrent requests (`r1 batch`): every attempt
    waits on it, and it sees every response's status and asked-for wait."""

    def wait(self) -> None: ...

    def observe(self, status: int, retry_after: float | None) -> None: ...


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """Timeouts and retries for one request. The defaults live in one place,
    `config.settings.Settings`, which the runtime builds this from."""

    connect_timeout: float
    # Idle read timeout: reasoning models can think for minutes between bytes.
    read_timeout: float
    max_retries: int
    backoff: float
    max_backoff: float = 8.0
    # A server asking us to wait longer than this is not waited for.
    max_retry_wait: float = 60.0
    # Shared by concurrent requests so a 429 slows them all (None: no pacing).
    throttle: Throttle | None = None
    # The whole turn, retries included: nothing may keep a request open longer.
    deadline: float = 1800.0


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


def loads(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep for the parser reported as the ValueError
    it is: a 100,000-deep line was an internal RecursionError, not a malformed event."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def is_loopback_host(host: str) -> bool:
    """localhost or a loopback address (not a name that merely starts like one)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

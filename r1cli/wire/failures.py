"""What went wrong on the wire, in the user's words: an HTTP status and its error body,
an httpx transport failure, a `Retry-After` wait, turned into the R1Error subclasses
(exit codes 4, 5, 6) with a hint. No request is sent from here."""

from __future__ import annotations

import email.utils
import os
import re
import urllib.request
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from r1cli.core.hosts import is_loopback_host
from r1cli.errors import NetworkError, ProviderError, ProviderFailed, RequestRejected
from r1cli.wire.http import RETRYABLE_STATUS, Target, error_message, loads


def retry_after_seconds(headers: httpx.Headers | dict[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, or `Retry-After` as
    seconds or an HTTP date. None when absent or unusable (garbage, negative)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    milliseconds = lowered.get("retry-after-ms")
    if milliseconds is not None:
        try:
            value = float(milliseconds) / 1000
            if value >= 0:
                return value
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
        return value if value >= 0 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def status_error(
    status: int,
    reason: str,
    headers: httpx.Headers,
    body: bytes,
    host: str,
    target: Target,
) -> ProviderError:
    """Translate an HTTP error response into the user-facing error."""
    label = f"{target.provider} ({host})"
    status_text = f"{status} {reason}".strip()
    request_id = (
        headers.get("request-id")
        or headers.get("x-request-id")
        or headers.get("x-generation-id")
    )
    detail = describe_body(body, headers.get("content-type", ""))
    message = f"{label} returned {status_text}" + (f": {detail}" if detail else "")
    if request_id:
        message += f" (request id {request_id})"
    if 300 <= status < 400:
        location = urlsplit(headers.get("location", "")).hostname or "another location"
        return RequestRejected(
            f"{host} returned a redirect ({status}) to {location}; not following it "
            "(it would expose credentials)",
            status=status,
            hint="check the provider's base URL",
        )
    if status in (401, 403):
        return RequestRejected(message, status=status, hint=target.key_hint)
    if status == 429:
        daily = _daily_cap_reset(headers)
        if daily is not None:
            return ProviderFailed(
                f"{label}: daily free limit reached, resets at {daily}"
                + (f" ({detail})" if detail else ""),
                status=status,
                hint="wait for the reset, or use a paid model or another provider",
            )
    if status in RETRYABLE_STATUS:
        return ProviderFailed(
            message, status=status, request_id=request_id, retryable=True
        )
    return RequestRejected(message, status=status, hint=_rejection_hint(status, detail))


def _rejection_hint(status: int, detail: str) -> str | None:
    affordable = re.search(r"can only afford (\d+)", detail)
    if affordable:
        return f"retry with --max-tokens {affordable.group(1)} (or add credits)"
    if status == 402:
        return "top up the account's balance with the provider"
    if status == 404:
        return "check the model name (r1 models lists what the provider offers)"
    return None


def _daily_cap_reset(headers: httpx.Headers) -> str | None:
    """OpenRouter's daily cap: a 429 with X-RateLimit-Remaining 0 and a reset time."""
    if headers.get("retry-after") or headers.get("x-ratelimit-remaining") != "0":
        return None
    raw = headers.get("x-ratelimit-reset", "")
    try:
        value = float(raw)
    except ValueError:
        return None
    # OpenRouter sends epoch milliseconds; others send seconds.
    seconds = value / 1000 if value > 1e11 else value
    try:
        when = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return when.strftime("%Y-%m-%d %H:%M UTC")


def describe_body(body: bytes, content_type: str) -> str:
    """A short, human message from an error body: JSON envelope, HTML title, or text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    if "html" in content_type.lower() or text.lstrip().lower().startswith("<"):
        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        name = title.group(1).strip() if title else "an HTML page"
        return f"{name} (HTML page from an intermediary)"
    try:
        parsed: Any = loads(text)
    except ValueError:
        return text[:200]
    return (error_message(parsed) or text)[:300]


def network_error(
    exc: httpx.TransportError, host: str, *, mid_stream: bool
) -> NetworkError:
    if isinstance(exc, httpx.ConnectTimeout):
        what = f"timed out connecting to {host}"
    elif isinstance(exc, httpx.ReadTimeout):
        what = f"no data from {host} within the read timeout"
    elif isinstance(exc, httpx.ConnectError):
        text = str(exc)
        if "CERTIFICATE" in text.upper():
            what = f"TLS certificate verification failed for {host}"
        else:
            what = f"could not connect to {host} ({text or type(exc).__name__})"
    elif isinstance(exc, httpx.ProxyError):
        what = f"proxy error reaching {host} ({exc}); check HTTPS_PROXY/HTTP_PROXY"
    else:
        what = f"connection to {host} failed ({type(exc).__name__}: {exc or 'closed'})"
    proxy = _proxy_variable(exc)
    if proxy and isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        # The connection that failed was the proxy's, not the provider's.
        what += f" through the proxy set in {proxy}"
    if mid_stream:
        what = f"stream from {host} broke off: {what}"
    hint = (
        "use --timeout SECONDS to wait longer"
        if isinstance(exc, httpx.ReadTimeout)
        else None
    )
    return NetworkError(what, hint=hint)


def _proxy_variable(exc: httpx.TransportError) -> str | None:
    """The environment variable naming the proxy the failed request went through."""
    try:
        url = exc.request.url
    except RuntimeError:  # no request attached
        return None
    # Not in typeshed, but part of urllib.request on every platform.
    bypass = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009
    if is_loopback_host(url.host) or bypass(url.host):
        return None
    names = (
        ("HTTPS_PROXY", "ALL_PROXY")
        if url.scheme == "https"
        else ("HTTP_PROXY", "ALL_PROXY")
    )
    for name in names:
        for variant in (name, name.lower()):
            if os.environ.get(variant):
                return variant
    return None

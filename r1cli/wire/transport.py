"""Sends one streaming request with httpx: timeouts, retries, and error translation.

Retries (connection errors, 408, 409, 429, 5xx; jittered backoff; `Retry-After` and
`retry-after-ms` honoured up to a cap) happen only before a 200 response starts, never
mid-stream: a reconnect would re-bill a new generation and duplicate shown text.
Redirects are never followed: httpx would forward `x-api-key` headers and JSON bodies
with keys in them to the new origin. Nothing above this module sees an httpx exception.
"""

from __future__ import annotations

import json
import random
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from r1cli.core.hosts import is_loopback_host
from r1cli.core.redact import redact_headers, redact_json, redact_text
from r1cli.errors import NetworkError, ProviderError, ProviderFailed
from r1cli.wire import inflate
from r1cli.wire.deadline import Watch, install
from r1cli.wire.failures import (
    describe_body,
    network_error,
    retry_after_seconds,
    status_error,
)
from r1cli.wire.http import HttpRequest, NetworkPolicy, Target, error_message
from r1cli.wire.tls import client_context, no_trust_context

__all__ = ["NetworkPolicy", "StreamResponse", "Target", "open_stream"]

MAX_ERROR_BODY = 64 * 1024


class StreamResponse:
    """A 200 response whose body is being streamed."""

    def __init__(
        self, response: httpx.Response, host: str, watch: Watch | None = None
    ) -> None:
        self._response = response
        self.host = host
        # The engine adds its own deadlines (first token, idle answer) here.
        self.watch = watch or Watch()
        self.headers: dict[str, str] = dict(response.headers.items())
        self.content_type = response.headers.get("content-type", "").lower()

    def iter_bytes(self) -> Iterator[bytes]:
        """The decoded body in pieces of at most 64 KiB (gzip undone incrementally,
        so a consumer that stops reading stops the decompression); httpx errors →
        NetworkError, undecodable bodies → ProviderFailed."""
        yield from _decoded(self._response, self.host, True, self.watch)

    def read_bounded(self, limit: int = MAX_ERROR_BODY) -> bytes:
        return _read_bounded(
            _decoded(self._response, self.host, True, self.watch), limit
        )


def _decoded(
    response: httpx.Response, host: str, mid_stream: bool, watch: Watch
) -> Iterator[bytes]:
    """The body, inflated a piece at a time; every deadline is checked per piece."""
    encoding = response.headers.get("content-encoding", "")
    try:
        if inflate.handles(encoding):
            pieces = inflate.inflate(response.iter_raw(), encoding)
        else:  # brotli/zstd (when installed): httpx's decoder, not bounded per piece
            pieces = response.iter_bytes()
        for piece in pieces:
            watch.check()
            yield piece
    except httpx.TransportError as exc:
        raise watch.error_if_fired() or network_error(
            exc, host, mid_stream=mid_stream
        ) from None
    except (httpx.DecodingError, inflate.InflateError) as exc:
        raise ProviderFailed(
            f"could not decode the stream from {host}: {exc}"
        ) from None


def _read_bounded(pieces: Iterator[bytes], limit: int) -> bytes:
    """At most `limit` bytes of `pieces`, reading (and inflating) no further."""
    chunks: list[bytes] = []
    size = 0
    for chunk in pieces:
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit]


@contextmanager
def open_stream(
    request: HttpRequest,
    target: Target,
    policy: NetworkPolicy,
    *,
    notify: Callable[[str], None] | None = None,
    debug: Callable[[str], None] | None = None,
) -> Iterator[StreamResponse]:
    """POST `request` and yield the streaming 200 response, retrying what is safe."""
    host = urlsplit(request.url).hostname or request.url
    watch = _turn_watch(policy, host)
    with _client(policy, request.url, watch) as client:
        if debug:
            _debug_request(request, debug)
        attempt = 0
        while True:
            if policy.throttle is not None:
                policy.throttle.wait()
            # Slowly trickled headers never trip the per-read timeout.
            watch.set(
                "headers",
                policy.read_timeout,
                f"no complete response headers from {host} within the read "
                f"timeout ({policy.read_timeout:g} s)",
                "use --timeout SECONDS to wait longer",
            )
            try:
                response = _send(client, request, host, watch)
            except NetworkError as exc:
                wait = _backoff(policy, attempt)
                if attempt >= policy.max_retries or watch.fired == "turn":
                    if attempt:
                        exc.message += f" after {attempt + 1} attempts"
                    raise
                _announce(notify, f"{exc.message}; retrying in {wait:.1f} s")
            else:
                watch.clear("headers")
                if policy.throttle is not None:
                    policy.throttle.observe(
                        response.status_code, retry_after_seconds(response.headers)
                    )
                if response.status_code == 200:
                    try:
                        yield StreamResponse(response, host, watch)
                    finally:
                        response.close()
                    return
                error, asked = _failed_response(
                    response, host, target, policy, attempt, watch
                )
                if asked is None:
                    raise error
                wait = asked
                _announce(notify, f"{error.message}; retrying in {wait:.1f} s")
            _sleep_within(watch, wait)
            attempt += 1


def warm_up() -> None:
    """Load the HTTP stack and build the TLS context now, ahead of the first request
    (the REPL does it while the user types)."""
    httpx.Client(verify=_tls_context()).close()  # imports httpcore


def _tls_context() -> ssl.SSLContext:
    """One TLS context per process (wire.tls): loading the CA bundle costs ~40 ms,
    the REPL sends many requests, and a pre-opened connection must match it."""
    return client_context()


def _send(
    client: httpx.Client, request: HttpRequest, host: str, watch: Watch
) -> httpx.Response:
    try:
        built = client.build_request(
            "POST", request.url, headers=request.headers, json=request.body
        )
        return client.send(built, stream=True)
    except httpx.TransportError as exc:
        raise watch.error_if_fired() or network_error(
            exc, host, mid_stream=False
        ) from None


def _sleep_within(watch: Watch, seconds: float) -> None:
    """Back off, but never past a deadline: then its error is raised instead."""
    watch.clear("headers")  # set again for the next attempt
    left = watch.left()
    if left is not None and left <= seconds:
        time.sleep(max(0.0, left))
        watch.check()
    time.sleep(seconds)


def _announce(notify: Callable[[str], None] | None, message: str) -> None:
    if notify:
        notify(message)


def _failed_response(
    response: httpx.Response,
    host: str,
    target: Target,
    policy: NetworkPolicy,
    attempt: int,
    watch: Watch,
) -> tuple[ProviderError, float | None]:
    """The error for a non-200 response, and how long to wait before a retry (or None)."""
    try:
        # Bounded before inflating: a gzip bomb of an error body must not be
        # decompressed whole (1 MB on the wire reached 2.1 GB with read()).
        body = _read_bounded(_decoded(response, host, False, watch), MAX_ERROR_BODY)
    except (httpx.HTTPError, ProviderError):
        body = b""
    finally:
        response.close()
    status = response.status_code
    error = status_error(
        status, response.reason_phrase, response.headers, body, host, target
    )
    if not error.retryable or attempt >= policy.max_retries:
        return error, None
    asked = retry_after_seconds(response.headers)
    if asked is not None and asked > policy.max_retry_wait:
        error.message += f" (the server asked to wait {asked:.0f} s; not waiting)"
        return error, None
    return error, asked if asked is not None else _backoff(policy, attempt)


def _backoff(policy: NetworkPolicy, attempt: int) -> float:
    base = min(policy.max_backoff, policy.backoff * 2.0**attempt)
    return base * random.uniform(0.75, 1.0)


def _debug_request(request: HttpRequest, debug: Callable[[str], None]) -> None:
    headers = redact_headers(request.headers, request.secrets)
    body = redact_json(request.body, request.secrets)
    debug(f"POST {redact_text(request.url, request.secrets)}")
    debug(f"headers: {json.dumps(headers)}")
    debug(f"body: {json.dumps(body, ensure_ascii=False)[:4000]}")


# -- one JSON request and its JSON answer (model listings, token counts) -----------

# OpenRouter's full model list is ~1 MB; a body past this is not a model list.
MAX_JSON_BODY = 32 * 1024 * 1024


def _turn_watch(policy: NetworkPolicy, host: str) -> Watch:
    """The deadlines of one request, starting with the whole-turn one."""
    watch = Watch()
    watch.set(
        "turn",
        policy.deadline,
        f"stopped waiting for {host} after the {policy.deadline:g} s deadline",
        "raise it with --deadline SECONDS or the deadline setting",
    )
    return watch


def _client(policy: NetworkPolicy, url: str, watch: Watch) -> httpx.Client:
    """An httpx client for one request: no redirects, our TLS context, `watch`'s
    deadlines enforced at every socket read.

    A loopback server is never reached through a proxy: with a plain-http base URL
    the key would cross the proxy in clear, and a proxy cannot reach our loopback
    anyway. trust_env=False drops only the proxy variables and .netrc here; the TLS
    context is passed explicitly. Plain http to loopback (a local model server) then
    has no TLS anywhere: it gets a context that trusts nothing instead of loading the
    CA bundle (~35 ms) for nothing.
    """
    parts = urlsplit(url)
    loopback = is_loopback_host(parts.hostname or "")
    plain_loopback = loopback and parts.scheme == "http"
    client = httpx.Client(
        timeout=httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout),
        follow_redirects=False,
        verify=no_trust_context() if plain_loopback else _tls_context(),
        trust_env=not loopback,
    )
    install(client, watch)
    return client


def fetch_json(
    method: str,
    request: HttpRequest,
    target: Target,
    policy: NetworkPolicy,
    *,
    debug: Callable[[str], None] | None = None,
) -> Any:
    """Send a small non-streaming request (GET, or POST with `request.body`) and
    return its parsed JSON body, with the same retries, redirect refusal and error
    translation as `open_stream`. Both uses (listing, counting) are idempotent."""
    host = urlsplit(request.url).hostname or request.url
    if debug:
        headers = redact_headers(request.headers, request.secrets)
        debug(f"{method} {redact_text(request.url, request.secrets)}")
        debug(f"headers: {json.dumps(headers)}")
    watch = _turn_watch(policy, host)
    with _client(policy, request.url, watch) as client:
        attempt = 0
        while True:
            try:
                built = client.build_request(
                    method,
                    request.url,
                    headers=request.headers,
                    json=request.body if method != "GET" else None,
                )
                response = client.send(built, stream=True)
            except httpx.TransportError as exc:
                if attempt >= policy.max_retries:
                    raise network_error(exc, host, mid_stream=False) from None
                wait: float | None = _backoff(policy, attempt)
            else:
                if response.status_code == 200:
                    try:
                        return _json_answer(StreamResponse(response, host, watch))
                    finally:
                        response.close()
                error, wait = _failed_response(
                    response, host, target, policy, attempt, watch
                )
                if wait is None:
                    raise error
            _sleep_within(watch, wait or 0.0)
            attempt += 1


def _json_answer(response: StreamResponse) -> Any:
    body = response.read_bounded(MAX_JSON_BODY + 1)
    if len(body) > MAX_JSON_BODY:
        raise ProviderFailed(f"the response from {response.host} is too large")
    try:
        parsed = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        detail = describe_body(body, response.content_type) or "an empty body"
        raise ProviderFailed(
            f"unexpected response from {response.host}: {detail}"
        ) from None
    if isinstance(parsed, dict) and parsed.get("error") and "data" not in parsed:
        # LM Studio and ModelsLab answer some failures with 200 and an error body.
        message = error_message(parsed) or "an error body"
        raise ProviderFailed(f"{response.host} returned an error: {message}")
    return parsed

"""Deadlines that bound every socket operation of a request, not just each read.

httpx's read timeout is per read: a server that trickles header bytes, or sends a
keep-alive comment every few seconds, never trips it. A `Watch` holds named deadlines
(the whole turn, the response headers, the first token, the idle gap between pieces of
answer); every socket read, write and connect of the request gets at most the time left
until the earliest of them, and `check()` raises once one has passed, so a stream that
keeps sending is stopped too. The socket layer is reached by swapping httpcore's
network backend on the client's connection pools (`install`); if a future httpx hides
it, the deadlines still hold at every piece of body the engine reads.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

import httpcore
from httpcore._backends.sync import SyncStream

from r1cli.errors import NetworkError
from r1cli.wire import preconnect
from r1cli.wire.tls import client_context


class _Limit(NamedTuple):
    # A tuple: the engine renews the idle deadline at every read that brought text,
    # and a frozen dataclass's __init__ costs several times a tuple's.
    at: float
    message: str
    hint: str | None


class Watch:
    """Named deadlines on the monotonic clock; the earliest one applies."""

    def __init__(self) -> None:
        self._limits: dict[str, _Limit] = {}
        self.fired: str | None = None

    def set(
        self, name: str, seconds: float, message: str, hint: str | None = None
    ) -> None:
        self._limits[name] = _Limit(time.monotonic() + seconds, message, hint)

    def clear(self, name: str) -> None:
        self._limits.pop(name, None)

    def _expired(self) -> str | None:
        now = time.monotonic()
        due = [
            (limit.at, name) for name, limit in self._limits.items() if limit.at <= now
        ]
        return min(due)[1] if due else None

    def check(self) -> None:
        """NetworkError naming the deadline, once one has passed."""
        name = self._expired()
        if name is not None:
            self.fired = name
            limit = self._limits[name]
            raise NetworkError(limit.message, hint=limit.hint)

    def error_if_fired(self) -> NetworkError | None:
        """After a socket timeout: the deadline's error if that is what ran out."""
        name = self.fired or self._expired()
        if name is None or name not in self._limits:
            return None
        self.fired = name
        limit = self._limits[name]
        return NetworkError(limit.message, hint=limit.hint)

    def left(self) -> float | None:
        """Seconds until the earliest deadline (None: there is none)."""
        if not self._limits:
            return None
        return min(limit.at for limit in self._limits.values()) - time.monotonic()

    def cap(self, timeout: float | None) -> float | None:
        """`timeout` shortened to the time left; 0 left raises a socket timeout."""
        if not self._limits:
            return timeout
        left = min(limit.at for limit in self._limits.values()) - time.monotonic()
        if left <= 0:
            self.fired = self._expired()
            raise httpcore.ReadTimeout("deadline passed")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, watch: Watch) -> None:
        self._stream = stream
        self._watch = watch

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._watch.cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._watch.cap(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if "timeout" in kwargs:
            kwargs["timeout"] = self._watch.cap(kwargs["timeout"])
        return _Stream(self._stream.start_tls(*args, **kwargs), self._watch)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Opened(httpcore.NetworkStream):
    """A connection wire.preconnect opened ahead; TLS is done when it is an SSLSocket.

    httpcore asks for the TLS handshake after connecting: a connection whose handshake
    was done with the same context and server name is already that; any other gets
    the handshake httpcore asked for on a connection of its own.
    """

    def __init__(
        self,
        sock: socket.socket,
        backend: httpcore.NetworkBackend,
        host: str,
        port: int,
    ) -> None:
        self._sock = sock
        self._stream = SyncStream(sock)
        self._backend = backend
        self._host, self._port = host, port

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        if not isinstance(self._sock, ssl.SSLSocket):
            return self._stream.start_tls(ssl_context, server_hostname, timeout)
        if ssl_context is client_context() and server_hostname == self._host:
            return self._stream
        self._stream.close()
        fresh = self._backend.connect_tcp(self._host, self._port, timeout)
        return fresh.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend, watch: Watch) -> None:
        self._backend = backend
        self._watch = watch

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if local_address is None and not socket_options:
            opened = preconnect.take(host, port, self._watch.cap(timeout))
            if opened is not None:
                return _Stream(_Opened(opened, self._backend, host, port), self._watch)
        stream = self._backend.connect_tcp(
            host,
            port,
            self._watch.cap(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _Stream(stream, self._watch)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, self._watch.cap(timeout), socket_options=socket_options
        )
        return _Stream(stream, self._watch)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def install(client: Any, watch: Watch) -> bool:
    """Put `watch` under every connection pool of an httpx.Client (direct and
    proxied). False when this httpx keeps its pools elsewhere."""
    transports = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    installed = False
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend, watch)  # type: ignore[union-attr]
            installed = True
    return installed

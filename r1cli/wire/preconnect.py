"""The provider's connection (TCP, then TLS), opened while r1 is still starting up.

A one-shot `r1 "question"` knows where it will connect as soon as its settings are
read, but used to connect only after opening history, building the prompt and
importing httpx: on a link with a 50 ms round trip that is 100-150 ms of handshakes
waited for after the start-up work instead of during it. `start` opens the connection
on a daemon thread; when the request's client connects to that host and port, the
deadline backend (wire.deadline) asks `take` for it and uses it instead of dialling.

Only a connection that is certainly equivalent is handed over: the same host and port,
TLS with the process's one client context (wire.tls) and the host as server name (what
httpcore would do), opened directly (no proxy applies), fresh (under MAX_AGE seconds)
and not closed by the server meanwhile. Anything else, or any failure here, leaves the
request to connect as it always did, and to report errors as it always did: nothing
is reported from this thread.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from r1cli.core.hosts import is_loopback_host
from r1cli.wire.tls import client_context

# Older than this, a server may have closed the idle connection (uvicorn: 5 s).
MAX_AGE = 3.0
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


@dataclass
class _Pending:
    host: str
    port: int
    tls: bool
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    sock: socket.socket | None = None
    claimed: bool = False  # `take` asked for it (only one may)
    abandoned: bool = False  # `take` stopped waiting: the thread closes a late socket


_pending: dict[tuple[str, int], _Pending] = {}
_lock = threading.Lock()


def start(url: str, timeout: float) -> bool:
    """Begin connecting to `url`'s origin on a daemon thread; False when there is no
    point or it would not be equivalent (not http(s), a proxy is configured)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or _proxied(host):
        return False
    pending = _Pending(host, port, parts.scheme == "https")
    with _lock:
        old = _pending.get((host, port))
        if old is not None and not old.claimed and _fresh(old):
            return False  # one is on its way already
        _pending[host, port] = pending
    if old is not None:
        _discard(old)
    threading.Thread(
        target=_connect, args=(pending, timeout), name="r1cli-preconnect", daemon=True
    ).start()
    return True


def take(host: str, port: int, timeout: float | None) -> socket.socket | None:
    """The connection opened ahead to `host`:`port` (an SSLSocket when TLS is done),
    waiting up to `timeout` for one still opening; None when there is none to use."""
    with _lock:
        pending = _pending.get((host, port))
        if pending is None or pending.claimed:
            return None
        pending.claimed = True
    pending.done.wait(timeout)
    with _lock:
        if not pending.done.is_set():
            pending.abandoned = True  # the thread closes it when it finishes
            return None
        sock = pending.sock
    if sock is None:
        return None
    if not _fresh(pending) or not _usable(sock):
        sock.close()
        return None
    return sock


def _connect(pending: _Pending, timeout: float) -> None:
    sock: socket.socket | None = None
    try:
        sock = socket.create_connection((pending.host, pending.port), timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as httpcore does
        if pending.tls:
            context = client_context()
            # What httpcore sets on the same context before every handshake.
            context.set_alpn_protocols(["http/1.1"])
            sock = context.wrap_socket(sock, server_hostname=pending.host)
        sock.settimeout(None)
    except Exception:  # the request connects itself and reports what failed
        if sock is not None:
            sock.close()
        sock = None
    with _lock:
        if pending.abandoned and sock is not None:
            sock.close()  # `take` gave up waiting: never handed over
            sock = None
        pending.sock = sock
        pending.done.set()


def _fresh(pending: _Pending) -> bool:
    return time.monotonic() - pending.started <= MAX_AGE


def _discard(pending: _Pending) -> None:
    """Close `pending`'s connection unless it was handed over (or close it when its
    thread finishes)."""
    with _lock:
        if pending.claimed and pending.done.is_set():
            return  # handed over (or nothing to hand): the request owns it
        pending.claimed = pending.abandoned = True
        sock, pending.sock = pending.sock, None
    if sock is not None:
        sock.close()


def _usable(sock: socket.socket) -> bool:
    """Not closed by the server and nothing unexpected waiting to be read."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return True
        sock.setblocking(False)
        try:
            sock.recv(1)  # EOF (b"") or data nobody asked for: not usable
        except ssl.SSLWantReadError:
            return True  # only TLS housekeeping (TLS 1.3 session tickets)
        finally:
            sock.setblocking(True)
        return False
    except OSError:
        return False


def _proxied(host: str) -> bool:
    """Whether a proxy may carry requests to `host` (then httpx connects elsewhere).
    Loopback hosts never go through one (wire.transport)."""
    if is_loopback_host(host):
        return False
    return any(
        os.environ.get(name) or os.environ.get(name.upper())
        for name in _PROXY_VARIABLES
    )


def forget() -> None:
    """Close and drop every connection not handed over (tests; a REPL's old ones)."""
    with _lock:
        pendings = list(_pending.values())
        _pending.clear()
    for pending in pendings:
        _discard(pending)

"""The process's one TLS client context, built without importing httpx.

Loading the CA bundle costs ~40 ms, and both the request client (transport) and the
connection opened ahead of it (preconnect, on a background thread before httpx is
imported) need the same context: a connection handed from one to the other must have
been verified the same way. Built exactly as `httpx.create_ssl_context()` builds its
default (SSL_CERT_FILE, then SSL_CERT_DIR, then certifi's bundle), which a test checks.
"""

from __future__ import annotations

import functools
import os
import ssl
import threading

_lock = threading.Lock()


@functools.cache
def _build() -> ssl.SSLContext:
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def client_context() -> ssl.SSLContext:
    """The shared client context (built once, by whichever thread asks first)."""
    with _lock:  # the preconnect thread and the main thread may ask at once
        return _build()


@functools.cache
def no_trust_context() -> ssl.SSLContext:
    """A context that verifies as strictly as the client context but trusts no
    certificate: for clients that never speak TLS (plain http to loopback, where no
    proxy applies), so any handshake they did attempt would fail, not pass."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

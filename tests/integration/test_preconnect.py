"""The connection opened ahead of the request (wire.preconnect, issue 15): handed to the
request's client when it is equivalent, never when it is not."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.errors import NetworkError
from r1cli.wire import preconnect, tls
from r1cli.wire.http import HttpRequest, NetworkPolicy
from r1cli.wire.transport import Target, fetch_json
from tests.benchmarks.tls_delay import TlsDelayFront
from tests.support.fakeserver import FakeServer
from tests.support.replies import json_reply

POLICY = NetworkPolicy(
    connect_timeout=2.0, read_timeout=5.0, max_retries=0, backoff=0.01
)


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    preconnect.forget()
    yield
    preconnect.forget()


@pytest.fixture
def front(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[FakeServer, TlsDelayFront]]:
    """A TLS front (no added delay) whose test certificate the client context trusts."""
    with FakeServer() as server, TlsDelayFront(server.port, delay=0.0) as front:
        monkeypatch.setenv("SSL_CERT_FILE", str(front.ca_file))
        tls._build.cache_clear()
        try:
            yield server, front
        finally:
            tls._build.cache_clear()


def _get(url: str) -> object:
    request = HttpRequest(url, {}, None, [])
    return fetch_json("GET", request, Target("test"), POLICY)


def test_the_tls_connection_opened_ahead_carries_the_request(
    front: tuple[FakeServer, TlsDelayFront],
) -> None:
    server, tls_front = front
    server.queue(json_reply(200, {"data": []}))
    assert preconnect.start(tls_front.url + "/v1", 2.0)
    assert _get(tls_front.url + "/v1/models") == {"data": []}
    assert tls_front.connections == 1, "one TCP connection: the one opened ahead"
    assert len(server.requests) == 1


def test_without_a_connection_ahead_the_request_connects_itself(
    front: tuple[FakeServer, TlsDelayFront],
) -> None:
    server, tls_front = front
    server.queue(json_reply(200, {"data": []}), json_reply(200, {"data": [1]}))
    assert _get(tls_front.url + "/v1/models") == {"data": []}
    # Opened ahead for another port: not used, and the request still succeeds.
    assert preconnect.start(f"https://127.0.0.1:{server.port}/v1", 2.0)
    assert _get(tls_front.url + "/v1/models") == {"data": [1]}
    assert tls_front.connections == 2


def test_a_connection_the_server_closed_is_not_handed_over() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_close() -> None:
        conn, _ = listener.accept()
        conn.close()

    closer = threading.Thread(target=accept_and_close)
    closer.start()
    assert preconnect.start(f"http://127.0.0.1:{port}/v1", 2.0)
    closer.join(5)
    # Give the FIN time to arrive before asking.
    threading.Event().wait(0.1)
    assert preconnect.take("127.0.0.1", port, 2.0) is None
    listener.close()


def test_a_live_connection_is_handed_over_once(server: FakeServer) -> None:
    assert preconnect.start(server.url + "/v1", 2.0)
    first = preconnect.take("127.0.0.1", server.port, 2.0)
    assert first is not None
    assert first.getpeername()[1] == server.port
    assert preconnect.take("127.0.0.1", server.port, 2.0) is None
    first.close()


def test_a_failed_connection_leaves_the_error_to_the_request() -> None:
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()  # nothing listens there now
    assert preconnect.start(f"http://127.0.0.1:{port}/v1", 2.0)
    with pytest.raises(NetworkError, match="could not connect"):
        _get(f"http://127.0.0.1:{port}/v1/models")


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_nothing_is_opened_ahead_when_a_proxy_may_apply(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://proxy.invalid:3128")
    assert not preconnect.start("https://api.example.invalid/v1", 2.0)
    # Loopback never goes through a proxy.
    assert preconnect.start("http://127.0.0.1:9/v1", 0.5)


def test_the_client_context_is_built_as_httpx_builds_its_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import httpx

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls._build.cache_clear()
    try:
        ours, theirs = tls.client_context(), httpx.create_ssl_context()
        assert ours.cert_store_stats() == theirs.cert_store_stats()
        assert (ours.verify_mode, ours.check_hostname, ours.minimum_version) == (
            theirs.verify_mode,
            theirs.check_hostname,
            theirs.minimum_version,
        )
        assert ours.options == theirs.options
    finally:
        tls._build.cache_clear()


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("http://127.0.0.1:8080/v1/chat/completions", True),
        ("http://localhost:8080/v1", True),
        ("https://127.0.0.1:8443/v1", False),
        # A proxy may carry it, and the proxy may speak TLS: the real trust store.
        ("http://example.invalid/v1", False),
    ],
)
def test_only_plain_http_to_loopback_skips_the_ca_bundle(url: str, plain: bool) -> None:
    from r1cli.wire import transport
    from r1cli.wire.deadline import Watch

    with transport._client(POLICY, url, Watch()) as client:
        pool = client._transport._pool  # type: ignore[attr-defined]
        context = pool._ssl_context
    expected = tls.no_trust_context() if plain else tls.client_context()
    assert context is expected


def test_the_no_trust_context_fails_every_handshake(
    front: tuple[FakeServer, TlsDelayFront],
) -> None:
    """Even a certificate the client context trusts is refused: a client that was
    wrongly given it fails closed."""
    _, tls_front = front
    assert tls.client_context().cert_store_stats()["x509_ca"] >= 1
    with (
        socket.create_connection(("127.0.0.1", tls_front.port), 2) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        tls.no_trust_context().wrap_socket(raw, server_hostname="127.0.0.1")

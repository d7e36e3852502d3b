"""A TLS front with added latency, for the start-up benchmark (issue 15).

    with TlsDelayFront(plain_port, delay=0.05) as front:
        front.url, front.ca_file   # https://127.0.0.1:PORT, the CA to trust

Two local hops in front of the plain fake server:

- a relay on `front.port` that holds every client→server byte for `delay` seconds
  before passing it on (server→client bytes pass at once): every flight the client
  has to wait an answer for — the TLS ClientHello, the request — costs `delay` more,
  as on a link with that round-trip time. TCP's own handshake is the kernel's and is
  not delayed, so a connection costs one round trip less than on a real link;
- a TLS terminator (a self-signed certificate for 127.0.0.1 and localhost, generated
  at start with the `cryptography` package, or the `openssl` command) that forwards
  the plain bytes to the fake server.

Clients trust the certificate through SSL_CERT_FILE, which httpx honours.
"""

from __future__ import annotations

import datetime
import ipaddress
import queue
import selectors
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1/localhost, written in `folder`."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            raise SystemExit(
                "TLS benchmark: needs `cryptography` or `openssl`"
            ) from None
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
             str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext",
             "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(alt, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def _pipe(source: socket.socket, sink: socket.socket, delay: float) -> None:
    """Copy `source` to `sink` until EOF, each piece `delay` seconds late."""
    pieces: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def send() -> None:
        while True:
            due, data = pieces.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return

    if delay:
        threading.Thread(target=send, daemon=True).start()
    while True:
        try:
            data = source.recv(1 << 16)
        except OSError:
            data = b""
        if delay:
            pieces.put((time.monotonic() + delay, data))
        else:
            try:
                if data:
                    sink.sendall(data)
                else:
                    sink.shutdown(socket.SHUT_WR)
            except OSError:
                return
        if not data:
            return


def _join(a: socket.socket, b: socket.socket, delay_a_to_b: float) -> None:
    threading.Thread(target=_pipe, args=(a, b, delay_a_to_b), daemon=True).start()
    threading.Thread(target=_pipe, args=(b, a, 0.0), daemon=True).start()


class TlsDelayFront:
    """TLS on `port` + added latency in front of a plain server on `target_port`."""

    def __init__(self, target_port: int, delay: float = 0.05) -> None:
        self.target_port = target_port
        self.delay = delay
        self._folder = tempfile.TemporaryDirectory()
        self.ca_file, key = make_certificate(Path(self._folder.name))
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(self.ca_file, key)
        self._relay = socket.create_server(("127.0.0.1", 0))
        self._tls = socket.create_server(("127.0.0.1", 0))
        self.port = self._relay.getsockname()[1]
        self.connections = 0  # TCP connections accepted (tests: was one reused?)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> TlsDelayFront:
        threading.Thread(target=self._accept_relay, daemon=True).start()
        threading.Thread(target=self._accept_tls, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._relay.close()
        self._tls.close()
        self._folder.cleanup()

    def _accept_relay(self) -> None:
        tls_port = self._tls.getsockname()[1]
        while True:
            try:
                client, _ = self._relay.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", tls_port))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _join(client, upstream, self.delay)

    def _accept_tls(self) -> None:
        while True:
            try:
                raw, _ = self._tls.accept()
            except OSError:
                return
            threading.Thread(target=self._terminate, args=(raw,), daemon=True).start()

    def _terminate(self, raw: socket.socket) -> None:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self._context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):  # the client gave up (or a warm-up probe)
            raw.close()
            return
        plain = socket.create_connection(("127.0.0.1", self.target_port))
        plain.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _shuttle(tls, plain)


def _shuttle(tls: ssl.SSLSocket, plain: socket.socket) -> None:
    """Copy both ways in one thread (an SSL object is not safe to read and write
    from two threads at once) until either side closes; then close both."""
    with selectors.DefaultSelector() as selector:
        selector.register(tls, selectors.EVENT_READ)
        selector.register(plain, selectors.EVENT_READ)
        try:
            while True:
                ready = (
                    [tls]
                    if tls.pending()
                    else [key.fileobj for key, _ in selector.select()]
                )
                for sock in ready:
                    try:
                        data = sock.recv(1 << 16)  # type: ignore[union-attr]
                    except ssl.SSLWantReadError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        return
                    (plain if sock is tls else tls).sendall(data)
        except OSError:
            return
        finally:
            tls.close()
            plain.close()

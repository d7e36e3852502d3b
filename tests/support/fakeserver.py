"""A scriptable fake provider: a real HTTP/1.1 server on 127.0.0.1.

Provider, CLI and benchmark tests talk to it over a real socket, so they exercise what
`httpx.MockTransport` cannot: chunk boundaries, read timeouts, resets, slow heads,
status lines without a reason phrase, and the client closing the connection.

Each queued `Reply` answers exactly one request. The body is a list of byte chunks and
every chunk is written with its own `sendall()` (TCP_NODELAY is set, so a delay between
chunks makes each one arrive as its own read). Every reply ends the connection
(`Connection: close`); keep-alive is deliberately not supported.

    with FakeServer([Reply(chunks=[b"data: [DONE]\\n\\n"])]) as server:
        httpx.post(server.url + "/v1/chat/completions", json={...})
        assert server.requests[0].json()["stream"] is True

Runnable on its own for manual tries and benchmarks:

    python tests/support/fakeserver.py --port 8765 --fixture T01
    python tests/support/fakeserver.py --port 0 --tokens 2000 --rate 200 --reasoning-ratio 0.5

The first stdout line is the server's URL. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import http
import json
import random
import re
import selectors
import socket
import struct
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Framing = Literal["close", "chunked", "length"]

# How long a handler waits, after its own clean close, for the client to close too.
# Bounded so a client that never closes cannot pin a thread; __exit__ cuts it short.
_LINGER_SECONDS = 5.0
# A client that sends nothing for this long while we read its request is dropped.
_REQUEST_TIMEOUT_SECONDS = 10.0
_MAX_HEAD_BYTES = 64 * 1024


def _sse_headers() -> list[tuple[str, str]]:
    return [("Content-Type", "text/event-stream")]


@dataclass
class Reply:
    """One scripted response. Header names and values are sent exactly as given.

    Framing headers (Content-Length / Transfer-Encoding), `Content-Encoding: gzip` and
    `Connection: close` are added after the given headers unless a header of that
    name is already present (so a test can send a lying Content-Length on purpose).
    """

    status: int = 200
    # None → the standard phrase ("" for codes without one, such as 529);
    # "" → a status line with no reason phrase: "HTTP/1.1 529 \r\n".
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=_sse_headers)
    # The body; each element is its own sendall() (and its own HTTP chunk).
    chunks: list[bytes] = field(default_factory=list)
    # Seconds to wait before each chunk; paced against the clock, so N chunks take
    # N × delay even when the writes themselves take time.
    delay: float = 0.0
    head_delay: float = 0.0  # seconds to sleep before the status line
    stall: float = 0.0  # after the last chunk, keep the connection open this long
    reset: bool = False  # end with TCP RST (SO_LINGER 0) instead of a clean close
    # "close": body ends at connection close (most SSE servers); "chunked": one HTTP
    # chunk per element; "length": Content-Length of the whole (encoded) body.
    framing: Framing = "close"
    # Compress incrementally: a Z_SYNC_FLUSH after each chunk keeps writes aligned.
    gzip: bool = False


@dataclass
class RecordedRequest:
    """A request as the server received it (body already de-chunked)."""

    method: str
    path: str  # including the query string
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


_NO_REPLY = Reply(
    status=500,
    headers=[("Content-Type", "application/json")],
    chunks=[
        json.dumps(
            {"error": {"message": "fake server: no reply queued", "code": 500}}
        ).encode()
    ],
    framing="length",
)


class _Disconnected(Exception):
    """The client went away (or the server is stopping): stop serving this reply."""


class _Connection:
    """One accepted socket and what the server has learnt about its client."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.client_closed = False
        self.selector = selectors.DefaultSelector()


class FakeServer:
    """Serves queued replies in order, one per request, and records every request."""

    def __init__(
        self,
        replies: Iterable[Reply] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.requests: list[RecordedRequest] = []
        # Served when the queue is empty instead of the 500 (the CLI's forever mode).
        self.fallback: Reply | None = None
        # Picks the reply from the request itself (concurrent clients, where queue
        # order is arrival order); called under the server's lock, so it may keep
        # state without its own. Takes precedence over the queue.
        self.responder: Callable[[RecordedRequest], Reply] | None = None
        self._host = host
        self._port = port
        self._replies: deque[Reply] = deque(replies or ())
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._threads: list[threading.Thread] = []
        self._open: set[_Connection] = set()
        self._last: _Connection | None = None

    # -- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> FakeServer:
        self._listener = socket.create_server((self._host, self._port), backlog=128)
        self._port = self._listener.getsockname()[1]
        accept = threading.Thread(
            target=self._accept_loop, name="fakeserver-accept", daemon=True
        )
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        # One byte on the wake socket makes every select() in every thread return.
        self._wake_w.send(b"x")
        # The accept thread goes first, so no connection can slip in after the
        # snapshot below.
        self._threads[0].join(1.0)
        with self._lock:
            still_open = list(self._open)
        for conn in still_open:
            # Unblocks a handler stuck in recv() or in sendall() to a client that
            # stopped reading.
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            threads = list(self._threads)
        deadline = time.monotonic() + 2.0
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()
        self._wake_r.close()
        self._wake_w.close()

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def wait_for_disconnect(self, timeout: float) -> bool:
        """True once the client closed the connection of the latest reply.

        "Latest" is the connection whose reply started last. Detected by a failed
        send or EOF on recv; while delaying or stalling the socket is watched for EOF,
        so a client that hangs up mid-stall is seen at once.
        """

        def closed() -> bool:
            return self._last is not None and self._last.client_closed

        with self._changed:
            return self._changed.wait_for(closed, timeout)

    # -- accepting -----------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._stopping.is_set():
                selector.select()
                if self._stopping.is_set():
                    return
                try:
                    sock, _ = self._listener.accept()
                except OSError:
                    continue
                # Without this, Nagle would hold a small chunk back until the
                # previous one is acked and merge writes the script kept apart.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn = _Connection(sock)
                thread = threading.Thread(
                    target=self._serve,
                    args=(conn,),
                    name="fakeserver-conn",
                    daemon=True,
                )
                with self._lock:
                    self._open.add(conn)
                    accept, *handlers = self._threads
                    self._threads = [accept, *(t for t in handlers if t.is_alive())]
                    self._threads.append(thread)
                thread.start()

    # -- one connection ------------------------------------------------------------

    def _serve(self, conn: _Connection) -> None:
        try:
            conn.selector.register(conn.sock, selectors.EVENT_READ)
            conn.selector.register(self._wake_r, selectors.EVENT_READ)
            request = _read_request(conn.sock)
            if request is None or self._stopping.is_set():
                return
            with self._lock:
                self.requests.append(request)
                if self.responder is not None:
                    reply = self.responder(request)
                elif self._replies:
                    reply = self._replies.popleft()
                else:
                    reply = self.fallback or _NO_REPLY
                self._last = conn
            self._send(conn, reply)
        except _Disconnected:
            pass
        except OSError:
            # BrokenPipe / ConnectionReset: the client vanished mid-write.
            self._mark_client_closed(conn)
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.selector.close()
            conn.sock.close()

    def _send(self, conn: _Connection, reply: Reply) -> None:
        sock = conn.sock
        self._pause(conn, reply.head_delay)
        pieces = _encode_body(reply)
        sock.sendall(_head(reply, pieces))
        # Deadlines, not plain sleeps, so a long stream keeps its rate (--rate).
        due = time.monotonic()
        for piece in pieces:
            if reply.delay > 0:
                due += reply.delay
                self._pause_until(conn, due)
            if reply.framing != "chunked":
                sock.sendall(piece)
            elif piece:  # an empty HTTP chunk would end the body early
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        self._pause(conn, reply.stall)
        if reply.reset:
            # SO_LINGER 0 makes close() send RST instead of FIN.
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            return
        if reply.framing == "chunked":
            sock.sendall(b"0\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)
        # Half-closed: wait for the client's FIN so wait_for_disconnect() can tell
        # when the client let go, and so close() never meets unread data (→ RST).
        self._pause(conn, _LINGER_SECONDS)

    def _pause(self, conn: _Connection, seconds: float) -> None:
        if seconds > 0:
            self._pause_until(conn, time.monotonic() + seconds)

    def _pause_until(self, conn: _Connection, deadline: float) -> None:
        """Sleep, watching the socket: raise _Disconnected on client EOF or stop."""
        while (remaining := deadline - time.monotonic()) > 0:
            ready = conn.selector.select(remaining)
            if self._stopping.is_set():
                raise _Disconnected
            if any(key.fileobj is conn.sock for key, _ in ready):
                try:
                    data = conn.sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._mark_client_closed(conn)
                    raise _Disconnected
                # Anything else the client sends after its request is ignored.

    def _mark_client_closed(self, conn: _Connection) -> None:
        with self._changed:
            conn.client_closed = True
            self._changed.notify_all()


# -- request parsing ---------------------------------------------------------------


class _Reader:
    """Buffered reads from a socket; None from a method means EOF came first."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = bytearray()

    def _fill(self) -> bool:
        data = self._sock.recv(65536)
        self._buf += data
        return bool(data)

    def line(self) -> bytes | None:
        while (end := self._buf.find(b"\n")) < 0:
            if len(self._buf) > _MAX_HEAD_BYTES or not self._fill():
                return None
        line = bytes(self._buf[: end + 1])
        del self._buf[: end + 1]
        return line.rstrip(b"\r\n")

    def exact(self, size: int) -> bytes | None:
        while len(self._buf) < size:
            if not self._fill():
                return None
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data


def _read_request(sock: socket.socket) -> RecordedRequest | None:
    sock.settimeout(_REQUEST_TIMEOUT_SECONDS)
    try:
        return _parse_request(_Reader(sock))
    except (TimeoutError, ValueError):
        return None
    finally:
        sock.settimeout(None)


def _parse_request(reader: _Reader) -> RecordedRequest | None:
    request_line = reader.line()
    if not request_line:
        return None
    method, path, _version = request_line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while line := reader.line():
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if line is None:
        return None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    else:
        body = reader.exact(int(headers.get("content-length", "0")))
    if body is None:
        return None
    return RecordedRequest(method=method, path=path, headers=headers, body=body)


def _read_chunked(reader: _Reader) -> bytes | None:
    body = bytearray()
    while True:
        size_line = reader.line()
        if size_line is None:
            return None
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        data = reader.exact(size)
        if data is None or reader.line() is None:
            return None
        body += data
    while reader.line():  # trailers, up to the blank line
        pass
    return bytes(body)


# -- response encoding -------------------------------------------------------------


def _encode_body(reply: Reply) -> list[bytes]:
    """The bytes of each write, before HTTP chunk framing."""
    if not reply.gzip:
        return list(reply.chunks)
    compressor = zlib.compressobj(wbits=31)  # 31 = gzip header and trailer
    pieces = [
        compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
        for chunk in reply.chunks
    ]
    # The gzip trailer rides on the last write so the write count stays the same.
    trailer = compressor.flush()
    if pieces:
        pieces[-1] += trailer
    else:
        pieces.append(trailer)
    return pieces


def _head(reply: Reply, pieces: list[bytes]) -> bytes:
    reason = reply.reason
    if reason is None:
        try:
            reason = http.HTTPStatus(reply.status).phrase
        except ValueError:
            reason = ""
    lines = [f"HTTP/1.1 {reply.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in reply.headers]
    given = {name.lower() for name, _ in reply.headers}

    def add(name: str, value: str) -> None:
        if name.lower() not in given:
            lines.append(f"{name}: {value}")

    if reply.framing == "length":
        add("Content-Length", str(sum(len(piece) for piece in pieces)))
    elif reply.framing == "chunked":
        add("Transfer-Encoding", "chunked")
    if reply.gzip:
        add("Content-Encoding", "gzip")
    add("Connection", "close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- generated benchmark stream ----------------------------------------------------

_MODEL = "deepseek/deepseek-r1-0528"
_PROMPT_TOKENS = 24

_REASONING_SENTENCES = [
    "Okay, the user wants a clear explanation with an example.",
    "Let me think about what they actually need here.",
    "First, I should recall how memoisation works in Python.",
    "Hmm, a table comparing the approaches would help.",
    "Wait, I need to check the complexity of the naive version.",
    "It is exponential, because each call branches twice.",
    "The iterative version is linear and uses constant memory.",
    "I should also mention lru_cache from functools as the idiomatic option.",
    "Let me double-check the edge cases: n equal to zero and one.",
    "The user might also care about very large inputs and recursion limits.",
    "So the answer should have a short overview, a list, code and a table.",
    "Alright, that covers it; now I will structure the reply.",
]

_ANSWER_SENTENCES = [
    "Memoisation stores the result of each call so it is computed only once.",
    "The naive recursive version recomputes the same values many times.",
    "An iterative loop keeps just the last two values in memory.",
    "Python's `functools.lru_cache` adds memoisation with one decorator.",
    "For very large `n`, the recursion limit becomes the real constraint.",
    "Measure before optimising, because the simplest version is often enough.",
    "The trade-off is *memory* for **speed**, which is usually worth it.",
    "See the [functools docs](https://docs.python.org/3/library/functools.html).",
    "Each approach returns the same values, so tests can compare them directly.",
    "Caching also helps when the same inputs repeat across many requests.",
]

_LIST_ITEMS = [
    "**Naive recursion**: simple to read, exponential time.",
    "**Memoised recursion**: linear time, linear memory.",
    "**Iteration**: linear time, constant memory.",
    "**Closed form**: constant time, but floating-point errors creep in.",
    "Use `sys.setrecursionlimit` only as a last resort.",
    "Prefer plain integers; Python's are arbitrary precision.",
]

_CODE_BLOCK = """```python
from functools import lru_cache


@lru_cache(maxsize=None)
def fib(n: int) -> int:
    \"\"\"Return the n-th Fibonacci number.\"\"\"
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fib_iter(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


print([fib(i) for i in range(10)])
```"""

_TABLE = """| Approach | Time | Memory |
|---|---|---|
| Naive recursion | O(2^n) | O(n) |
| `lru_cache` | O(n) | O(n) |
| Iteration | O(n) | O(1) |
| Closed form | O(1) | O(1) |"""


def _sentences(rng: random.Random, pool: list[str], count: int) -> str:
    return " ".join(rng.choice(pool) for _ in range(count))


def _reasoning_source(rng: random.Random, min_chars: int) -> str:
    """Thinking that moves on: each sentence is numbered, as real reasoning does not
    say the same sentence eight times (which `r1`'s loop guard would flag)."""
    parts: list[str] = []
    total = 0
    step = 0
    while total < min_chars:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            step += 1
            sentences.append(f"{rng.choice(_REASONING_SENTENCES)[:-1]} (step {step}).")
        parts.append(" ".join(sentences))
        total += len(parts[-1])
    return "\n\n".join(parts)


def _answer_source(rng: random.Random, min_chars: int) -> str:
    """Markdown: the rich blocks come first so even short answers contain them."""
    blocks = [
        "## Overview",
        _sentences(rng, _ANSWER_SENTENCES, 3),
        "\n".join(f"- {item}" for item in rng.sample(_LIST_ITEMS, 4)),
        "### Example",
        _CODE_BLOCK,
        "### Comparison",
        _TABLE,
    ]
    section = 1
    while sum(len(block) + 2 for block in blocks) < min_chars:
        blocks.append(f"### Notes {section}")
        blocks.append(_sentences(rng, _ANSWER_SENTENCES, rng.randint(2, 5)))
        steps = rng.sample(_LIST_ITEMS, 3)
        blocks.append("\n".join(f"{n}. {item}" for n, item in enumerate(steps, 1)))
        section += 1
    return "\n\n".join(blocks) + "\n"


def _tokenise(text: str) -> list[str]:
    """Split into ~4-character tokens; whitespace leads the word it precedes."""
    tokens: list[str] = []
    for word in re.findall(r"\s*\S+|\s+$", text):
        tokens.extend(word[i : i + 4] for i in range(0, len(word), 4))
    return tokens


def _close_open_fence(tokens: list[str]) -> None:
    """A cut inside the code block would leave a fence open; close it."""
    fences = sum(
        1 for line in "".join(tokens).splitlines() if line.lstrip().startswith("```")
    )
    if tokens and fences % 2:
        tokens[-1] += "\n```\n"


@functools.lru_cache(maxsize=32)
def _generated_tokens(
    tokens: int, reasoning_ratio: float, seed: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(reasoning tokens, answer tokens) of the generated stream."""
    n_reasoning = round(tokens * min(max(reasoning_ratio, 0.0), 1.0))
    n_answer = tokens - n_reasoning
    rng = random.Random(seed)
    reasoning = _tokenise(_reasoning_source(rng, n_reasoning * 5))[:n_reasoning]
    answer = _tokenise(_answer_source(rng, n_answer * 5))[:n_answer]
    _close_open_fence(answer)
    return tuple(reasoning), tuple(answer)


def _chunk(
    seed: int,
    delta: dict[str, Any],
    finish: str | None = None,
    usage: dict[str, Any] | None = None,
) -> bytes:
    """One OpenRouter chat.completion.chunk event."""
    choice = {
        "index": 0,
        "delta": delta,
        "finish_reason": finish,
        "native_finish_reason": finish,
        "logprobs": None,
    }
    payload: dict[str, Any] = {
        "id": f"gen-bench-{seed}",
        "provider": "DeepSeek",
        "model": _MODEL,
        "object": "chat.completion.chunk",
        "created": 1750000000,
        "choices": [choice],
    }
    if usage is not None:
        payload["usage"] = usage
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return b"data: " + data.encode() + b"\n\n"


def generate_stream(
    tokens: int, *, reasoning_ratio: float = 0.5, seed: int = 0
) -> list[bytes]:
    """An OpenRouter-style R1 stream of `tokens` tokens, one event per token.

    Writes: a `: OPENROUTER PROCESSING` comment, round(tokens * reasoning_ratio)
    reasoning events (`reasoning` + `reasoning_details`), the answer's content events
    (Markdown: headings, paragraphs, lists, a python code block, a table), one finish
    chunk (`stop`) carrying usage, then `data: [DONE]` — tokens + 3 writes in all.
    Deterministic for given arguments.
    """
    reasoning, answer = _generated_tokens(tokens, reasoning_ratio, seed)
    writes = [b": OPENROUTER PROCESSING\n\n"]
    for token in reasoning:
        detail = {"type": "reasoning.text", "text": token, "format": "unknown"}
        delta = {"role": "assistant", "content": "", "reasoning": token}
        writes.append(
            _chunk(seed, delta | {"reasoning_details": [detail | {"index": 0}]})
        )
    for token in answer:
        delta = {"role": "assistant", "content": token, "reasoning": None}
        writes.append(_chunk(seed, delta | {"reasoning_details": []}))
    usage = {
        "prompt_tokens": _PROMPT_TOKENS,
        "completion_tokens": tokens,
        "total_tokens": _PROMPT_TOKENS + tokens,
        # Roughly OpenRouter's R1-0528 price: $0.50/M in, $2.15/M out.
        "cost": round(_PROMPT_TOKENS * 0.5e-6 + tokens * 2.15e-6, 10),
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": len(reasoning)},
    }
    delta = {"role": "assistant", "content": "", "reasoning": None}
    writes.append(_chunk(seed, delta, finish="stop", usage=usage))
    writes.append(b"data: [DONE]\n\n")
    return writes


def generated_answer_markdown(
    tokens: int, reasoning_ratio: float = 0.5, seed: int = 0
) -> str:
    """Exactly the answer text `generate_stream` carries (its content deltas joined)."""
    return "".join(_generated_tokens(tokens, reasoning_ratio, seed)[1])


def generated_reasoning(
    tokens: int, reasoning_ratio: float = 0.5, seed: int = 0
) -> str:
    """Exactly the reasoning text `generate_stream` carries."""
    return "".join(_generated_tokens(tokens, reasoning_ratio, seed)[0])


# -- command line ------------------------------------------------------------------


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Serve a scripted provider stream for every request, forever."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--fixture", help="a case name from tests/support/streams.py, e.g. T01"
    )
    source.add_argument("--tokens", type=int, help="generate an R1 stream of N tokens")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="tokens per second (0 = unthrottled)"
    )
    parser.add_argument("--reasoning-ratio", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--delay", type=float, help="override the seconds slept before each write"
    )
    return parser.parse_args(argv)


def _reply_from_args(args: argparse.Namespace) -> Reply:
    if args.fixture is not None:
        from tests.support.streams import CASES

        if args.fixture not in CASES:
            raise SystemExit(f"unknown fixture {args.fixture!r}; know {sorted(CASES)}")
        reply = CASES[args.fixture].reply
    else:
        chunks = generate_stream(
            args.tokens, reasoning_ratio=args.reasoning_ratio, seed=args.seed
        )
        headers = [*_sse_headers(), ("Cache-Control", "no-cache")]
        reply = Reply(headers=headers, chunks=chunks)
        if args.rate > 0:
            reply.delay = 1.0 / args.rate
    if args.delay is not None:
        reply = dataclasses.replace(reply, delay=args.delay)
    return reply


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    reply = _reply_from_args(args)
    with FakeServer(host=args.host, port=args.port) as server:
        server.fallback = reply
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    # Run through the `tests.support` package, not as __main__, so the Reply objects
    # in tests.support.streams and this FakeServer come from one module.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.support import fakeserver

    sys.exit(fakeserver.main())

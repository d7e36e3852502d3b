"""Network trust: proxies, deadlines and bounded reads, against real loopback servers
(issue 10, items 3, 5, 6, 7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1


@pytest.fixture
def ask(run_r1: RunR1, server: FakeServer) -> Any:
    def run(*args: str, env: dict[str, str | None] | None = None, **kw: Any) -> Result:
        full_env: dict[str, str | None] = {"OPENROUTER_API_KEY": CANARY, **(env or {})}
        return run_r1("--base-url", f"{server.url}/api/v1", *args, env=full_env, **kw)

    return run


# -- item 3: loopback never goes through a proxy ------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_base_url_bypasses_the_proxy(
    variable: str, host: str, run_r1: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["direct"])))
    # The "proxy" answers too, so without the fix the run would succeed through it.
    with FakeServer([sse_reply(chat_stream(["via proxy"]))]) as proxy:
        result = run_r1(
            "--base-url",
            f"http://{host}:{server.port}/api/v1",
            "hi",
            env={
                "OPENROUTER_API_KEY": CANARY,
                "NO_PROXY": None,
                "no_proxy": None,
                variable: proxy.url,
            },
        )
        assert proxy.requests == [], "the key crossed the proxy"
    assert result.returncode == 0, result.stderr
    assert result.stdout == "direct\n"
    assert len(server.requests) == 1


# -- item 4: userinfo in the base URL never shows --------------------------------


def test_debug_never_prints_base_url_userinfo(
    run_r1: RunR1, server: FakeServer
) -> None:
    import base64

    server.queue(sse_reply(chat_stream(["ok"])))
    password = "pw-9f8e7d6c5b4a"
    result = run_r1(
        "--debug",
        "--base-url",
        f"http://alice:{password}@127.0.0.1:{server.port}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert "debug: POST http://[REDACTED]@127.0.0.1" in result.stderr
    assert password not in result.stderr and "alice" not in result.stderr
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    assert basic not in result.stderr
    assert len(server.requests) == 1


def test_errors_never_print_base_url_userinfo(run_r1: RunR1) -> None:
    result = run_r1(
        "--base-url",
        "ftp://alice:pw-9f8e7d6c5b4a@example.com/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 3
    assert "pw-9f8e7d6c5b4a" not in result.stderr and "[REDACTED]@" in result.stderr


# -- in-process turns against the fake server --------------------------------------


def gzip_of(*parts: tuple[bytes, int]) -> bytes:
    """gzip of each `piece` repeated `times`, compressed a MiB at a time (cheap)."""
    import zlib

    compressor = zlib.compressobj(wbits=31)
    out = []
    for piece, times in parts:
        block = piece * max(1, (1 << 20) // len(piece))
        whole, rest = divmod(len(piece) * times, len(block))
        for _ in range(whole):
            out.append(compressor.compress(block))
        out.append(compressor.compress(piece * (rest // len(piece))))
    out.append(compressor.flush())
    return b"".join(out)


def make_request(server: FakeServer, **overrides: Any) -> Any:
    from r1cli.config.providers import resolve_provider
    from r1cli.core.messages import Conversation, Message
    from r1cli.core.params import Sampling
    from r1cli.engine.turn import TurnRequest
    from r1cli.wire.transport import NetworkPolicy

    policy = overrides.pop(
        "policy",
        NetworkPolicy(
            connect_timeout=2.0, read_timeout=5.0, max_retries=0, backoff=0.01
        ),
    )
    return TurnRequest(
        spec=resolve_provider("openrouter", base_url=f"{server.url}/api/v1"),
        model="deepseek/deepseek-r1-0528",
        conversation=Conversation(messages=[Message("user", "hi")]),
        sampling=Sampling(),
        key=CANARY,
        policy=policy,
        **{"first_token_timeout": 600.0, **overrides},
    )


class Collect:
    def __init__(self) -> None:
        self.turn: Any = None

    def begin(self, turn: Any) -> None:
        self.turn = turn

    def on_event(self, event: Any, turn: Any) -> None:
        pass

    def end(self, turn: Any) -> None:
        pass


def run(request: Any) -> tuple[Any, Exception | None, float]:
    import time

    from r1cli.engine.turn import run_turn
    from r1cli.errors import R1Error

    sink = Collect()
    started = time.monotonic()
    error: Exception | None = None
    try:
        run_turn(request, [sink])
    except R1Error as exc:
        error = exc
    return sink.turn, error, time.monotonic() - started


# -- item 5: gzip is inflated a bounded piece at a time ------------------------------


def test_gzip_bomb_error_body_is_capped_before_inflating(server: FakeServer) -> None:
    import tracemalloc

    from r1cli.errors import RequestRejected
    from tests.support.fakeserver import Reply

    envelope = b'{"error": {"message": "bad request: try less"}}'
    body = gzip_of((envelope, 1), (b" ", 96 << 20))  # 96 MiB inflated
    assert len(body) < 1 << 20
    server.queue(
        Reply(
            status=400,
            headers=[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            chunks=[body],
            framing="length",
        )
    )
    tracemalloc.start()
    try:
        _, error, _ = run(make_request(server))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, RequestRejected), error
    assert "bad request: try less" in error.message
    assert peak < 16 << 20, f"peak {peak >> 20} MiB while reading a capped error body"


def test_gzip_flood_of_blank_lines_is_a_malformed_stream(server: FakeServer) -> None:
    from r1cli.errors import ProviderFailed
    from tests.support.fakeserver import Reply

    first = b"".join(chat_stream(["partial"], finish=None, done=False))
    body = gzip_of((first, 1), (b"\n", 40 << 20))
    server.queue(
        Reply(
            headers=[
                ("Content-Type", "text/event-stream"),
                ("Content-Encoding", "gzip"),
            ],
            chunks=[body[i : i + 65536] for i in range(0, len(body), 65536)],
        )
    )
    turn, error, elapsed = run(make_request(server))
    assert isinstance(error, ProviderFailed), error
    assert "without a usable event" in error.message
    assert turn.content == "partial"
    assert elapsed < 10, f"{elapsed:.1f} s to give up on blank lines"


def test_first_token_deadline_is_checked_inside_an_inflated_chunk(
    server: FakeServer,
) -> None:
    from r1cli.errors import NetworkError
    from tests.support.fakeserver import Reply

    # One write that inflates to 60 MiB of keep-alive comments, then silence.
    body = gzip_of((b": keep-alive\n\n", (60 << 20) // 14))
    server.queue(
        Reply(
            headers=[
                ("Content-Type", "text/event-stream"),
                ("Content-Encoding", "gzip"),
            ],
            chunks=[body],
            stall=10,
        )
    )
    _, error, elapsed = run(make_request(server, first_token_timeout=0.2))
    assert isinstance(error, NetworkError), error
    assert "no answer" in error.message
    assert elapsed < 1.0, f"the deadline was noticed after {elapsed:.1f} s"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "deflate-raw"])
@pytest.mark.parametrize("read", [1, 7, 4096, 1 << 20])
def test_inflate_round_trips_in_bounded_pieces(coding: str, read: int) -> None:
    import os
    import zlib

    from r1cli.wire.inflate import PIECE, inflate

    data = os.urandom(70_000) + b"\0" * 300_000 + b"end"
    wbits = {"gzip": 31, "deflate": 15, "deflate-raw": -15}[coding]
    compressor = zlib.compressobj(wbits=wbits)
    wire = compressor.compress(data) + compressor.flush()
    pieces = list(
        inflate(
            (wire[i : i + read] for i in range(0, len(wire), read)),
            coding.removesuffix("-raw"),
        )
    )
    assert b"".join(pieces) == data
    assert max(len(p) for p in pieces) <= PIECE


def test_inflate_reports_corrupt_data() -> None:
    from r1cli.wire.inflate import InflateError, inflate

    with pytest.raises(InflateError):
        list(inflate([b"\x1f\x8b\x08\x00garbage-not-deflate"], "gzip"))


# -- item 6: deadlines that keep-alives and trickles cannot defeat -------------------


def keepalives(count: int) -> list[bytes]:
    return [b": OPENROUTER PROCESSING\n\n"] * count


def test_keepalives_after_the_first_token_trip_the_idle_watchdog(
    server: FakeServer,
) -> None:
    from r1cli.errors import NetworkError
    from r1cli.wire.transport import NetworkPolicy

    first = chat_stream(["partial"], finish=None, done=False)
    server.queue(sse_reply(first + keepalives(400), delay=0.02))
    policy = NetworkPolicy(
        connect_timeout=2, read_timeout=0.5, max_retries=0, backoff=0.01
    )
    turn, error, elapsed = run(make_request(server, policy=policy))
    assert isinstance(error, NetworkError), error
    assert "nothing new for 0.5 s" in error.message
    assert turn.content == "partial" and turn.status == "error"
    assert 0.4 < elapsed < 3, elapsed


def test_an_answer_that_keeps_coming_outlasts_the_idle_timeout(
    server: FakeServer,
) -> None:
    from r1cli.wire.transport import NetworkPolicy

    # 1.5 s of tokens, 50 ms apart, with a 0.5 s idle limit: renewed as text comes.
    server.queue(sse_reply(chat_stream(["tick "] * 30), delay=0.05))
    policy = NetworkPolicy(
        connect_timeout=2, read_timeout=0.5, max_retries=0, backoff=0.01
    )
    turn, error, elapsed = run(make_request(server, policy=policy))
    assert error is None, error
    assert turn.content == "tick " * 30 and elapsed > 1.0


def test_keepalives_before_the_first_token_are_waiting(server: FakeServer) -> None:
    from r1cli.wire.transport import NetworkPolicy

    server.queue(sse_reply(keepalives(40) + chat_stream(["late but fine"]), delay=0.02))
    policy = NetworkPolicy(
        connect_timeout=2, read_timeout=0.5, max_retries=0, backoff=0.01
    )
    turn, error, _ = run(make_request(server, policy=policy))
    assert error is None and turn.content == "late but fine"


def test_an_endless_answer_stops_at_the_whole_turn_deadline(
    server: FakeServer,
) -> None:
    from r1cli.errors import NetworkError
    from r1cli.wire.transport import NetworkPolicy

    server.queue(sse_reply(chat_stream(["word "] * 2000, finish=None), delay=0.01))
    policy = NetworkPolicy(
        connect_timeout=2, read_timeout=5, deadline=1.0, max_retries=0, backoff=0.01
    )
    turn, error, elapsed = run(make_request(server, policy=policy))
    assert isinstance(error, NetworkError), error
    assert "1 s deadline" in error.message and "--deadline" in (error.hint or "")
    assert turn.content.startswith("word word ")
    assert 0.9 < elapsed < 3, elapsed


def slowloris(port_box: list[int], stop: Any) -> None:
    """Accept, read the request, then send one header line every 0.1 s forever."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port_box.append(listener.getsockname()[1])
        listener.settimeout(5)
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            count = 0
            while not stop.wait(0.1):
                try:
                    conn.sendall(b"X-Pad-%d: x\r\n" % count)
                except OSError:
                    return
                count += 1


def test_trickled_headers_stop_at_the_header_deadline() -> None:
    import threading
    import time

    from r1cli.config.providers import resolve_provider
    from r1cli.engine.turn import stream_events
    from r1cli.errors import NetworkError
    from r1cli.wire.transport import NetworkPolicy

    port_box: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=slowloris, args=(port_box, stop), daemon=True)
    thread.start()
    while not port_box:
        time.sleep(0.01)
    fake = type("S", (), {"url": f"http://127.0.0.1:{port_box[0]}"})()
    request = make_request(
        fake,
        policy=NetworkPolicy(
            connect_timeout=2, read_timeout=0.8, max_retries=0, backoff=0.01
        ),
    )
    assert request.spec == resolve_provider("openrouter", base_url=f"{fake.url}/api/v1")
    started = time.monotonic()
    try:
        with pytest.raises(
            NetworkError,
            match=r"response headers from 127\.0\.0\.1 within the read timeout \(0\.8 s\)",
        ):
            list(stream_events(request))
    finally:
        stop.set()
        thread.join(2)
    assert time.monotonic() - started < 3


def test_deadline_flag_reaches_the_turn(run_r1: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["tick "] * 1000, finish=None), delay=0.01))
    result = run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "--deadline",
        "1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 6, result.stderr
    assert "after the 1 s deadline" in result.stderr
    assert result.stdout.startswith("tick tick")

"""Tests of the test infrastructure: the fake provider server and the stream catalogue.

Everything goes over a real loopback socket with httpx, the client r1 uses, so these
also pin down how httpx sees each scripted fault.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fakeserver import (
    FakeServer,
    Reply,
    generate_stream,
    generated_answer_markdown,
    generated_reasoning,
)
from tests.support.streams import CASES, Case, single_bytes, split_every

ROOT = Path(__file__).resolve().parents[2]
# One client for the module: building an httpx.Client costs ~70 ms (SSL context).
# Every reply closes its connection, so nothing leaks from one test to the next.
CLIENT = httpx.Client(timeout=5)


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send raw request bytes and return everything the server sends back."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(request)
        received = b""
        while data := sock.recv(65536):
            received += data
    return received


def reads(url: str, *, decoded: bool = False) -> list[bytes]:
    with CLIENT.stream("POST", url, json={}) as response:
        stream = response.iter_bytes() if decoded else response.iter_raw()
        return list(stream)


# -- writes and framing --------------------------------------------------------------


@pytest.mark.parametrize("framing", ["close", "chunked", "length"])
def test_each_chunk_arrives_as_its_own_read(server: FakeServer, framing: Any) -> None:
    chunks = [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n", b"x"]
    server.queue(Reply(chunks=chunks, delay=0.02, framing=framing))
    got = reads(server.url)
    assert b"".join(got) == b"".join(chunks)
    assert len(got) >= len(chunks)


def test_length_and_chunked_framing_headers(server: FakeServer) -> None:
    server.queue(
        Reply(chunks=[b"ab", b"cd"], framing="length"),
        Reply(chunks=[b"ab", b"", b"cd"], framing="chunked"),
        Reply(chunks=[b"ab", b"cd"]),
    )
    length = CLIENT.get(server.url)
    assert length.headers["content-length"] == "4"
    assert length.content == b"abcd"
    chunked = CLIENT.get(server.url)
    assert chunked.headers["transfer-encoding"] == "chunked"
    assert chunked.content == b"abcd"  # the empty write did not end the body early
    close = CLIENT.get(server.url)
    assert "content-length" not in close.headers
    assert "transfer-encoding" not in close.headers
    assert close.content == b"abcd"


def test_status_line_and_headers_exactly_as_given(server: FakeServer) -> None:
    server.queue(
        Reply(
            status=529,
            reason="",
            headers=[("content-type", "application/json"), ("X-Odd-Case", "a  b")],
            chunks=[b"{}"],
            framing="length",
        )
    )
    head = raw_exchange(server.url, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").split(
        b"\r\n\r\n"
    )[0]
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 529 ",
        b"content-type: application/json",
        b"X-Odd-Case: a  b",
        b"Content-Length: 2",
        b"Connection: close",
    ]


def test_httpx_accepts_empty_reason_phrase(server: FakeServer) -> None:
    server.queue(CASES["T32"].reply, Reply(status=404), Reply(status=599))
    overloaded = CLIENT.get(server.url)
    assert overloaded.status_code == 529
    assert overloaded.reason_phrase == ""
    assert overloaded.json()["error"]["message"] == "Overloaded"
    assert overloaded.headers["request-id"] == "req_018EeWyXxfu5pfWkrYcMdjWG"
    assert CLIENT.get(server.url).reason_phrase == "Not Found"
    assert CLIENT.get(server.url).status_code == 599  # unknown code, no phrase


def test_given_framing_headers_are_not_overridden(server: FakeServer) -> None:
    lying = Reply(headers=[("Content-Length", "99")], chunks=[b"short"])
    server.queue(lying)
    with pytest.raises(httpx.RemoteProtocolError):
        CLIENT.get(server.url)


# -- request recording ---------------------------------------------------------------


def test_records_method_path_headers_and_json_body(server: FakeServer) -> None:
    server.queue(Reply(chunks=[b"data: [DONE]\n\n"]))
    body = {"model": "deepseek/deepseek-r1-0528", "stream": True, "text": "é"}
    response = CLIENT.post(
        server.url + "/api/v1/chat/completions?x=1",
        json=body,
        headers={"Authorization": "Bearer k", "X-Title": "r1"},
    )
    assert response.text == "data: [DONE]\n\n"
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/api/v1/chat/completions?x=1"
    assert request.headers["authorization"] == "Bearer k"
    assert request.headers["x-title"] == "r1"
    assert request.json() == body


def test_records_chunked_request_body(server: FakeServer) -> None:
    server.queue(Reply(status=204, headers=[]))

    def parts() -> Iterator[bytes]:
        yield b'{"a": '
        yield b"[1, 2]}"

    response = CLIENT.post(server.url, content=parts())
    assert response.status_code == 204
    [request] = server.requests
    assert request.headers["transfer-encoding"] == "chunked"
    assert request.json() == {"a": [1, 2]}


def test_empty_queue_answers_500(server: FakeServer) -> None:
    response = CLIENT.get(server.url)
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "fake server: no reply queued"
    assert len(server.requests) == 1


def test_replies_are_served_in_order(server: FakeServer) -> None:
    server.queue(Reply(chunks=[b"1"]), Reply(chunks=[b"2"]))
    server.queue(Reply(chunks=[b"3"]))
    assert [CLIENT.get(server.url).text for _ in range(3)] == ["1", "2", "3"]


def test_constructor_replies_and_concurrent_connections() -> None:
    slow = Reply(chunks=[b"a", b"b"], delay=0.1)
    with FakeServer([slow, slow, slow]) as server:
        results: list[str] = []

        def fetch() -> None:
            results.append(CLIENT.get(server.url).text)

        threads = [threading.Thread(target=fetch) for _ in range(3)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == ["ab"] * 3
        # Served side by side, not one after the other (3 × 0.2 s).
        assert time.monotonic() - started < 0.5


# -- encodings and faults ------------------------------------------------------------


@pytest.mark.parametrize("framing", ["close", "chunked", "length"])
def test_gzip_is_incremental_and_decodes(server: FakeServer, framing: Any) -> None:
    plain = [b"data: first\n\n", b"data: second\n\n", b"data: [DONE]\n\n"]
    reply = Reply(chunks=plain, gzip=True, delay=0.02, framing=framing)
    server.queue(reply, reply)
    raw = reads(server.url)
    assert len(raw) >= len(plain)
    # Each write is decodable on its own: the sync flush carried that chunk.
    decoder = zlib.decompressobj(wbits=31)
    assert decoder.decompress(raw[0]) == plain[0]
    assert b"".join(reads(server.url, decoded=True)) == b"".join(plain)


def test_reset_raises_after_the_data(server: FakeServer) -> None:
    server.queue(Reply(chunks=[b"data: partial\n\n"], reset=True))
    got = b""
    with (
        pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)),
        CLIENT.stream("GET", server.url) as response,
    ):
        for data in response.iter_raw():
            got += data
    assert got == b"data: partial\n\n"


def test_stall_triggers_read_timeout(server: FakeServer) -> None:
    server.queue(Reply(chunks=[b"data: a\n\n"], stall=5))
    timeout = httpx.Timeout(2, read=0.2)
    started = time.monotonic()
    got = b""
    with (
        pytest.raises(httpx.ReadTimeout),
        CLIENT.stream("GET", server.url, timeout=timeout) as response,
    ):
        for data in response.iter_raw():
            got += data
    assert got == b"data: a\n\n"
    assert time.monotonic() - started < 1


def test_head_delay_triggers_read_timeout(server: FakeServer) -> None:
    server.queue(Reply(head_delay=5))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        CLIENT.get(server.url, timeout=httpx.Timeout(2, read=0.2))
    assert time.monotonic() - started < 1


def test_head_delay_then_reply(server: FakeServer) -> None:
    server.queue(Reply(head_delay=0.1, chunks=[b"late"]))
    started = time.monotonic()
    assert CLIENT.get(server.url).text == "late"
    assert time.monotonic() - started >= 0.1


def test_wait_for_disconnect_sees_client_close_mid_stall(server: FakeServer) -> None:
    server.queue(Reply(chunks=[b"data: a\n\n"], stall=10))
    assert not server.wait_for_disconnect(0.01)  # nothing served yet
    with CLIENT.stream("GET", server.url) as response:
        # Keep the iterator: a dropped generator closes the connection at once.
        raw = response.iter_raw()
        next(raw)
        assert not server.wait_for_disconnect(0.05)  # still connected
    closed_at = time.monotonic()
    assert server.wait_for_disconnect(1)
    assert time.monotonic() - closed_at < 0.5


def test_wait_for_disconnect_sees_client_close_between_delayed_chunks(
    server: FakeServer,
) -> None:
    server.queue(Reply(chunks=[b"a"] * 100, delay=0.05))
    with CLIENT.stream("GET", server.url) as response:
        next(response.iter_raw())
    assert server.wait_for_disconnect(0.5)


def test_exit_is_prompt_with_stalled_clients() -> None:
    def client(url: str) -> None:
        with contextlib.suppress(httpx.HTTPError), CLIENT.stream("GET", url) as resp:
            for _ in resp.iter_raw():
                pass

    server = FakeServer(
        [
            Reply(chunks=[b"data: a\n\n"], stall=30),  # stalling after the body
            Reply(head_delay=30),  # stalling before the head
            Reply(chunks=[b"x" * 1_000_000] * 20),  # blocked in sendall
        ]
    )
    with server:
        threads = [
            threading.Thread(target=client, args=(server.url,), daemon=True)
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        address = ("127.0.0.1", server.port)
        # Sends its request, then never reads the 20 MB answer.
        deaf = socket.create_connection(address)
        deaf.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        # Connects but never sends a request.
        mute = socket.create_connection(address)
        deadline = time.monotonic() + 2
        while len(server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(server.requests) == 3
        started = time.monotonic()
    assert time.monotonic() - started < 1
    deaf.close()
    mute.close()
    for thread in threads:
        thread.join(2)
        assert not thread.is_alive()


def test_client_vanishing_mid_write_does_not_break_the_server(
    server: FakeServer,
) -> None:
    server.queue(Reply(chunks=[b"x" * 100_000] * 50), Reply(chunks=[b"ok"]))
    with CLIENT.stream("GET", server.url) as response:
        next(response.iter_raw())
    assert server.wait_for_disconnect(1)
    assert CLIENT.get(server.url).text == "ok"


# -- the generated benchmark stream --------------------------------------------------


def sse_payloads(body: bytes) -> list[str]:
    """The data payloads of a well-formed LF-only SSE body (comments skipped)."""
    payloads = []
    for event in body.decode().split("\n\n"):
        data = [line[6:] for line in event.split("\n") if line.startswith("data: ")]
        if data:
            payloads.append("\n".join(data))
    return payloads


@pytest.mark.parametrize(
    ("tokens", "ratio", "seed"),
    [(2000, 0.5, 0), (300, 0.2, 7), (37, 0.5, 1), (0, 0.5, 0)],
)
def test_generated_stream_matches_its_answer(
    tokens: int, ratio: float, seed: int
) -> None:
    writes = generate_stream(tokens, reasoning_ratio=ratio, seed=seed)
    assert len(writes) == tokens + 3
    assert all(w.endswith(b"\n\n") for w in writes)
    payloads = sse_payloads(b"".join(writes))
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    content = "".join(d["content"] for d in deltas)
    reasoning = "".join(d.get("reasoning") or "" for d in deltas)
    answer = generated_answer_markdown(tokens, ratio, seed)
    assert content == answer
    assert reasoning == generated_reasoning(tokens, ratio, seed)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens"] == tokens
    n_reasoning = round(tokens * ratio)
    assert usage["completion_tokens_details"]["reasoning_tokens"] == n_reasoning
    assert sum(1 for d in deltas if d.get("reasoning")) == n_reasoning
    assert sum(1 for d in deltas if d["content"]) == tokens - n_reasoning
    fences = [ln for ln in answer.splitlines() if ln.startswith("```")]
    assert len(fences) % 2 == 0  # a cut never leaves a code block open
    assert generate_stream(tokens, reasoning_ratio=ratio, seed=seed) == writes


def test_generated_answer_is_rich_markdown() -> None:
    answer = generated_answer_markdown(2000, 0.5, 0)
    for marker in ("## ", "### ", "\n- ", "\n1. ", "```python\n", "| Approach |"):
        assert marker in answer
    tokens = 1000
    text = generated_answer_markdown(tokens * 2, 0.5, 3)
    assert 3 <= len(text) / tokens <= 5  # ~4 characters per token
    assert generated_answer_markdown(200, 0.5, 1) != generated_answer_markdown(
        200, 0.5, 2
    )


# -- command-line mode ---------------------------------------------------------------


def run_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "tests/support/fakeserver.py", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
    return proc, url


def test_cli_serves_a_fixture_for_every_request() -> None:
    proc, url = run_cli("--fixture", "T01")
    try:
        for _ in range(2):
            response = CLIENT.post(url + "/v1/chat/completions", json={}, timeout=5)
            assert response.status_code == 200
            assert response.content == b"".join(CASES["T01"].reply.chunks)
    finally:
        proc.terminate()
        proc.wait(5)


def test_cli_serves_a_generated_stream() -> None:
    proc, url = run_cli("--tokens", "50", "--rate", "1000", "--reasoning-ratio", "0.4")
    try:
        response = CLIENT.post(url, json={}, timeout=5)
        assert response.content == b"".join(generate_stream(50, reasoning_ratio=0.4))
    finally:
        proc.terminate()
        proc.wait(5)


# -- the catalogue -------------------------------------------------------------------


def test_catalogue_shape() -> None:
    assert {"T01", "T03b", "T21", "T23b", "T27c", "T28c", "T33", "T39"} <= set(CASES)
    assert "T38" not in CASES
    for name, case in CASES.items():
        assert case.name == name
        assert re.fullmatch(r"T\d\d[a-c]?", name)
        assert case.dialect in {"openai", "anthropic"}
        assert case.expect.exit_code in {0, 4, 5, 6}
        # A turn has a finish reason exactly when it succeeds.
        assert (case.expect.finish is None) == (case.expect.exit_code != 0)
        if case.reply.status != 200:
            assert case.reply.framing == "length"
        assert all(isinstance(chunk, bytes) for chunk in case.reply.chunks)


@pytest.mark.parametrize("name", sorted(CASES))
def test_catalogue_bodies_survive_the_wire(server: FakeServer, name: str) -> None:
    case = CASES[name]
    server.queue(case.reply)
    body = b""
    try:
        with CLIENT.stream("POST", server.url, json={}) as response:
            assert response.status_code == case.reply.status
            for data in response.iter_bytes():
                body += data
    except httpx.ReadError:
        assert case.reply.reset
    assert body == b"".join(case.reply.chunks)


def reference_text(case: Case) -> tuple[str, str]:
    """(reasoning, content) by a lenient reference reading of an OpenAI-style body.

    Only a cross-check of the catalogue's own expectations, not a parser to copy.
    """
    text = b"".join(case.reply.chunks).decode("utf-8", "replace").lstrip("\ufeff")
    payloads: list[str] = []
    data: list[str] = []
    for line in [*re.split(r"\r\n|\r|\n", text), ""]:
        if line.startswith("data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(" ") else value)
        elif not line and data:
            payloads.append("\n".join(data))
            data = []
    reasoning, content = "", ""
    for payload in payloads:
        try:
            chunks = [json.loads(payload)]
        except json.JSONDecodeError:
            try:  # T12: events without blank lines between them
                lines = [p for p in payload.split("\n") if p != "[DONE]"]
                chunks = [json.loads(line) for line in lines]
            except json.JSONDecodeError:  # T21: half a JSON line at EOF
                continue
        for chunk in chunks:
            for choice in chunk.get("choices") or []:
                delta = choice["delta"]
                content += delta.get("content") or ""
                reasoning += (
                    delta.get("reasoning") or delta.get("reasoning_content") or ""
                )
    return reasoning, content


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, case in CASES.items()
        if case.dialect == "openai"
        and not case.think_tags
        and case.reply.status == 200
        and not case.reply.gzip
        and name not in {"T04", "T27", "T27b", "T27c"}
    ),
)
def test_catalogue_expectations_agree_with_the_bytes(name: str) -> None:
    case = CASES[name]
    assert reference_text(case) == (case.expect.reasoning, case.expect.content)


def test_split_helpers() -> None:
    chunks = CASES["T14"].reply.chunks
    body = b"".join(chunks)
    for offset in (0, 1, 40, len(body)):
        parts = split_every(chunks, offset)
        assert len(parts) == 2
        assert parts[0] == body[:offset]
        assert b"".join(parts) == body
    assert len(single_bytes(chunks)) == len(body)
    assert all(len(b) == 1 for b in single_bytes(chunks))
    assert b"".join(single_bytes(chunks)) == body

"""Inputs are bounded and validated before any request (issue 10, items 8 and 9)."""

from __future__ import annotations

import os
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.engine.prompt import MAX_ATTACHMENT_BYTES, read_attachment
from r1cli.errors import UsageError
from tests.conftest import CANARY, RunR1, chat_stream, sse_reply
from tests.fakeserver import FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer([sse_reply(chat_stream(["ok"]))]) as fake:
        yield fake


# -- item 8: -f is size-checked before it is read ------------------------------------


def test_sparse_big_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(64 << 20)  # sparse: 64 MiB that cost no disk
    tracemalloc.start()
    try:
        with pytest.raises(UsageError, match="larger than 2048 KiB"):
            read_attachment(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"peak {peak >> 20} MiB to refuse a file by its size"


def test_endless_device_is_read_only_up_to_the_limit() -> None:
    with pytest.raises(UsageError, match="larger than"):
        read_attachment(Path("/dev/zero"))


def test_fifo_within_the_limit_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    text = "from a pipe\n" * 1000

    def write() -> None:
        with fifo.open("w") as handle:
            handle.write(text)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert read_attachment(fifo) == text
    finally:
        writer.join(5)


def test_fifo_over_the_limit_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        try:
            with fifo.open("wb") as handle:
                handle.write(b"x" * (MAX_ATTACHMENT_BYTES + 4096))
        except BrokenPipeError:
            pass  # the reader stopped at the limit, as it should

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with pytest.raises(UsageError, match="larger than"):
            read_attachment(fifo)
    finally:
        writer.join(5)


def test_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        read_attachment(tmp_path)


def test_cli_dev_zero_is_a_usage_error(run_r1: RunR1, server: FakeServer) -> None:
    result = run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "-f",
        "/dev/zero",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 2, result.stderr
    assert "/dev/zero is larger than" in result.stderr
    assert server.requests == []

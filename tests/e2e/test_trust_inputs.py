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
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1


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


# -- item 9: settings, config files and parameters are validated up front ------------


def write_config(home: Path, text: str | bytes) -> Path:
    (home / "config").mkdir(parents=True, exist_ok=True)
    path = home / "config" / "config.toml"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def ask_fake(run_r1: RunR1, server: FakeServer, *args: str) -> object:
    return run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e308", "-inf"])
def test_bad_timeout_in_config_is_a_config_error(
    value: str, run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    path = write_config(r1_home, f"timeout = {value}\n")
    result = ask_fake(run_r1, server)
    assert result.returncode == 3, result.stderr  # type: ignore[attr-defined]
    errors = result.error_lines()  # type: ignore[attr-defined]
    assert len(errors) == 1 and f"{path}: timeout must be" in errors[0]
    assert server.requests == []


@pytest.mark.parametrize("flag", ["--timeout", "--deadline"])
@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "1e308"])
def test_bad_seconds_flag_is_a_usage_error(
    flag: str, value: str, run_r1: RunR1, server: FakeServer
) -> None:
    result = ask_fake(run_r1, server, flag, value)
    assert result.returncode == 2, result.stderr  # type: ignore[attr-defined]
    assert f"error: {flag} must be" in result.stderr  # type: ignore[attr-defined]
    assert server.requests == []


def test_bad_timeout_in_environment_names_the_variable(
    run_r1: RunR1, server: FakeServer
) -> None:
    result = run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY, "R1CLI_TIMEOUT": "nan"},
    )
    assert result.returncode == 3
    assert "error: $R1CLI_TIMEOUT must be" in result.stderr


def test_config_with_invalid_utf8_is_a_config_error(
    run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    path = write_config(r1_home, b'system = "caf\xe9"\n')
    result = ask_fake(run_r1, server)
    assert result.returncode == 3, result.stderr  # type: ignore[attr-defined]
    assert f"error: {path} is not valid UTF-8" in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "value", ['"a\\r\\nX-Injected: 1"', '"a\\nb"', '"nul\\u0000"', '"caf\\u00e9"']
)
def test_unsendable_provider_header_is_a_config_error(
    value: str, run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    write_config(r1_home, f"[providers.openrouter.headers]\nX-Title = {value}\n")
    result = ask_fake(run_r1, server)
    assert result.returncode == 3, result.stderr  # type: ignore[attr-defined]
    assert "providers.openrouter.headers.X-Title" in result.stderr  # type: ignore[attr-defined]
    assert server.requests == []


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--max-tokens", "0"),
        ("--max-tokens", "-5"),
        ("--temperature", "2.5"),
        ("--temperature", "-0.1"),
        ("--temperature", "nan"),
        ("--top-p", "1.5"),
        ("--min-p", "-1"),
        ("--top-k", "-1"),
        ("--frequency-penalty", "3"),
        ("--presence-penalty", "-2.5"),
        ("--repetition-penalty", "inf"),
        ("--reasoning-max-tokens", "0"),
    ],
)
def test_parameter_out_of_range_is_a_usage_error_naming_the_flag(
    flag: str, value: str, run_r1: RunR1, server: FakeServer
) -> None:
    result = ask_fake(run_r1, server, flag, value)
    assert result.returncode == 2, result.stderr  # type: ignore[attr-defined]
    errors = result.error_lines()  # type: ignore[attr-defined]
    assert len(errors) == 1 and errors[0].startswith(f"error: {flag} must be")
    assert server.requests == []


def test_parameters_at_the_edges_are_accepted() -> None:
    from r1cli.core.params import Sampling, validate_sampling

    validate_sampling(
        Sampling(
            temperature=2.0,
            top_p=0.0,
            top_k=0,
            min_p=1.0,
            max_tokens=1,
            frequency_penalty=-2.0,
            presence_penalty=2.0,
            repetition_penalty=0.0,
            seed=-7,
        )
    )

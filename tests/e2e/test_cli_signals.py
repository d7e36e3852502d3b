"""Ctrl-C, SIGTERM and a closed output pipe in the middle of an answer (docs/reliability.md
§4 D: P01, P02, P04, P05).

The fake provider streams part of an answer and then goes silent; the test waits until
that part is on r1's stdout, sends the signal, and checks that the process died *by*
the signal (so a calling shell loop stops), that the server saw the connection close,
and that the partial answer is in the history database marked interrupted.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.canary import CANARY, assert_no_canary, home_files_except_keys
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, json_reply, sse_reply
from tests.support.runner import ROOT

PARTIAL = "Hello partial"


def stalling_reply(stall: float = 30.0) -> object:
    """Part of an answer, then silence (no finish) for `stall` seconds."""
    return sse_reply(
        chat_stream(["Hello ", "partial"], finish=None, done=False), stall=stall
    )


def r1_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see conftest.run_r1
    env["OPENROUTER_API_KEY"] = CANARY
    env["PYTHONPATH"] = str(ROOT)
    return env


def r1_command(server: FakeServer, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "r1cli",
        "--base-url",
        f"{server.url}/api/v1",
        *args,
    ]


def start(argv: list[str], **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=r1_env(),
        **kw,  # type: ignore[arg-type]
    )


def read_until(
    proc: subprocess.Popen[bytes], needle: bytes, timeout: float = 15
) -> bytes:
    """Read stdout until `needle` has arrived; returns what was read."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {needle!r}; got {seen!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            data = os.read(fd, 65536)
            assert data, f"stdout closed before {needle!r}; got {seen!r}"
            seen += data
    return seen


def finish(proc: subprocess.Popen[bytes], seen: bytes) -> tuple[bytes, str]:
    """Wait for the process; all of stdout (with what was read before) and stderr."""
    out, err = proc.communicate(timeout=10)
    return seen + out, err.decode("utf-8", "replace")


def wait_for_requests(server: FakeServer, count: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while len(server.requests) < count:
        assert time.monotonic() < deadline, "the request never arrived"
        time.sleep(0.01)


def child_of(pid: int, timeout: float = 5) -> int:
    """The pid of the (single) child process of `pid`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may hold spaces.
            fields = stat.rpartition(")")[2].split()
            if int(fields[1]) == pid:
                return int(entry.name)
        time.sleep(0.01)
    raise AssertionError(f"process {pid} has no child")


def assert_interrupted_in_history(home: Path, content: str = PARTIAL) -> None:
    rows = history_rows(home)
    assert [row["status"] for row in rows] == ["interrupted"]
    assert rows[0]["content"] == content


def assert_clean(home: Path, *outputs: bytes | str) -> None:
    assert_no_canary(*outputs, *home_files_except_keys(home))
    for output in outputs:
        text = output if isinstance(output, str) else output.decode("utf-8", "replace")
        assert "Traceback" not in text


# -- SIGINT (Ctrl-C) ---------------------------------------------------------------------


def test_sigint_mid_stream_keeps_the_partial_and_dies_by_sigint(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(stalling_reply())
    proc = start(r1_command(server, "hi"))
    seen = read_until(proc, PARTIAL.encode())
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, seen)
    assert proc.returncode == -signal.SIGINT
    assert out.startswith(PARTIAL.encode())
    assert server.wait_for_disconnect(2), "the connection was left open"
    assert "interrupted" in err
    saved = [line for line in err.splitlines() if line.startswith("saved:")]
    assert len(saved) == 1
    assert f"({len(PARTIAL)} chars)" in saved[0] and "interrupted" in saved[0]
    assert_interrupted_in_history(r1_home)
    assert_clean(r1_home, out, err)


def test_sigint_shows_as_130_in_the_shell(server: FakeServer, r1_home: Path) -> None:
    server.queue(stalling_reply())
    script = shlex.join(r1_command(server, "hi")) + '; echo "rc=$?"'
    proc = start(["bash", "-c", script])
    seen = read_until(proc, PARTIAL.encode())
    os.kill(child_of(proc.pid), signal.SIGINT)
    out, err = finish(proc, seen)
    assert proc.returncode == 0
    assert out.decode().splitlines()[-1] == "rc=130"
    assert_interrupted_in_history(r1_home)
    assert_clean(r1_home, out, err)


def test_ctrl_c_stops_a_shell_loop(server: FakeServer, r1_home: Path) -> None:
    """Ctrl-C at a terminal signals the whole foreground process group: the loop must
    stop, which bash does only when its child died by SIGINT."""
    server.queue(stalling_reply(), sse_reply(chat_stream(["second run"])))
    command = shlex.join(r1_command(server, "hi"))
    script = f"for i in 1 2; do {command}; done; echo after-loop"
    proc = start(["bash", "-c", script], start_new_session=True)
    seen = read_until(proc, PARTIAL.encode())
    os.killpg(proc.pid, signal.SIGINT)
    out, err = finish(proc, seen)
    assert b"after-loop" not in out
    assert b"second run" not in out
    assert len(server.requests) == 1
    assert proc.returncode == -signal.SIGINT
    assert_clean(r1_home, out, err)


def test_sigint_in_json_mode_ends_with_an_error_line(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(stalling_reply())
    proc = start(r1_command(server, "--json", "hi"))
    seen = read_until(proc, b'"partial"}\n')
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, seen)
    assert proc.returncode == -signal.SIGINT
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert lines[:2] == [
        {"type": "content", "text": "Hello "},
        {"type": "content", "text": "partial"},
    ]
    assert lines[-1] == {"type": "error", "message": "interrupted", "exit_code": 130}
    assert_clean(r1_home, out, err)


def test_sigint_while_waiting_for_headers_is_immediate(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply([], head_delay=30))
    proc = start(r1_command(server, "hi"))
    wait_for_requests(server, 1)
    time.sleep(0.1)  # let r1 block in the read
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, b"")
    assert time.monotonic() - sent < 2  # not after the 300 s read timeout
    assert proc.returncode == -signal.SIGINT
    assert out == b""
    assert server.wait_for_disconnect(2)
    assert "streaming" not in [row["status"] for row in history_rows(r1_home)]
    assert_clean(r1_home, out, err)


def test_sigint_during_retry_backoff_is_immediate(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(json_reply(503, {"error": "busy"}), sse_reply(chat_stream(["late"])))
    env = r1_env() | {"R1CLI_RETRY_BACKOFF": "30"}
    proc = subprocess.Popen(
        r1_command(server, "hi"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    wait_for_requests(server, 1)
    assert proc.stderr is not None
    select.select([proc.stderr.fileno()], [], [], 10)  # the "retrying" warning
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc, b"")
    assert time.monotonic() - sent < 2
    assert proc.returncode == -signal.SIGINT
    assert "retrying" in err
    assert len(server.requests) == 1
    assert "streaming" not in [row["status"] for row in history_rows(r1_home)]
    assert_clean(r1_home, out, err)


# -- SIGTERM -----------------------------------------------------------------------------


def test_sigterm_mid_stream_saves_and_dies_by_sigterm(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(stalling_reply())
    proc = start(r1_command(server, "hi"))
    seen = read_until(proc, PARTIAL.encode())
    proc.send_signal(signal.SIGTERM)
    out, err = finish(proc, seen)
    assert proc.returncode == -signal.SIGTERM
    assert out.startswith(PARTIAL.encode())
    assert server.wait_for_disconnect(2)
    assert_interrupted_in_history(r1_home)
    assert_clean(r1_home, out, err)


def test_sigterm_shows_as_143_in_the_shell(server: FakeServer, r1_home: Path) -> None:
    server.queue(stalling_reply())
    script = shlex.join(r1_command(server, "hi")) + '; echo "rc=$?"'
    proc = start(["bash", "-c", script])
    seen = read_until(proc, PARTIAL.encode())
    os.kill(child_of(proc.pid), signal.SIGTERM)
    out, err = finish(proc, seen)
    assert out.decode().splitlines()[-1] == "rc=143"
    assert_clean(r1_home, out, err)


# -- SIGPIPE (`| head`) ------------------------------------------------------------------


def test_closed_pipe_is_quiet_and_exits_141(server: FakeServer, r1_home: Path) -> None:
    first = chat_stream(["Hello world, "], finish=None, done=False)
    # The rest arrives after `head` has gone, so r1's next write meets a closed pipe.
    rest = chat_stream([f"more text {i} " for i in range(6)])
    server.queue(sse_reply(first + rest, delay=0.25))
    command = shlex.join(r1_command(server, "hi"))
    script = f'{command} | head -c 5; ps=${{PIPESTATUS[0]}}; echo; echo "ps=$ps"'
    proc = subprocess.run(
        ["bash", "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=r1_env(),
        timeout=20,
    )
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == "Hello"
    assert lines[-1] == "ps=141"
    assert proc.stderr == b""  # no traceback, no "Broken pipe" message
    assert server.wait_for_disconnect(2)
    rows = history_rows(r1_home)
    assert [row["status"] for row in rows] == ["interrupted"]
    assert rows[0]["error"] == "output closed"
    assert str(rows[0]["content"]).startswith("Hello world, ")
    assert_clean(r1_home, proc.stdout, proc.stderr)

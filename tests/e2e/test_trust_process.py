"""Trust fixes that are about a real process or terminal (issue 10): SIGHUP saves the
partial answer, a full stdout is one clear error, an ASCII terminal degrades."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli_signals import (
    PARTIAL,
    assert_clean,
    assert_interrupted_in_history,
    finish,
    r1_command,
    r1_env,
    read_until,
    stalling_reply,
    start,
)
from tests.e2e.test_tty_render import Terminal, pty_env, r1_argv, run_pty
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply


def test_sighup_mid_stream_saves_the_partial_and_dies_by_sighup(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(stalling_reply())
    proc = start(r1_command(server, "hi"))
    seen = read_until(proc, PARTIAL.encode())
    proc.send_signal(signal.SIGHUP)
    out, err = finish(proc, seen)
    assert proc.returncode == -signal.SIGHUP
    assert server.wait_for_disconnect(2), "the connection was left open"
    saved = [line for line in err.splitlines() if line.startswith("saved:")]
    assert len(saved) == 1 and "interrupted" in saved[0], err
    assert_interrupted_in_history(r1_home)
    assert_clean(r1_home, out, err)


def test_a_full_stdout_is_one_clear_error_and_the_answer_is_kept(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply(chat_stream(["Hello ", "world"])))
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            r1_command(server, "hi"),
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env=r1_env(),
            timeout=20,
        )
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert err.splitlines()[0] == (
        "error: cannot write the answer: No space left on device"
    )
    assert "Traceback" not in err and "internal error" not in err
    rows = history_rows(r1_home)
    assert rows[0]["status"] == "error"
    assert rows[0]["content"].startswith("Hello")


@pytest.mark.pty
@pytest.mark.parametrize("variable", ["PYTHONIOENCODING", "LANG"])
def test_an_ascii_terminal_degrades_instead_of_failing(
    server: FakeServer, variable: str
) -> None:
    server.queue(sse_reply(chat_stream(["café ✓ done"])))
    env = pty_env(R1CLI_API_KEY="x")
    if variable == "LANG":
        env |= {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}
        env.pop("PYTHONIOENCODING", None)
    else:
        env["PYTHONIOENCODING"] = "ascii"
    data, status = run_pty(r1_argv(server), 24, 80, env=env)
    assert status == 0, data[-2000:]
    screen = "\n".join(Terminal(24, 80).feed(data).lines())
    assert "caf? ? done" in screen, screen

"""The loop guard end to end: a scripted looping R1 stream from the fake server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1

LOOP = (
    "Wait, let me reconsider the problem from the start. The user asks for the "
    "number of ways to tile the board. But wait, maybe I misread the question. "
)


def looping(server: FakeServer) -> None:
    reasoning = ["Okay, a 2 by 8 board. "] + [LOOP] * 60
    server.queue(sse_reply(chat_stream(["34 ways."], reasoning)))


def ask(call_r1: RunR1, server: FakeServer, *args: str) -> tuple[int, str, str]:
    result = call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        "tile it",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    return result.returncode, result.stdout, result.stderr


def test_by_default_a_loop_is_warned_about_and_the_answer_goes_on(
    call_r1: RunR1, server: FakeServer
) -> None:
    looping(server)
    code, out, err = ask(call_r1, server)
    assert code == 0 and out == "34 ways.\n"
    assert err.startswith("warning: the reasoning is repeating itself (“wait let me")


def test_loop_guard_stop_ends_the_stream_and_says_so(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    looping(server)
    code, out, err = ask(call_r1, server, "--loop-guard", "stop")
    assert code == 5
    lines = err.splitlines()
    assert lines[0].startswith("error: stopped: the reasoning is repeating itself")
    assert lines[-1].startswith("hint: ask again, lower the temperature")
    assert out == ""
    (row,) = history_rows(r1_home)
    assert row["status"] == "interrupted"
    assert str(row["error"]).startswith("stopped: the reasoning is repeating")
    assert 0 < len(str(row["reasoning"])) < 60 * len(LOOP)


@pytest.mark.parametrize("how", ["flag", "config"])
def test_loop_guard_off_says_nothing(
    call_r1: RunR1, server: FakeServer, r1_home: Path, how: str
) -> None:
    looping(server)
    args: tuple[str, ...] = ("--loop-guard", "off")
    if how == "config":
        config = r1_home / "config" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('loop_guard = "off"\n')
        args = ()
    code, out, err = ask(call_r1, server, *args)
    assert (code, out, err) == (0, "34 ways.\n", "")


def test_loop_guard_stop_from_config(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('loop_guard = "stop"\n')
    looping(server)
    assert ask(call_r1, server)[0] == 5
    config.write_text('loop_guard = "sometimes"\n')
    code, _, err = ask(call_r1, server)
    assert code == 3 and "loop_guard must be one of off, warn, stop" in err

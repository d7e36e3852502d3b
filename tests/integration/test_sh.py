"""`r1 sh PROMPT…` without a terminal (in-process, stdin/stdout/stderr are files):
the command is printed and never run unless `--yes`; with `--yes` it runs in $SHELL
and its status is r1's. The terminal dialogue is in tests/e2e/test_sh_pty.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from r1cli.cli.sh import NOT_CONFIRMED, command_from_answer
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1


def sh(
    call_r1: RunR1, server: FakeServer, answer: str, *args: str, shell: str = "/bin/sh"
) -> Result:
    server.queue(sse_reply(chat_stream([answer], ["thinking about files"])))
    return call_r1(
        "sh",
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY, "SHELL": shell},
    )


def test_without_a_terminal_the_command_is_printed_not_run(
    call_r1: RunR1, server: FakeServer, tmp_path: Path, r1_home: Path
) -> None:
    marker = tmp_path / "ran"
    result = sh(call_r1, server, f"touch {marker}", "make a file")
    assert result.returncode == NOT_CONFIRMED == 2
    assert result.stdout == f"touch {marker}\n"
    assert result.error_lines() == ["error: not run: confirming it needs a terminal"]
    assert "--yes" in result.stderr
    assert not marker.exists()
    # The command is in history, as the shell role's answer.
    (row,) = history_rows(r1_home, "assistant")
    assert row["content"] == f"touch {marker}"


def test_the_request_uses_the_shell_role_for_the_users_shell(
    call_r1: RunR1, server: FakeServer
) -> None:
    sh(call_r1, server, "ls", "list files", shell="/usr/local/bin/zsh")
    system = server.requests[0].json()["messages"][0]
    assert system["role"] == "system" and "zsh command" in system["content"]


def test_yes_runs_it_in_shell_and_its_status_is_r1s(
    call_r1: RunR1, server: FakeServer, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "fake-shell"
    # A "shell" that records how it was called, then runs the command with sh.
    script.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/argv\nexec /bin/sh "$@"\n')
    script.chmod(0o755)
    answer = f"```sh\ntouch {marker} && exit 3\n```"
    result = sh(call_r1, server, answer, "--yes", "make a file", shell=str(script))
    assert result.returncode == 3
    assert marker.exists()
    assert (tmp_path / "argv").read_text() == f"-c touch {marker} && exit 3\n"
    assert result.stderr == f"$ touch {marker} && exit 3\n"
    assert result.stdout == ""


def test_yes_without_shell_uses_bin_sh(
    call_r1: RunR1, server: FakeServer, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    result = sh(call_r1, server, f"touch {marker}", "-y", "x", shell="")
    assert result.returncode == 0 and marker.exists()


def test_an_empty_answer_runs_nothing(call_r1: RunR1, server: FakeServer) -> None:
    result = sh(call_r1, server, "  \n", "--yes", "x")
    assert result.returncode == 5
    assert result.error_lines() == ["error: the model gave no command"]


@pytest.mark.parametrize(
    ("answer", "command"),
    [
        ("ls -la", "ls -la"),
        ("$ du -sh .", "du -sh ."),
        ("Use this:\n```bash\nfind . -size +1G\n```\n", "find . -size +1G"),
        (
            "```\nfor f in *; do\n  echo $f\ndone\n```",
            "for f in *; do\n  echo $f\ndone",
        ),
    ],
)
def test_command_from_answer(answer: str, command: str) -> None:
    assert command_from_answer(answer) == command

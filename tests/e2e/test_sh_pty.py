"""`r1 sh` on a real pseudo-terminal: the command is shown with the choice to run,
edit or cancel; it runs only after the user says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakeserver import FakeServer
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream, sse_reply

pytestmark = pytest.mark.pty

KEY = "sk-test-not-a-real-key"


@pytest.fixture
def sessions() -> Iterator[list[PtySession]]:
    started: list[PtySession] = []
    yield started
    for session in started:
        session.close()


def start(
    server: FakeServer,
    home: Path,
    sessions: list[PtySession],
    command: str,
    **env: str,
) -> PtySession:
    server.queue(sse_reply(chat_stream([command], ["pondering the disk"])))
    argv = ["sh", "-p", "openai", "--base-url", server.url + "/v1", "-m", "m"]
    session = PtySession(
        [*argv, "make a file"],
        pty_env(home, R1CLI_API_KEY=KEY, SHELL="/bin/sh", **env),
        cols=100,
    )
    sessions.append(session)
    session.wait_for("run it? [y]es, [e]dit, [N]o:")
    return session


def test_yes_runs_the_command_and_reasoning_was_shown(
    server: FakeServer, r1_home: Path, tmp_path: Path, sessions: list[PtySession]
) -> None:
    marker = tmp_path / "ran"
    session = start(server, r1_home, sessions, f"touch {marker} && echo done-it")
    assert "pondering the disk" in session.text()
    assert f"touch {marker}" in session.text()
    assert not marker.exists()
    session.type_line("y")
    session.wait_for("done-it")
    assert session.wait_exit() == 0
    assert marker.exists()


def test_the_default_is_cancel(
    server: FakeServer, r1_home: Path, tmp_path: Path, sessions: list[PtySession]
) -> None:
    marker = tmp_path / "ran"
    session = start(server, r1_home, sessions, f"touch {marker}")
    session.type_line("")
    session.wait_for("cancelled: nothing was run")
    assert session.wait_exit() == 0
    assert not marker.exists()


def test_edit_then_run_the_edited_command(
    server: FakeServer, r1_home: Path, tmp_path: Path, sessions: list[PtySession]
) -> None:
    original, edited = tmp_path / "original", tmp_path / "edited"
    editor = tmp_path / "editor"
    # An "editor" that replaces the command in the file it is given.
    editor.write_text(f'#!/bin/sh\nprintf "touch {edited}; exit 4" > "$1"\n')
    editor.chmod(0o755)
    session = start(server, r1_home, sessions, f"touch {original}", EDITOR=str(editor))
    session.type_line("e")
    session.wait_for(f"touch {edited}; exit 4")
    session.type_line("yes")
    assert session.wait_exit() == 4
    assert edited.exists() and not original.exists()

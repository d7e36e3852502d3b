"""The REPL's "answer now" key (Ctrl-E) on a real pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream, sse_reply

pytestmark = pytest.mark.pty

THOUGHT = "Let me count the tiles one by one. "


@pytest.fixture
def sessions() -> Iterator[list[PtySession]]:
    started: list[PtySession] = []
    yield started
    for session in started:
        session.close()


def chat(server: FakeServer, home: Path, provider: str, base: str) -> PtySession:
    argv = ["chat", "--provider", provider, "--base-url", server.url + base]
    return PtySession([*argv, "-m", "r1"], pty_env(home, R1CLI_API_KEY="x"), cols=100)


def thinking_then(server: FakeServer, *answers: str) -> None:
    # 400 pieces at 20 ms: eight seconds of thinking unless it is cut.
    server.queue(sse_reply(chat_stream(["never"], [THOUGHT] * 400), delay=0.02))
    for text in answers:
        server.queue(sse_reply(chat_stream([text])))


def test_ctrl_e_ends_the_thinking_and_the_model_answers(
    tmp_path: Path, sessions: list[PtySession]
) -> None:
    home = tmp_path / "home"
    with FakeServer() as server:
        thinking_then(server, "34 ways.")
        session = chat(server, home, "vllm", "/v1")
        sessions.append(session)
        session.wait_prompt()
        session.type_line("tile it")
        session.wait_for("Thinking…")
        session.ctrl("e")
        session.wait_for("34 ways.")
        session.wait_prompt()
        assert "thinking cut · thought" in session.text()
        assert len(server.requests) == 2
        last = server.requests[1].json()["messages"][-1]
        assert last["content"].endswith("</think>\n\n")
        session.ctrl("d")
        assert session.wait_exit() == 0
    (row,) = history_rows(home)
    assert row["thinking_cut"] == 1


def test_ctrl_e_says_when_the_provider_cannot_continue(
    tmp_path: Path, sessions: list[PtySession]
) -> None:
    with FakeServer() as server:
        server.queue(sse_reply(chat_stream(["34 ways."], [THOUGHT] * 60), delay=0.02))
        session = chat(server, tmp_path / "home", "openai", "/v1")
        sessions.append(session)
        session.wait_prompt()
        session.type_line("tile it")
        session.wait_for("Thinking…")
        session.ctrl("e")
        session.wait_for("⚠ answer now is not available for openai")
        session.wait_for("34 ways.")
        session.wait_prompt()
        assert len(server.requests) == 1

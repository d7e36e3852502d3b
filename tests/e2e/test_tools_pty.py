"""The approval question and the tool lines on a real terminal.

`r1 "what time is it in Tokyo?"` on a pseudo-terminal with `mcp-server-time`
configured and not trusted: the call is shown and asked about on the terminal; yes
runs it, no refuses it (the model reads the refusal), always asks once per tool. Each
call then gets its one `⚙ … → …` line between the reasoning and the answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tools_cli import CALL, QUESTION, configure
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream, sse_reply
from tests.support.tool_replies import openai_tool_stream

ASKED = "run it? [y]es / [n]o / [a]lways"


@pytest.fixture
def session(server: FakeServer, r1_home: Path) -> Iterator[PtySession]:
    configure(r1_home)
    env = pty_env(r1_home, OPENROUTER_API_KEY=CANARY)
    pty = PtySession(["--base-url", f"{server.url}/api/v1", QUESTION], env, cols=100)
    yield pty
    pty.close()


def test_yes_runs_the_call_and_shows_its_line(
    session: PtySession, server: FakeServer
) -> None:
    server.queue(
        sse_reply(openai_tool_stream([CALL], reasoning="I need the clock.")),
        sse_reply(chat_stream(["Tokyo is **UTC+9**."], ["Now I know."])),
    )
    session.wait_for(ASKED, timeout=20)
    assert '⚙ time__get_current_time(timezone="Asia/Tokyo")' in session.text()
    session.send("y\r")
    session.wait_for("Tokyo is UTC+9.", timeout=20)
    assert session.wait_exit(20) == 0
    lines = session.lines()
    line = next(
        i for i, text in enumerate(lines) if "→" in text and text.startswith("⚙")
    )
    assert '→ {"timezone": "Asia/Tokyo", "datetime": "' in lines[line]
    thought = [i for i, text in enumerate(lines) if text.startswith("Thought for")]
    answer = next(i for i, text in enumerate(lines) if "Tokyo is UTC+9." in text)
    # The first round's reasoning, the call, the second round's, then the answer.
    assert thought[0] < line < thought[-1] < answer
    assert "+09:00" in server.requests[1].json()["messages"][-1]["content"]


def test_no_refuses_and_the_model_is_told(
    session: PtySession, server: FakeServer
) -> None:
    server.queue(
        sse_reply(openai_tool_stream([CALL])),
        sse_reply(chat_stream(["I could not check the time."])),
    )
    session.wait_for(ASKED, timeout=20)
    session.send("n\r")
    session.wait_for("I could not check the time.", timeout=20)
    assert session.wait_exit(20) == 0
    assert "→ error: the user did not approve this call" in session.text()
    refused = server.requests[1].json()["messages"][-1]
    assert refused["role"] == "tool" and "did not approve" in refused["content"]


def test_always_asks_once_per_tool(session: PtySession, server: FakeServer) -> None:
    calls = [CALL, ("call_2", CALL[1], json.dumps({"timezone": "UTC"}))]
    server.queue(
        sse_reply(openai_tool_stream(calls)),
        sse_reply(chat_stream(["Both done."])),
    )
    session.wait_for(ASKED, timeout=20)
    session.send("a\r")
    session.wait_for("Both done.", timeout=20)
    assert session.wait_exit(20) == 0
    assert session.text().count(ASKED) == 1
    results = server.requests[1].json()["messages"][-2:]
    assert all("did not approve" not in m["content"] for m in results)


def test_chat_asks_on_the_terminal_and_keeps_calls_in_the_conversation(
    server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home)
    env = pty_env(r1_home, OPENROUTER_API_KEY=CANARY)
    server.queue(
        sse_reply(openai_tool_stream([CALL])),
        sse_reply(chat_stream(["Tokyo is UTC+9."])),
        sse_reply(chat_stream(["Still UTC+9."])),
    )
    session = PtySession(["chat", "--base-url", f"{server.url}/api/v1"], env, cols=100)
    try:
        session.wait_prompt(20)
        session.type_line(QUESTION)
        session.wait_for(ASKED, timeout=20)
        session.send("y\r")
        session.wait_for("Tokyo is UTC+9.", timeout=20)
        session.wait_prompt(20)
        session.type_line("and now?")
        session.wait_for("Still UTC+9.", timeout=20)
        session.wait_prompt(20)
        session.ctrl("d")
        assert session.wait_exit(20) == 0
    finally:
        session.close()
    third = server.requests[2].json()["messages"]
    assert [m["role"] for m in third] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert "+09:00" in third[2]["content"]

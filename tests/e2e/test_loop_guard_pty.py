"""The loop guard's warning in the reasoning panel, on a real pseudo-terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fakeserver import FakeServer, Reply
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream

LOOP = (
    "Wait, let me reconsider the problem from the start. The user asks for the "
    "number of ways to tile the board. But wait, maybe I misread the question. "
)


def screen(session: PtySession) -> list[str]:
    return [line.rstrip() for line in session.screen.display]


@pytest.mark.pty
def test_the_panel_warns_while_the_reasoning_loops(tmp_path: Path) -> None:
    chunks = chat_stream(["34 ways."], ["Okay. "] + [LOOP] * 40)
    reply = Reply(
        headers=[("Content-Type", "text/event-stream")], chunks=chunks, delay=0.02
    )
    with FakeServer([reply]) as server:
        session = PtySession(
            ["ask", "--base-url", f"{server.url}/api/v1", "tile it"],
            pty_env(tmp_path / "home", OPENROUTER_API_KEY="x"),
            cols=100,
        )
        # While it thinks: the warning sits under the reasoning panel.
        session.wait_for(
            lambda: any(
                line.startswith("⚠ the reasoning is repeating itself")
                for line in screen(session)
            )
        )
        assert any(
            line.startswith("Thinking…") or "Thinking…" in line
            for line in screen(session)
        )
        while session.pump(0.1):  # to the end of the output
            pass
    lines = session.lines()
    assert "34 ways." in lines
    after = lines[lines.index("34 ways.") :]
    assert any(line.startswith("warning: the reasoning is repeating") for line in after)
    # The footer line comes before the warning; the panel is gone.
    assert not any(line.startswith("⚠") for line in after)

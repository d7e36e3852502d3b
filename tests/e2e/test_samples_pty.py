"""`ask --samples 3 --vote` on a real pseudo-terminal: the compact progress line,
then the majority answer and the agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fakeserver import FakeServer
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_stream, sse_reply


@pytest.mark.pty
def test_samples_show_progress_then_the_vote(tmp_path: Path) -> None:
    with FakeServer() as server:
        for answer in ("\\boxed{391}", "**391**", "\\boxed{390}"):
            chunks = chat_stream([answer], ["multiplying 17 by 23 "] * 15)
            server.queue(sse_reply(chunks, delay=0.03))
        session = PtySession(
            [
                "ask",
                "--base-url",
                f"{server.url}/api/v1",
                "--samples",
                "3",
                "--vote",
                "what is 17 × 23?",
            ],
            pty_env(tmp_path / "home", OPENROUTER_API_KEY="x"),
            cols=80,
        )
        session.wait_for(lambda: b"samples  1 \xe2\x97\x90" in bytes(session.output))
        assert session.wait_exit() == 0
    lines = session.lines()
    assert lines[0].endswith("· cost unknown (pre-flight estimate)")
    assert "391" in lines
    assert lines[-1].startswith("2/3 agree (sample ")
    # The progress line is erased at the end: no mark is left on the screen.
    assert not any(line.startswith("samples ") for line in lines)
    assert b"3 \xe2\x9c\x93" in bytes(session.output)  # "3 ✓" was drawn

"""`r1 stats` on a real pseudo-terminal: the charts, as a person sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from r1cli.core.events import ContentDelta, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.history.store import HistoryStore
from tests.support.pty_session import PtySession, pty_env


def seed(home: Path) -> None:
    with HistoryStore.open(home / "data" / "history.sqlite3") as store:
        for model, (think, answer) in (("deepseek-r1", (40, 6)), ("qwq", (10, 4))):
            turn = Turn(model=model, provider="openrouter")
            turn.apply(ReasoningDelta("hmm"))
            turn.apply(ContentDelta("ok"))
            turn.apply(Usage(completion_tokens=900, reasoning_tokens=700, cost=0.009))
            turn.end("complete")
            turn.first_reasoning_at = turn.started_at
            turn.first_content_at = turn.started_at + think
            turn.ended_at = turn.started_at + think + answer
            cid = store.create_conversation(
                title="q", model=model, provider="openrouter", system=None
            )
            store.save_answer(store.begin_answer(cid, model=model, provider="x"), turn)


@pytest.mark.pty
def test_stats_draws_charts_on_a_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed(home)
    session = PtySession(["stats", "--by", "model"], pty_env(home), cols=72)
    session.wait_for("Cost")
    while session.pump(0.1):  # to the end of the output
        pass
    lines = session.lines()
    assert lines[0].startswith("r1 stats · since ")
    assert lines[1].startswith("thought 50 s · 1.4k tok · $0.0140 (78% of the cost)")
    time_rows = [line for line in lines if line.startswith(("deepseek-r1", "qwq"))]
    assert len(time_rows) == 4  # each model in the time and the cost chart
    first = time_rows[0]
    assert first.endswith("40 s │ 6.0 s") and "█" in first and "░" in first
    assert max(len(line) for line in lines) <= 72
    # Colour on a terminal: the thinking cells are magenta.
    assert b"\x1b[35m\xe2\x96\x88" in bytes(session.output)

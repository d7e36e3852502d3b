"""The pipe renderer's stderr status while the model reasons: one line, redrawn in
place, cleared before the answer; stdout carries the answer alone."""

from __future__ import annotations

import io
import re
import time

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.render.plain import PlainRenderer

STATUS = re.compile(r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] thinking… \d+\.\d s · ~(\d+) tokens")


class TtyText(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(renderer: PlainRenderer, turn: Turn, event: Event, wait: float = 0) -> None:
    turn.apply(event)
    renderer.on_event(event, turn)
    time.sleep(wait)


def test_status_while_reasoning_then_cleared_before_the_answer() -> None:
    out, err = io.BytesIO(), TtyText()
    renderer = PlainRenderer(out=out, err=err, spinner_model="m")
    turn = Turn("m", "p")
    renderer.begin(turn)
    feed(renderer, turn, ReasoningDelta("x" * 400), 0.35)
    during = err.getvalue()
    assert [int(n) for n in STATUS.findall(during)][
        -1
    ] == 120  # 400 ASCII characters at 0.3 tokens each
    feed(renderer, turn, ContentDelta("The answer."))
    at_answer = err.getvalue()
    # Cleared: the last thing written is spaces over the line, back at column 0.
    assert at_answer.endswith("\r") and at_answer.rsplit("\r", 2)[-2].strip() == ""
    feed(renderer, turn, ReasoningDelta("late"), 0.25)  # no status after the answer
    turn.end("complete")
    renderer.end(turn)
    assert err.getvalue() == at_answer
    assert out.getvalue() == b"The answer.\n"


def test_no_status_when_stderr_is_no_terminal_or_shows_the_reasoning() -> None:
    for options in (
        {"spinner_model": None},
        {"spinner_model": "m", "show_reasoning": True},
    ):
        err = TtyText()
        renderer = PlainRenderer(out=io.BytesIO(), err=err, **options)
        turn = Turn("m", "p")
        renderer.begin(turn)
        feed(renderer, turn, ReasoningDelta("hmm"), 0.25)
        turn.end("complete")
        renderer.end(turn)
        assert "thinking…" not in err.getvalue()


def test_status_is_cleared_when_a_reasoning_only_turn_ends() -> None:
    err = TtyText()
    renderer = PlainRenderer(out=io.BytesIO(), err=err, spinner_model="m")
    turn = Turn("m", "p")
    renderer.begin(turn)
    feed(renderer, turn, ReasoningDelta("hmm"), 0.25)
    assert "thinking…" in err.getvalue()
    turn.end("interrupted")
    renderer.end(turn)
    assert err.getvalue().rsplit("\r", 2)[-2].strip() == ""

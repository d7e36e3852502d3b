"""The collapsed `Thought for N s · M tokens` line and the footer tell the same
story: seconds from the first reasoning token to the first answer token, and the
provider's reasoning-token count when it gives one (else one shared estimate)."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest

from r1cli.core import messages
from r1cli.core.events import ContentDelta, Event, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.render.footer import footer_line, reasoning_count
from r1cli.render.tty import TerminalRenderer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The Turn's clock (only the Turn's: rich and the renderer keep real time)."""
    fake = Clock()
    monkeypatch.setattr(messages, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


@pytest.fixture(autouse=True)
def dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "20")
    monkeypatch.setenv("TERM", "dumb")


def play(clock: Clock, steps: list[tuple[float, Event]]) -> tuple[list[str], Turn]:
    """Feed (seconds since the request, event) steps; the screen's lines."""
    out = io.StringIO()
    renderer = TerminalRenderer(file=out, color=False)
    start = clock.now
    turn = Turn(model="m", provider="p")
    renderer.begin(turn)
    for at, event in steps:
        clock.now = start + at
        turn.apply(event)
        renderer.on_event(event, turn)
    turn.end("complete")
    renderer.end(turn)
    return [line.rstrip() for line in out.getvalue().splitlines()], turn


REASONING = "weighing the options " * 20  # 420 ASCII characters: ~126 tokens


def test_time_counts_from_the_first_reasoning_token_not_the_request(
    clock: Clock,
) -> None:
    # 5 s in the provider's queue, then 12 s of reasoning, then the answer.
    lines, turn = play(
        clock,
        [
            (5.0, ReasoningDelta(REASONING[:200])),
            (11.0, ReasoningDelta(REASONING[200:])),
            (17.0, ContentDelta("The answer.")),
            (18.0, Usage(prompt_tokens=10, completion_tokens=130)),
        ],
    )
    assert lines[0] == "Thought for 12.0 s · ~126 tokens"
    assert turn.thinking_seconds == 12.0
    # No reasoning count from the provider: the footer's split shows the same
    # seconds and the same estimate.
    assert lines[-1].startswith("thought 12 s · ~126 tok │ answer ")


def test_the_providers_count_is_used_when_it_gives_one(clock: Clock) -> None:
    lines, _ = play(
        clock,
        [
            (1.0, ReasoningDelta(REASONING)),
            # Some providers report usage before the answer: the line uses it.
            (3.5, Usage(prompt_tokens=10, completion_tokens=500, reasoning_tokens=456)),
            (4.0, ContentDelta("The answer.")),
        ],
    )
    assert lines[0] == "Thought for 3.0 s · 456 tokens"
    assert re.match(r"thought 3\.0 s · 456 tok │ answer ", lines[-1])


def test_a_reasoning_only_turn_uses_the_count_that_came_at_the_end(
    clock: Clock,
) -> None:
    lines, _ = play(
        clock,
        [
            (2.0, ReasoningDelta(REASONING)),
            (9.0, Usage(prompt_tokens=1, completion_tokens=99, reasoning_tokens=99)),
        ],
    )
    assert lines[0] == "Thought for 7.0 s · 99 tokens"
    assert lines[-1].startswith("thought 7.0 s · 99 tok │ answer")


def test_thinking_seconds_is_zero_without_reasoning(clock: Clock) -> None:
    turn = Turn(model="m", provider="p")
    clock.now += 3
    turn.apply(ContentDelta("x"))
    turn.end("complete")
    assert turn.first_reasoning_at is None and turn.thinking_seconds == 0.0
    assert reasoning_count(turn, 0) == (0, True)
    assert "reasoning" not in footer_line(turn, 1)

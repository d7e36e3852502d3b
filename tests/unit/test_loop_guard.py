"""The reasoning loop guard: scripted looping streams alarm, real R1 streams do not."""

from __future__ import annotations

import random
import time

import pytest

from r1cli.core.events import ContentDelta, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.engine.loop_guard import BATCH, LoopDetector, LoopGuard, ReasoningLoop
from r1cli.errors import ExitCode
from tests.support.streams import CASES

LOOP = (
    "Wait, let me reconsider the problem from the start. The user asks for the "
    "number of ways to tile the board. Hmm, so the answer should be 34. But wait, "
    "maybe I misread the question.\n\n"
)


def feed_all(text: str, piece: int) -> LoopDetector:
    detector = LoopDetector()
    for start in range(0, len(text), piece):
        if detector.feed(text[start : start + piece]):
            break
    return detector


@pytest.mark.parametrize("piece", [1, 3, 17, 4096])
def test_a_looping_stream_raises_the_alarm_however_it_is_split(piece: int) -> None:
    detector = feed_all("Okay, the board is 2 by 8. " + LOOP * 40, piece)
    assert detector.alarm is not None
    assert detector.alarm.startswith("the reasoning is repeating itself (“")


def test_a_loop_with_a_changing_counter_is_caught_by_the_word_ngrams() -> None:
    text = "".join(
        f"Step {i} of the check: we multiply the two numbers together and compare "
        "the result against the expected total from the table above and it matches "
        for i in range(40)
    )  # no sentence ends, a different number each round
    detector = feed_all(text, 11)
    assert detector.alarm is not None and "words" in detector.alarm


def test_the_alarm_comes_before_many_rounds() -> None:
    detector = LoopDetector()
    rounds = next(i for i in range(1, 100) if detector.feed(LOOP))
    assert rounds <= 8


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_false_alarm_on_the_recorded_r1_streams(name: str) -> None:
    reasoning = CASES[name].expect.reasoning
    assert feed_all(reasoning, 7).alarm is None
    assert feed_all(reasoning * 2, 7).alarm is None  # even said twice over


def test_no_false_alarm_on_long_reasoning_that_revisits_ideas() -> None:
    rng = random.Random(4)
    vocabulary = [
        "so",
        "the",
        "value",
        "then",
        "we",
        "check",
        "again",
        "maybe",
        "this",
        "is",
        "right",
        "wait",
        "let",
        "me",
        "verify",
        "the",
        "sum",
        "of",
        "terms",
        "equals",
        "x",
        "plus",
        "y",
        "times",
        "two",
        "minus",
        "one",
        "over",
        "n",
    ]
    sentences = []
    for i in range(3000):
        if i % 25 == 0:
            sentences.append("Let me double-check the arithmetic here.")  # a habit
        words = rng.choices(vocabulary, k=rng.randint(6, 18))
        sentences.append(" ".join(words).capitalize() + ".")
    assert feed_all(" ".join(sentences), 5).alarm is None


def test_detection_is_linear_in_the_stream() -> None:
    rng = random.Random(1)
    words = [f"w{rng.randint(0, 50_000)}" for _ in range(200_000)]
    text = " ".join(words) + ". "
    started = time.perf_counter()
    assert feed_all(text, 6).alarm is None  # ~1.3 MB in 6-char deltas
    assert time.perf_counter() - started < 5.0


def test_warn_mode_adds_a_notice_once_and_stop_mode_raises() -> None:
    turn = Turn(model="m", provider="p")
    guard = LoopGuard("warn")
    for _ in range(30):
        guard.on_event(ReasoningDelta(LOOP), turn)
    guard.on_event(ContentDelta(LOOP * 10), turn)  # the answer is never watched
    assert len(turn.notices) == 1
    stopping = LoopGuard("stop")
    with pytest.raises(ReasoningLoop, match=r"^stopped: the reasoning is repeating"):
        for _ in range(30):
            stopping.on_event(ReasoningDelta(LOOP), Turn(model="m", provider="p"))
    assert ReasoningLoop("x").exit_code == ExitCode.PROVIDER


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_the_guard_stops_within_a_batch_of_where_the_detector_alarms() -> None:
    pieces = _pieces("Okay, the board is 2 by 8. " + LOOP * 40, 4)
    detector = LoopDetector()
    seen = next(i for i, piece in enumerate(pieces) if detector.feed(piece))
    guard, turn = LoopGuard("stop"), Turn(model="m", provider="p")
    with pytest.raises(ReasoningLoop):
        for stopped, piece in enumerate(pieces):  # noqa: B007
            guard.on_event(ReasoningDelta(piece), turn)
    assert seen <= stopped <= seen + BATCH // 4  # fed in batches, at most one late


@pytest.mark.parametrize("pause", ["answer", "end"])
def test_reasoning_held_for_a_batch_is_checked_when_the_reasoning_pauses(
    pause: str,
) -> None:
    pieces = _pieces(LOOP * 40, 4)
    detector = LoopDetector()
    seen = next(i for i, piece in enumerate(pieces) if detector.feed(piece))
    guard, turn = LoopGuard("warn"), Turn(model="m", provider="p")
    for piece in pieces[: seen + 1]:
        guard.on_event(ReasoningDelta(piece), turn)
    held = not turn.notices  # the alarm's text is still in the guard's batch
    if pause == "answer":
        guard.on_event(ContentDelta("The answer."), turn)
    else:
        guard.end(turn)
    assert len(turn.notices) == 1
    assert held  # the alarm was still waiting in the batch until the pause

"""Self-consistency's text rules: each sample's final answer and the majority."""

from __future__ import annotations

import threading

import pytest

from r1cli.core.vote import final_answer, majority, normalise
from r1cli.engine.samples import SharedBackoff


@pytest.mark.parametrize(
    ("text", "final"),
    [
        ("So 17 × 23 = 391.\n\n$\\boxed{391}$", "391"),
        ("\\boxed{\\frac{1}{2}} then \\boxed{\\frac{3}{4}}", "\\frac{3}{4}"),
        ("Here:\n```python\nprint(1)\n```\nDone, **bold** later.", "print(1)"),
        ("It is **Paris**, the capital.", "Paris"),
        ("Thinking aloud.\n\nThe answer is 42.\n\n", "The answer is 42."),
        ("", ""),
    ],
)
def test_final_answer(text: str, final: str) -> None:
    assert final_answer(text) == final


def test_normalised_answers_agree_despite_markup_and_case() -> None:
    assert normalise("**Answer: Paris.**") == normalise("paris") == "paris"
    assert normalise("$391$") == normalise(" 391 ") == "391"
    assert normalise("391") != normalise("392")


def test_majority_counts_agreement_and_a_tie_goes_to_the_first() -> None:
    vote = majority(["\\boxed{391}", "**392**", None, "Answer: 391", "\\boxed{ 391 }"])
    assert vote is not None
    assert (vote.answer, vote.agree, vote.voters, vote.winner) == ("391", 3, 4, 0)
    tie = majority(["it is **B**", "it is **A**", "**a**", "B."])
    assert tie is not None and (tie.answer, tie.agree) == ("B", 2)
    assert majority([None, "  "]) is None
    # Printed without the lead-in or markup, whichever sample came first.
    first = majority(["Answer: **391**.", "\\boxed{391}"])
    assert first is not None and first.answer == "391"


def test_shared_backoff_holds_samples_that_have_not_started() -> None:
    now = [100.0]
    backoff = SharedBackoff(clock=lambda: now[0])
    backoff.note("provider overloaded (HTTP 529); retrying in 1.5 s")
    backoff.note("another line without a wait")
    assert backoff.remaining() == pytest.approx(1.5)
    backoff.note("… retrying in 0.5 s")  # a shorter wait never shortens it
    assert backoff.remaining() == pytest.approx(1.5)
    now[0] += 2.0
    assert backoff.remaining() == 0.0
    stop = threading.Event()
    stop.set()
    backoff.note("retrying in 30 s")
    backoff.wait(stop)  # a stop ends the wait at once

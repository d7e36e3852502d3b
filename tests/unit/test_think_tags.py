"""Tests for the inline `<think>` splitter (docs/wire-formats.md §7, T35-T37, T39)."""

from __future__ import annotations

import json
from itertools import groupby, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r1cli.core.events import ContentDelta, ReasoningDelta
from r1cli.providers.think_tags import ThinkTagSplitter

FAST = settings(max_examples=200, deadline=None)
Delta = ReasoningDelta | ContentDelta


def run(
    feeds: list[str], reason: str | None = "stop", **options: bool
) -> tuple[list[Delta], ThinkTagSplitter]:
    splitter = ThinkTagSplitter(**options)
    deltas: list[Delta] = []
    for text in feeds:
        deltas += splitter.feed(text)
    return deltas + splitter.finish(reason), splitter


def joined(deltas: list[Delta]) -> tuple[str, str]:
    reasoning = "".join(d.text for d in deltas if isinstance(d, ReasoningDelta))
    content = "".join(d.text for d in deltas if isinstance(d, ContentDelta))
    return reasoning, content


def split(feeds: list[str], reason: str | None = "stop", **options: bool):
    return joined(run(feeds, reason, **options)[0])


def every_split(text: str) -> list[list[str]]:
    """The text as one feed, as two feeds at every offset, and as single chars."""
    return [[text], list(text)] + [[text[:i], text[i:]] for i in range(len(text) + 1)]


T35 = ["<thi", "nk>\nThe user", " greets.\n</th", "ink>\n\nHi", "! Use <think> tags."]


def test_t35_split_tags_and_later_literal_tag() -> None:
    deltas, splitter = run(T35)
    assert joined(deltas) == ("The user greets.", "Hi! Use <think> tags.")
    assert splitter.saw_tags
    assert not splitter.thinking


def test_t35_no_tag_fragment_in_any_delta() -> None:
    assert run(T35)[0] == [
        ReasoningDelta("The user"),
        ReasoningDelta(" greets."),
        ContentDelta("Hi"),
        ContentDelta("! Use <think> tags."),
    ]


def test_t35_reasoning_streams_before_the_tag_closes() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<thi") == []
    assert splitter.feed("nk>\nThe user") == [ReasoningDelta("The user")]
    assert splitter.thinking


def test_t36a_missing_opening_tag_assumed() -> None:
    feeds = ["Okay, so the user wants 2+2.</think>\n\n4"]
    assert split(feeds, assume_thinking=True) == ("Okay, so the user wants 2+2.", "4")


def test_t36a_missing_opening_tag_streams_as_reasoning() -> None:
    splitter = ThinkTagSplitter(assume_thinking=True)
    assert splitter.feed("Okay, so") == [ReasoningDelta("Okay, so")]
    assert splitter.thinking
    assert not splitter.saw_tags


def test_t36a_short_missing_opening_tag_without_assumption() -> None:
    # Within the look-ahead window a bare `</think>` still marks reasoning.
    assert split(["2+2 is 4.</think>\n\n4"]) == ("2+2 is 4.", "4")


def test_t36b_empty_think_block() -> None:
    deltas, splitter = run(["<think>\n\n</think>\n\nHello"])
    assert deltas == [ContentDelta("Hello")]
    assert splitter.saw_tags


def test_t37_think_never_closes() -> None:
    deltas, splitter = run(["<think>\nLet me", " consider every case"], "length")
    assert joined(deltas) == ("Let me consider every case", "")
    assert splitter.thinking


def test_t39_go_escaped_tags_after_json_decoding() -> None:
    raw = ['"\\u003cthink\\u003eShort.\\u003c/think\\u003e"', '"Hello!"']
    assert split([json.loads(r) for r in raw]) == ("Short.", "Hello!")


def test_leading_newline_after_open_tag_stripped() -> None:
    deltas, _ = run(["<think>\n", "The user greets.", "\n</think>"])
    assert deltas[0] == ReasoningDelta("The user greets.")


def test_trailing_whitespace_held_until_next_text() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>a \n") == [ReasoningDelta("a")]
    assert splitter.feed("b") == [ReasoningDelta(" \nb")]
    assert splitter.feed(" \n\n") == []
    assert splitter.feed("</think>x") == [ContentDelta("x")]


def test_close_tag_prefix_held_then_released() -> None:
    splitter = ThinkTagSplitter()
    splitter.feed("<think>a")
    assert splitter.feed(" </th") == []
    assert splitter.feed("e end") == [ReasoningDelta(" </the end")]


def test_no_tags_answer_after_lookahead() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("Hello there, ho") == []  # 13 non-space characters
    # The 16th arrives mid-feed; the rest of that feed comes in the same delta.
    assert splitter.feed("w are") == [ContentDelta("Hello there, how are")]
    assert splitter.feed(" you </think>") == [ContentDelta(" you </think>")]
    assert not splitter.saw_tags


def test_lookahead_waits_while_tail_may_be_a_close_tag() -> None:
    splitter = ThinkTagSplitter(lookahead=4)
    assert splitter.feed("abc</th") == []
    assert splitter.feed("ink>Hi") == [ReasoningDelta("abc"), ContentDelta("Hi")]


def test_short_answer_released_at_finish() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("  Hi!") == []
    assert splitter.finish("stop") == [ContentDelta("Hi!")]
    assert not splitter.thinking


def test_assumed_thinking_with_stop_was_the_answer() -> None:
    deltas, splitter = run(["Paris is the ", "capital."], "stop", assume_thinking=True)
    assert deltas[:2] == [ReasoningDelta("Paris is the"), ReasoningDelta(" capital.")]
    assert deltas[2:] == [ContentDelta("Paris is the capital.")]
    assert not splitter.thinking
    assert not splitter.saw_tags


def test_assumed_thinking_keeps_held_text_in_the_answer() -> None:
    feeds = ["Use a <", "/th"]
    assert run(feeds, "stop", assume_thinking=True)[0][-1] == ContentDelta("Use a </th")


@pytest.mark.parametrize("reason", ["length", None])
def test_assumed_thinking_cut_off_stays_reasoning(reason: str | None) -> None:
    deltas, splitter = run(["Hmm, the user "], reason, assume_thinking=True)
    assert joined(deltas) == ("Hmm, the user", "")
    assert splitter.thinking


def test_explicit_tag_with_stop_stays_reasoning() -> None:
    # Only an *assumed* block turns into the answer at "stop".
    assert split(["<think>\nHmm"], "stop", assume_thinking=True) == ("Hmm", "")


def test_assume_thinking_still_recognises_opening_tag() -> None:
    feeds = ["\n<think>\nA", "</think>B"]
    assert split(feeds, assume_thinking=True) == ("A", "B")


def test_cut_off_close_tag_dropped_at_finish() -> None:
    assert split(["<think>Hmm </thi"], "length") == ("Hmm", "")


def test_cut_off_open_tag_dropped_at_finish() -> None:
    assert split(["<thi"], "length") == ("", "")
    assert split(["<"], "stop") == ("", "<")


def test_finish_is_idempotent() -> None:
    splitter = ThinkTagSplitter()
    splitter.feed("<think>a ")
    assert splitter.finish("length") == []
    assert splitter.finish("length") == []


def test_empty_and_whitespace_feeds_emit_nothing() -> None:
    deltas, _ = run(["", " ", "\n", "<think>", "", "\n\n", "</think>", "\n", ""])
    assert deltas == []


CASES = [
    ("".join(T35), {}),
    ("Okay, so the user wants 2+2.</think>\n\n4", {"assume_thinking": True}),
    ("<think>\n\n</think>\n\nHello", {}),
    ("<think>\nLet me consider every case", {}),
    ("2+2 is 4.</think>\n\n4", {}),
    ("Hello there, how are you </think> today", {}),
    ("  <think> a  b \n </think>  c  ", {"assume_thinking": True}),
]


@pytest.mark.parametrize(("text", "options"), CASES)
def test_every_split_gives_the_single_feed_result(text: str, options: dict) -> None:
    for reason in ("stop", "length"):
        expected = split([text], reason, **options)
        for feeds in every_split(text):
            assert split(feeds, reason, **options) == expected, feeds


PIECES = ["<think>", "</think>", "<thi", "nk>", "</th", "<", "/", "\n", " ", "a", "Hi"]


def kinds(deltas: list[Delta]) -> list[type]:
    return [kind for kind, _ in groupby(type(d) for d in deltas)]


@FAST
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    cuts=st.lists(st.integers(0, 200), max_size=10),
    assume=st.booleans(),
    reason=st.sampled_from(["stop", "length", None]),
)
def test_random_splits_match_single_feed(
    text: str, cuts: list[int], assume: bool, reason: str | None
) -> None:
    points = [0, *sorted(c % (len(text) + 1) for c in cuts), len(text)]
    feeds = [text[a:b] for a, b in pairwise(points)]
    single, _ = run([text], reason, assume_thinking=assume)
    deltas, _ = run(feeds, reason, assume_thinking=assume)
    assert joined(deltas) == joined(single)
    assert kinds(deltas) == kinds(single)
    assert all(d.text for d in deltas)
    assert "</think>" not in joined(deltas)[0]

"""Tests for the pure conversation values in r1cli.core.messages."""

from __future__ import annotations

from r1cli.core import messages
from r1cli.core.events import ContentDelta, ReasoningDelta
from r1cli.core.messages import Conversation, Message, Turn


def test_add_user_appends_after_an_answer() -> None:
    conversation = Conversation(
        messages=[Message("user", "hi"), Message("assistant", "yo")]
    )
    conversation.add_user("again")
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "hi"),
        ("assistant", "yo"),
        ("user", "again"),
    ]


def test_add_user_merges_into_an_unanswered_prompt() -> None:
    # Providers reject two user messages in a row (an earlier answer failed).
    conversation = Conversation()
    conversation.add_user("first")
    conversation.add_user("second")
    assert [(m.role, m.content) for m in conversation.messages] == [
        ("user", "first\n\nsecond")
    ]


def test_a_long_stream_is_kept_whole_while_its_pieces_are_joined() -> None:
    turn = Turn(model="m", provider="p")
    count = messages._MAX_PIECES * 3 + 7
    for n in range(count):
        turn.apply(ContentDelta(f"c{n} "))
        turn.apply(ReasoningDelta(f"r{n} "))
        # Bounded: joined past the limit, not one object per token.
        assert len(turn._content) <= messages._MAX_PIECES
    assert turn.content == "".join(f"c{n} " for n in range(count))
    assert turn.reasoning == "".join(f"r{n} " for n in range(count))

"""Tests for the pure conversation values in r1cli.core.messages."""

from __future__ import annotations

from r1cli.core.messages import Conversation, Message


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

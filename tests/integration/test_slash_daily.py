"""`/reasoning` (bare), `/title` and `/fork` on a real session: a real engine against
the loopback fake server and a real history database (fixtures from test_slash)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from r1cli.errors import UsageError
from r1cli.history.store import HistoryStore
from tests.integration.test_slash import Chat, open_chat  # noqa: F401
from tests.integration.test_slash import chat as chat

LONG_THOUGHT = ("First, the sky.\n", "Then \x1b[31mred\x1b[0m light.\n", "So: blue.")


def test_bare_reasoning_reprints_the_last_answers_whole_reasoning(chat: Chat) -> None:
    assert chat.slash("/reasoning").lines == [
        "no reasoning to show: the last answer had none (reasoning: collapse)"
    ]
    chat.say("why blue?", "Rayleigh.", reasoning=LONG_THOUGHT)
    # Raw lines: the REPL prints each through the sanitiser, dimmed.
    assert chat.slash("/reasoning").lines == [
        "First, the sky.",
        "Then \x1b[31mred\x1b[0m light.",
        "So: blue.",
    ]
    assert chat.session.reasoning == "collapse"  # the display mode is unchanged
    chat.say("and sunsets?", "Longer path.")
    assert "the last answer had none" in chat.slash("/reasoning").lines[0]


def test_bare_reasoning_after_load_reads_history(
    open_chat: Callable[..., Chat],  # noqa: F811
) -> None:
    first = open_chat()
    first.say("why blue?", "Rayleigh.", reasoning=("scattering, surely",))
    cid = first.session.conversation.id
    assert cid is not None
    second = open_chat()
    second.slash(f"/load {cid}")
    assert second.slash("/reasoning").lines == ["scattering, surely"]


def test_title_shows_and_renames_the_stored_conversation(chat: Chat) -> None:
    with pytest.raises(UsageError, match="send a message first"):
        chat.slash("/title Sky")
    chat.say("why is the sky blue?", "Rayleigh.")
    assert chat.slash("/title").lines == ["title: why is the sky blue?"]
    assert chat.slash("/title  Sky   colour ").lines == ["title: Sky colour"]
    store = chat.session.store
    assert store is not None
    cid = chat.session.conversation.id
    assert cid is not None
    assert store.get_conversation(cid)["title"] == "Sky colour"


def test_fork_continues_a_copy_from_turn_n_and_keeps_the_original(
    chat: Chat,
) -> None:
    chat.say("one", "answer one")
    chat.say("two", "answer two")
    chat.say("three", "answer three")
    original = chat.session.conversation.id
    assert original is not None
    lines = chat.slash("/fork 1").lines
    fork = chat.session.conversation.id
    assert fork is not None and fork != original
    assert lines == [
        f"forked {original} after turn 1: now in {fork} (the original is kept)"
    ]
    chat.say("two again", "another two")
    # The next request carries turn 1 and the new prompt, not turns 2 and 3.
    assert chat.sent() == [
        ("user", "one"),
        ("assistant", "answer one"),
        ("user", "two again"),
    ]
    store = chat.session.store
    assert isinstance(store, HistoryStore)
    assert store.turn_count(original) == 3
    assert store.turn_count(fork) == 2
    with pytest.raises(UsageError, match="usage: /fork"):
        chat.slash("/fork last")
    with pytest.raises(UsageError, match="no turn 9"):
        chat.slash("/fork 9")


def test_fork_without_n_copies_every_turn(chat: Chat) -> None:
    chat.say("one", "answer one")
    chat.slash("/fork")
    assert [m.content for m in chat.session.conversation.messages] == [
        "one",
        "answer one",
    ]
    chat.say("more", "yes")
    assert chat.sent()[-1] == ("user", "more") and len(chat.sent()) == 3


def test_fork_without_history_is_an_error(open_chat: Callable[..., Chat]) -> None:  # noqa: F811
    chat = open_chat(no_history=True)
    chat.say("one", "answer one")
    with pytest.raises(UsageError, match="history is off"):
        chat.slash("/fork")

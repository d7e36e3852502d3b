"""Tool calls in history: stored in order with the answer (redacted), replayed by
`-c`/`/retry` as assistant tool-call and tool messages, shown by `history show` and
`export`, and an old database migrated to hold them."""

from __future__ import annotations

from pathlib import Path

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.events import ToolCall, ToolResult
from r1cli.core.messages import Turn
from r1cli.engine.tools import round_messages
from r1cli.history.export import to_markdown
from r1cli.history.recorder import HistoryRecorder
from r1cli.history.schema import MIGRATIONS
from r1cli.history.store import HistoryStore
from tests.unit.test_history import build_at_version

SECRET = "sk-test-SECRET-in-a-tool-result"


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("R1CLI_HOME", str(tmp_path / "home"))
    return resolve_paths().history_db


def tool_turn() -> Turn:
    turn = Turn(model="m", provider="p")
    call = ToolCall("c1", "time__now", '{"timezone": "Asia/Tokyo"}')
    result = ToolResult("c1", "time__now", f"noon; token {SECRET}")
    for event in (call, result):
        turn.apply(event)
    turn.exchange += round_messages("Checking. ", "need time", None, [call], [result])
    turn._content.append("Checking. It is noon.")
    turn.end("complete")
    return turn


def save(store: HistoryStore, turn: Turn) -> str:
    cid = store.create_conversation(title="t", model="m", provider="p", system=None)
    store.add_message(cid, "user", "time in Tokyo?")
    message_id = store.begin_answer(cid, model="m", provider="p")
    recorder = HistoryRecorder(
        store, cid, message_id, redact=lambda t: t.replace(SECRET, "[redacted]")
    )
    recorder.end(turn)
    assert recorder.warning is None
    return cid


def test_calls_are_stored_redacted_and_replayed_in_order(db_path: Path) -> None:
    store = HistoryStore.open(db_path)
    cid = save(store, tool_turn())
    raw = store._conn.execute("SELECT tools FROM messages WHERE role='assistant'")
    assert SECRET not in raw.fetchone()[0]

    messages = store.load_conversation(cid).messages
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[1].tool_calls[0].arguments == '{"timezone": "Asia/Tokyo"}'
    assert messages[1].content == "Checking. " and messages[1].reasoning == "need time"
    assert messages[2].tool_call_id == "c1" and "[redacted]" in messages[2].content
    # The text before the call is not sent twice.
    assert messages[3].content == "It is noon."

    data = store.get_conversation(cid)
    steps = data["messages"][1]["tools"]
    assert [s["role"] for s in steps] == ["assistant", "tool"]
    markdown = to_markdown(data, reasoning=False)
    assert "- tool call `time__now`" in markdown
    assert markdown.index("tool call") < markdown.index("It is noon.")
    assert SECRET not in markdown

    # /retry takes back the answer with its calls: the prompt is last again.
    store.rewind(cid, drop_prompt=False)
    assert [m.role for m in store.load_conversation(cid).messages] == ["user"]
    store.close()


def test_a_database_before_tools_is_migrated(db_path: Path) -> None:
    build_at_version(db_path, len(MIGRATIONS) - 1)
    store = HistoryStore.open(db_path)
    old = store.load_conversation("old0000000000").messages
    assert [m.role for m in old] == ["user", "assistant"]
    assert store.get_conversation("old0000000000")["messages"][1]["tools"] == []
    cid = save(store, tool_turn())
    assert [m.role for m in store.load_conversation(cid).messages][2] == "tool"
    store.close()

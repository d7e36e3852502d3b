"""Tests for the history store and the streaming recorder, on real SQLite files.

Covers docs/reliability.md D01 (pragmas, modes), D02 (two writers), D04 (SIGKILL while an
answer streams), D05 (migrations), D06 (newer or damaged files), D07 (unwritable
places) and D08 (hostile search input).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.events import (
    ContentDelta,
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    Usage,
)
from r1cli.core.messages import INTERRUPTED_MARKER, Turn
from r1cli.errors import ExitCode, HistoryError, UsageError
from r1cli.history import ids as history_ids
from r1cli.history import store as history
from r1cli.history.ids import derive_title, new_id
from r1cli.history.recorder import HistoryRecorder
from r1cli.history.schema import MIGRATIONS
from r1cli.history.search import fts_phrase
from r1cli.history.store import HistoryRefused, HistoryStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("R1CLI_HOME", str(tmp_path / "home"))
    return resolve_paths().history_db


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(db_path)
    yield opened
    assert opened.integrity_problems() == []
    opened.close()


def conversation(store: HistoryStore, title: str = "a question") -> str:
    return store.create_conversation(title=title, model="m", provider="p", system=None)


def answer(
    store: HistoryStore,
    cid: str,
    content: str,
    *,
    reasoning: str = "",
    status: str = "complete",
) -> int:
    mid = store.begin_answer(cid, model="m", provider="p")
    turn = Turn("m", "p")
    turn.apply(ReasoningDelta(reasoning))
    turn.apply(ContentDelta(content))
    turn.end(status)  # type: ignore[arg-type]
    store.save_answer(mid, turn)
    return mid


def run_child(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


# ------------------------------------------------------------------ D01, basics


def test_fresh_database_has_wal_busy_timeout_foreign_keys_and_private_modes(
    db_path: Path,
) -> None:
    old_umask = os.umask(0o022)  # a typical umask must not leak into the modes
    try:
        store = HistoryStore.open(db_path)
        conversation(store)
    finally:
        os.umask(old_umask)
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(f"{db_path}{suffix}").st_mode)
        assert mode == 0o600, (suffix, oct(mode))
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    store.close()


def test_ids_are_twelve_base32_chars_unique_and_time_sorted() -> None:
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(set(ids))  # strictly increasing within a process
    assert all(len(i) == 12 and set(i) <= set(history_ids._ID_ALPHABET) for i in ids)
    earlier = new_id()
    time.sleep(0.002)
    assert new_id()[:9] > earlier[:9]


@pytest.mark.parametrize(
    ("prompt", "title"),
    [
        ("  Explain   monads\n\nin detail", "Explain monads"),
        ("\n\n  second line first\n", "second line first"),
        ("x" * 80, "x" * 59 + "…"),
        ("   ", "(untitled)"),
    ],
)
def test_derive_title(prompt: str, title: str) -> None:
    assert derive_title(prompt) == title
    assert derive_title(derive_title(prompt)) == title


def test_answer_round_trips_with_usage_timings_and_signature(
    store: HistoryStore,
) -> None:
    cid = store.create_conversation(
        title="What is 2+2?\nthanks", model="m", provider="p", system="be brief"
    )
    store.add_message(cid, "user", "What is 2+2?")
    mid = store.begin_answer(cid, model="m", provider="p")
    turn = Turn("m", "p")
    for event in (
        ReasoningDelta("add them"),
        ContentDelta("4"),
        ReasoningSignature("sig"),
        Usage(10, 20, 5, 3, 0.25),
        Finish("stop"),
    ):
        turn.apply(event)
    turn.end("complete")
    store.save_answer(mid, turn)

    data = store.get_conversation(cid)
    assert list(data) == [
        "id",
        "title",
        "model",
        "provider",
        "created_at",
        "updated_at",
        "message_count",
        "system",
        "messages",
    ]
    assert (data["title"], data["system"], data["message_count"]) == (
        "What is 2+2?",
        "be brief",
        2,
    )
    reply = data["messages"][1]
    assert list(reply) == [
        "role",
        "content",
        "reasoning",
        "status",
        "error",
        "model",
        "finish_reason",
        "usage",
        "cost",
        "created_at",
        "tools",
    ]
    assert reply["tools"] == []  # no tool calls in this answer
    assert reply["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 20,
        "reasoning_tokens": 5,
        "cached_tokens": 3,
    }
    assert (reply["content"], reply["reasoning"], reply["cost"]) == (
        "4",
        "add them",
        0.25,
    )
    assert (reply["status"], reply["finish_reason"]) == ("complete", "stop")
    assert reply["created_at"].endswith("Z")
    row = store._conn.execute(
        "SELECT signature, first_token_ms, total_ms FROM messages WHERE id = ?", (mid,)
    ).fetchone()
    assert row["signature"] == "sig"
    assert 0 <= row["first_token_ms"] <= row["total_ms"]


def test_load_conversation_never_sends_reasoning_and_marks_cut_off_answers(
    store: HistoryStore,
) -> None:
    cid = conversation(store)
    store.add_message(cid, "user", "one")
    answer(store, cid, "first answer", reasoning="SECRET THOUGHTS")
    store.add_message(cid, "user", "two")
    answer(store, cid, "half an ans", reasoning="MORE THOUGHTS", status="interrupted")
    store.add_message(cid, "user", "three")
    answer(store, cid, "", reasoning="only thinking", status="error")
    store.add_message(cid, "user", "three again")
    answer(store, cid, "", status="length")

    loaded = store.load_conversation(cid)
    assert loaded.id == cid
    # Prompts whose turns said nothing stay in history but are not sent again.
    assert [(m.role, m.content) for m in loaded.messages] == [
        ("user", "one"),
        ("assistant", "first answer"),
        ("user", "two"),
        ("assistant", "half an ans" + INTERRUPTED_MARKER),
    ]
    # A prompt with no answer row yet (rewound for /retry) is the one to answer.
    store.add_message(cid, "user", "four")
    assert store.load_conversation(cid).messages[-1].content == "four"
    assert "THOUGHTS" not in repr(loaded)


def test_error_answer_with_text_is_marked_and_length_answer_is_not(
    store: HistoryStore,
) -> None:
    cid = conversation(store)
    store.add_message(cid, "user", "a")
    answer(store, cid, "partial", status="error")
    store.add_message(cid, "user", "b")
    answer(store, cid, "truncated", status="length")
    contents = [m.content for m in store.load_conversation(cid).messages]
    assert contents[1] == "partial" + INTERRUPTED_MARKER
    assert contents[3] == "truncated"


def test_system_prompt_comes_from_the_conversation_or_a_later_system_message(
    store: HistoryStore,
) -> None:
    cid = store.create_conversation(title="t", model="m", provider="p", system="old")
    assert store.load_conversation(cid).system == "old"
    store.add_message(cid, "system", "new")
    store.add_message(cid, "user", "hi")
    loaded = store.load_conversation(cid)
    assert (loaded.system, [m.role for m in loaded.messages]) == ("new", ["user"])


def test_list_is_newest_first_with_exact_keys_and_limit(store: HistoryStore) -> None:
    first, second, third = (conversation(store, f"c{i}") for i in range(3))
    store.add_message(first, "user", "bump")  # now the most recently updated
    rows = store.list_conversations()
    assert [r["id"] for r in rows] == [first, third, second]
    assert list(rows[0]) == [
        "id",
        "title",
        "model",
        "provider",
        "created_at",
        "updated_at",
        "message_count",
    ]
    assert rows[0]["message_count"] == 1
    assert rows[0]["updated_at"].endswith("Z")
    assert len(store.list_conversations(limit=2)) == 2
    assert store.latest_id() == first


def test_resolve_id_accepts_unique_prefixes_only(store: HistoryStore) -> None:
    ids = [conversation(store) for _ in range(3)]
    assert store.resolve_id(ids[0]) == ids[0]
    assert store.resolve_id(ids[0][-12:].upper()) == ids[0]
    with pytest.raises(UsageError, match="ambiguous") as caught:
        store.resolve_id(ids[0][:4])  # made in the same second: a shared prefix
    assert caught.value.exit_code == ExitCode.USAGE
    with pytest.raises(UsageError, match="no conversation matches"):
        store.resolve_id("zzzz%_")
    size = next(n for n in range(1, 13) if [i[:n] for i in ids].count(ids[2][:n]) == 1)
    assert store.resolve_id(ids[2][:size]) == ids[2]


def test_delete_cascades_and_keeps_the_search_index_consistent(
    store: HistoryStore,
) -> None:
    keep, drop = conversation(store), conversation(store)
    store.add_message(keep, "user", "keep this zebra")
    store.add_message(drop, "user", "drop this zebra")
    answer(store, drop, "zebra answer", reasoning="zebra thought")
    assert store.delete_conversations([drop, "not-an-id"]) == 1
    assert store._conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    assert [h["conversation_id"] for h in store.search("zebra")] == [keep]
    assert store.integrity_problems() == []  # includes the FTS5 'integrity-check'


def test_save_answer_to_a_deleted_row_raises_history_error(store: HistoryStore) -> None:
    cid = conversation(store)
    mid = store.begin_answer(cid, model="m", provider="p")
    store.delete_conversations([cid])
    with pytest.raises(HistoryError, match="no longer"):
        store.save_answer(mid, Turn("m", "p"))


def test_add_message_to_an_unknown_conversation_is_a_usage_error(
    store: HistoryStore,
) -> None:
    with pytest.raises(UsageError):
        store.add_message("nope", "user", "x")


# -------------------------------------------------------------- stale answers


def test_streaming_answer_of_a_dead_process_becomes_interrupted(db_path: Path) -> None:
    store = HistoryStore.open(db_path)
    cid = conversation(store)
    mine = store.begin_answer(cid, model="m", provider="p")
    orphan = store.begin_answer(cid, model="m", provider="p")
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # reaped: its PID names no process now
    gone_pid = finished.pid
    store._conn.execute(
        "UPDATE messages SET owner_pid = ? WHERE id = ?", (gone_pid, orphan)
    )
    store.close()

    reopened = HistoryStore.open(db_path)
    statuses = dict(
        reopened._conn.execute("SELECT id, status FROM messages").fetchall()
    )
    assert statuses == {mine: "streaming", orphan: "interrupted"}  # we are alive
    reopened.close()


# --------------------------------------------------------------- D02 writers

WRITER = """
    import os, sys, time
    from pathlib import Path
    from r1cli.history.store import HistoryStore
    from r1cli.core.messages import Turn
    from r1cli.core.events import ContentDelta
    path, cid, tag, go = sys.argv[1:5]
    store = HistoryStore.open(Path(path))
    print("ready", flush=True)
    while not os.path.exists(go):
        pass  # spin: both writers start within microseconds of each other
    started = time.time()
    for i in range(50):
        store.add_message(cid, "user", f"{tag} q{i}")
        mid = store.begin_answer(cid, model="m", provider="p")
        turn = Turn("m", "p")
        turn.apply(ContentDelta(f"{tag} a{i}"))
        turn.end("complete")
        store.save_answer(mid, turn)
    print(started, time.time(), flush=True)
    store.close()
"""


def test_two_processes_writing_at_once_never_see_database_is_locked(
    store: HistoryStore, db_path: Path, tmp_path: Path
) -> None:
    cid = conversation(store)
    go = tmp_path / "go"
    children = [run_child(WRITER, str(db_path), cid, tag, str(go)) for tag in "AB"]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"  # store open, at the barrier
    go.touch()
    spans = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert "locked" not in err
        spans.append([float(t) for t in out.split()])
    assert max(s[0] for s in spans) < min(s[1] for s in spans), "no overlap"
    rows = store._conn.execute(
        "SELECT seq, content FROM messages WHERE conversation_id = ? ORDER BY seq",
        (cid,),
    ).fetchall()
    assert [r["seq"] for r in rows] == list(range(1, 201))  # 2 × 100 writes, no gaps
    for tag in "AB":
        mine = [r["content"] for r in rows if r["content"].startswith(tag)]
        expected = [f"{tag} {kind}{i}" for i in range(50) for kind in ("q", "a")]
        assert mine == expected  # each writer's rows in its own order


def test_a_deferred_read_then_write_fails_at_once_which_is_why_we_begin_immediate(
    store: HistoryStore, db_path: Path
) -> None:
    conversation(store)
    deferred = sqlite3.connect(db_path, timeout=5.0, isolation_level=None)
    deferred.execute("BEGIN")  # deferred: takes a read snapshot, no write lock
    deferred.execute("SELECT COUNT(*) FROM conversations").fetchone()
    conversation(store)  # another connection commits meanwhile
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        deferred.execute(
            "INSERT INTO conversations VALUES ('x', 't', 'm', 'p', NULL, "
            "'2020', '2020')"
        )
    assert time.monotonic() - started < 1.0  # the busy timeout never helped
    deferred.execute("ROLLBACK")
    deferred.close()


# --------------------------------------------------------------- D04 SIGKILL

STREAMER = """
    import sys, time
    from pathlib import Path
    from r1cli.history.store import HistoryStore
    from r1cli.history.recorder import HistoryRecorder
    from r1cli.core.messages import Turn
    from r1cli.core.events import ContentDelta, ReasoningDelta
    store = HistoryStore.open(Path(sys.argv[1]))
    cid = store.create_conversation(title="kill me", model="m", provider="p", system=None)
    store.add_message(cid, "user", "tell me a long story")
    mid = store.begin_answer(cid, model="m", provider="p")
    recorder = HistoryRecorder(store, cid, mid, flush_interval=60, block_gap=0)
    turn = Turn("m", "p")
    recorder.begin(turn)
    def feed(event):
        turn.apply(event)
        recorder.on_event(event, turn)
    feed(ReasoningDelta("plotting the story"))
    for block in range(1000):
        for word in ("block", str(block), "has", "words"):
            feed(ContentDelta(word + " "))
            time.sleep(0.003)
        feed(ContentDelta("\\n"))
        feed(ContentDelta("\\n"))  # a blank line split across two deltas
        print(block, recorder.flushes, flush=True)
"""


def test_sigkill_while_streaming_keeps_the_flushed_blocks_marked_interrupted(
    db_path: Path,
) -> None:
    HistoryStore.open(db_path).close()
    child = run_child(STREAMER, str(db_path))
    assert child.stdout is not None
    for line in child.stdout:
        block, flushes = map(int, line.split())
        assert flushes == block + 1  # one write per block, none per token
        if block == 3:
            break
    time.sleep(0.005)  # somewhere inside block 4
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    store = HistoryStore.open(db_path)
    assert store.integrity_problems() == []
    data = store.get_conversation(store.latest_id() or "")
    reply = data["messages"][-1]
    assert reply["status"] == "interrupted"
    expected = "".join(f"block {n} has words \n\n" for n in range(4))
    assert reply["content"].startswith(expected)
    assert reply["reasoning"] == "plotting the story"
    store.close()


# ------------------------------------------------------------- D05 migrations


def build_at_version(path: Path, version: int) -> None:
    """A database made by an older r1: the first `version` migrations, some rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = raw(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    for migration in MIGRATIONS[:version]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        conn.execute(
            "INSERT INTO conversations VALUES ('old0000000000', 'legacy', 'm', 'p', "
            "NULL, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')"
        )
        for seq, (role, content) in enumerate(
            [("user", "tell me about quokkas"), ("assistant", "quokkas smile")], 1
        ):
            conn.execute(
                "INSERT INTO messages (conversation_id, seq, role, content, "
                "reasoning, status, created_at, updated_at) VALUES ('old0000000000', "
                "?, ?, ?, 'marsupial musings', 'complete', '2025', '2025')",
                (seq, role, content),
            )
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_every_earlier_schema_is_migrated_in_order_and_stays_searchable(
    db_path: Path, version: int
) -> None:
    build_at_version(db_path, version)
    store = HistoryStore.open(db_path)
    assert store._user_version() == len(MIGRATIONS)
    assert store.integrity_problems() == []
    if version >= 1:
        hits = store.search("quokkas")
        assert {h["role"] for h in hits} == {"user", "assistant"}
        assert store.search("musings", include_reasoning=True)
        backup = db_path.with_name(f"{db_path.name}.v{version}.bak")
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600
        assert raw(backup).execute("PRAGMA user_version").fetchone()[0] == version
    store.close()
    HistoryStore.open(db_path).close()  # re-running is a no-op


def test_a_failing_migration_leaves_the_previous_version_usable(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_at_version(db_path, len(MIGRATIONS))

    def m_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(history, "MIGRATIONS", [*MIGRATIONS, m_broken])
    with pytest.raises(HistoryError, match=r"could not upgrade.*boom") as caught:
        HistoryStore.open(db_path)
    assert caught.value.exit_code == ExitCode.CONFIG
    conn = raw(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    conn.close()

    monkeypatch.setattr(history, "MIGRATIONS", MIGRATIONS)
    with HistoryStore.open(db_path) as store:
        assert store.search("quokkas")


# -------------------------------------------------- D06, D07 refusing to open


def test_a_database_from_a_newer_r1_is_refused_and_left_untouched(
    db_path: Path,
) -> None:
    with HistoryStore.open(db_path) as store:
        conversation(store)
    conn = raw(db_path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 7}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(HistoryRefused, match="created by a newer r1") as caught:
        HistoryStore.open(db_path)
    assert f"schema {len(MIGRATIONS) + 7} > {len(MIGRATIONS)}" in caught.value.message
    assert caught.value.hint
    assert db_path.read_bytes() == before


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not a database at all\n" * 200,
        b"short",
        b"SQLite format 3\x00" + b"\xff" * 84,
    ],
    ids=["text", "short", "bad-header"],
)
def test_a_damaged_file_is_reported_and_never_replaced(
    db_path: Path, garbage: bytes
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(garbage)
    with (
        pytest.raises(HistoryRefused, match="database is damaged") as caught,
        HistoryStore.open(db_path) as store,
    ):
        store.list_conversations()
    assert caught.value.exit_code == ExitCode.CONFIG
    assert db_path.read_bytes() == garbage


def test_a_truncated_database_is_reported_as_damaged(db_path: Path) -> None:
    with HistoryStore.open(db_path) as store:
        for n in range(40):
            store.add_message(conversation(store), "user", f"message {n} " * 200)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    with (
        pytest.raises(HistoryRefused, match="database is damaged"),
        HistoryStore.open(db_path) as store,
    ):
        store.list_conversations(limit=0)
        store.search("message")


def test_a_store_below_a_regular_file_is_unwritable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="cannot use") as caught:
        HistoryStore.open(blocker / "data" / "history.sqlite3")
    assert caught.value.hint
    assert not isinstance(caught.value, HistoryRefused)  # the caller may go on


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_a_read_only_folder_is_unwritable() -> None:
    # sysfs refuses to create files for everyone, root included (CI runs as root,
    # which ignores a chmod 500 folder), so this holds wherever the suite runs.
    folder = Path("/sys/kernel")
    with pytest.raises(HistoryError, match="cannot use") as caught:
        HistoryStore.open(folder / "history.sqlite3")
    assert "Permission denied" in caught.value.message
    assert not (folder / "history.sqlite3").exists()


# ---------------------------------------------------------------- D08 search

HOSTILE = {
    "c++": "templates in c++ are fun",
    "foo-bar": "the foo-bar module",
    '"unbalanced': 'he said "unbalanced things',
    "NEAR(": "NEAR(x, y) is fts syntax",
    "AND": "this AND that",
    "x OR": "either x OR y",
    "it's": "it's fine",
    "body:foo": "column body:foo filter",
    "*": "glob * star",
    "50%": "a 50% discount",
    "naïve café": "a naïve café owner",
    "日本語": "日本語 テキスト",
}


@pytest.mark.parametrize("query", list(HOSTILE))
def test_hostile_queries_are_searched_literally(
    store: HistoryStore, query: str
) -> None:
    cid = conversation(store)
    for content in HOSTILE.values():
        store.add_message(cid, "user", content)
    snippets = [h["snippet"] for h in store.search(query)]
    assert snippets, query
    target = HOSTILE[query]
    assert any(s.replace("[", "").replace("]", "") == target for s in snippets)


def test_literal_means_a_phrase_not_a_bag_of_words(store: HistoryStore) -> None:
    cid = conversation(store)
    store.add_message(cid, "user", "bar comes before foo here")
    assert store.search("foo bar") == []
    assert store.search("before foo")


def test_like_fallback_escapes_wildcards(store: HistoryStore) -> None:
    cid = conversation(store)
    for content in ("100% sure", "1000 sure", "a_b", "axb"):
        store.add_message(cid, "user", content)
    store._fts = False  # what a Python without FTS5 gets
    assert [h["snippet"] for h in store.search("0%")] == ["10[0%] sure"]
    assert [h["snippet"] for h in store.search("a_b")] == ["[a_b]"]


def test_reasoning_is_searched_only_when_asked(store: HistoryStore) -> None:
    cid = conversation(store)
    store.add_message(cid, "user", "q")
    answer(store, cid, "the answer", reasoning="hidden pondering")
    assert store.search("pondering") == []
    hits = store.search("pondering", include_reasoning=True)
    assert [(h["role"], h["snippet"]) for h in hits] == [
        ("assistant", "hidden [pondering]")
    ]
    assert list(hits[0]) == [
        "conversation_id",
        "title",
        "role",
        "snippet",
        "created_at",
    ]


@pytest.mark.parametrize("fts", [True, False])
def test_an_answer_is_searchable_once_it_settles(
    store: HistoryStore, fts: bool
) -> None:
    store._fts = fts  # False: the LIKE search of a Python without FTS5
    cid = conversation(store)
    mid = store.begin_answer(cid, model="m", provider="p")
    turn = Turn("m", "p")
    turn.apply(ContentDelta("draft walrus"))
    store.save_answer(mid, turn)
    turn.apply(ContentDelta(" and narwhal"))
    store.save_answer(mid, turn)
    # Streaming saves are not indexed (re-indexing the whole answer at every save
    # was most of its cost); the index is still consistent meanwhile.
    assert store.search("walrus") == []
    assert store.integrity_problems() == []
    turn.end("complete")
    store.save_answer(mid, turn)
    assert len(store.search("walrus")) == 1
    assert len(store.search("narwhal")) == 1
    assert store.integrity_problems() == []  # the index matches the messages
    turn.apply(ContentDelta(" plus orca"))  # a settled row that changes again
    store.save_answer(mid, turn, status="interrupted")
    assert len(store.search("orca")) == 1
    assert store.integrity_problems() == []


# The triggers of schema versions 2-4, as shipped: every save re-indexed the answer.
V4_TRIGGERS = (
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN INSERT INTO "
    "messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, "
    "new.reasoning); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN INSERT INTO "
    "messages_fts(messages_fts, rowid, content, reasoning) VALUES ('delete', "
    "old.id, old.content, old.reasoning); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content, reasoning ON messages "
    "WHEN old.content IS NOT new.content OR old.reasoning IS NOT new.reasoning "
    "BEGIN INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) VALUES "
    "('delete', old.id, old.content, old.reasoning); INSERT INTO "
    "messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, "
    "new.reasoning); END",
)


def test_a_v4_database_with_an_answer_streaming_is_migrated_consistently(
    db_path: Path,
) -> None:
    store = HistoryStore.open(db_path)
    cid = conversation(store)
    mid = store.begin_answer(cid, model="m", provider="p")  # owned by this process
    turn = Turn("m", "p")
    turn.apply(ContentDelta("beluga draft"))
    store.save_answer(mid, turn)
    store.close()
    # Back to version 4 as an older r1 left it: its triggers, this row indexed.
    conn = raw(db_path)
    for name in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au"):
        conn.execute(f"DROP TRIGGER {name}")
    for statement in V4_TRIGGERS:
        conn.execute(statement)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    assert conn.execute(
        "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'beluga'"
    ).fetchone() == (1,)
    conn.close()

    store = HistoryStore.open(db_path)  # m005
    assert store._user_version() == len(MIGRATIONS)
    assert store.search("beluga") == []  # taken out of the index while it streams
    turn.apply(ContentDelta(" and more"))
    store.save_answer(mid, turn)
    turn.end("complete")
    store.save_answer(mid, turn)
    assert len(store.search("beluga")) == 1
    assert store.integrity_problems() == []
    store.close()


def test_empty_query_is_a_usage_error(store: HistoryStore) -> None:
    with pytest.raises(UsageError):
        store.search("   ")


def test_fts_phrase_doubles_quotes() -> None:
    assert fts_phrase('say "hi"') == '"say ""hi"""'


# ------------------------------------------------------------- the recorder


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def recording(store: HistoryStore, clock: FakeClock) -> tuple[HistoryRecorder, Turn]:
    cid = conversation(store)
    mid = store.begin_answer(cid, model="m", provider="p")
    recorder = HistoryRecorder(store, cid, mid, clock=clock, block_gap=0)
    turn = Turn("m", "p")
    recorder.begin(turn)
    return recorder, turn


def feed(recorder: HistoryRecorder, turn: Turn, *events: object) -> None:
    for event in events:
        turn.apply(event)  # type: ignore[arg-type]
        recorder.on_event(event, turn)  # type: ignore[arg-type]


def stored(store: HistoryStore, recorder: HistoryRecorder) -> sqlite3.Row:
    return store._conn.execute(
        "SELECT content, reasoning, status FROM messages WHERE id = ?",
        (recorder.message_id,),
    ).fetchone()


def test_recorder_flushes_at_blank_lines_not_per_token(store: HistoryStore) -> None:
    clock = FakeClock()
    recorder, turn = recording(store, clock)
    feed(recorder, turn, *(ContentDelta(f"tok{i} ") for i in range(200)))
    assert recorder.flushes == 0
    feed(recorder, turn, ContentDelta("end\n"), ContentDelta("\nnext"))
    assert recorder.flushes == 1
    assert stored(store, recorder)["status"] == "streaming"
    assert stored(store, recorder)["content"].endswith("end\n\nnext")
    feed(recorder, turn, ReasoningDelta("thought one\n\n"))
    assert recorder.flushes == 2
    assert turn.conversation_id == recorder.conversation_id


def test_recorder_flushes_at_least_every_second_while_text_arrives(
    store: HistoryStore,
) -> None:
    clock = FakeClock()
    recorder, turn = recording(store, clock)
    feed(recorder, turn, ContentDelta("a"))
    clock.now = 0.99
    feed(recorder, turn, ContentDelta("b"), Usage(1, 2))
    assert recorder.flushes == 0
    clock.now = 1.0
    feed(recorder, turn, ContentDelta("c"))
    assert (recorder.flushes, stored(store, recorder)["content"]) == (1, "abc")


def test_recorder_end_saves_the_final_status(store: HistoryStore) -> None:
    recorder, turn = recording(store, FakeClock())
    feed(recorder, turn, ContentDelta("all"), Finish("stop"))
    turn.end("complete")
    recorder.end(turn)
    assert tuple(stored(store, recorder)) == ("all", "", "complete")


def test_recorder_end_of_an_unended_turn_saves_interrupted(store: HistoryStore) -> None:
    recorder, turn = recording(store, FakeClock())
    feed(recorder, turn, ContentDelta("half"))
    recorder.end(turn)
    assert stored(store, recorder)["status"] == "interrupted"
    assert (
        turn.status == "streaming"
    )  # the engine's turn is not the recorder's to change


def test_recorder_survives_a_locked_database_with_one_warning(
    store: HistoryStore, db_path: Path
) -> None:
    recorder, turn = recording(store, FakeClock())
    store._conn.execute("PRAGMA busy_timeout = 50")
    holder = raw(db_path)
    holder.execute("BEGIN IMMEDIATE")  # another r1 holds the write lock too long
    feed(recorder, turn, ContentDelta("para\n\n"))
    assert recorder.warning is not None and "busy" in recorder.warning
    holder.execute("ROLLBACK")
    feed(recorder, turn, ContentDelta("more\n\n"))
    recorder.end(turn)
    assert recorder.flushes == 0  # stopped writing after the first failure
    assert "busy" in recorder.warning
    holder.close()


def test_a_burst_of_short_blocks_is_coalesced_into_one_flush(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "h.sqlite3")
    cid = store.create_conversation(title="t", model="m", provider="p", system=None)
    mid = store.begin_answer(cid, model="m", provider="p")
    clock = FakeClock()
    recorder = HistoryRecorder(store, cid, mid, clock=clock, block_gap=0.25)
    turn = Turn(model="m", provider="p")
    recorder.begin(turn)
    clock.now += 0.3
    for item in range(10):  # ten list items arriving within a few milliseconds
        feed(recorder, turn, ContentDelta(f"- item {item}\n\n"))
        clock.now += 0.001
    assert recorder.flushes == 1
    clock.now += 0.3
    feed(recorder, turn, ContentDelta("next paragraph\n\n"))
    assert recorder.flushes == 2
    store.close()


def test_importing_the_history_package_stays_cheap() -> None:
    # The package exports HistoryStore lazily: `r1cli.history.ids` (the REPL's
    # unsaved-conversation export) must not pull in the store or sqlite3.
    code = (
        "import sys, r1cli.history, r1cli.history.ids; "
        "print(sorted(m for m in ('sqlite3', 'r1cli.history.store') if m in sys.modules)); "
        "from r1cli.history import HistoryRefused, HistoryStore; "
        "print(HistoryStore.__module__, HistoryRefused.__module__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    ).stdout.splitlines()
    assert out == ["[]", "r1cli.history.store r1cli.history.files"]

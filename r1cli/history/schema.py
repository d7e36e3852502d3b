"""The history database schema: its migrations and the full-text index DDL.

`MIGRATIONS[n]` takes the schema from version n to n + 1; `HistoryStore` applies them
in order, each in one transaction with the `PRAGMA user_version` bump, so a failed
step leaves no trace. Append new migrations; never edit a shipped one.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable


def m001_initial(conn: sqlite3.Connection) -> None:
    """Conversations and messages; reasoning kept apart from content."""
    conn.execute(
        """CREATE TABLE conversations (
            id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', model TEXT,
            provider TEXT, system TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"""
    )
    conn.execute("CREATE INDEX conversations_updated ON conversations(updated_at)")
    conn.execute(
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL
                REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'complete',
            model TEXT, provider TEXT, finish_reason TEXT, error TEXT,
            prompt_tokens INTEGER, completion_tokens INTEGER,
            reasoning_tokens INTEGER, cached_tokens INTEGER, cost REAL,
            first_token_ms INTEGER, total_ms INTEGER, signature TEXT,
            owner_pid INTEGER,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            UNIQUE (conversation_id, seq))"""
    )
    conn.execute("CREATE INDEX messages_status ON messages(status)")


def m002_fts(conn: sqlite3.Connection) -> None:
    """Full-text index over content and reasoning, kept in sync by triggers."""
    if fts5_available():
        create_fts(conn)


def create_fts(conn: sqlite3.Connection) -> None:
    """Create the FTS5 external-content table, its triggers, and fill it."""
    conn.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, reasoning, "
        "content='messages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    create_fts_triggers(conn)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")
    _unindex_streaming(conn)


# An answer is indexed once it has settled (any status but 'streaming'), not at each
# save while it streams: re-indexing the whole answer was most of a save's cost, and
# grew with the answer. A row's index entries are always its text as of its last
# settled save, so each 'delete' below removes exactly what was inserted.
_FTS_DELETE = (
    "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) "
    "SELECT 'delete', old.id, old.content, old.reasoning "
    "WHERE old.status != 'streaming';"
)
_FTS_INSERT = (
    "INSERT INTO messages_fts(rowid, content, reasoning) "
    "SELECT new.id, new.content, new.reasoning WHERE new.status != 'streaming';"
)
_FTS_TRIGGERS = (
    f"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN {_FTS_INSERT} END",
    f"CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN {_FTS_DELETE} END",
    # When the text changed, or the row settled (or, never in practice, unsettled).
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content, reasoning, status "
    "ON messages WHEN old.content IS NOT new.content "
    "OR old.reasoning IS NOT new.reasoning "
    "OR (old.status = 'streaming') != (new.status = 'streaming') "
    f"BEGIN {_FTS_DELETE} {_FTS_INSERT} END",
)


def create_fts_triggers(conn: sqlite3.Connection) -> None:
    for statement in _FTS_TRIGGERS:
        conn.execute(statement)


def _unindex_streaming(conn: sqlite3.Connection) -> None:
    """Take answers still streaming out of the index (they are indexed as stored)."""
    conn.execute(
        "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) "
        "SELECT 'delete', id, content, reasoning FROM messages "
        "WHERE status = 'streaming'"
    )


# Thought accounting (core/accounting.py); NULL is "not known", never zero.
THOUGHT_COLUMNS = (
    "reasoning_first_ms INTEGER",
    "reasoning_ms INTEGER",
    "content_first_ms INTEGER",
    "content_ms INTEGER",
    "thinking_tokens INTEGER",
    "answer_tokens INTEGER",
    "tokens_estimated INTEGER",
    "reasoning_cost REAL",
    "answer_cost REAL",
    "effort TEXT",
    "thinking_cut INTEGER",
)


def m003_thought_accounting(conn: sqlite3.Connection) -> None:
    """The thinking/answer split of every answer.

    Old rows keep NULL, except the token split where the provider's own counts were
    stored (exact, so not an estimate); their times and cost split stay unknown.
    """
    for column in THOUGHT_COLUMNS:
        conn.execute(f"ALTER TABLE messages ADD COLUMN {column}")
    conn.execute(
        "UPDATE messages SET thinking_tokens = reasoning_tokens, "
        "answer_tokens = MAX(completion_tokens - reasoning_tokens, 0), "
        "tokens_estimated = 0 WHERE role = 'assistant' "
        "AND reasoning_tokens IS NOT NULL AND completion_tokens IS NOT NULL"
    )


def m004_tools(conn: sqlite3.Connection) -> None:
    """An answer's tool calls and results, in order: a JSON list of the messages its
    tool loop sent back (NULL: no tools). Redacted like errors."""
    conn.execute("ALTER TABLE messages ADD COLUMN tools TEXT")


def m005_index_settled_answers(conn: sqlite3.Connection) -> None:
    """The search index holds settled answers only (see `_FTS_TRIGGERS`)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'messages_fts'"
    ).fetchone()
    if exists is None:
        return  # no FTS5 here: `create_fts` makes the new triggers when it arrives
    for trigger in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    _unindex_streaming(conn)  # indexed as they were by the old triggers
    create_fts_triggers(conn)


# Applied in order; MIGRATIONS[n] takes the schema from version n to n + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial,
    m002_fts,
    m003_thought_accounting,
    m004_tools,
    m005_index_settled_answers,
]


@functools.cache
def fts5_available() -> bool:
    """Whether this Python's SQLite was built with FTS5."""
    with contextlib.closing(sqlite3.connect(":memory:")) as probe:
        try:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        except sqlite3.OperationalError:
            return False
    return True

"""Changing stored conversations as wholes: rename, fork, prune (`r1 history
rename|fork|rm`, `/title`, `/fork`). A base of `HistoryStore`, over `Database`'s
transactions; the store itself owns opening, migrating and the turn-by-turn writes."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timezone

from r1cli.errors import UsageError
from r1cli.history.database import Database
from r1cli.history.ids import derive_title, iso_utc, new_id, utc_now
from r1cli.history.schema import THOUGHT_COLUMNS

# The message columns a fork copies as they are (the thought accounting included).
_MESSAGE_COPY = ", ".join(
    [
        "seq, role, content, reasoning, model, provider, finish_reason, error",
        "prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, cost",
        "first_token_ms, total_ms, signature, tools",
        *(column.split()[0] for column in THOUGHT_COLUMNS),
    ]
)


def _turns(n: int) -> str:
    return "1 turn" if n == 1 else f"{n} turns"


def insert_conversation(
    conn: sqlite3.Connection,
    *,
    title: str,
    model: str | None,
    provider: str | None,
    system: str | None,
    now: str,
) -> str:
    """Insert a conversation row under a fresh id (inside the caller's write); the
    title goes through `derive_title`."""
    cid = new_id()
    while conn.execute("SELECT 1 FROM conversations WHERE id = ?", (cid,)).fetchone():
        cid = new_id()
    conn.execute(
        "INSERT INTO conversations (id, title, model, provider, system, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (cid, derive_title(title), model, provider, system, now, now),
    )
    return cid


class ConversationEdits(Database):
    """Rename, fork and delete whole conversations."""

    # Whether the full-text index exists (set by HistoryStore when it opens).
    _fts: bool

    def _conversation_row(self, conn: sqlite3.Connection, cid: str) -> sqlite3.Row:
        row = conn.execute(
            "SELECT * FROM conversations WHERE id = ?", (cid,)
        ).fetchone()
        if row is None:
            raise UsageError(
                f"no conversation matches '{cid}'",
                hint="list them with 'r1 history list'",
            )
        found: sqlite3.Row = row
        return found

    def rename(self, conversation_id: str, title: str) -> str:
        """Give a conversation a title of the user's own; returns it as stored.

        One line (whitespace runs become one space); an empty title is refused.
        """
        title = " ".join(title.split())
        if not title:
            raise UsageError("the new title is empty")
        with self._write() as conn:
            self._conversation_row(conn, conversation_id)
            conn.execute(
                "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?",
                (title, utc_now(), conversation_id),
            )
        return title

    def turn_count(self, conversation_id: str) -> int:
        """How many turns (user messages, each with its answers) it has."""
        with self._read() as conn:
            self._conversation_row(conn, conversation_id)
            row = conn.execute(
                "SELECT COUNT(*) FROM messages WHERE conversation_id = ? "
                "AND role = 'user'",
                (conversation_id,),
            ).fetchone()
        return int(row[0])

    def fork(self, conversation_id: str, after_turn: int | None = None) -> str:
        """Copy a conversation up to the end of turn `after_turn` (1-based; None:
        all of it) into a new conversation; returns the new id.

        Rows are copied with their reasoning, usage and timings (the FTS triggers
        index the copies); an answer still streaming in the original is copied as
        interrupted, since nobody will finish the copy.
        """
        turns = self.turn_count(conversation_id)
        if turns == 0:
            raise UsageError("nothing to fork: the conversation has no messages")
        n = turns if after_turn is None else after_turn
        if not 1 <= n <= turns:
            raise UsageError(
                f"no turn {n}: the conversation has {_turns(turns)}",
                hint=f"pick a turn from 1 to {turns}",
            )
        now = utc_now()
        with self._write() as conn:
            head = self._conversation_row(conn, conversation_id)
            cid = insert_conversation(
                conn,
                title=f"{head['title']} (fork)",
                model=head["model"],
                provider=head["provider"],
                system=head["system"],
                now=now,
            )
            # The seq of turn n + 1's prompt: everything before it is copied.
            end = conn.execute(
                "SELECT seq FROM messages WHERE conversation_id = ? AND role = 'user' "
                "ORDER BY seq LIMIT 1 OFFSET ?",
                (conversation_id, n),
            ).fetchone()
            limit = end[0] if end is not None else None
            conn.execute(
                f"INSERT INTO messages ({_MESSAGE_COPY}, conversation_id, status, "
                f"owner_pid, created_at, updated_at) SELECT {_MESSAGE_COPY}, ?1, "
                "CASE status WHEN 'streaming' THEN 'interrupted' ELSE status END, "
                "NULL, created_at, ?2 FROM messages WHERE conversation_id = ?3 "
                "AND (?4 IS NULL OR seq < ?4) ORDER BY seq",
                (cid, now, conversation_id, limit),
            )
        return cid

    def ids_older_than(self, cutoff: datetime) -> list[str]:
        """Conversations last updated before `cutoff` (aware, any zone), oldest
        first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id FROM conversations WHERE updated_at < ? "
                "ORDER BY updated_at, id",
                (iso_utc(cutoff.astimezone(timezone.utc)),),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def delete_conversations(self, ids: list[str]) -> int:
        """Delete conversations (and their messages); returns how many were found."""
        with self._write() as conn:
            count = sum(
                conn.execute("DELETE FROM conversations WHERE id = ?", (cid,)).rowcount
                for cid in ids
            )
            if count and self._fts:
                # Merge the index segments so the deleted words leave it too.
                conn.execute(
                    "INSERT INTO messages_fts(messages_fts) VALUES ('optimize')"
                )
        with self._read() as conn, contextlib.suppress(sqlite3.Error):
            # Best effort: old page images in the WAL would still hold the text.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    # ------------------------------------------------------------------ reading

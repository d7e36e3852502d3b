"""The conversation history store: one SQLite file, stdlib `sqlite3` only.

Owns opening and migrating the file and every read and write of conversations and
messages. Around it: `database.py` (the connection's lock and transactions), `schema.py`
(migrations), `files.py` (the file's checks and error messages), `ids.py` (ids, titles,
times), `rows.py` (row shapes) and `search.py` (full-text search). It never prints and
never imports rich or typer: callers turn its `HistoryError`/`UsageError` into
messages. Rules it keeps (docs/reliability.md §2.3): WAL, `busy_timeout`, `BEGIN IMMEDIATE`
for every write (a deferred read→write upgrade fails at once with "database is
locked"), files 0600 and folder 0700, the schema version in `PRAGMA user_version`
bumped in the same transaction as each migration, a database from a newer r1 or a
damaged file refused and left as it is.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from r1cli.config.paths import ensure_private_dir
from r1cli.core.messages import Conversation, Turn, answer_messages
from r1cli.errors import HistoryError, UsageError
from r1cli.history.edits import ConversationEdits, insert_conversation
from r1cli.history.files import (
    BUSY_TIMEOUT_MS,
    NO_HISTORY,
    HistoryRefused,
    backup_copy,
    check_header,
    create_private_file,
    refuse_newer,
    unwritable,
)
from r1cli.history.ids import iso_utc, utc_now
from r1cli.history.rows import (
    LIST_SQL,
    SAVE_ANSWER,
    answer_values,
    load_exchange,
    message_dict,
)
from r1cli.history.schema import MIGRATIONS, create_fts, fts5_available
from r1cli.history.search import search_messages

__all__ = ["HistoryRefused", "HistoryStore"]

# A 'streaming' row older than this is stale even if its owner PID looks alive (PIDs
# get reused; no turn runs this long).
STALE_AFTER = timedelta(hours=1)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


# ----------------------------------------------------------------------------- store


class HistoryStore(ConversationEdits):
    """One open history database. Use `HistoryStore.open(path)`; one per process.

    Every write is a short `BEGIN IMMEDIATE` transaction (see `Database`).
    """

    _fts = False  # whether the messages_fts index exists; settled by open()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path) -> HistoryStore:
        """Open (creating if needed) and migrate the database at `path`.

        Raises:
            HistoryRefused: the file is from a newer r1 or damaged; it is left
                exactly as it was (callers must not fall back to a new file).
            HistoryError: the database cannot be created, opened or written.
        """
        path = Path(path)
        try:
            ensure_private_dir(path.parent)
            create_private_file(path)
            check_header(path, len(MIGRATIONS))
            conn = sqlite3.connect(
                path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN IMMEDIATE/COMMIT ourselves
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            raise unwritable(path, exc) from None
        conn.row_factory = sqlite3.Row
        store = cls(conn, path)
        try:
            with store._guard():
                store._setup()
        except BaseException:
            conn.close()
            raise
        return store

    def _setup(self) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The first read: fails on a damaged file, and must come before any write.
        refuse_newer(self.path, self._user_version(), len(MIGRATIONS))
        # A concurrent first open may be switching it; the mode is persistent.
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted conversations are overwritten, not left in free pages.
        conn.execute("PRAGMA secure_delete = ON")
        self._migrate()
        self._ensure_fts()
        self._mark_stale()
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # tighten a file an older tool left readable

    def _migrate(self) -> None:
        start = self._user_version()
        if start >= len(MIGRATIONS):
            return
        if start > 0:
            backup_copy(self._conn, self.path, start)
        for version in range(start, len(MIGRATIONS)):
            try:
                with self._write() as conn:
                    if self._user_version() > version:
                        continue  # another process migrated meanwhile
                    MIGRATIONS[version](conn)
                    # Same transaction as the DDL: a failed step leaves no trace.
                    conn.execute(f"PRAGMA user_version = {version + 1}")
            except Exception as exc:
                raise HistoryError(
                    f"could not upgrade the history database from schema "
                    f"{version} to {version + 1}: {exc}",
                    hint=f"it is unchanged at schema {version}; {NO_HISTORY}",
                ) from exc

    def _ensure_fts(self) -> None:
        """Use the FTS index if present; build it if FTS5 arrived after m002 ran."""
        self._fts = self._has_table("messages_fts")
        if self._fts and not fts5_available():
            raise HistoryError(
                f"the history database needs SQLite FTS5, which this Python "
                f"lacks: {self.path}",
                hint=f"use a Python whose sqlite3 has FTS5; {NO_HISTORY}",
            )
        if not self._fts and fts5_available():
            with self._write() as conn:
                if not self._has_table("messages_fts"):
                    create_fts(conn)
            self._fts = True

    def _mark_stale(self) -> None:
        """Answers left 'streaming' by a process that died become 'interrupted'."""
        sql = (
            "SELECT id, owner_pid, updated_at FROM messages WHERE status = 'streaming'"
        )
        cutoff = iso_utc(datetime.now(timezone.utc) - STALE_AFTER)
        stale = [
            (row["id"],)
            for row in self._conn.execute(sql).fetchall()
            if not _pid_alive(row["owner_pid"]) or row["updated_at"] < cutoff
        ]
        if stale:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE messages SET status = 'interrupted' "
                    "WHERE id = ? AND status = 'streaming'",
                    stale,
                )

    # ------------------------------------------------------------------ writing

    def create_conversation(
        self, *, title: str, model: str, provider: str, system: str | None
    ) -> str:
        """Start a conversation and return its new id.

        `title` may be the raw first prompt: it goes through `derive_title`.
        """
        with self._write() as conn:
            return insert_conversation(
                conn,
                title=title,
                model=model,
                provider=provider,
                system=system,
                now=utc_now(),
            )

    def add_message(self, conversation_id: str, role: str, content: str) -> int:
        """Store a complete user (or system) message; returns its row id.

        A 'system' message replaces the conversation's system prompt from then on.
        """
        if role not in ("system", "user", "assistant"):
            raise ValueError(f"unknown role {role!r}")
        with self._write() as conn:
            return self._insert(conn, conversation_id, role, content, "complete")

    def begin_answer(self, conversation_id: str, *, model: str, provider: str) -> int:
        """Insert the assistant row (status 'streaming') before the request is sent."""
        with self._write() as conn:
            return self._insert(
                conn, conversation_id, "assistant", "", "streaming", model, provider
            )

    def _insert(
        self,
        conn: sqlite3.Connection,
        cid: str,
        role: str,
        content: str,
        status: str,
        model: str | None = None,
        provider: str | None = None,
    ) -> int:
        if (
            conn.execute("SELECT 1 FROM conversations WHERE id = ?", (cid,)).fetchone()
            is None
        ):
            raise UsageError(f"no conversation matches '{cid}'")
        now = utc_now()
        # seq is computed inside the IMMEDIATE transaction, so two writers never clash.
        cursor = conn.execute(
            "INSERT INTO messages (conversation_id, seq, role, content, status, model, "
            "provider, owner_pid, created_at, updated_at) VALUES (?1, (SELECT "
            "COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?1), "
            "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            (cid, role, content, status, model, provider, os.getpid(), now),
        )
        conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, cid))
        return int(cursor.lastrowid or 0)

    def save_answer(
        self,
        message_id: int,
        turn: Turn,
        *,
        status: str | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        """Write the answer as it stands (partial while `turn.status` is 'streaming').

        Args:
            message_id: the row `begin_answer` returned.
            turn: the answer; its status is stored unless `status` overrides it.
            status: e.g. 'interrupted' for a turn that ended without being ended.

        Raises:
            HistoryError: the write failed, or the row is gone (deleted meanwhile).
        """
        values = answer_values(turn, redact)
        values.update(id=message_id, updated_at=utc_now())
        if status is not None:
            values["status"] = status
        with self._write() as conn:
            cursor = conn.execute(SAVE_ANSWER, values)
            if cursor.rowcount == 0:
                raise HistoryError(f"answer {message_id} is no longer in history")
            conn.execute(
                "UPDATE conversations SET updated_at = :updated_at WHERE id = "
                "(SELECT conversation_id FROM messages WHERE id = :id)",
                values,
            )

    def rewind(self, conversation_id: str, *, drop_prompt: bool) -> str | None:
        """Take back the latest answer (for /retry) or the latest exchange (/edit).

        Deletes the assistant rows after the last user message, and that user
        message too when `drop_prompt`. Returns the last user message's content, or
        None when the conversation has no user message (then nothing is deleted).
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT seq, content FROM messages WHERE conversation_id = ? "
                "AND role = 'user' ORDER BY seq DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            if row is None:
                return None
            first = row["seq"] if drop_prompt else row["seq"] + 1
            conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND seq >= ? "
                "AND role IN ('user', 'assistant')",
                (conversation_id, first),
            )
            return str(row["content"])

    def models_used(self, limit: int = 50) -> list[str]:
        """Models that answered in earlier conversations, most recent first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT model FROM messages WHERE role = 'assistant' AND model IS NOT "
                "NULL AND model != '' GROUP BY model ORDER BY MAX(id) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def resolve_id(self, prefix: str) -> str:
        """The full id of the one conversation whose id starts with `prefix`.

        Raises:
            UsageError: no conversation matches, or more than one does.
        """
        prefix = prefix.strip().lower()
        if not prefix:
            raise UsageError("empty conversation id")
        with self._read() as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM conversations WHERE substr(id, 1, length(?1)) = ?1 "
                    "ORDER BY id LIMIT 6",
                    (prefix,),
                )
            ]
        if prefix in ids or len(ids) == 1:
            return prefix if prefix in ids else ids[0]
        if not ids:
            raise UsageError(
                f"no conversation matches '{prefix}'",
                hint="list them with 'r1 history list'",
            )
        shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
        raise UsageError(
            f"'{prefix}' is ambiguous: {shown}", hint="type more characters of the id"
        )

    def latest_id(self) -> str | None:
        """The most recently updated conversation, if any."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else str(row[0])

    def load_conversation(self, conversation_id: str) -> Conversation:
        """The messages to send to a model to continue this conversation.

        Content only, never reasoning; a cut-off answer carries INTERRUPTED_MARKER
        (`replay_text`). A prompt whose answer said nothing is left out with it;
        roles alternate. The result ends with a user message only when the last
        prompt has no answer row (it was rewound for /retry).
        """
        with self._read() as conn:
            head = self._conversation_row(conn, conversation_id)
            rows = conn.execute(
                "SELECT role, content, status, tools FROM messages "
                "WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        conversation = Conversation(system=head["system"], id=conversation_id)
        # A prompt is sent again only with the answer it got: one whose turn said
        # nothing (stopped before any text, or failed) stays in history, marked by its
        # answer's status, but is not slipped into the next request. A trailing
        # prompt with no answer row at all is the one /retry is about to answer.
        pending: list[str] = []
        for row in rows:
            if row["role"] == "system":
                conversation.system = row["content"] or None
            elif row["role"] == "user":
                pending.append(row["content"])
            else:
                said = answer_messages(
                    row["content"], row["status"], load_exchange(row["tools"])
                )
                if said:
                    for prompt in pending:
                        conversation.add_user(prompt)
                    conversation.messages += said
                pending = []
        for prompt in pending:
            conversation.add_user(prompt)
        return conversation

    def list_conversations(self, limit: int = 20) -> list[dict[str, Any]]:
        """Conversations, most recently updated first (`limit` ≤ 0: all)."""
        with self._read() as conn:
            rows = conn.execute(
                f"{LIST_SQL} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
                (limit if limit > 0 else -1,),
            ).fetchall()
        return [dict(row) for row in rows]

    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """One conversation with all its messages, reasoning and usage included."""
        with self._read() as conn:
            self._conversation_row(conn, conversation_id)
            head = conn.execute(
                f"{LIST_SQL} WHERE c.id = ?", (conversation_id,)
            ).fetchone()
            system = conn.execute(
                "SELECT system FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()[0]
            rows = conn.execute(
                "SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        return {
            **dict(head),
            "system": system,
            "messages": [message_dict(r) for r in rows],
        }

    # ------------------------------------------------------------------- search

    def search(
        self,
        query: str,
        *,
        include_reasoning: bool = False,
        limit: int = 20,
        markers: tuple[str, str] = ("[", "]"),
    ) -> list[dict[str, Any]]:
        """Messages containing `query` literally (as one phrase), newest first.

        See `r1cli.history.search.search_messages` for the rules and the hit shape.
        """
        if not query.strip():
            raise UsageError("the search query is empty")
        with self._read() as conn:
            return search_messages(
                conn,
                query,
                fts=self._fts,
                include_reasoning=include_reasoning,
                limit=limit,
                markers=markers,
            )

    def integrity_problems(self) -> list[str]:
        """What `PRAGMA integrity_check` and the FTS check report; [] if healthy."""
        with self._read() as conn:
            problems = [
                str(row[0])
                for row in conn.execute("PRAGMA integrity_check")
                if row[0] != "ok"
            ]
            if self._fts:
                # Rank 1 also compares the index with the messages, which is only
                # true when no answer is streaming (those are indexed when they end).
                streaming = conn.execute(
                    "SELECT 1 FROM messages WHERE status = 'streaming' LIMIT 1"
                ).fetchone()
                try:
                    conn.execute(
                        "INSERT INTO messages_fts(messages_fts, rank) "
                        "VALUES ('integrity-check', ?)",
                        (0 if streaming else 1,),
                    )
                except sqlite3.DatabaseError as exc:
                    problems.append(f"search index: {exc}")
        return problems

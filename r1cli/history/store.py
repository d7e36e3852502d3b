"""The conversation history store: one SQLite file, stdlib `sqlite3` only.

Owns the schema and its migrations, every read and write of conversations and messages,
and full-text search. It never prints and never imports rich or typer: callers turn its
`HistoryError`/`UsageError` into messages. Rules it keeps (reliability.md §2.3):
WAL, `busy_timeout`, `BEGIN IMMEDIATE` for every write (a deferred read→write upgrade
fails at once with "database is locked"), files 0600 and folder 0700, the schema
version in `PRAGMA user_version` bumped in the same transaction as each migration, a
database from a newer r1 or a damaged file refused and left as it is.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from r1cli.config.paths import ensure_private_dir
from r1cli.core.messages import Conversation, Message, Turn, replay_text
from r1cli.errors import HistoryError, UsageError

BUSY_TIMEOUT_MS = 5000
TITLE_MAX = 60
# A 'streaming' row older than this is stale even if its owner PID looks alive (PIDs
# get reused; no turn runs this long).
STALE_AFTER = timedelta(hours=1)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_NO_HISTORY = "--no-history chats without saving"
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u


class HistoryRefused(HistoryError):
    """The file is from a newer r1 or damaged: refused, and never written over."""


# ---------------------------------------------------------------------------- schema


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
    cols = "rowid, content, reasoning"
    delete = (
        "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) "
        "VALUES ('delete', old.id, old.content, old.reasoning);"
    )
    insert = (
        f"INSERT INTO messages_fts({cols}) VALUES (new.id, new.content, new.reasoning);"
    )
    for statement in (
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, reasoning, "
        "content='messages', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN {insert} END",
        f"CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN {delete} END",
        # Re-index only when the text changed (a final status-only save does not).
        "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content, reasoning "
        "ON messages WHEN old.content IS NOT new.content "
        f"OR old.reasoning IS NOT new.reasoning BEGIN {delete} {insert} END",
        "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    ):
        conn.execute(statement)


# Applied in order; MIGRATIONS[n] takes the schema from version n to n + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_initial, m002_fts]


@functools.cache
def fts5_available() -> bool:
    """Whether this Python's SQLite was built with FTS5."""
    with contextlib.closing(sqlite3.connect(":memory:")) as probe:
        try:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        except sqlite3.OperationalError:
            return False
    return True


# --------------------------------------------------------------------------- helpers


def utc_now() -> str:
    """Now as ISO-8601 UTC with microseconds and a 'Z'; such strings sort as text."""
    # Microseconds, not milliseconds: "most recently updated" stays exact for
    # writes made in quick succession.
    return _iso(datetime.now(timezone.utc))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    """12 lowercase base32 characters: 45 bits of milliseconds, then 15 random bits.

    Ids sort by creation time (strictly, within a process) and users can type any
    unique prefix. Two processes may still clash in the same millisecond: inserts
    check and draw again.
    """
    global _last_id
    drawn = (int(time.time() * 1000) % (1 << 45)) << 15 | secrets.randbits(15)
    with _id_lock:
        _last_id = value = max(drawn, _last_id + 1)
    return "".join(_ID_ALPHABET[(value >> shift) & 31] for shift in range(55, -1, -5))


_last_id = 0
_id_lock = threading.Lock()


def derive_title(prompt: str) -> str:
    """A conversation title from its first prompt: first line, ≤ 60 characters."""
    lines = [line for line in prompt.strip().splitlines() if line.strip()]
    title = " ".join(lines[0].split()) if lines else ""
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return title or "(untitled)"


def fts_phrase(query: str) -> str:
    """The query as one literal FTS5 phrase: no operator or column syntax survives."""
    return '"' + query.replace('"', '""') + '"'


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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


def _create_private_file(path: Path) -> None:
    """Create an empty 0600 file if none exists (SQLite gives -wal/-shm its mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _check_header(path: Path) -> None:
    """Refuse a non-SQLite file or a newer schema before SQLite touches the file."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return  # an empty file is a new database
    # Bytes 21-23 are fixed payload fractions (64, 32, 32) in every SQLite file.
    if len(header) < 100 or header[:16] != _SQLITE_MAGIC or header[21:24] != b"@  ":
        raise _damaged(path)
    _refuse_newer(path, int.from_bytes(header[60:64], "big"))


def _refuse_newer(path: Path, version: int) -> None:
    if version > len(MIGRATIONS):
        raise HistoryRefused(
            f"history database was created by a newer r1 "
            f"(schema {version} > {len(MIGRATIONS)}): {path}",
            hint=f"upgrade r1cli to use it; {_NO_HISTORY}",
        )


def _damaged(path: Path, detail: str = "not an SQLite database") -> HistoryRefused:
    return HistoryRefused(
        f"history database is damaged ({detail}): {path}",
        hint=f"move it aside (mv '{path}' '{path}.corrupt') to start a new one; "
        f"{_NO_HISTORY}",
    )


def _unwritable(path: Path, exc: BaseException) -> HistoryError:
    return HistoryError(
        f"cannot use the history database {path}: {exc}",
        hint=f"check the folder's permissions or set R1CLI_HOME; {_NO_HISTORY}",
    )


_CORRUPT = re.compile(r"malformed|not a database|corrupt", re.IGNORECASE)
_BUSY = re.compile(r"locked|busy", re.IGNORECASE)


def _as_history_error(path: Path, exc: sqlite3.Error) -> HistoryError:
    """Turn an sqlite3 error into a HistoryError that says what to do."""
    if _CORRUPT.search(str(exc)):
        return _damaged(path, str(exc))
    if _BUSY.search(str(exc)):
        return HistoryError(
            f"history database is busy (held by another r1 for over "
            f"{BUSY_TIMEOUT_MS // 1000} s): {path}",
            hint=f"try again when the other r1 is done; {_NO_HISTORY}",
        )
    return _unwritable(path, exc)


def _like_snippet(text: str, query: str, markers: tuple[str, str]) -> str:
    """A short window around the first (case-insensitive) match, marked."""
    at = text.lower().find(query.lower())
    if at < 0:
        return text[:80]
    end = at + len(query)
    start, stop = max(0, at - 40), min(len(text), end + 40)
    return (
        ("…" if start else "")
        + text[start:at]
        + markers[0]
        + text[at:end]
        + markers[1]
        + text[end:stop]
        + ("…" if stop < len(text) else "")
    )


# ----------------------------------------------------------------------------- store


class HistoryStore:
    """One open history database. Use `HistoryStore.open(path)`; one per process.

    Every write is a short `BEGIN IMMEDIATE` transaction; a lock serialises threads
    sharing the connection (the engine may save from a signal-driven path).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path
        self._fts = False

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
            _create_private_file(path)
            _check_header(path)
            conn = sqlite3.connect(
                path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,  # we issue BEGIN IMMEDIATE/COMMIT ourselves
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            raise _unwritable(path, exc) from None
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
        _refuse_newer(self.path, self._user_version())
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

    def _user_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _has_table(self, name: str) -> bool:
        sql = "SELECT 1 FROM sqlite_master WHERE name = ?"
        return self._conn.execute(sql, (name,)).fetchone() is not None

    def _migrate(self) -> None:
        start = self._user_version()
        if start >= len(MIGRATIONS):
            return
        if start > 0:
            self._backup(start)
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
                    hint=f"it is unchanged at schema {version}; {_NO_HISTORY}",
                ) from exc

    def _backup(self, version: int) -> None:
        """Copy the database aside before migrating it (0600, like the original)."""
        target = self.path.with_name(f"{self.path.name}.v{version}.bak")
        _create_private_file(target)
        dest = sqlite3.connect(target)
        try:
            self._conn.backup(dest)
        finally:
            dest.close()

    def _ensure_fts(self) -> None:
        """Use the FTS index if present; build it if FTS5 arrived after m002 ran."""
        self._fts = self._has_table("messages_fts")
        if self._fts and not fts5_available():
            raise HistoryError(
                f"the history database needs SQLite FTS5, which this Python "
                f"lacks: {self.path}",
                hint=f"use a Python whose sqlite3 has FTS5; {_NO_HISTORY}",
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
        cutoff = _iso(datetime.now(timezone.utc) - STALE_AFTER)
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

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- transactions

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise _as_history_error(self.path, exc) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taking the write lock up front."""
        with self._lock, self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._guard():
            yield self._conn

    # ------------------------------------------------------------------ writing

    def create_conversation(
        self, *, title: str, model: str, provider: str, system: str | None
    ) -> str:
        """Start a conversation and return its new id.

        `title` may be the raw first prompt: it goes through `derive_title`.
        """
        now = utc_now()
        with self._write() as conn:
            cid = new_id()
            while conn.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (cid,)
            ).fetchone():
                cid = new_id()
            conn.execute(
                "INSERT INTO conversations (id, title, model, provider, system, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cid, derive_title(title), model, provider, system, now, now),
            )
        return cid

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
        self, message_id: int, turn: Turn, *, status: str | None = None
    ) -> None:
        """Write the answer as it stands (partial while `turn.status` is 'streaming').

        Args:
            message_id: the row `begin_answer` returned.
            turn: the answer; its status is stored unless `status` overrides it.
            status: e.g. 'interrupted' for a turn that ended without being ended.

        Raises:
            HistoryError: the write failed, or the row is gone (deleted meanwhile).
        """
        values = _answer_values(turn)
        values.update(id=message_id, updated_at=utc_now())
        if status is not None:
            values["status"] = status
        with self._write() as conn:
            cursor = conn.execute(_SAVE_ANSWER, values)
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
        (`replay_text`);
        empty answers are left out and consecutive user messages are merged, so
        roles alternate. The result may end with a user message (its answer failed).
        """
        with self._read() as conn:
            head = self._conversation_row(conn, conversation_id)
            rows = conn.execute(
                "SELECT role, content, status FROM messages "
                "WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        conversation = Conversation(system=head["system"], id=conversation_id)
        for row in rows:
            if row["role"] == "system":
                conversation.system = row["content"] or None
            elif row["role"] == "user":
                append_user_message(conversation, row["content"])
            elif (text := replay_text(row["content"], row["status"])) is not None:
                conversation.messages.append(Message("assistant", text))
        return conversation

    def list_conversations(self, limit: int = 20) -> list[dict[str, Any]]:
        """Conversations, most recently updated first (`limit` ≤ 0: all)."""
        with self._read() as conn:
            rows = conn.execute(
                f"{_LIST_SQL} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
                (limit if limit > 0 else -1,),
            ).fetchall()
        return [dict(row) for row in rows]

    def get_conversation(self, conversation_id: str) -> dict[str, Any]:
        """One conversation with all its messages, reasoning and usage included."""
        with self._read() as conn:
            self._conversation_row(conn, conversation_id)
            head = conn.execute(
                f"{_LIST_SQL} WHERE c.id = ?", (conversation_id,)
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
            "messages": [_message_dict(r) for r in rows],
        }

    def _conversation_row(self, conn: sqlite3.Connection, cid: str) -> sqlite3.Row:
        row = conn.execute(
            "SELECT * FROM conversations WHERE id = ?", (cid,)
        ).fetchone()
        if row is None:
            raise UsageError(
                f"no conversation matches '{cid}'",
                hint="list them with 'r1 history list'",
            )
        return row

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

        FTS syntax in `query` is never interpreted: `c++`, `"x`, `NEAR(`, `body:foo`
        are plain text. A query without letters or digits (FTS would see no words),
        or a database without FTS5, is searched with an escaped LIKE instead.

        Returns:
            Hits with keys conversation_id, title, role, snippet (the match between
            `markers`), created_at.
        """
        query = query.strip()
        if not query:
            raise UsageError("the search query is empty")
        limit = limit if limit > 0 else -1
        with self._read() as conn:
            if self._fts and any(ch.isalnum() for ch in query):
                return self._search_fts(conn, query, include_reasoning, limit, markers)
            return self._search_like(conn, query, include_reasoning, limit, markers)

    @staticmethod
    def _search_fts(
        conn: sqlite3.Connection,
        query: str,
        include_reasoning: bool,
        limit: int,
        markers: tuple[str, str],
    ) -> list[dict[str, Any]]:
        match = fts_phrase(query)
        if not include_reasoning:
            match = "{content} : " + match  # our own column filter, not the user's
        rows = conn.execute(
            "SELECT m.conversation_id, c.title, m.role, "
            "snippet(messages_fts, -1, ?, ?, '…', 16) AS snippet, m.created_at "
            "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
            "JOIN conversations c ON c.id = m.conversation_id "
            "WHERE messages_fts MATCH ? ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
            (*markers, match, limit),
        ).fetchall()
        return [dict(row) for row in rows]

    @staticmethod
    def _search_like(
        conn: sqlite3.Connection,
        query: str,
        include_reasoning: bool,
        limit: int,
        markers: tuple[str, str],
    ) -> list[dict[str, Any]]:
        where = "m.content LIKE :p ESCAPE '\\'"
        if include_reasoning:
            where += " OR m.reasoning LIKE :p ESCAPE '\\'"
        rows = conn.execute(
            "SELECT m.conversation_id, c.title, m.role, m.content, m.reasoning, "
            "m.created_at FROM messages m JOIN conversations c "
            f"ON c.id = m.conversation_id WHERE {where} "
            "ORDER BY m.created_at DESC, m.id DESC LIMIT :limit",
            {"p": _like_pattern(query), "limit": limit},
        ).fetchall()
        hits = []
        for row in rows:
            in_content = query.lower() in row["content"].lower()
            text = (
                row["content"]
                if in_content or not include_reasoning
                else row["reasoning"]
            )
            hits.append(
                {
                    "conversation_id": row["conversation_id"],
                    "title": row["title"],
                    "role": row["role"],
                    "snippet": _like_snippet(text, query, markers),
                    "created_at": row["created_at"],
                }
            )
        return hits

    def integrity_problems(self) -> list[str]:
        """What `PRAGMA integrity_check` and the FTS check report; [] if healthy."""
        with self._read() as conn:
            problems = [
                str(row[0])
                for row in conn.execute("PRAGMA integrity_check")
                if row[0] != "ok"
            ]
            if self._fts:
                try:
                    conn.execute(
                        "INSERT INTO messages_fts(messages_fts, rank) "
                        "VALUES ('integrity-check', 1)"
                    )
                except sqlite3.DatabaseError as exc:
                    problems.append(f"search index: {exc}")
        return problems


# ------------------------------------------------------------------ row <-> values

_LIST_SQL = (
    "SELECT c.id, c.title, c.model, c.provider, c.created_at, c.updated_at, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count "
    "FROM conversations c"
)

_SAVE_ANSWER = (
    "UPDATE messages SET content = :content, reasoning = :reasoning, status = :status, "
    "model = :model, provider = :provider, finish_reason = :finish_reason, "
    "error = :error, prompt_tokens = :prompt_tokens, "
    "completion_tokens = :completion_tokens, reasoning_tokens = :reasoning_tokens, "
    "cached_tokens = :cached_tokens, cost = :cost, first_token_ms = :first_token_ms, "
    "total_ms = :total_ms, signature = :signature, owner_pid = :owner_pid, "
    "updated_at = :updated_at WHERE id = :id AND role = 'assistant'"
)

_USAGE_KEYS = (
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
)


def _answer_values(turn: Turn) -> dict[str, Any]:
    """The columns `save_answer` writes, from a Turn."""
    usage = turn.usage
    first_ms = None
    if turn.first_token_at is not None:
        first_ms = round((turn.first_token_at - turn.started_at) * 1000)
    return {
        "content": turn.content,
        "reasoning": turn.reasoning,
        "status": turn.status,
        "model": turn.model,
        "provider": turn.provider,
        "finish_reason": turn.finish_reason,
        "error": turn.error,
        **{key: getattr(usage, key, None) for key in _USAGE_KEYS},
        "cost": getattr(usage, "cost", None),
        "first_token_ms": first_ms,
        "total_ms": round(turn.elapsed * 1000),
        "signature": turn.signature,
        "owner_pid": os.getpid(),
    }


def _message_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A message in the `history show --json` shape."""
    return {
        "role": row["role"],
        "content": row["content"],
        "reasoning": row["reasoning"],
        "status": row["status"],
        "error": row["error"],
        "model": row["model"],
        "finish_reason": row["finish_reason"],
        "usage": {key: row[key] for key in _USAGE_KEYS},
        "cost": row["cost"],
        "created_at": row["created_at"],
    }


def append_user_message(conversation: Conversation, content: str) -> None:
    """Append a user message, merging it into a trailing user message if there is one.

    Providers reject two user messages in a row; this happens when an earlier answer
    failed before it said anything.
    """
    last = conversation.messages[-1] if conversation.messages else None
    if last is not None and last.role == "user":
        last.content = f"{last.content}\n\n{content}"
    else:
        conversation.messages.append(Message("user", content))

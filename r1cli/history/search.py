"""Searching history: a literal FTS5 phrase match, or an escaped LIKE as the fallback.

FTS syntax in a query is never interpreted: `c++`, `"x`, `NEAR(`, `body:foo` are
plain text. A query without letters or digits (FTS would see no words), or a database
without FTS5, is searched with an escaped LIKE instead, with a snippet cut in Python.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from r1cli.errors import UsageError


def search_messages(
    conn: sqlite3.Connection,
    query: str,
    *,
    fts: bool,
    include_reasoning: bool = False,
    limit: int = 20,
    markers: tuple[str, str] = ("[", "]"),
) -> list[dict[str, Any]]:
    """Settled messages (not an answer still streaming) containing `query` literally
    (as one phrase), newest first.

    Args:
        conn: an open history connection (the caller holds its lock).
        query: the user's text, matched as one literal phrase.
        fts: whether the database has the `messages_fts` index.
        include_reasoning: search reasoning as well as content.
        limit: at most this many hits (≤ 0: all).
        markers: what goes either side of the match in the snippet.

    Returns:
        Hits with keys conversation_id, title, role, snippet (the match between
        `markers`), created_at.
    """
    query = query.strip()
    if not query:
        raise UsageError("the search query is empty")
    limit = limit if limit > 0 else -1
    if fts and any(ch.isalnum() for ch in query):
        return _search_fts(conn, query, include_reasoning, limit, markers)
    return _search_like(conn, query, include_reasoning, limit, markers)


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
        f"ON c.id = m.conversation_id WHERE ({where}) "
        # As the FTS index: an answer is found once it has settled.
        "AND m.status != 'streaming' "
        "ORDER BY m.created_at DESC, m.id DESC LIMIT :limit",
        {"p": _like_pattern(query), "limit": limit},
    ).fetchall()
    hits = []
    for row in rows:
        in_content = query.lower() in row["content"].lower()
        text = (
            row["content"] if in_content or not include_reasoning else row["reasoning"]
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


def fts_phrase(query: str) -> str:
    """The query as one literal FTS5 phrase: no operator or column syntax survives."""
    return '"' + query.replace('"', '""') + '"'


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


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

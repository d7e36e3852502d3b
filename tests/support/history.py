"""Read what r1 saved: rows of the history database under an r1 home."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def history_rows(home: Path, role: str = "assistant") -> list[dict[str, object]]:
    """Messages of one role from the history database, oldest first."""
    db = home / "data" / "history.sqlite3"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT * FROM messages WHERE role = ? ORDER BY id", (role,)
        ).fetchall()
        return [dict(row) for row in rows]
    finally:
        conn.close()

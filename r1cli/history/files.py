"""The history database file on disk: created 0600, checked before SQLite opens it,
and SQLite's failures turned into errors that say what to do.

A file from a newer r1 or a damaged one is refused (`HistoryRefused`) and left exactly
as it is: callers must never fall back to writing a new file over it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from pathlib import Path

from r1cli.errors import HistoryError

BUSY_TIMEOUT_MS = 5000
NO_HISTORY = "--no-history chats without saving"
_SQLITE_MAGIC = b"SQLite format 3\x00"


class HistoryRefused(HistoryError):
    """The file is from a newer r1 or damaged: refused, and never written over."""


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file if none exists (SQLite gives -wal/-shm its mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def check_header(path: Path, latest: int) -> None:
    """Refuse a non-SQLite file or a newer schema before SQLite touches the file."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return  # an empty file is a new database
    # Bytes 21-23 are fixed payload fractions (64, 32, 32) in every SQLite file.
    if len(header) < 100 or header[:16] != _SQLITE_MAGIC or header[21:24] != b"@  ":
        raise damaged(path)
    refuse_newer(path, int.from_bytes(header[60:64], "big"), latest)


def refuse_newer(path: Path, version: int, latest: int) -> None:
    """Refuse a schema newer than `latest`, the newest this r1 knows."""
    if version > latest:
        raise HistoryRefused(
            f"history database was created by a newer r1 "
            f"(schema {version} > {latest}): {path}",
            hint=f"upgrade r1cli to use it; {NO_HISTORY}",
        )


def damaged(path: Path, detail: str = "not an SQLite database") -> HistoryRefused:
    return HistoryRefused(
        f"history database is damaged ({detail}): {path}",
        hint=f"move it aside (mv '{path}' '{path}.corrupt') to start a new one; "
        f"{NO_HISTORY}",
    )


def unwritable(path: Path, exc: BaseException) -> HistoryError:
    return HistoryError(
        f"cannot use the history database {path}: {exc}",
        hint=f"check the folder's permissions or set R1CLI_HOME; {NO_HISTORY}",
    )


_CORRUPT = re.compile(r"malformed|not a database|corrupt", re.IGNORECASE)
_BUSY = re.compile(r"locked|busy", re.IGNORECASE)


def as_history_error(path: Path, exc: sqlite3.Error) -> HistoryError:
    """Turn an sqlite3 error into a HistoryError that says what to do."""
    if _CORRUPT.search(str(exc)):
        return damaged(path, str(exc))
    if _BUSY.search(str(exc)):
        return HistoryError(
            f"history database is busy (held by another r1 for over "
            f"{BUSY_TIMEOUT_MS // 1000} s): {path}",
            hint=f"try again when the other r1 is done; {NO_HISTORY}",
        )
    return unwritable(path, exc)


def backup_copy(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Copy the database aside before migrating it (0600, like the original)."""
    target = path.with_name(f"{path.name}.v{version}.bak")
    create_private_file(target)
    dest = sqlite3.connect(target)
    try:
        conn.backup(dest)
    finally:
        dest.close()

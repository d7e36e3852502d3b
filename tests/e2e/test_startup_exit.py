"""A one-shot's fast exit and Ctrl-C during start-up leave history whole (issue 15).

A one-shot ends with `os._exit` after closing the history store (core.shutdown): the
database must then be closed properly (no WAL left behind, every row final), exactly
as after the interpreter's own teardown. Ctrl-C at any moment of start-up — while
importing, reading settings, opening history, connecting — must leave no answer row
stuck in 'streaming'.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.test_cli_signals import r1_command, start
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply


def _db(home: Path) -> Path:
    return home / "data" / "history.sqlite3"


def test_a_one_shot_closes_history_before_its_fast_exit(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply(chat_stream(["Hello", " there"])))
    proc = start(r1_command(server, "hi"))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == b"Hello there\n"
    # Closed: SQLite checkpoints the write-ahead log into the database and removes it.
    wal = _db(r1_home).with_name("history.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    rows = history_rows(r1_home)
    assert [(row["status"], row["content"]) for row in rows] == [
        ("complete", "Hello there")
    ]
    assert [row["content"] for row in history_rows(r1_home, "user")] == ["hi"]


@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3, 0.6])
def test_ctrl_c_during_start_up_leaves_no_row_half_written(
    server: FakeServer, r1_home: Path, delay: float
) -> None:
    # The reply's headers wait: the later signals land while the request is out.
    server.queue(sse_reply(chat_stream(["late"]), head_delay=10))
    proc = start(r1_command(server, "hi"))
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode in (-signal.SIGINT, 130), err
    if not _db(r1_home).exists():
        return  # interrupted before history was opened: nothing to keep
    try:
        rows = history_rows(r1_home)
    except sqlite3.OperationalError:
        return  # interrupted before the tables were made
    assert all(row["status"] != "streaming" for row in rows), rows
    if rows:
        assert [row["content"] for row in history_rows(r1_home, "user")] == ["hi"]

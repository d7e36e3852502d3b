"""Renaming, forking and pruning saved conversations: the store on real SQLite
files, and `r1 history rename|fork|rm --older-than` in-process."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from r1cli.cli import history as history_cli
from r1cli.cli.history import history_app, parse_age
from r1cli.config.paths import resolve_paths
from r1cli.core.events import ContentDelta, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.errors import UsageError
from r1cli.history.ids import iso_utc
from r1cli.history.store import HistoryStore

app = typer.Typer()
app.add_typer(history_app, name="history")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("R1CLI_HOME", str(tmp_path / "home"))
    return resolve_paths().history_db


@pytest.fixture
def store(db: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(db)
    yield opened
    assert opened.integrity_problems() == []
    opened.close()


def seed(store: HistoryStore, turns: int, title: str = "lifetimes") -> str:
    """A conversation of `turns` question/answer pairs with distinct words."""
    cid = store.create_conversation(
        title=title, model="r1", provider="openrouter", system="be brief"
    )
    for n in range(1, turns + 1):
        store.add_message(cid, "user", f"question{n} about {title}")
        mid = store.begin_answer(cid, model="r1", provider="openrouter")
        turn = Turn("r1", "openrouter")
        turn.apply(ReasoningDelta(f"pondering{n}"))
        turn.apply(ContentDelta(f"answer{n}"))
        turn.apply(Usage(5, 7, 3, None, 0.25))
        turn.end("complete")
        store.save_answer(mid, turn)
    return cid


def age(db: Path, cid: str, days: float) -> None:
    """Pretend the conversation was last updated `days` ago."""
    when = iso_utc(datetime.now(timezone.utc) - timedelta(days=days))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (when, cid)
        )
    conn.close()


def run(*args: str, input: str | None = None) -> typer.testing.Result:
    return CliRunner().invoke(app, ["history", *args], input=input)


def hits(store: HistoryStore, word: str) -> set[str]:
    found = store.search(word, include_reasoning=True)
    return {str(hit["conversation_id"]) for hit in found}


# ------------------------------------------------------------------------ store


def test_rename_sets_a_one_line_title_and_refuses_an_empty_one(
    store: HistoryStore,
) -> None:
    cid = seed(store, 1)
    assert store.rename(cid, "  Borrow\nchecker   notes ") == "Borrow checker notes"
    assert store.get_conversation(cid)["title"] == "Borrow checker notes"
    with pytest.raises(UsageError):
        store.rename(cid, " \n ")
    with pytest.raises(UsageError):
        store.rename("zzzzzzzzzzzz", "x")


def test_fork_copies_the_turns_up_to_n_with_reasoning_and_search_index(
    store: HistoryStore,
) -> None:
    cid = seed(store, 3)
    fork = store.fork(cid, 2)
    assert fork != cid
    data = store.get_conversation(fork)
    assert [m["content"] for m in data["messages"]] == [
        "question1 about lifetimes",
        "answer1",
        "question2 about lifetimes",
        "answer2",
    ]
    assert data["messages"][1]["reasoning"] == "pondering1"
    assert data["messages"][1]["usage"]["reasoning_tokens"] == 3
    assert data["system"] == "be brief" and data["title"] == "lifetimes (fork)"
    # The copies are searchable; turn 3 stays only in the original.
    assert hits(store, "pondering2") == {cid, fork}
    assert hits(store, "answer3") == {cid}
    # The original is untouched, and the fork replays like it up to turn 2.
    assert len(store.get_conversation(cid)["messages"]) == 6
    assert len(store.load_conversation(fork).messages) == 4


def test_fork_defaults_to_every_turn_and_rejects_a_turn_out_of_range(
    store: HistoryStore,
) -> None:
    cid = seed(store, 2)
    whole = store.fork(cid)
    assert store.turn_count(whole) == 2
    for bad in (0, 3):
        with pytest.raises(UsageError, match="has 2 turns"):
            store.fork(cid, bad)
    empty = store.create_conversation(title="e", model="m", provider="p", system=None)
    with pytest.raises(UsageError, match="nothing to fork"):
        store.fork(empty)


def test_fork_copies_a_streaming_answer_as_interrupted(store: HistoryStore) -> None:
    cid = seed(store, 1)
    store.add_message(cid, "user", "and then?")
    store.begin_answer(cid, model="r1", provider="openrouter")
    fork = store.fork(cid)
    statuses = [m["status"] for m in store.get_conversation(fork)["messages"]]
    assert statuses[-1] == "interrupted"


def test_ids_older_than_and_deleting_them_clears_the_search_index(
    db: Path, store: HistoryStore
) -> None:
    old, new = seed(store, 1, "ancient"), seed(store, 1, "recent")
    age(db, old, 40)
    cutoff = datetime.now(timezone.utc) - timedelta(days=30)
    assert store.ids_older_than(cutoff) == [old]
    assert store.delete_conversations(store.ids_older_than(cutoff)) == 1
    assert hits(store, "ancient") == set()
    assert hits(store, "recent") == {new}


# -------------------------------------------------------------------------- cli


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("12h", 12 * 3600), ("30d", 30 * 86400), ("2w", 14 * 86400), ("90m", 5400)],
)
def test_parse_age(text: str, seconds: int) -> None:
    assert parse_age(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["30", "d", "-3d", "0d", "3y", "1.5d", ""])
def test_parse_age_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_age(text)


def test_cli_rename(db: Path) -> None:
    with HistoryStore.open(db) as store:
        cid = seed(store, 1)
    result = run("rename", cid[:8], "Rust", "notes")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"renamed {cid}: Rust notes\n"
    assert json.loads(run("list", "--json").stdout)[0]["title"] == "Rust notes"


def test_cli_fork_prints_the_new_id_on_stdout(db: Path) -> None:
    with HistoryStore.open(db) as store:
        cid = seed(store, 3)
    result = run("fork", cid, "1")
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert new != cid and len(new) == len(cid)
    shown = json.loads(run("show", new, "--json").stdout)
    assert [m["content"] for m in shown["messages"]] == [
        "question1 about lifetimes",
        "answer1",
    ]
    assert f"forked {cid} after turn 1" in result.stderr
    assert run("fork", cid, "4").exit_code == 2


def test_cli_rm_older_than_counts_and_needs_yes_on_a_pipe(db: Path) -> None:
    with HistoryStore.open(db) as store:
        old1, old2, new = seed(store, 1), seed(store, 1), seed(store, 1)
    age(db, old1, 31)
    age(db, old2, 45)
    refused = run("rm", "--older-than", "30d")
    assert refused.exit_code == 2
    assert "hint: pass -y" in refused.stderr
    assert len(json.loads(run("list", "--json").stdout)) == 3
    result = run("rm", "--older-than", "30d", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stderr == "deleted 2 conversations\n"
    assert [r["id"] for r in json.loads(run("list", "--json").stdout)] == [new]
    none_left = run("rm", "--older-than", "30d", "--yes")
    assert none_left.stderr == "no conversations older than 30d\n"


@pytest.mark.parametrize(("reply", "deleted"), [("y\n", True), ("\n", False)])
def test_cli_rm_older_than_asks_with_the_count_on_a_terminal(
    db: Path, monkeypatch: pytest.MonkeyPatch, reply: str, deleted: bool
) -> None:
    monkeypatch.setattr(history_cli, "_stdin_is_tty", lambda: True)
    with HistoryStore.open(db) as store:
        old, _ = seed(store, 1), seed(store, 1)
    age(db, old, 20)
    result = run("rm", "--older-than", "2w", input=reply)
    assert result.exit_code == 0, result.output
    assert "Delete 1 conversation older than 2w? [y/N]" in result.stderr
    assert len(json.loads(run("list", "--json").stdout)) == (1 if deleted else 2)


@pytest.mark.parametrize(
    "args", [("rm",), ("rm", "abc", "--older-than", "3d"), ("rm", "--older-than", "x")]
)
def test_cli_rm_needs_ids_or_an_age(db: Path, args: tuple[str, ...]) -> None:
    assert run(*args).exit_code == 2

"""Tests for `r1 history …`: output shapes on a pipe, on a TTY and as JSON, exit codes,
the delete confirmation, and that untrusted text is sanitised on the way to a terminal.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from r1cli.cli import history as history_cli
from r1cli.cli.history import history_app
from r1cli.config.paths import resolve_paths
from r1cli.core.events import ContentDelta, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.history.store import HistoryStore
from tests.support.runner import Result, RunR1

ESC = "\x1b"

app = typer.Typer()
app.add_typer(history_app, name="history")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("R1CLI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def db(home: Path) -> Path:
    return resolve_paths().history_db


def seed(db: Path, title: str = "Rust lifetimes", *, status: str = "complete") -> str:
    """One conversation: a question and an answer with reasoning."""
    with HistoryStore.open(db) as store:
        cid = store.create_conversation(
            title=title, model="r1", provider="openrouter", system="be kind"
        )
        store.add_message(cid, "user", f"explain {title}")
        mid = store.begin_answer(cid, model="r1", provider="openrouter")
        turn = Turn("r1", "openrouter")
        turn.apply(ReasoningDelta("SECRET REASONING about it"))
        turn.apply(ContentDelta(f"**{title}** explained.\n\nSecond paragraph."))
        turn.apply(Usage(7, 9, 3, None, 0.5))
        turn.end(status)  # type: ignore[arg-type]
        store.save_answer(mid, turn)
    return cid


def run(*args: str, input: str | None = None) -> typer.testing.Result:
    return CliRunner().invoke(app, ["history", *args], input=input)


def tty(
    monkeypatch: pytest.MonkeyPatch, stdout: bool = True, stdin: bool = False
) -> None:
    monkeypatch.setattr(history_cli, "_stdout_is_tty", lambda: stdout)
    monkeypatch.setattr(history_cli, "_stdin_is_tty", lambda: stdin)


# ------------------------------------------------------------------------- list


def test_list_json_is_an_array_of_exact_objects(db: Path) -> None:
    older, newer = seed(db, "older"), seed(db, "newer")
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [newer, older]
    assert list(rows[0]) == [
        "id",
        "title",
        "model",
        "provider",
        "created_at",
        "updated_at",
        "message_count",
    ]
    assert (rows[0]["message_count"], rows[0]["provider"]) == (2, "openrouter")
    assert len(json.loads(run("list", "--json", "-n", "1").stdout)) == 1


def test_list_on_a_pipe_is_tab_separated_and_sanitised(db: Path) -> None:
    cid = seed(db, f"evil {ESC}]0;pwned\a\ttitle")
    result = run("list")
    assert result.exit_code == 0
    fields = result.stdout.rstrip("\n").split("\t")
    assert fields[0] == cid
    assert fields[2:4] == ["2", "r1"]
    assert ESC not in result.stdout and "\a" not in result.stdout
    assert fields[4].startswith("evil ␛]0;pwned")


def test_list_on_a_tty_draws_a_table(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tty(monkeypatch)
    cid = seed(db, f"tty {ESC}[2J title")
    result = run("list")
    assert result.exit_code == 0
    assert "ID" in result.stdout and cid in result.stdout
    assert ESC not in result.stdout


def test_read_commands_do_not_create_a_database(db: Path) -> None:
    assert json.loads(run("list", "--json").stdout) == []
    assert json.loads(run("search", "x", "--json").stdout) == []
    result = run("show")
    assert result.exit_code == 2
    assert "error: no conversations yet" in result.stderr
    assert not db.exists()


# ------------------------------------------------------------------------- show


def test_show_json_has_the_documented_shape(db: Path) -> None:
    cid = seed(db)
    result = run("show", cid[:11], "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:7] == [
        "id",
        "title",
        "model",
        "provider",
        "created_at",
        "updated_at",
        "message_count",
    ]
    assert data["id"] == cid and data["system"] == "be kind"
    reply = data["messages"][1]
    assert set(reply) == {
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
    }
    assert set(reply["usage"]) == {
        "prompt_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cached_tokens",
    }
    assert reply["reasoning"] == "SECRET REASONING about it"


def test_show_without_id_shows_the_latest_as_plain_text_on_a_pipe(db: Path) -> None:
    seed(db, "first")
    seed(db, "second", status="interrupted")
    result = run("show")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# second\n")
    assert "## user\n\nexplain second" in out
    assert "## assistant · r1 · interrupted" in out
    assert "SECRET" not in out
    assert "SECRET REASONING" in run("show", "--reasoning").stdout


def test_show_on_a_tty_collapses_reasoning_and_sanitises(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tty(monkeypatch)
    with HistoryStore.open(db) as store:
        cid = store.create_conversation(
            title="t", model="r1", provider="p", system=None
        )
        mid = store.begin_answer(cid, model="r1", provider="p")
        turn = Turn("r1", "p")
        turn.apply(ReasoningDelta(f"think {ESC}]52;c;Y2xpcA==\a"))
        turn.apply(ContentDelta(f"answer {ESC}[31mred{ESC}[0m"))
        turn.end("complete")
        store.save_answer(mid, turn)
    collapsed = run("show")
    assert collapsed.exit_code == 0, collapsed.output
    assert "Thought · 22 chars" in collapsed.stdout
    assert "think" not in collapsed.stdout
    assert "answer ␛[31mred" in collapsed.stdout
    expanded = run("show", "--reasoning").stdout
    assert "think ␛]52;c;Y2xpcA==" in expanded
    assert ESC not in collapsed.stdout + expanded


def test_show_unknown_or_ambiguous_id_is_a_usage_error(db: Path) -> None:
    seed(db)
    seed(db)
    unknown = run("show", "zzzz")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == [
        "error: no conversation matches 'zzzz'",
        "hint: list them with 'r1 history list'",
    ]
    ambiguous = run("show", "")
    assert ambiguous.exit_code == 2


def test_newer_database_exits_3_with_error_and_hint(db: Path) -> None:
    seed(db)
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    result = run("list")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: history database was created by a newer r1")
    assert lines[1].startswith("hint: ")


# ----------------------------------------------------------------------- search


def test_search_json_and_hostile_queries(db: Path) -> None:
    cid = seed(db, "c++ templates")
    result = run("search", "c++", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {h["conversation_id"] for h in hits} == {cid}
    assert set(hits[0]) == {"conversation_id", "title", "role", "snippet", "created_at"}
    for query in ('"unbalanced', "NEAR(", "AND", "*", "it's", "body:foo", "x OR"):
        assert run("search", query).exit_code == 0, query
    assert run("search", "  ").exit_code == 2


def test_search_reasoning_only_with_the_flag_and_pipe_format(db: Path) -> None:
    cid = seed(db)
    assert run("search", "SECRET").stdout == ""
    out = run("search", "SECRET", "--reasoning").stdout
    fields = out.rstrip("\n").split("\t")
    assert fields[0] == cid and fields[2] == "assistant"
    assert fields[4] == "[SECRET] REASONING about it"


def test_search_on_a_tty_highlights_without_markers(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tty(monkeypatch)
    seed(db, "walrus facts")
    out = run("search", "walrus").stdout
    assert "walrus facts" in out
    assert "\ue000" not in out and "[walrus]" not in out


# --------------------------------------------------------------------------- rm


def test_rm_refuses_without_yes_when_stdin_is_not_a_terminal(db: Path) -> None:
    cid = seed(db)
    result = run("rm", cid)
    assert result.exit_code == 2
    assert "error: refusing to delete" in result.stderr
    assert "hint: pass -y" in result.stderr
    assert json.loads(run("list", "--json").stdout)[0]["id"] == cid


def test_rm_with_yes_deletes_every_given_prefix(db: Path) -> None:
    keep, drop1, drop2 = seed(db), seed(db), seed(db)
    result = run("rm", "-y", drop1, drop2[:11], drop1)
    assert result.exit_code == 0, result.output
    assert result.stderr == "deleted 2 conversations\n"
    assert [r["id"] for r in json.loads(run("list", "--json").stdout)] == [keep]


@pytest.mark.parametrize(
    ("reply", "deleted"), [("y\n", True), ("n\n", False), ("", False)]
)
def test_rm_asks_on_a_terminal(
    db: Path, monkeypatch: pytest.MonkeyPatch, reply: str, deleted: bool
) -> None:
    tty(monkeypatch, stdout=True, stdin=True)
    cid = seed(db, "to delete")
    result = run("rm", cid, input=reply)
    assert result.exit_code == 0, result.output
    assert (
        "to delete" in result.stderr and "Delete 1 conversation? [y/N]" in result.stderr
    )
    remaining = json.loads(run("list", "--json").stdout)
    assert (remaining == []) is deleted


def test_rm_unknown_id_deletes_nothing(db: Path) -> None:
    cid = seed(db)
    result = run("rm", "-y", cid, "zzzz")
    assert result.exit_code == 2
    assert len(json.loads(run("list", "--json").stdout)) == 1


# ----------------------------------------------------------------- export, path


def test_export_markdown_includes_reasoning_and_raw_keeps_exact_text(
    db: Path,
) -> None:
    cid = seed(db, f"raw {ESC}[31mtitle")
    out = run("export", cid, "--raw").stdout
    assert out.startswith(f"# raw {ESC}[31mtitle\n")
    assert "<details><summary>Reasoning</summary>" in out
    assert "**raw" in out


def test_export_json_to_a_private_file(db: Path, tmp_path: Path) -> None:
    cid = seed(db)
    target = tmp_path / "out" / "c.json"
    result = run("export", cid, "--format", "json", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == json.loads(
        run("show", cid, "--json").stdout
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert result.stderr == f"exported to {target}\n"


def test_path_prints_the_database_location(db: Path) -> None:
    result = run("path")
    assert (result.exit_code, result.stdout) == (0, f"{db}\n")


# ------------------------------------------------ r1 itself, output not a terminal


@pytest.fixture
def history(call_r1: RunR1) -> Callable[..., Result]:
    """`r1 history ARGS…` through r1's own entry point, stdout a file (not a TTY)."""

    def run(home: Path, *args: str) -> Result:
        return call_r1("history", *args, env={"R1CLI_HOME": str(home)})

    return run


def test_real_pipe_export_is_sanitised_like_an_answer_unless_raw(
    history: Callable[..., Result], home: Path, db: Path
) -> None:
    hostile = f"{ESC}[31mred \a\x9b2J \u202eevil\x00 end"
    cid = seed(db, hostile)
    exported = history(home, "export", cid)
    for control in (ESC, "\a", "\x9b", "\u202e", "\x00"):
        assert control not in exported.stdout, repr(control)
    assert exported.stdout.startswith("# ␛[31mred")
    raw = history(home, "export", cid, "--raw")
    assert raw.stdout.startswith(f"# {hostile}")


def test_real_pipe_list_show_and_rm(
    history: Callable[..., Result], home: Path, db: Path
) -> None:
    cid = seed(db)
    listed = history(home, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{cid}\t")
    shown = history(home, "show", cid, "--json")
    assert json.loads(shown.stdout)["messages"][1]["content"].startswith("**Rust")
    refused = history(home, "rm", cid)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "pass -y" in refused.stderr


def test_export_to_a_terminal_is_sanitised(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tty(monkeypatch)
    cid = seed(db, f"{ESC}]0;title\a")
    out = run("export", cid).stdout
    assert out.startswith("# ␛]0;title␇\n")
    assert ESC not in out

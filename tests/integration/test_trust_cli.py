"""Trust fixes at the command level (issue 10), in-process: secrets never stored,
errors that say what failed, commands that refuse what would break them. Each test
failed before its fix."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_chunk, json_reply, sse_reply
from tests.support.runner import Result, RunR1


def ask(call_r1: RunR1, server: FakeServer, *args: str) -> Result:
    return call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY},
    )


def test_a_key_echoed_in_an_error_body_is_redacted_in_history(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(json_reply(401, {"error": {"message": f"bad key {CANARY} here"}}))
    result = ask(call_r1, server, "hi")
    assert result.returncode == 4
    rows = history_rows(r1_home)
    assert [row["status"] for row in rows] == ["error"]
    error = str(rows[0]["error"])
    assert "bad key [REDACTED] here" in error, error
    # run_r1's teardown also searches every file under R1CLI_HOME for the key.


def test_a_key_echoed_mid_stream_is_redacted_in_history(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    event = {"error": {"message": f"upstream rejected {CANARY}", "code": 502}}
    server.queue(
        sse_reply(
            [
                chat_chunk({"content": "Hello"}),
                b"data: " + json.dumps(event).encode() + b"\n\n",
            ]
        )
    )
    result = ask(call_r1, server, "hi")
    assert result.returncode == 5
    rows = history_rows(r1_home)
    assert rows[0]["content"] == "Hello"
    assert "upstream rejected [REDACTED]" in str(rows[0]["error"])


def test_history_show_prints_a_failed_turns_error(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(json_reply(403, {"error": {"message": "model not allowed"}}))
    assert ask(call_r1, server, "hi").returncode == 4
    db = r1_home / "data" / "history.sqlite3"
    with sqlite3.connect(db) as conn:
        (cid,) = conn.execute("SELECT id FROM conversations").fetchone()
    shown = call_r1("history", "show", cid)
    assert shown.returncode == 0
    assert "model not allowed" in shown.stdout


def test_invalid_utf8_in_the_prompt_argument_is_a_usage_error(
    call_r1: RunR1, server: FakeServer
) -> None:
    # "caf\xe9" as Latin-1 bytes: Python hands it over as a lone surrogate.
    result = ask(call_r1, server, "caf\udce9")
    assert result.returncode == 2
    assert result.error_lines() == ["error: argument 3 is not valid UTF-8"]
    assert server.requests == []


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("reasoning", "loud", "reasoning must be one of show, collapse, hide"),
        ("provider", "nosuchprov", "unknown provider 'nosuchprov'"),
    ],
)
def test_config_set_refuses_a_value_that_would_break_every_command(
    call_r1: RunR1, r1_home: Path, key: str, value: str, problem: str
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# mine\nmodel = "m1"\n', encoding="utf-8")
    result = call_r1("config", "set", key, value)
    assert result.returncode == 3
    (line,) = result.error_lines()
    assert line.startswith(f"error: not changed: {problem}"), line
    assert config.read_text(encoding="utf-8") == '# mine\nmodel = "m1"\n'
    assert call_r1("config", "show").returncode == 0


def test_a_broken_config_can_still_be_shown_and_mended(
    call_r1: RunR1, r1_home: Path
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('reasoning = "loud"\nprovider = "nope"\n', encoding="utf-8")
    assert call_r1("hi").returncode == 3
    shown = call_r1("config", "show")
    assert shown.returncode == 0
    assert "reasoning must be one of" in shown.stderr
    assert "provider = " in shown.stdout
    assert call_r1("config", "unset", "reasoning").returncode == 0
    assert call_r1("config", "set", "provider", "deepseek").returncode == 0
    assert config.read_text(encoding="utf-8") == 'provider = "deepseek"\n'
    assert call_r1("config", "show").stderr == ""


def test_keys_set_refuses_a_misspelt_provider_unless_forced(
    call_r1: RunR1, r1_home: Path
) -> None:
    key = b"sk-or-v1-0123456789abcdef0123456789abcdef\n"
    result = call_r1("keys", "set", "openruoter", input=key)
    assert result.returncode == 2
    assert result.error_lines() == ["error: unknown provider 'openruoter'"]
    assert "hint: did you mean openrouter?" in result.stderr
    assert not (r1_home / "config" / "keys.toml").exists()
    forced = call_r1("keys", "set", "openruoter", "--force", input=key)
    assert forced.returncode == 0
    assert "openruoter" in (r1_home / "config" / "keys.toml").read_text()


def test_a_missing_editor_is_one_clear_line(call_r1: RunR1) -> None:
    result = call_r1("config", "edit", env={"EDITOR": "nonexistent-editor-r1"})
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: cannot run the editor 'nonexistent-editor-r1'")
    assert lines[1].startswith("hint: set VISUAL or EDITOR")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("failure", "attempts"),
    [
        (json_reply(401, {"error": {"message": "bad key"}}), 1),
        (json_reply(429, {"error": {"message": "slow down"}}), 3),  # retried twice
    ],
    ids=["401", "429"],
)
def test_continue_never_resends_a_prompt_that_got_no_answer(
    call_r1: RunR1, server: FakeServer, r1_home: Path, failure: object, attempts: int
) -> None:
    server.queue(
        sse_reply([chat_chunk({"content": "hi"}, "stop"), b"data: [DONE]\n\n"])
    )
    assert ask(call_r1, server, "hello").returncode == 0
    server.queue(*[failure] * attempts)  # type: ignore[list-item]
    assert ask(call_r1, server, "-c", "old question").returncode in (4, 5)
    server.queue(
        sse_reply([chat_chunk({"content": "ok"}, "stop"), b"data: [DONE]\n\n"])
    )
    assert ask(call_r1, server, "-c", "new question").returncode == 0
    sent = [(m["role"], m["content"]) for m in server.requests[-1].json()["messages"]]
    assert sent == [("user", "hello"), ("assistant", "hi"), ("user", "new question")]
    # History keeps the failed prompt, its answer marked.
    statuses = [row["status"] for row in history_rows(r1_home)]
    assert statuses == ["complete", "error", "complete"]
    assert [r["content"] for r in history_rows(r1_home, "user")] == [
        "hello",
        "old question",
        "new question",
    ]


def test_a_damaged_history_still_delivers_the_answer(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    db = r1_home / "data" / "history.sqlite3"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database, not at all " * 40)
    server.queue(
        sse_reply([chat_chunk({"content": "fine"}, "stop"), b"data: [DONE]\n\n"])
    )
    result = ask(call_r1, server, "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "fine\n"
    (warning,) = [line for line in result.stderr.splitlines() if line]
    assert warning.startswith("warning: history is not available")
    assert f"mv '{db}'" in warning
    assert db.read_bytes().startswith(b"not a database")  # left as it was
    listed = call_r1("history", "list")
    assert listed.returncode == 3
    assert listed.error_lines() == [
        f"error: history database is damaged (not an SQLite database): {db}"
    ]
    assert f"hint: move it aside (mv '{db}'" in listed.stderr


def test_an_answer_without_text_is_said_on_stderr_and_as_a_json_event(
    call_r1: RunR1, server: FakeServer
) -> None:
    only_thinking = [
        chat_chunk({"reasoning": "hmm"}),
        chat_chunk({"content": ""}, "stop"),
        b"data: [DONE]\n\n",
    ]
    server.queue(sse_reply(only_thinking), sse_reply(only_thinking))
    plain = ask(call_r1, server, "hi")
    assert plain.returncode == 0
    assert "warning: the model finished without an answer" in plain.stderr
    events = [
        json.loads(line)
        for line in ask(call_r1, server, "--json", "hi").stdout.splitlines()
    ]
    warnings = [e for e in events if e["type"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["message"].startswith("the model finished without an answer")
    assert events[-1]["type"] == "done"

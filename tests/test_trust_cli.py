"""Trust fixes at the command level (issue 10): secrets never stored, signals that
save, errors that say what failed. Each test failed before its fix."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    CANARY,
    RunR1,
    chat_chunk,
    chat_stream,
    history_rows,
    json_reply,
    sse_reply,
)
from tests.fakeserver import FakeServer
from tests.test_cli_signals import (
    PARTIAL,
    assert_clean,
    assert_interrupted_in_history,
    finish,
    r1_command,
    r1_env,
    read_until,
    stalling_reply,
    start,
)
from tests.test_tty_render import Terminal, pty_env, r1_argv, run_pty


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def ask(run_r1: RunR1, server: FakeServer, *args: str) -> object:
    return run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY},
    )


def test_a_key_echoed_in_an_error_body_is_redacted_in_history(
    run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(json_reply(401, {"error": {"message": f"bad key {CANARY} here"}}))
    result = ask(run_r1, server, "hi")
    assert result.returncode == 4  # type: ignore[attr-defined]
    rows = history_rows(r1_home)
    assert [row["status"] for row in rows] == ["error"]
    error = str(rows[0]["error"])
    assert "bad key [REDACTED] here" in error, error
    # run_r1's teardown also searches every file under R1CLI_HOME for the key.


def test_a_key_echoed_mid_stream_is_redacted_in_history(
    run_r1: RunR1, server: FakeServer, r1_home: Path
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
    result = ask(run_r1, server, "hi")
    assert result.returncode == 5  # type: ignore[attr-defined]
    rows = history_rows(r1_home)
    assert rows[0]["content"] == "Hello"
    assert "upstream rejected [REDACTED]" in str(rows[0]["error"])


def test_history_show_prints_a_failed_turns_error(
    run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(json_reply(403, {"error": {"message": "model not allowed"}}))
    assert ask(run_r1, server, "hi").returncode == 4  # type: ignore[attr-defined]
    db = r1_home / "data" / "history.sqlite3"
    with sqlite3.connect(db) as conn:
        (cid,) = conn.execute("SELECT id FROM conversations").fetchone()
    shown = run_r1("history", "show", cid)
    assert shown.returncode == 0
    assert "model not allowed" in shown.stdout


def test_sighup_mid_stream_saves_the_partial_and_dies_by_sighup(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(stalling_reply())
    proc = start(r1_command(server, "hi"))
    seen = read_until(proc, PARTIAL.encode())
    proc.send_signal(signal.SIGHUP)
    out, err = finish(proc, seen)
    assert proc.returncode == -signal.SIGHUP
    assert server.wait_for_disconnect(2), "the connection was left open"
    saved = [line for line in err.splitlines() if line.startswith("saved:")]
    assert len(saved) == 1 and "interrupted" in saved[0], err
    assert_interrupted_in_history(r1_home)
    assert_clean(r1_home, out, err)


def test_invalid_utf8_in_the_prompt_argument_is_a_usage_error(
    run_r1: RunR1, server: FakeServer
) -> None:
    # "caf\xe9" as Latin-1 bytes: Python hands it over as a lone surrogate.
    result = ask(run_r1, server, "caf\udce9")
    assert result.returncode == 2  # type: ignore[attr-defined]
    assert result.error_lines() == ["error: argument 3 is not valid UTF-8"]  # type: ignore[attr-defined]
    assert server.requests == []


def test_a_full_stdout_is_one_clear_error_and_the_answer_is_kept(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply(chat_stream(["Hello ", "world"])))
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(
            r1_command(server, "hi"),
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env=r1_env(),
            timeout=20,
        )
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert err.splitlines()[0] == (
        "error: cannot write the answer: No space left on device"
    )
    assert "Traceback" not in err and "internal error" not in err
    rows = history_rows(r1_home)
    assert rows[0]["status"] == "error"
    assert rows[0]["content"].startswith("Hello")


@pytest.mark.pty
@pytest.mark.parametrize("variable", ["PYTHONIOENCODING", "LANG"])
def test_an_ascii_terminal_degrades_instead_of_failing(
    server: FakeServer, variable: str
) -> None:
    server.queue(sse_reply(chat_stream(["café ✓ done"])))
    env = pty_env(R1CLI_API_KEY="x")
    if variable == "LANG":
        env |= {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}
        env.pop("PYTHONIOENCODING", None)
    else:
        env["PYTHONIOENCODING"] = "ascii"
    data, status = run_pty(r1_argv(server), 24, 80, env=env)
    assert status == 0, data[-2000:]
    screen = "\n".join(Terminal(24, 80).feed(data).lines())
    assert "caf? ? done" in screen, screen


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("reasoning", "loud", "reasoning must be one of show, collapse, hide"),
        ("provider", "nosuchprov", "unknown provider 'nosuchprov'"),
    ],
)
def test_config_set_refuses_a_value_that_would_break_every_command(
    run_r1: RunR1, r1_home: Path, key: str, value: str, problem: str
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# mine\nmodel = "m1"\n', encoding="utf-8")
    result = run_r1("config", "set", key, value)
    assert result.returncode == 3
    (line,) = result.error_lines()
    assert line.startswith(f"error: not changed: {problem}"), line
    assert config.read_text(encoding="utf-8") == '# mine\nmodel = "m1"\n'
    assert run_r1("config", "show").returncode == 0


def test_a_broken_config_can_still_be_shown_and_mended(
    run_r1: RunR1, r1_home: Path
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('reasoning = "loud"\nprovider = "nope"\n', encoding="utf-8")
    assert run_r1("hi").returncode == 3
    shown = run_r1("config", "show")
    assert shown.returncode == 0
    assert "reasoning must be one of" in shown.stderr
    assert "provider = " in shown.stdout
    assert run_r1("config", "unset", "reasoning").returncode == 0
    assert run_r1("config", "set", "provider", "deepseek").returncode == 0
    assert config.read_text(encoding="utf-8") == 'provider = "deepseek"\n'
    assert run_r1("config", "show").stderr == ""


def test_keys_set_refuses_a_misspelt_provider_unless_forced(
    run_r1: RunR1, r1_home: Path
) -> None:
    key = b"sk-or-v1-0123456789abcdef0123456789abcdef\n"
    result = run_r1("keys", "set", "openruoter", input=key)
    assert result.returncode == 2
    assert result.error_lines() == ["error: unknown provider 'openruoter'"]
    assert "hint: did you mean openrouter?" in result.stderr
    assert not (r1_home / "config" / "keys.toml").exists()
    forced = run_r1("keys", "set", "openruoter", "--force", input=key)
    assert forced.returncode == 0
    assert "openruoter" in (r1_home / "config" / "keys.toml").read_text()


def test_a_missing_editor_is_one_clear_line(run_r1: RunR1) -> None:
    result = run_r1("config", "edit", env={"EDITOR": "nonexistent-editor-r1"})
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: cannot run the editor 'nonexistent-editor-r1'")
    assert lines[1].startswith("hint: set VISUAL or EDITOR")
    assert len(lines) == 2

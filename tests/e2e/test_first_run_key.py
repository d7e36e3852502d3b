"""First run on a terminal with no key: r1 offers to store one (hidden input), stores
it as `r1 keys set` does, and goes on with the question. The typed key is never
echoed and lands nowhere but keys.toml.

A key is only asked for a remote host (loopback needs none) and r1 refuses plain
HTTP to one, so the pty tests point at an https host that does not resolve: a network
error after the prompt shows r1 went on to send the question. That the stored key is
the one sent is checked in-process, with the provider's host taken as remote.
"""

from __future__ import annotations

import io
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.cli.ask import build_runtime
from r1cli.config.keys import MissingKey
from r1cli.engine.resolve import TurnOptions
from r1cli.render.report import Report
from tests.support.canary import CANARY, assert_no_canary, home_files_except_keys
from tests.support.pty_session import PtySession, pty_env

pytestmark = pytest.mark.pty

UNRESOLVABLE = "https://r1-test.invalid/api/v1"


@pytest.fixture
def session(r1_home: Path) -> Iterator[PtySession]:
    argv = ["--base-url", UNRESOLVABLE, "-m", "m", "hello there"]
    started = PtySession(argv, pty_env(r1_home), cols=120)
    yield started
    started.close()


def test_a_pasted_key_is_stored_hidden_and_the_question_sent(
    r1_home: Path, session: PtySession
) -> None:
    keys = r1_home / "config" / "keys.toml"
    session.wait_for("API key for openrouter (input hidden, Enter to skip):")
    assert "No API key for openrouter yet." in session.text()
    assert str(keys) in session.text()
    session.type_line(CANARY)
    session.wait_for("error: could not connect to r1-test.invalid")
    assert session.wait_exit() == 6
    # Stored like `r1 keys set` (0600), never shown (only its masked form).
    assert CANARY in keys.read_text()
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert "saved key for openrouter (sk-or-…" in session.text()
    assert_no_canary(bytes(session.output), *home_files_except_keys(r1_home))


def test_enter_without_a_key_gives_todays_error(
    r1_home: Path, session: PtySession
) -> None:
    session.wait_for("API key for openrouter (input hidden, Enter to skip):")
    session.type_line("")
    session.wait_for("hint: set OPENROUTER_API_KEY or run 'r1 keys set openrouter'")
    assert "error: no API key for openrouter" in session.text()
    assert session.wait_exit() == 3
    assert not (r1_home / "config" / "keys.toml").exists()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_stored_key_is_the_one_the_runtime_uses(
    monkeypatch: pytest.MonkeyPatch, r1_home: Path
) -> None:
    asked: list[str] = []

    def getpass(prompt: str, stream: object = None) -> str:
        asked.append(prompt)
        return CANARY + "\n"

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setattr(sys, "stdin", _Tty())
    monkeypatch.setattr(sys, "stderr", _Tty())
    report = Report()
    runtime = build_runtime(TurnOptions(base_url=UNRESOLVABLE), report)
    assert runtime.key == CANARY and CANARY in report.secrets
    assert len(asked) == 1
    # Next time the key is found without asking.
    assert build_runtime(TurnOptions(base_url=UNRESOLVABLE), Report()).key == CANARY
    assert len(asked) == 1


def test_without_a_terminal_nothing_is_asked(
    monkeypatch: pytest.MonkeyPatch, r1_home: Path
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("asked"))
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(MissingKey):
        build_runtime(TurnOptions(base_url=UNRESOLVABLE), Report())

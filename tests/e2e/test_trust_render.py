"""Terminal output stays readable: a message never shares the spinner's line
(issue 10, item 11)."""

from __future__ import annotations

import io
import sys
import time

import pyte
import pytest

from r1cli.render.spinner import StderrSpinner


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen_of(text: str) -> list[str]:
    screen = pyte.Screen(80, 6)
    stream = pyte.Stream(screen)
    stream.feed(text.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def test_a_warning_clears_the_spinner_line_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    spinner = StderrSpinner("deepseek-r1", file=sys.stderr, interval=0.01)
    spinner.start()
    time.sleep(0.1)  # the spinner has drawn
    sys.stderr.write("warning: could not connect; retrying in 0.5 s\n")
    time.sleep(0.1)  # and draws again below the message
    spinner.stop()
    assert sys.stderr is terminal, "stop() puts sys.stderr back"
    lines = screen_of(terminal.getvalue())
    assert lines[0] == "warning: could not connect; retrying in 0.5 s"
    assert lines[1] == "", "the spinner line is blank after stop()"
    assert "waiting for deepseek-r1" in terminal.getvalue().split("retrying")[1]


def test_a_spinner_on_another_stream_leaves_sys_stderr_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    spinner = StderrSpinner("m", file=FakeTerminal(), interval=0.01)
    spinner.start()
    assert sys.stderr is terminal
    spinner.stop()


# -- item 12: /copy inside tmux says what really happened ---------------------------


@pytest.fixture
def tmux_server(tmp_path):  # type: ignore[no-untyped-def]
    """A private tmux server; yields (socket path, env for a client inside it)."""
    import os
    import shutil
    import subprocess

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    sock = tmp_path / "tmux.sock"
    base = ["tmux", "-S", str(sock), "-f", os.devnull]
    subprocess.run([*base, "new-session", "-d", "-s", "t", "sleep 30"], check=True)
    pid = subprocess.run(
        [*base, "display-message", "-p", "#{pid}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TERM": "screen-256color",
        "TMUX": f"{sock},{pid},0",
    }
    try:
        yield base, env
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)


@pytest.fixture
def pty_terminal():  # type: ignore[no-untyped-def]
    import os

    master, slave = os.openpty()
    terminal = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    try:
        yield terminal, master
    finally:
        terminal.close()
        os.close(master)


def _pending(master: int) -> bytes:
    import os
    import select

    data = b""
    while select.select([master], [], [], 0.1)[0]:
        data += os.read(master, 65536)
    return data


def test_copy_in_tmux_without_passthrough_uses_the_tmux_buffer(
    tmux_server,
    pty_terminal,  # type: ignore[no-untyped-def]
) -> None:
    import subprocess

    from r1cli.repl.clipboard import copy_text

    base, env = tmux_server
    subprocess.run([*base, "set", "-g", "allow-passthrough", "off"], check=True)
    terminal, master = pty_terminal
    result = copy_text("hello from r1", terminal=terminal, env=env)
    assert result.methods == ("the tmux buffer",)
    assert "OSC 52" not in result.describe()
    assert b"]52;" not in _pending(master), "no OSC 52 that tmux would drop"
    shown = subprocess.run(
        [*base, "show-buffer"], capture_output=True, text=True, check=True
    )
    assert shown.stdout == "hello from r1"


def test_copy_in_tmux_with_passthrough_sends_osc52(
    tmux_server,
    pty_terminal,  # type: ignore[no-untyped-def]
) -> None:
    import subprocess

    from r1cli.repl.clipboard import copy_text

    base, env = tmux_server
    subprocess.run([*base, "set", "-g", "allow-passthrough", "on"], check=True)
    terminal, master = pty_terminal
    result = copy_text("hi", terminal=terminal, env=env)
    assert result.methods[0] == "OSC 52"
    assert b"\x1bPtmux;" in _pending(master)


def test_copy_in_tmux_with_nothing_working_says_how_to_enable_it(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from r1cli.repl.clipboard import ClipboardUnavailable, copy_text

    # A tmux that reports passthrough off and whose buffer cannot be loaded.
    fake = tmp_path / "bin" / "tmux"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\ncase "$1" in show-options) echo off ;; *) exit 1 ;; esac\n'
    )
    fake.chmod(0o755)
    env = {"PATH": str(fake.parent), "TMUX": "/tmp/none,1,0", "TERM": "screen"}
    terminal = FakeTerminal()
    with pytest.raises(ClipboardUnavailable) as caught:
        copy_text("x", terminal=terminal, env=env)
    message = str(caught.value)
    assert "tmux drops it (allow-passthrough is off)" in message
    assert "tmux failed" in message
    assert "set -g allow-passthrough on" in message
    assert terminal.getvalue() == ""

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

"""Drive an interactive `r1` on a real pseudo-terminal and watch the screen.

pexpect gives the pty; every byte the child writes goes into a pyte screen (with
scrollback), and pyte's answers to terminal queries (prompt_toolkit asks for the
cursor position) are written back to the child, as a real terminal would. Tests wait
for what a person would see (`wait_for`, `wait_prompt`) rather than for raw bytes.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "›"
BRACKETED_PASTE = ("\x1b[200~", "\x1b[201~")


def pty_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for an `r1` on a pty: a private home, xterm, no colour noise."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "VISUAL", "EDITOR")
    }
    env |= {
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        "R1CLI_HOME": str(home),
        "R1CLI_RETRY_BACKOFF": "0.01",
        "NO_PROXY": "127.0.0.1,localhost",
        **extra,
    }
    return env


class PtySession:
    """One `r1` process on a rows x cols pty, its output kept as a pyte screen."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        *,
        rows: int = 24,
        cols: int = 80,
        cwd: Path | None = None,
    ) -> None:
        self.rows, self.cols = rows, cols
        self.screen = pyte.HistoryScreen(cols, rows, history=10_000)
        # Replies to "where is the cursor?" and "status?" go back to the child.
        self.screen.write_process_input = self._reply  # type: ignore[method-assign]
        self._stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "r1cli", *args],
            dimensions=(rows, cols),
            env=env,
            cwd=str(cwd) if cwd else None,
            timeout=10,
        )
        self.child.delaybeforesend = None

    def _reply(self, data: str) -> None:
        if self.child.isalive():
            self.child.send(data)

    # -- reading -----------------------------------------------------------------

    def pump(self, timeout: float = 0.05) -> bool:
        """Read whatever the child wrote within `timeout`; False once it is gone."""
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return True
        except pexpect.EOF:
            return False
        self.output += data
        self._stream.feed(data)
        return True

    def wait_for(
        self,
        condition: str | re.Pattern[str] | Callable[[], bool],
        timeout: float = 10.0,
    ) -> None:
        """Pump until `condition` (text or regex on the whole screen+scrollback, or
        a callable) holds; AssertionError with the screen when it does not."""
        if isinstance(condition, str):
            text = condition
            check: Callable[[], bool] = lambda: text in self.text()  # noqa: E731
        elif isinstance(condition, re.Pattern):
            pattern = condition
            check = lambda: pattern.search(self.text()) is not None  # noqa: E731
        else:
            check = condition
        deadline = time.monotonic() + timeout
        while True:
            alive = self.pump()
            if check():
                return
            if not alive or time.monotonic() > deadline:
                state = "exited" if not alive else "timed out"
                raise AssertionError(
                    f"{state} waiting for {condition!r}; screen:\n" + self.text()
                )

    def cursor_line(self) -> str:
        return self.screen.display[self.screen.cursor.y].rstrip()

    def at_empty_prompt(self) -> bool:
        return self.cursor_line() == PROMPT

    def wait_prompt(self, timeout: float = 10.0) -> None:
        """Wait until an empty prompt is drawn and the child has gone quiet."""
        self.wait_for(self.at_empty_prompt, timeout)
        # The toolbar and menu space are drawn right after the prompt line.
        self.pump(0.15)

    def lines(self) -> list[str]:
        """Scrollback then screen, right-stripped, trailing blank rows dropped."""
        history = [
            "".join(line[x].data for x in range(max(line, default=-1) + 1)).rstrip()
            for line in self.screen.history.top
        ]
        lines = history + [line.rstrip() for line in self.screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())

    # -- writing -----------------------------------------------------------------

    def send(self, text: str) -> None:
        self.child.send(text)

    def type_line(self, text: str) -> None:
        """Type `text` and press Enter."""
        self.child.send(text)
        self.pump(0.05)
        self.child.send("\r")

    def paste(self, text: str) -> None:
        """Paste `text` the way a terminal with bracketed paste does."""
        self.child.send(BRACKETED_PASTE[0] + text + BRACKETED_PASTE[1])

    def ctrl(self, key: str) -> None:
        self.child.sendcontrol(key)

    # -- ending ------------------------------------------------------------------

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Read to EOF; the exit status (128 + N when killed by signal N)."""
        deadline = time.monotonic() + timeout
        while self.pump(0.1):
            if time.monotonic() > deadline:
                raise AssertionError("r1 did not exit; screen:\n" + self.text())
        self.child.close()
        if self.child.signalstatus is not None:
            return 128 + self.child.signalstatus
        return int(self.child.exitstatus or 0)

    def close(self) -> None:
        if self.child.isalive():
            self.child.kill(signal.SIGKILL)
        self.child.close(force=True)

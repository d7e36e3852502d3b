"""The one place where failures become stderr lines and exit codes.

Errors print as `error:` / `saved:` / `hint:` (sanitised, secrets redacted); no
traceback unless `--debug`. Ctrl-C, SIGTERM and a closed pipe end the process by
re-raising the signal after the partial answer is saved, so a calling shell loop
stops (exit status 130 / 143 / 141 as the shell reports it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, NoReturn

from r1cli.core.redact import redact_text
from r1cli.errors import ExitCode, R1Error
from r1cli.render.sanitize import sanitize


@dataclass
class Outcome:
    """What a command learned while running that its error report needs."""

    json: bool = False
    debug: bool = False
    secrets: list[str] = field(default_factory=list)
    conversation_id: str | None = None
    turn: Any = None
    recorder: Any = None

    # Outcome is also a TurnSink, so it holds the turn even when run_turn raises.
    def begin(self, turn: Any) -> None:
        self.turn = turn

    def on_event(self, event: Any, turn: Any) -> None:
        pass

    def end(self, turn: Any) -> None:
        pass

    def _clean(self, text: str) -> str:
        return sanitize(redact_text(text, self.secrets))

    def warn(self, message: str) -> None:
        _stderr(f"warning: {self._clean(message)}")

    def after_turn(self, turn: Any, hint: str | None) -> None:
        """Warnings a finished turn deserves: history not saved, a token-limit cut.

        `hint` is how to raise the limit where the user is (a flag, a slash command).
        """
        warning = getattr(self.recorder, "warning", None)
        if warning:
            self.warn(warning)
        if turn.status != "length":
            return
        if not turn.content and turn.reasoning:
            self.warn("the model ran out of tokens while thinking; no answer was given")
        else:
            self.warn("the answer was cut off at the token limit")
        if hint:
            _stderr(f"hint: {hint}")

    def debug_line(self, message: str) -> None:
        if self.debug:
            _stderr(f"debug: {self._clean(message)}")

    def saved_note(self, turn: Any, how: str) -> str | None:
        if turn is None or not (turn.content or turn.reasoning):
            return None
        if self.conversation_id is None or self.recorder is None:
            return None
        if getattr(self.recorder, "warning", None):
            return None
        size = len(turn.content)
        return f"partial answer ({size:,} chars) in conversation {self.conversation_id}, marked {how}"


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def report_error(exc: R1Error, outcome: Outcome) -> int:
    """Print an R1Error the documented way; return its exit code."""
    code = int(exc.exit_code)
    message = outcome._clean(exc.message)
    if outcome.json:
        from r1cli.render.jsonl import write_error

        _safe_stdout(lambda: write_error(sys.stdout.buffer, message, code))
    _stderr(f"error: {message}")
    saved = outcome.saved_note(outcome.turn, "error")
    if saved:
        _stderr(f"saved: {saved}")
    if exc.hint:
        _stderr(f"hint: {outcome._clean(exc.hint)}")
    if outcome.debug:
        _stderr(outcome._clean(traceback.format_exc()))
    return code


def report_internal(exc: BaseException, outcome: Outcome) -> int:
    if outcome.debug:
        _stderr(outcome._clean(traceback.format_exc()))
    text = f"internal error ({type(exc).__name__}: {exc})"
    if outcome.json:
        from r1cli.render.jsonl import write_error

        _safe_stdout(lambda: write_error(sys.stdout.buffer, text, 1))
    _stderr(
        f"error: {outcome._clean(text)}"
        + ("" if outcome.debug else "; rerun with --debug")
    )
    return int(ExitCode.INTERNAL)


def die_by_signal(signum: int, outcome: Outcome, message: str | None) -> NoReturn:
    """Report, then end the process by `signum` so the caller sees a signal death."""
    if message:
        _stderr(message)
    saved = outcome.saved_note(outcome.turn, "interrupted")
    if saved and signum != signal.SIGPIPE:
        _stderr(f"saved: {saved}")
    if outcome.json and signum != signal.SIGPIPE:
        from r1cli.render.jsonl import write_error

        code = 128 + signum
        _safe_stdout(lambda: write_error(sys.stdout.buffer, "interrupted", code))
    if signum == signal.SIGPIPE:
        # Stop Python from flushing into the closed pipe at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    sys.exit(128 + signum)  # only reached where the signal cannot kill us


def _safe_stdout(write: Any) -> None:
    with contextlib.suppress(OSError, ValueError):
        write()

"""Our own lines on stderr: `error:`, `saved:`, `hint:`, `warning:` and `debug:`.

Every line is sanitised (model and server text can hold terminal escapes) and has
every secret r1 knows redacted: `secrets` is the list the Runtime adds each key it
finds to. With `--json`, an error is also one `{"type":"error"}` line on stdout, so a
script reading events sees why the stream ended. The CLI's error boundary and the
REPL's per-turn handler both print through this, so the two never drift apart.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from typing import TYPE_CHECKING

from r1cli.core.redact import redact_text
from r1cli.errors import ExitCode, R1Error
from r1cli.render.sanitize import sanitize

if TYPE_CHECKING:
    from r1cli.core.messages import Turn


class Report:
    """Prints the lines a command owes the user about itself (never the answer)."""

    def __init__(
        self,
        *,
        json: bool = False,
        debug: bool = False,
        secrets: list[str] | None = None,
    ) -> None:
        self.json = json
        self.debug = debug
        self.secrets: list[str] = [] if secrets is None else secrets

    def clean(self, text: str) -> str:
        return sanitize(redact_text(text, self.secrets))

    def line(self, text: str) -> None:
        """One line on stderr; a closed stderr is not worth another error."""
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def warn(self, message: str) -> None:
        text = self.clean(message)
        self.line(f"warning: {text}")
        if self.json:
            # A script reading events learns it too (an answer with no text, a
            # history that could not be saved), not only a person reading stderr.
            from r1cli.render.jsonl import write_line

            with contextlib.suppress(OSError, ValueError, R1Error):
                write_line(sys.stdout.buffer, {"type": "warning", "message": text})

    def hint(self, text: str) -> None:
        self.line(f"hint: {self.clean(text)}")

    def debug_line(self, message: str) -> None:
        if self.debug:
            self.line(f"debug: {self.clean(message)}")

    def error(self, exc: R1Error, saved: str | None = None) -> int:
        """Report an R1Error the documented way; return its exit code."""
        code = int(exc.exit_code)
        message = self.clean(exc.message)
        self.json_error(message, code)
        self.line(f"error: {message}")
        if saved:
            self.line(f"saved: {self.clean(saved)}")
        if exc.hint:
            self.hint(exc.hint)
        if self.debug:
            self.line(self.clean(traceback.format_exc()))
        return code

    def internal(self, exc: BaseException) -> int:
        """An unexpected exception: one line (the traceback only with --debug)."""
        if self.debug:
            self.line(self.clean(traceback.format_exc()))
        text = f"internal error ({type(exc).__name__}: {exc})"
        self.json_error(self.clean(text), int(ExitCode.INTERNAL))
        self.line(
            f"error: {self.clean(text)}"
            + ("" if self.debug else "; rerun with --debug")
        )
        return int(ExitCode.INTERNAL)

    def json_error(self, message: str, code: int) -> None:
        """With --json, the error as an event on stdout too."""
        if not self.json:
            return
        from r1cli.render.jsonl import write_error

        with contextlib.suppress(OSError, ValueError):
            write_error(sys.stdout.buffer, message, code)

    def after_turn(
        self, turn: Turn, history_warning: str | None, hint: str | None
    ) -> None:
        """Warnings a finished turn deserves: history not saved, a token-limit cut.

        `hint` is how to raise the limit where the user is (a flag, a slash command).
        """
        if history_warning:
            self.warn(history_warning)
        for notice in turn.notices:
            self.warn(notice)
        if turn.status != "length":
            return
        if not turn.content and turn.reasoning:
            self.warn("the model ran out of tokens while thinking; no answer was given")
        else:
            self.warn("the answer was cut off at the token limit")
        if hint:
            self.hint(hint)

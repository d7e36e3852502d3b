"""Output for a pipe (or `--raw`): stdout carries the answer alone, nothing else.

The answer is written as it arrives and flushed per delta, sanitised unless `--raw`.
Reasoning goes to stderr only when asked (`--show-reasoning`), and never to stdout.
With stderr on a terminal, one status line there says what is going on: the waiting
spinner until the first token, then `⠋ thinking… 12.3 s · ~456 tokens` while the
model reasons (R1 can think for minutes), cleared when the answer starts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, TextIO

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, ToolCall, ToolResult
from r1cli.core.messages import Turn
from r1cli.core.models import token_weight
from r1cli.errors import OutputError
from r1cli.render.footer import reasoning_count, thinking_status
from r1cli.render.sanitize import StreamSanitizer
from r1cli.render.spinner import StderrSpinner
from r1cli.render.toolline import tool_line

DIM = "\x1b[2m"
RESET = "\x1b[0m"


@contextmanager
def output_errors() -> Iterator[None]:
    """A failed write of the answer (a full disk, an I/O error) as an OutputError.

    A closed pipe stays a BrokenPipeError: that is the reader going away (SIGPIPE),
    not a failure to report.
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"cannot write the answer: {reason}") from None


class PlainRenderer:
    """Answer to stdout (bytes, UTF-8), optional reasoning to stderr."""

    def __init__(
        self,
        *,
        out: BinaryIO | None = None,
        err: TextIO | None = None,
        show_reasoning: bool = False,
        raw: bool = False,
        dim_reasoning: bool = False,
        spinner_model: str | None = None,
    ) -> None:
        self._out = out if out is not None else sys.stdout.buffer
        self._err = err if err is not None else sys.stderr
        self._show_reasoning = show_reasoning
        self._raw = raw
        self._dim = dim_reasoning
        self._answer = StreamSanitizer()
        self._thoughts = StreamSanitizer()
        self._last_char = ""
        self._reasoning_open = False
        self._calls: dict[str, ToolCall] = {}
        # While waiting for the first token, a spinner on stderr (only when stderr
        # is a terminal; stdout stays clean either way).
        self._spinner: StderrSpinner | None = None
        if spinner_model is not None:
            self._spinner = StderrSpinner(spinner_model, file=self._err)
        # Then, while the model reasons, the thinking status (unless the reasoning
        # itself goes to stderr: `--show-reasoning`).
        self._status_wanted = spinner_model is not None and not show_reasoning
        self._status: StderrSpinner | None = None
        self._reasoning_weight = 0.0
        self._answering = False

    def begin(self, turn: Turn) -> None:
        if self._spinner is not None:
            self._spinner.start()

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _start_status(self, turn: Turn) -> None:
        if self._status is None and self._status_wanted and not self._answering:

            def text() -> str:
                tokens, estimated = reasoning_count(turn, self._reasoning_weight)
                return thinking_status(
                    turn.thinking_seconds, tokens, estimated=estimated
                )

            self._status = StderrSpinner(file=self._err, status=text)
            self._status.start()

    def _stop_status(self) -> None:
        self._status_wanted = False
        if self._status is not None:
            self._status.stop()
            self._status = None

    def on_event(self, event: Event, turn: Turn) -> None:
        # Once per token: the calls below are skipped when they would do nothing.
        if isinstance(event, ContentDelta):
            if self._spinner is not None:
                self._stop_spinner()
            if event.text:
                self._answering = True
                if self._status_wanted or self._status is not None:
                    self._stop_status()
            if self._reasoning_open:
                self._close_reasoning()
            text = event.text if self._raw else self._answer.feed(event.text)
            self._write(text)
        elif isinstance(event, ReasoningDelta):
            if self._spinner is not None:
                self._stop_spinner()
            if self._status_wanted:  # the weight is only for the status line
                self._reasoning_weight += token_weight(event.text)
                self._start_status(turn)
            if self._show_reasoning:
                self._write_reasoning(self._thoughts.feed(event.text))
        elif isinstance(event, ToolCall):
            self._stop_spinner()
            self._calls[event.id] = event
        elif isinstance(event, ToolResult) and self._show_reasoning:
            # Tool lines are part of the working, like reasoning: stderr, never stdout.
            self._close_reasoning()
            call = self._calls.get(event.id, ToolCall(event.id, event.name, ""))
            self._err.write(tool_line(call, event) + "\n")
            self._err.flush()

    def end(self, turn: Turn) -> None:
        self._stop_spinner()
        self._stop_status()
        self._close_reasoning()
        if not self._raw:
            self._write(self._answer.flush())
            if self._last_char and self._last_char != "\n":
                self._write("\n")
        with output_errors():
            self._out.flush()

    def _write(self, text: str) -> None:
        # Once per token: output_errors' rule inline (a context manager per write
        # was a tenth of the renderer's cost).
        if text:
            try:
                self._out.write(text.encode("utf-8", errors="replace"))
                self._out.flush()
            except BrokenPipeError:
                raise
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise OutputError(f"cannot write the answer: {reason}") from None
            self._last_char = text[-1]

    def _write_reasoning(self, text: str) -> None:
        if not text:
            return
        if not self._reasoning_open and self._dim:
            self._err.write(DIM)
        self._reasoning_open = True
        self._err.write(text)
        self._err.flush()

    def _close_reasoning(self) -> None:
        if self._reasoning_open:
            self._err.write(self._thoughts.flush())
            self._err.write((RESET if self._dim else "") + "\n")
            self._err.flush()
            self._reasoning_open = False

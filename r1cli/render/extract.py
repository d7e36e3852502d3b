"""`ask -x/--extract` and `r1 sh`: buffer the answer, keep only its last code block.

stdout gets the contents of the last fenced code block, without fences, once the
answer is complete (a cut-off block is still written when the token limit ended it,
and the report warns); with no block, the whole answer and a warning. A turn that
failed or was stopped writes nothing to stdout: half a script is worse than none.
While it streams, a terminal on stderr shows the spinner, the reasoning (dim) and a
progress line, so a long think is not a blank screen.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import BinaryIO, TextIO

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.fences import last_code_block
from r1cli.core.messages import Turn
from r1cli.render.plain import DIM, RESET, output_errors
from r1cli.render.sanitize import StreamSanitizer, sanitize
from r1cli.render.spinner import StderrSpinner
from r1cli.render.terminal import isatty

NO_BLOCK_WARNING = "the answer has no fenced code block; printed all of it"


def extracted(answer: str) -> tuple[str, bool]:
    """(what `-x` prints, whether a code block was found): the last block's contents,
    else the whole answer."""
    block = last_code_block(answer)
    if block is None:
        return answer, False
    return block, True


class ExtractRenderer:
    """The last code block to stdout at the end; progress on a terminal's stderr.

    `emit=False` shows the progress only and writes nothing (`r1 sh` takes the
    command from the finished turn itself).
    """

    def __init__(
        self,
        *,
        model: str,
        warn: Callable[[str], None],
        out: BinaryIO | None = None,
        err: TextIO | None = None,
        raw: bool = False,
        color: bool = True,
        emit: bool = True,
        progress: bool | None = None,
    ) -> None:
        self._out = out if out is not None else sys.stdout.buffer
        self._err = err if err is not None else sys.stderr
        self._warn = warn
        self._raw = raw
        self._emit = emit
        self._progress = isatty(self._err) if progress is None else progress
        self._dim = color and self._progress
        self._spinner: StderrSpinner | None = (
            StderrSpinner(model, file=self._err, enabled=True)
            if self._progress
            else None
        )
        self._thoughts = StreamSanitizer()
        self._reasoning_open = False
        self._drawn = 0
        self._drawn_at = 0.0

    def begin(self, turn: Turn) -> None:
        if self._spinner is not None:
            self._spinner.start()

    def on_event(self, event: Event, turn: Turn) -> None:
        if not self._progress or not isinstance(event, (ContentDelta, ReasoningDelta)):
            return
        self._stop_spinner()
        if isinstance(event, ReasoningDelta):
            text = self._thoughts.feed(event.text)
            if text:
                if not self._reasoning_open and self._dim:
                    self._err.write(DIM)
                self._reasoning_open = True
                self._err.write(text)
                self._err.flush()
            return
        self._close_reasoning()
        now = time.monotonic()
        if now - self._drawn_at >= 0.1:  # a redraw per delta would flood the tty
            self._drawn_at = now
            self._draw(f"writing the answer… {len(turn.content):,} characters")

    def end(self, turn: Turn) -> None:
        self._stop_spinner()
        self._close_reasoning()
        self._draw("")
        if not self._emit or turn.status not in ("complete", "length"):
            return
        text, found = extracted(turn.content)
        if not found and turn.content.strip():
            self._warn(NO_BLOCK_WARNING)
        if not self._raw:
            text = sanitize(text)
        if text and not text.endswith("\n"):
            text += "\n"
        with output_errors():
            self._out.write(text.encode("utf-8", errors="replace"))
            self._out.flush()

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _close_reasoning(self) -> None:
        if self._reasoning_open:
            self._err.write(self._thoughts.flush())
            self._err.write((RESET if self._dim else "") + "\n")
            self._err.flush()
            self._reasoning_open = False

    def _draw(self, text: str) -> None:
        """Replace the progress line with `text` ("" clears it)."""
        if not self._progress or (not text and not self._drawn):
            return
        pad = " " * max(self._drawn - len(text), 0)
        self._err.write("\r" + text + pad + ("\r" if not text else ""))
        self._err.flush()
        self._drawn = len(text)

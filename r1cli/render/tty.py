"""The live terminal view of a streamed turn, for when stdout is a TTY.

This module owns what a person sees on a terminal (issue 3, docs/DESIGN.md §1 and
"Rendering in linear time"):
- a spinner on stderr with the model name and elapsed seconds until the first token
  (`render/spinner.py`, also used by the plain renderer on a pipe);
- the reasoning in a dim box (open on the right) showing the last 8 wrapped lines,
  collapsed to one `Thought for …` line when the answer starts (or committed dim,
  line by line, with `show`; nothing with `hide`);
- the answer as Markdown while it streams: each finished top-level block (found by
  `BlockSplitter`) is printed once into the scrollback, in the frame after it
  finished; only the open tail block lives in a transient `Live` region, cropped to
  the screen height and redrawn at most every 50 ms, the interval timed from the end
  of the previous frame (10 frames/s for the reasoning box);
- one dim footer line with tokens, cost, speed and time.

Every model string goes through the shared sanitiser before rich sees it, and is
handed to rich as `Text`/`Markdown`, never as markup. rich is imported lazily (in a
background thread while the request is in flight), so importing this module costs
nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, TextIO

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, ToolCall, ToolResult
from r1cli.core.params import ReasoningMode
from r1cli.render._lazy_rich import (
    Frame,
    Line,
    Lines,
    Preload,
    import_quietly,
    rstrip_line,
)
from r1cli.render.footer import (
    footer_line,
    reasoning_count,
    thinking_title,
    thought_line,
)
from r1cli.render.markdown import AnswerBuffer
from r1cli.render.reasoning import ReasoningBuffer, panel_lines
from r1cli.render.spinner import StderrSpinner
from r1cli.render.toolline import tool_line

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

    from r1cli.core.messages import Turn

# import_quietly: the REPL preloads rich with it while the first message is typed.
__all__ = ["TerminalRenderer", "import_quietly"]

ANSWER_INTERVAL = 0.05  # s between frames of the answer: ≤ 20 frames/s
# The reasoning panel is a side show: 10 frames/s halves what it writes to the tty.
REASONING_INTERVAL = 0.1
TICK = 0.05  # how often the ticker draws what the throttle held back
SHOW_PARTIAL_LINES = 3  # lines of the unfinished reasoning line shown with `show`
SYNC_BEGIN = "\x1b[?2026h"  # synchronized output: terminals that know it present
SYNC_END = "\x1b[?2026l"  # a frame at once; the others ignore it


Phase = Literal["waiting", "reasoning", "answer"]


class TerminalRenderer:
    """TurnSink drawing a streamed turn on a terminal (see the module docstring).

    All drawing happens under one lock, from the engine's thread (per event, when
    the frame interval has passed) and from a ticker thread that draws what the
    throttle held back and keeps the `Thinking…` clock moving when the stream stalls.
    """

    def __init__(
        self,
        *,
        reasoning: ReasoningMode = "collapse",
        color: bool = True,
        model: str = "",
        file: TextIO | None = None,
    ) -> None:
        self._mode: ReasoningMode = reasoning
        self._color = color
        self._model = model
        self._file = file if file is not None else sys.stdout
        self._console: Console | None = None
        self._preload = Preload()
        self._lock = threading.Lock()
        self._new_turn(None)

    def _new_turn(self, turn: Turn | None) -> None:
        self._turn = turn
        self._spinner: StderrSpinner | None = None
        self._live: Live | None = None
        self._frame = Frame()
        self._phase: Phase = "waiting"
        self._answer = AnswerBuffer()
        self._reasoning = ReasoningBuffer(self._mode)
        self._dirty = False
        self._last_frame_end = 0.0
        self._ticker: threading.Thread | None = None
        self._stop_ticking = threading.Event()
        self._ended = False
        self._calls: dict[str, ToolCall] = {}

    # -- TurnSink ----------------------------------------------------------------

    def begin(self, turn: Turn) -> None:
        if self._turn is not None and not self._ended:
            self.end(self._turn)  # a turn that was never ended must not linger
        self._new_turn(turn)
        self._preload.start()
        self._spinner = StderrSpinner(self._model or turn.model)
        self._spinner.start()

    def on_event(self, event: Event, turn: Turn) -> None:
        if isinstance(event, ContentDelta) and event.text:
            with self._lock:
                self._on_content(event.text, turn)
        elif isinstance(event, ReasoningDelta) and event.text:
            with self._lock:
                self._on_reasoning(event.text, turn)
        elif isinstance(event, ToolCall):
            self._on_tool_call(event, turn)
        elif isinstance(event, ToolResult):
            with self._lock:
                self._on_tool_result(event)

    def end(self, turn: Turn) -> None:
        try:
            self._stop_helpers()
        finally:  # even if a second Ctrl-C lands here: close the live region
            self._end(turn)

    def _stop_helpers(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
        self._stop_ticking.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()

    def _end(self, turn: Turn) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
            self._turn = turn
            if self._phase == "waiting" and turn.status != "complete":
                return  # nothing was shown; the CLI prints the error
            try:
                printed = self._final_lines(turn)
            finally:
                self._close_live()
            with contextlib.suppress(OSError):  # the terminal may be gone
                self._print(printed)

    # -- events ------------------------------------------------------------------

    def _on_reasoning(self, text: str, turn: Turn) -> None:
        if self._phase == "waiting":
            self._open(turn, "reasoning")
        self._reasoning.feed(text)
        if self._phase == "reasoning":
            self._maybe_draw()

    def _on_content(self, text: str, turn: Turn) -> None:
        self._answer.feed(text)
        if self._phase == "answer":
            self._maybe_draw()
            return
        if self._phase == "waiting":
            self._open(turn, "answer")
        printed = self._reasoning_summary(turn)
        self._phase = "answer"
        self._draw(printed)  # the first answer token is drawn at once

    def _on_tool_call(self, call: ToolCall, turn: Turn) -> None:
        """A round ended in calls: what was shown so far becomes final (the
        reasoning's summary line, the answer's text), the live region closes so an
        approval question has the screen, and the next round starts a new panel."""
        self._calls[call.id] = call
        self._stop_helpers()
        with self._lock:
            if self._phase == "waiting":
                return
            printed = (
                self._reasoning_summary(turn) if self._phase == "reasoning" else []
            )
            self._answer.finish()
            printed += self._answer.take_lines(self._con())
            self._close_live()
            with contextlib.suppress(OSError):
                self._print(printed)
            self._phase = "waiting"
            self._reasoning = ReasoningBuffer(self._mode)
            self._answer = AnswerBuffer()
            self._stop_ticking = threading.Event()
            self._ticker = None

    def _on_tool_result(self, result: ToolResult) -> None:
        call = self._calls.get(result.id, ToolCall(result.id, result.name, ""))
        width = self._con().size.width
        with contextlib.suppress(OSError):
            self._print(self._dim_lines(tool_line(call, result, width)))

    # -- frames ------------------------------------------------------------------

    def _interval(self) -> float:
        return REASONING_INTERVAL if self._phase == "reasoning" else ANSWER_INTERVAL

    def _maybe_draw(self) -> None:
        self._dirty = True
        if time.monotonic() - self._last_frame_end >= self._interval():
            self._draw()

    def _draw(self, printed: list[Line] | None = None) -> None:
        """One frame: print what became final above the live region, redraw it.

        Finished answer blocks wait for the frame too: under a fast stream a commit
        per block would be a frame per block (hundreds a second), and the screen
        cannot show them sooner than the next frame anyway.
        """
        console, live = self._con(), self._live
        printed = list(printed or ())
        self._reasoning.process()
        self._answer.process()
        if self._mode == "show" and self._phase == "reasoning":
            printed += self._dim_lines(self._reasoning.take_pending())
        printed += self._answer.take_lines(console)
        if live is not None and self._interactive():
            self._frame.lines = [rstrip_line(line) for line in self._frame_lines()] or [
                []
            ]
            with self._synchronized():
                if printed:
                    console.print(Lines(printed))  # the Live hook redraws the region
                else:
                    live.refresh()
        elif printed:
            console.print(Lines(printed))
        self._dirty = False
        # Timed from the END of the frame: a frame slower than the interval must not
        # turn the throttle into a frame per token.
        self._last_frame_end = time.monotonic()

    def _frame_lines(self) -> list[Line]:
        console = self._con()
        budget = max(console.size.height - 2, 1)
        if self._phase == "answer":
            return self._answer.tail_lines(console, budget)
        turn = self._turn
        # The clock starts at the first reasoning token, as the thought line's does.
        elapsed = turn.thinking_seconds if turn is not None else 0.0
        title = thinking_title(elapsed, self._reasoning.tokens(None))
        notices = self._notice_lines()
        if self._mode == "collapse":
            return (panel_lines(console, self._reasoning, title) + notices)[-budget:]
        lines: list[Line] = []
        if self._mode == "show":
            width = console.size.width
            partial = self._reasoning.partial(SHOW_PARTIAL_LINES * width)
            if partial:
                lines = self._dim_lines(partial)[-SHOW_PARTIAL_LINES:]
        return (lines + self._dim_lines(title) + notices)[-budget:]

    def _notice_lines(self) -> list[Line]:
        """The loop guard's warning (and any other notice) under the reasoning."""
        turn = self._turn
        if turn is None or not turn.notices:
            return []
        from rich.text import Text

        from r1cli.render.sanitize import sanitize

        console = self._con()
        text = Text("\n".join(f"⚠ {sanitize(n)}" for n in turn.notices), "yellow")
        return console.render_lines(text, console.options, pad=False)

    def _dim_lines(self, text: str) -> list[Line]:
        """Lines of `text` (sanitised already) in dim, without its final newline."""
        if not text:
            return []
        from rich.text import Text

        if text.endswith("\n"):
            text = text[:-1]
        console = self._con()
        return console.render_lines(Text(text, style="dim"), console.options, pad=False)

    @contextlib.contextmanager
    def _synchronized(self) -> Iterator[None]:
        """Wrap a frame in synchronized-output marks (on a real terminal only)."""
        if not self._interactive():
            yield
            return
        self._file.write(SYNC_BEGIN)
        try:
            yield
        finally:
            self._file.write(SYNC_END)
            self._file.flush()

    def _interactive(self) -> bool:
        console = self._con()
        return console.is_terminal and not console.is_dumb_terminal

    # -- lifecycle ---------------------------------------------------------------

    def _con(self) -> Console:
        if self._console is None:
            self._preload.wait()
            from rich.console import Console

            self._console = Console(
                file=self._file,
                force_terminal=True,
                color_system="auto" if self._color else None,
                highlight=False,
                markup=False,  # model text is never rich markup
                emoji=False,
                soft_wrap=False,
            )
        return self._console

    def _open(self, turn: Turn, phase: Phase) -> None:
        """The first token: the spinner gives way to the live region."""
        if self._spinner is not None:
            self._spinner.stop()
        self._turn = turn
        self._phase = phase
        if self._interactive():  # TERM=dumb: no live region, finished blocks only
            from rich.live import Live

            self._live = Live(
                self._frame,
                console=self._con(),
                auto_refresh=False,  # we draw, throttled, and a ticker catches up
                transient=True,
                redirect_stdout=False,  # never move stderr text onto stdout
                redirect_stderr=False,
                vertical_overflow="crop",
            )
            self._live.start()
        self._ticker = threading.Thread(
            target=self._tick,
            args=(self._stop_ticking,),
            name="r1cli-render-ticker",
            daemon=True,
        )
        self._ticker.start()

    def _tick(self, stop: threading.Event) -> None:
        while not stop.wait(TICK):
            with self._lock:
                if self._ended:
                    return
                if time.monotonic() - self._last_frame_end < self._interval():
                    continue
                # The reasoning panel's clock moves even when no text arrives.
                if self._dirty or self._phase == "reasoning":
                    try:
                        self._draw()
                    except Exception:
                        # A terminal gone away, or a bug the engine's thread will
                        # meet (and report) on its next frame: stop ticking quietly.
                        return

    def _close_live(self) -> None:
        """Stop the live region cleanly: erased, cursor shown, sync mode left."""
        live, self._live = self._live, None
        if live is None:
            return
        self._frame.lines = [[]]
        try:
            with self._synchronized():
                live.stop()
        except OSError:
            pass

    def _reasoning_summary(self, turn: Turn) -> list[Line]:
        """What replaces the reasoning panel once the reasoning is over."""
        reasoning = self._reasoning
        if not reasoning.chars or self._mode == "hide":
            return []
        lines: list[Line] = []
        if self._mode == "show":
            reasoning.flush()
            lines += self._dim_lines(reasoning.take_pending())
        tokens, estimated = reasoning_count(turn, reasoning.weight)
        line = thought_line(turn.thinking_seconds, tokens, estimated=estimated)
        return [*lines, *self._dim_lines(line), []]

    def _final_lines(self, turn: Turn) -> list[Line]:
        """Everything still to print when the turn ends, whatever its status."""
        lines: list[Line] = []
        if self._phase == "reasoning":
            lines = self._reasoning_summary(turn)
        console = self._con()
        self._answer.finish()
        lines += self._answer.take_lines(console)
        if turn.status == "complete" or turn.first_token_at is not None:
            estimate = (self._answer.chars + self._reasoning.chars + 3) // 4
            if self._answer.chars:
                lines.append([])
            width = self._con().size.width
            footer = footer_line(turn, estimate, width, self._reasoning.weight)
            lines += self._dim_lines(footer)
        return lines

    def _print(self, lines: list[Line]) -> None:
        if lines:
            self._con().print(Lines(lines))

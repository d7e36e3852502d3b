"""The live terminal view of a streamed turn, for when stdout is a TTY.

This module owns what a person sees on a terminal (issue 3, DESIGN.md §1 and
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

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.render.blocks import BlockSplitter
from r1cli.render.sanitize import StreamSanitizer
from r1cli.render.spinner import StderrSpinner

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live
    from rich.markdown import Markdown
    from rich.segment import Segment

    from r1cli.core.messages import Turn

__all__ = [
    "ReasoningMode",
    "TerminalRenderer",
    "answer_markdown",
    "footer_line",
    "format_cost",
    "render_block",
    "thinking_title",
    "thought_line",
]

ReasoningMode = Literal["show", "collapse", "hide"]
Line = list["Segment"]

ANSWER_INTERVAL = 0.05  # s between frames of the answer: ≤ 20 frames/s
# The reasoning panel is a side show: 10 frames/s halves what it writes to the tty.
REASONING_INTERVAL = 0.1
TICK = 0.05  # how often the ticker draws what the throttle held back
PANEL_LINES = 8  # wrapped reasoning lines shown in the panel
SHOW_PARTIAL_LINES = 3  # lines of the unfinished reasoning line shown with `show`
# The terminal's own ANSI palette: readable on dark and light backgrounds alike,
# unlike a theme that paints its own background.
CODE_THEME = "ansi_dark"
SYNC_BEGIN = "\x1b[?2026h"  # synchronized output: terminals that know it present
SYNC_END = "\x1b[?2026l"  # a frame at once; the others ignore it
MIN_RATE_SECONDS = 0.2
_RICH_MODULES = ("rich.console", "rich.live", "rich.markdown", "rich.panel")


# -- lazy rich -----------------------------------------------------------------------


def _import_rich() -> None:
    import rich.console
    import rich.live
    import rich.markdown
    import rich.panel  # noqa: F401


def import_quietly() -> None:
    # Errors surface on the main thread, which imports again when it needs rich.
    with contextlib.suppress(Exception):
        _import_rich()


class _Preload:
    """Imports rich in the background while the request is in flight.

    rich.markdown costs ~100 ms (it pulls in pygments); a reasoning model takes
    seconds to its first token, so the import hides behind it. Before using rich the
    main thread joins the loader, so the two never import the same module at once.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and not all(m in sys.modules for m in _RICH_MODULES):
            self._thread = threading.Thread(
                target=import_quietly, name="r1cli-import-rich", daemon=True
            )
            self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
        _import_rich()


class _Lines:
    """Pre-rendered lines of segments as a renderable (for the live region)."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        from rich.segment import Segment

        new_line = Segment.line()
        for line in self.lines:
            yield from line
            yield new_line


class _Frame:
    """The live region's content: the last frame's lines, no trailing newline."""

    def __init__(self) -> None:
        self.lines: list[Line] = [[]]

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        from rich.segment import Segment

        new_line = Segment.line()
        for index, line in enumerate(self.lines):
            if index:
                yield new_line
            yield from line


def _rstrip(line: Line) -> Line:
    """`line` without trailing blanks that show nothing (for the live region only).

    Code blocks and paragraphs are padded with spaces to the full width; the live
    region is erased line by line before each frame, so the padding is bytes for
    nothing, twenty times a second. Blanks that show (a background, reverse video,
    an underline) are kept.
    """
    end = len(line)
    while end:
        segment = line[end - 1]
        style = segment.style
        if segment.control or (
            style is not None
            and (style.bgcolor is not None or style.reverse or style.underline)
        ):
            break
        text = segment.text.rstrip(" ")
        if text:
            return [*line[: end - 1], segment._replace(text=text)]
        end -= 1
    return []


# -- the answer: Markdown blocks -----------------------------------------------------


def answer_markdown(text: str) -> Markdown:
    """Markdown for model text: links as `text (url)`, autolinks once."""
    from rich.markdown import Markdown

    md = Markdown(text, code_theme=CODE_THEME, hyperlinks=False)
    for token in md.parsed:
        # An autolink `<https://x>` would print `https://x (https://x)`: keep the text.
        if token.children and any(c.markup == "autolink" for c in token.children):
            token.children = [
                c
                for c in token.children
                if not (
                    c.type in ("link_open", "link_close") and c.markup == "autolink"
                )
            ]
    return md


def _top_level(md: Markdown) -> list[Token]:
    return [t for t in md.parsed if t.level == 0 and t.nesting >= 0]


def render_block(
    console: Console, text: str, after_newline: bool
) -> tuple[list[Line] | None, bool]:
    """Render one Markdown block as it would appear inside the whole answer.

    rich's Markdown separates top-level elements with a blank line decided by the
    element before (none after a thematic break); a block rendered alone lacks that
    context. Rendering it after a one-line paragraph `x` and dropping that line
    reproduces the one-shot render exactly. Returns the lines (None when the block
    renders no element) and whether the next block follows a newline.
    """
    md = answer_markdown("x\n\n" + text if after_newline else text)
    top = _top_level(md)
    if len(top) <= int(after_newline):
        return None, after_newline
    lines = console.render_lines(md, console.options, pad=False)
    return (lines[1:] if after_newline else lines), top[-1].type != "hr"


class _Deltas:
    """Deltas collected as they arrive and sanitised once per frame.

    A token costs a list append; the sanitiser (chunk-invariant, so the result is
    the same) and whatever consumes its output run once per frame.
    """

    def __init__(self) -> None:
        self._sanitizer = StreamSanitizer()
        self._raw: list[str] = []  # deltas since the last frame
        self.chars = 0

    def feed(self, text: str) -> None:
        self._raw.append(text)
        self.chars += len(text)

    def _take(self) -> str | None:
        """The sanitised text of the deltas since the last frame; None if none came."""
        if not self._raw:
            return None
        raw, self._raw = "".join(self._raw), []
        return self._sanitizer.feed(raw)


class _Answer(_Deltas):
    """The answer's text: sanitised, split into blocks, and the blank-line state.

    The splitter, too, parses once per frame (`process`) rather than once per line.
    """

    def __init__(self) -> None:
        super().__init__()
        self._splitter = BlockSplitter()
        self.after_newline = False  # the next block follows a rendered element
        self.pending: list[str] = []  # finished blocks waiting for the next frame

    def process(self) -> None:
        text = self._take()
        if text is not None:
            self.pending += self._splitter.feed(text)

    def finish(self) -> None:
        self.process()
        self.pending += self._splitter.feed(self._sanitizer.flush())
        self.pending += self._splitter.finish()

    def take_lines(self, console: Console) -> list[Line]:
        """Lines of the pending finished blocks, in context; advances the state.

        Consecutive blocks are rendered as one Markdown: they are a slice of the
        answer cut at block boundaries, so the render is the same, at one parse.
        """
        if not self.pending:
            return []
        text, self.pending = "".join(self.pending), []
        lines, self.after_newline = render_block(console, text, self.after_newline)
        return lines or []

    def tail_lines(self, console: Console, max_lines: int) -> list[Line]:
        """The open block as it will look once committed; its last `max_lines`."""
        lines, _ = render_block(
            console, self._splitter.preview(max_lines), self.after_newline
        )
        return (lines or [])[-max_lines:]


# -- the reasoning -------------------------------------------------------------------


def _count(n: int) -> str:
    return f"{n:,}"


class _Reasoning(_Deltas):
    """The reasoning's text as the view needs it: counts and bounded tails.

    Keeps only a bounded tail for the panel (never the whole reasoning per frame).
    With `show`, complete lines wait in `pending` until the next frame commits them.
    """

    TAIL_CAP = 16_384  # characters kept for the panel: 8 lines of 2,000 columns

    def __init__(self, mode: ReasoningMode) -> None:
        super().__init__()
        self._mode = mode
        self._tail: list[str] = []
        self._tail_len = 0
        self.pending: list[str] = []  # `show`: complete lines not yet printed
        self._line: list[str] = []  # `show`: the unfinished line

    def process(self) -> None:
        text = self._take()
        if text is not None:
            self._add(text)

    def flush(self) -> None:
        self.process()
        self._add(self._sanitizer.flush())
        if self._line:
            self.pending.append("".join(self._line))
            self._line = []

    def tokens(self, usage_tokens: int | None) -> int:
        """The provider's count when known, else an estimate (4 chars a token)."""
        return usage_tokens if usage_tokens else (self.chars + 3) // 4

    def tail(self, chars: int) -> str:
        if len(self._tail) > 1:
            self._tail = ["".join(self._tail)]
        return self._tail[0][-chars:] if self._tail else ""

    def partial(self, chars: int) -> str:
        if len(self._line) > 1:
            self._line = ["".join(self._line)]
        return self._line[0][-chars:] if self._line else ""

    def take_pending(self) -> str:
        text, self.pending = "".join(self.pending), []
        return text

    def _add(self, text: str) -> None:
        if not text:
            return
        self._tail.append(text)
        self._tail_len += len(text)
        if self._tail_len > 2 * self.TAIL_CAP:
            self._tail = ["".join(self._tail)[-self.TAIL_CAP :]]
            self._tail_len = self.TAIL_CAP
        if self._mode == "show":
            self._split_lines(text)

    def _split_lines(self, text: str) -> None:
        newline = text.rfind("\n")
        if newline < 0:
            self._line.append(text)
            return
        self.pending.append("".join(self._line) + text[: newline + 1])
        self._line = [text[newline + 1 :]] if newline + 1 < len(text) else []


def _tokens(n: int) -> str:
    return "1 token" if n == 1 else f"{_count(n)} tokens"


def thinking_title(seconds: float, tokens: int) -> str:
    return f"Thinking… {seconds:.1f} s · {_tokens(tokens)}"


def thought_line(seconds: float, tokens: int) -> str:
    return f"Thought for {seconds:.1f} s · {_tokens(tokens)}"


def format_cost(cost: float) -> str:
    if cost >= 1:
        return f"${cost:.2f}"
    if 0 < cost < 0.00005:
        return "<$0.0001"
    return f"${cost:.4f}"


def footer_line(turn: Turn, estimated_tokens: int, width: int = 0) -> str:
    """`1,234 in · 2,345 out (1,204 reasoning) · $0.0012 · 45.6 tok/s · 23.4 s`.

    Always one line: when `width` is too narrow the least useful parts go first.
    """
    parts = _footer_parts(turn, estimated_tokens)
    while width and len(parts) > 1 and len(" · ".join(t for _, t in parts)) > width:
        parts.remove(max(parts))  # the highest rank is the least useful
    return " · ".join(text for _, text in parts)


def _footer_parts(turn: Turn, estimated_tokens: int) -> list[tuple[int, str]]:
    """(rank, text) in display order; rank 0 is dropped last."""
    usage = turn.usage
    parts: list[tuple[int, str]] = []
    if turn.status == "interrupted":
        parts.append((0, "interrupted"))
    elif turn.status == "length":
        parts.append((0, "cut off at the token limit"))
    out_tokens = usage.completion_tokens if usage else None
    if usage and usage.prompt_tokens is not None:
        parts.append((4, f"{_count(usage.prompt_tokens)} in"))
    if out_tokens is not None:
        out = f"{_count(out_tokens)} out"
        if usage and usage.reasoning_tokens:
            out += f" ({_count(usage.reasoning_tokens)} reasoning)"
        parts.append((2, out))
    if usage and usage.cost is not None:
        parts.append((3, format_cost(usage.cost)))
    speed = _speed(turn, out_tokens if out_tokens is not None else estimated_tokens)
    if speed:
        parts.append((5, speed if out_tokens is not None else "~" + speed))
    parts.append((1, f"{turn.elapsed:.1f} s"))
    return parts


def _speed(turn: Turn, tokens: int) -> str:
    if turn.first_token_at is None or not tokens:
        return ""
    seconds = (turn.ended_at or time.monotonic()) - turn.first_token_at
    # Below a fraction of a second a rate says more about timer noise than speed.
    return f"{tokens / seconds:.1f} tok/s" if seconds >= MIN_RATE_SECONDS else ""


# -- the renderer --------------------------------------------------------------------

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
        self._preload = _Preload()
        self._lock = threading.Lock()
        self._new_turn(None)

    def _new_turn(self, turn: Turn | None) -> None:
        self._turn = turn
        self._spinner: StderrSpinner | None = None
        self._live: Live | None = None
        self._frame = _Frame()
        self._phase: Phase = "waiting"
        self._answer = _Answer()
        self._reasoning = _Reasoning(self._mode)
        self._dirty = False
        self._last_frame_end = 0.0
        self._ticker: threading.Thread | None = None
        self._stop_ticking = threading.Event()
        self._ended = False

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
            self._frame.lines = [_rstrip(line) for line in self._frame_lines()] or [[]]
            with self._synchronized():
                if printed:
                    console.print(_Lines(printed))  # the Live hook redraws the region
                else:
                    live.refresh()
        elif printed:
            console.print(_Lines(printed))
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
        elapsed = time.monotonic() - turn.started_at if turn is not None else 0.0
        title = thinking_title(elapsed, self._reasoning.tokens(None))
        if self._mode == "collapse":
            return self._panel_lines(title)[-budget:]
        lines: list[Line] = []
        if self._mode == "show":
            width = console.size.width
            partial = self._reasoning.partial(SHOW_PARTIAL_LINES * width)
            if partial:
                lines = self._dim_lines(partial)[-SHOW_PARTIAL_LINES:]
        return (lines + self._dim_lines(title))[-budget:]

    def _panel_lines(self, title: str) -> list[Line]:
        """The reasoning panel: a dim box open on the right, with the text's tail.

        Open on the right so a frame is not padded to the full width with 3-byte
        box characters: the panel is redrawn ten times a second.
        """
        from rich.text import Text

        console = self._con()
        inner = max(console.size.width - 2, 1)
        tail = Text(self._reasoning.tail((PANEL_LINES + 1) * inner))
        body = tail.wrap(console, inner)[-PANEL_LINES:]
        panel = Text(f"╭─ {title}", style="dim", no_wrap=True, overflow="crop")
        for line in body:
            panel.append("\n│ ", style="dim")
            panel.append_text(line)
        panel.append("\n╰─", style="dim")
        panel.stylize("dim")
        return console.render_lines(panel, console.options, pad=False)

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
        usage_tokens = turn.usage.reasoning_tokens if turn.usage else None
        tokens = reasoning.tokens(usage_tokens)
        return [
            *lines,
            *self._dim_lines(thought_line(turn.thinking_seconds, tokens)),
            [],
        ]

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
            lines += self._dim_lines(footer_line(turn, estimate, width))
        return lines

    def _print(self, lines: list[Line]) -> None:
        if lines:
            self._con().print(_Lines(lines))

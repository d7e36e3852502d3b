"""The reasoning as the live view shows it: buffered deltas and the dim panel.

`Deltas` collects deltas and sanitises them once per frame (the answer's buffer
builds on it too); `ReasoningBuffer` keeps counts and bounded tails, and the lines
waiting to be committed with `show`; `panel_lines` draws the reasoning box.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from r1cli.core.models import token_weight
from r1cli.core.params import ReasoningMode
from r1cli.render.sanitize import StreamSanitizer

if TYPE_CHECKING:
    from rich.console import Console

    from r1cli.render._lazy_rich import Line

PANEL_LINES = 8  # wrapped reasoning lines shown in the panel


class Deltas:
    """Deltas collected as they arrive and sanitised once per frame.

    A token costs a list append; the sanitiser (chunk-invariant, so the result is
    the same) and whatever consumes its output run once per frame.
    """

    def __init__(self) -> None:
        self._sanitizer = StreamSanitizer()
        self._raw: list[str] = []  # deltas since the last frame
        self.chars = 0
        # Estimated tokens so far (core.models.token_weight), summed per delta.
        self.weight = 0.0

    def feed(self, text: str) -> None:
        self._raw.append(text)
        self.chars += len(text)
        self.weight += token_weight(text)

    def _take(self) -> str | None:
        """The sanitised text of the deltas since the last frame; None if none came."""
        if not self._raw:
            return None
        raw, self._raw = "".join(self._raw), []
        return self._sanitizer.feed(raw)


class ReasoningBuffer(Deltas):
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
        return usage_tokens if usage_tokens else math.ceil(self.weight)

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


def panel_lines(console: Console, reasoning: ReasoningBuffer, title: str) -> list[Line]:
    """The reasoning panel: a dim box open on the right, with the text's tail.

    Open on the right so a frame is not padded to the full width with 3-byte
    box characters: the panel is redrawn ten times a second.
    """
    from rich.text import Text

    inner = max(console.size.width - 2, 1)
    tail = Text(reasoning.tail((PANEL_LINES + 1) * inner))
    body = tail.wrap(console, inner)[-PANEL_LINES:]
    panel = Text(f"╭─ {title}", style="dim", no_wrap=True, overflow="crop")
    for line in body:
        panel.append("\n│ ", style="dim")
        panel.append_text(line)
    panel.append("\n╰─", style="dim")
    panel.stylize("dim")
    return console.render_lines(panel, console.options, pad=False)

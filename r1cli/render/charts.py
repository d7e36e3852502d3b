"""Bar charts drawn with text: two stacked series per row (thinking, then answer).

Standard library only (no rich): a chart is a list of lines, so it can be tested as
a fixed-width string and printed anywhere. Bars are scaled to the largest row; a
non-zero part always gets at least one cell, so a small answer never vanishes
beside a long think. Colour is optional ANSI around the two glyphs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

THINK = "█"
ANSWER = "░"
THINK_COLOR = "\x1b[35m"  # magenta: the same hue family as the reasoning panel
ANSWER_COLOR = "\x1b[36m"
RESET = "\x1b[0m"
GAP = "  "


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    think: float
    answer: float


def _cells(think: float, answer: float, scale: float, width: int) -> tuple[int, int]:
    if scale <= 0:
        return 0, 0
    a = round(think / scale * width)
    b = round((think + answer) / scale * width) - a
    if think > 0 and a == 0:
        a = 1
    if answer > 0 and b == 0:
        b = 1
    while a + b > width and (a > 1 or b > 1):  # the minimum cells pushed it over
        if a >= b:
            a -= 1
        else:
            b -= 1
    return a, b


def stacked_bars(
    bars: list[Bar],
    *,
    width: int,
    value: Callable[[float], str],
    color: bool = False,
) -> list[str]:
    """One line per bar: `label  ████░░      41 s │ 6 s`, fitting `width` columns."""
    if not bars:
        return []
    label_width = max(len(b.label) for b in bars)
    values = [f"{value(b.think)} │ {value(b.answer)}" for b in bars]
    value_width = max(len(v) for v in values)
    bar_width = max(width - label_width - value_width - 2 * len(GAP), 4)
    scale = max(b.think + b.answer for b in bars)
    lines = []
    for bar, text in zip(bars, values, strict=True):
        a, b = _cells(bar.think, bar.answer, scale, bar_width)
        think, answer = THINK * a, ANSWER * b
        if color:
            think = f"{THINK_COLOR}{think}{RESET}" if a else ""
            answer = f"{ANSWER_COLOR}{answer}{RESET}" if b else ""
        pad = " " * (bar_width - a - b)
        lines.append(
            f"{bar.label:<{label_width}}{GAP}{think}{answer}{pad}{GAP}"
            f"{text:>{value_width}}"
        )
    return lines


def legend(color: bool = False) -> str:
    think, answer = THINK * 2, ANSWER * 2
    if color:
        think = f"{THINK_COLOR}{think}{RESET}"
        answer = f"{ANSWER_COLOR}{answer}{RESET}"
    return f"{think} thinking   {answer} answer"

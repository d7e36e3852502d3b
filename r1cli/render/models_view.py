"""`r1 models` on a terminal: a table of id, context length and prices.

Every provider-supplied string is sanitised before it is printed. Prices are USD per
million tokens; unknown values show as a dash.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import TextIO

from r1cli.core.models import ModelInfo
from r1cli.render.sanitize import sanitize

UNKNOWN = "—"
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def format_context(tokens: int | None) -> str:
    return UNKNOWN if tokens is None else f"{tokens:,}"


def format_price(price: float | None) -> str:
    """`0.50`, `2.19`, `0.075`, `15.00`; `free` for zero; a dash when unknown."""
    if price is None:
        return UNKNOWN
    if price == 0:
        return "free"
    text = f"{price:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def one_line(text: str) -> str:
    return sanitize(text).replace("\n", " ").replace("\t", " ")


def show_table(
    models: list[ModelInfo], caption: str, *, color: bool, file: TextIO | None = None
) -> None:
    """Print the table. Laid out by hand, not with rich: rich's Table measures every
    cell and took ~0.2 s for OpenRouter's ~350 models; this takes a millisecond."""
    rows = [("id", "context", "$/M in", "$/M out")]
    rows += [
        (
            one_line(model.id),
            format_context(model.context_length),
            format_price(model.input_price),
            format_price(model.output_price),
        )
        for model in models
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0] + " " * (widths[0] - _width(row[0]))]
        cells += [" " * (widths[i] - len(row[i])) + row[i] for i in (1, 2, 3)]
        line = "  ".join(cells).rstrip()
        lines.append(f"{BOLD}{line}{RESET}" if color and number == 0 else line)
    lines.append(f"{DIM}{caption}{RESET}" if color else caption)
    (file or sys.stdout).write("\n".join(lines) + "\n")


def _width(text: str) -> int:
    """Terminal cells of `text`: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

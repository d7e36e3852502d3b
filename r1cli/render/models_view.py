"""`r1 models` on a terminal: a table of id, context length and prices.

Every provider-supplied string is sanitised and shown as plain text (never parsed as
rich markup). Prices are USD per million tokens; unknown values show as a dash.
"""

from __future__ import annotations

from typing import TextIO

from r1cli.core.models import ModelInfo
from r1cli.render.sanitize import sanitize

UNKNOWN = "—"


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
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(
        file=file,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
    )
    table = Table(
        box=None,
        pad_edge=False,
        header_style="bold" if color else "",
        caption=Text(caption, style="dim" if color else ""),
        caption_justify="left",
    )
    table.add_column("id", overflow="fold")
    table.add_column("context", justify="right", no_wrap=True)
    table.add_column("$/M in", justify="right", no_wrap=True)
    table.add_column("$/M out", justify="right", no_wrap=True)
    for model in models:
        table.add_row(
            Text(one_line(model.id)),
            format_context(model.context_length),
            format_price(model.input_price),
            format_price(model.output_price),
        )
    console.print(table)

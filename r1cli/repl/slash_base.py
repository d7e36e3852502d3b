"""What every slash command shares: the result it returns, the context it runs in,
the table's row type, and small text helpers. No terminal code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r1cli.errors import UsageError
from r1cli.render.footer import format_cost
from r1cli.repl.state import ChatState

_FENCE = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1[`~]*[ \t]*$", re.M | re.S
)


@dataclass
class SlashResult:
    lines: list[str] = field(default_factory=list)
    send: str | None = None  # a prompt to send as the next message
    retry: bool = False  # ask again for the latest prompt
    clear: bool = False  # clear the screen
    exit: bool = False
    recap: bool = False  # show the last turns of the (newly loaded) conversation


@dataclass
class SlashContext:
    session: ChatState
    # edit_text(text) -> edited text, or None when the user gave up
    edit_text: Callable[[str], str | None]
    # copy_text(text) -> how it was copied, e.g. "OSC 52 and wl-copy"
    copy_text: Callable[[str], str]
    cwd: Path = field(default_factory=Path.cwd)


Handler = Callable[[SlashContext, str], SlashResult]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    run: Handler
    # What Tab offers for the argument: a fixed list, a function of the session,
    # or "path" for file names.
    complete: tuple[str, ...] | Callable[[ChatState], list[Any]] | str = ()
    aliases: tuple[str, ...] = ()


# -- helpers -----------------------------------------------------------------------


def cost_text(cost: float | None) -> str:
    return "cost not reported" if cost is None else format_cost(cost)


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a Markdown text, in order, without their fences."""
    return [match.group(2) for match in _FENCE.finditer(markdown)]


def one_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def require_argument(argument: str, usage: str) -> str:
    if not argument:
        raise UsageError(f"usage: {usage}")
    return argument

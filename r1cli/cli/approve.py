"""The approval question on a terminal: the call, then yes / no / always.

Asked on stderr and read from stdin (both terminals; otherwise there is no question
and `mcp.approval` refuses what is not trusted). Keys typed before the question are
discarded, so a stray `y` typed during the answer approves nothing; the line is read
in the terminal's ordinary line mode, even inside the REPL (which turns echo and line
editing off while an answer streams), and the mode is put back after. Ctrl-D or
anything unclear is no.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from r1cli.core.events import ToolCall
from r1cli.mcp.approval import Answer
from r1cli.render.terminal import TermAttrs, terminal_mode
from r1cli.render.toolline import tool_line

PROMPT = "  run it? [y]es / [n]o / [a]lways for this tool this session: "


def ask_on_terminal(call: ToolCall) -> Answer:
    # Type-ahead is dropped before the question shows, never after: an answer
    # typed once the question is on screen always counts.
    with line_mode():
        sys.stderr.write(f"{tool_line(call, None)}\n{PROMPT}")
        sys.stderr.flush()
        line = sys.stdin.readline()
    answer = line.strip().lower()
    if answer in ("a", "always"):
        return "always"
    if answer in ("y", "yes"):
        return "yes"
    if not line.endswith("\n"):
        sys.stderr.write("\n")
    return "no"


@contextlib.contextmanager
def line_mode() -> Iterator[None]:
    """Echo, line editing and CR → NL on for one line; type-ahead dropped."""
    import termios

    def cooked(attrs: TermAttrs) -> TermAttrs:
        attrs[0] |= termios.ICRNL
        attrs[3] |= termios.ECHO | termios.ICANON
        return attrs

    with terminal_mode(cooked, flush_input=True):
        yield

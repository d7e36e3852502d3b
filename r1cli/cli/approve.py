"""The approval question on a terminal: the call, then yes / no / always.

Asked on stderr and read from stdin (both terminals; otherwise there is no question
and `mcp.approval` refuses what is not trusted). Ctrl-D or anything unclear is no.
"""

from __future__ import annotations

import sys

from r1cli.core.events import ToolCall
from r1cli.mcp.approval import Answer
from r1cli.render.toolline import tool_line

PROMPT = "  run it? [y]es / [n]o / [a]lways for this tool this session: "


def ask_on_terminal(call: ToolCall) -> Answer:
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

"""What the terminal tests compare against: hostile escape payloads, the SGR pattern,
and a one-shot render of an answer's Markdown."""

from __future__ import annotations

import io
import re

from rich.console import Console

from r1cli.render.markdown import answer_markdown
from r1cli.render.sanitize import sanitize

SGR = re.compile(rb"\x1b\[[0-9;:]*m")
PAYLOADS = (
    "A\x1b]52;c;Y3VybCB4fHNo\x07B "  # OSC 52 clipboard, BEL-terminated
    "C\x1b]52;c;Y3VybCB4fHNo\x1b\\D "  # ... and ST-terminated
    "\x1b]8;;https://evil\x1b\\docs\x1b]8;;\x1b\\ "  # OSC 8 hidden link
    "\x1b]0;pwned-title\x07\x1b]2;pwned-title\x07 "  # window title
    "\x1b[2J\x1b[H\x1b[1A\x1b[K "  # clear screen, cursor moves
    "rm -rf ~\rls -la abc\b\b\bxyz "  # CR and BS overwrite
    "\x9b31m\x9d0;t\x9c\x90q\x9c "  # C1 controls
    "\u202eevil\u202c \u2066iso\u2069"  # bidi override and isolate
)


def one_shot(markdown: str, width: int) -> str:
    console = Console(
        file=io.StringIO(), width=width, force_terminal=True, color_system=None
    )
    console.print(answer_markdown(sanitize(markdown)))
    return console.file.getvalue()

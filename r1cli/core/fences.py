"""Fenced code blocks of a Markdown answer, for `ask -x` and `r1 sh`.

CommonMark's rules, read leniently where models are sloppy: a fence is three or more
backticks or tildes; a backtick fence's info string has no backtick; the closing fence
uses the same character, is at least as long, and carries nothing but spaces. A fence
may be indented (answers put code inside list items), and that indentation is removed
from the block's lines. A fence left open runs to the end of the answer (an answer cut
off by max_tokens), as CommonMark says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_CLOSE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*$")


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str  # the lines between the fences, each ending in a newline
    info: str  # the info string ("python"), may be empty
    closed: bool  # False: the answer ended inside it


def code_blocks(markdown: str) -> list[CodeBlock]:
    """The fenced code blocks of `markdown`, outermost only, in order."""
    lines = markdown.splitlines()
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        opening = _OPEN.match(lines[i])
        i += 1
        if opening is None:
            continue
        indent, fence, info = opening.groups()
        if fence[0] == "`" and "`" in info:
            continue  # inline code such as ```x``` is no fence
        body: list[str] = []
        closed = False
        while i < len(lines):
            closing = _CLOSE.match(lines[i])
            i += 1
            if (
                closing is not None
                and closing.group(1)[0] == fence[0]
                and len(closing.group(1)) >= len(fence)
            ):
                closed = True
                break
            body.append(_dedent(lines[i - 1], len(indent)))
        text = "".join(line + "\n" for line in body)
        blocks.append(CodeBlock(text, info.strip(), closed))
    return blocks


def last_code_block(markdown: str) -> str | None:
    """The contents of the last fenced code block (None: the answer has none)."""
    blocks = code_blocks(markdown)
    return blocks[-1].text if blocks else None


def _dedent(line: str, width: int) -> str:
    """`line` without up to `width` leading spaces or tabs (the fence's indent)."""
    cut = 0
    while cut < width and cut < len(line) and line[cut] in " \t":
        cut += 1
    return line[cut:]

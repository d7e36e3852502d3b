"""Incremental splitting of a streaming Markdown answer into finished top-level blocks.

This module owns one question: which prefix of a growing Markdown text can no longer
change when more text is appended? The terminal renderer prints those finished
top-level blocks once into the scrollback and keeps only the open tail in its live
region, so rendering stays linear in the answer (docs/DESIGN.md "Rendering in linear time").

Rules, from the CommonMark block structure:
- only complete lines are ever examined: block boundaries only occur at line ends;
- the last block is never committed while it can still change type (a paragraph
  becomes a table when the delimiter row arrives, or a setext heading when `===`
  arrives); it is committed early only when it cannot change: a closed fenced code
  block, an ATX/setext heading, a thematic break;
- while the open block is an unclosed fenced code block, new lines are only checked
  for the closing fence (no re-parse), so a long code block costs O(1) per line;
- otherwise only the uncommitted text (normally one block) is parsed, and only when
  the new text completes a line that is not blank.

Blocks are contiguous slices: a block runs from the end of the previous block to its
own end, so the blank lines after a block lead the next one. The concatenation of
every committed block and the tail is exactly the text fed, and the committed blocks
do not depend on how the text was split into chunks.

Block boundaries come from markdown-it-py's block parser, the parser rich's Markdown
uses, so a committed block is exactly a top-level block of the one-shot render. It is
imported lazily (on the first complete line) and only its block rules run: inline
parsing is wasted work here. Known gap: a link reference definition only applies to
the block it leads, not to earlier committed blocks (models rarely write them).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Last-block types that no appended line can change.
_FINAL_TYPES = frozenset({"heading_open", "hr"})


class _Fence(NamedTuple):
    """An open fenced code block: its marker, run length and opening line index."""

    marker: str
    length: int
    opener: int


class _Block(NamedTuple):
    """A top-level block of the parsed region: type, line range, fence markup."""

    type: str
    start: int
    end: int
    markup: str


@functools.lru_cache(maxsize=1)
def _markdown_it() -> MarkdownIt:
    """The block parser, configured like rich's Markdown (commonmark + tables)."""
    from markdown_it import MarkdownIt

    return MarkdownIt().enable("table").enable("strikethrough")


def _parse_blocks(text: str) -> list[_Block]:
    """Top-level blocks of `text` (complete lines only), in order."""
    md = _markdown_it()
    # markdown-it's normalise step turns a lone CR into a line break and NUL into
    # U+FFFD; we count lines on LF only, so make CR a space to keep the numbering.
    src = text.replace("\r", " ").replace("\0", "\ufffd")
    tokens: list[Token] = []
    md.block.parse(src, md, {}, tokens)
    return [
        _Block(t.type, t.map[0], t.map[1], t.markup)
        for t in tokens
        if t.level == 0 and t.nesting >= 0 and t.map
    ]


def _indent_columns(line: str) -> tuple[int, int]:
    """(columns, characters) of the leading spaces and tabs, tabs to stop 4."""
    col = 0
    for i, ch in enumerate(line):
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            return col, i
    return col, len(line)


def _closes_fence(line: str, fence: _Fence) -> bool:
    """Whether `line` (without its newline) closes `fence`, as markdown-it decides."""
    col, pos = _indent_columns(line)
    if col >= 4 or pos >= len(line) or line[pos] != fence.marker:
        return False
    end = pos
    while end < len(line) and line[end] == fence.marker:
        end += 1
    if end - pos < fence.length:
        return False
    return line[end:].replace("\r", " ").strip(" \t") == ""


class BlockSplitter:
    """Splits a Markdown text fed in arbitrary chunks into finished top-level blocks.

    `feed(text)` returns the blocks that became final (each exactly once), `tail` is
    the text not yet committed, `finish()` returns the rest as blocks when the stream
    ends. `"".join(all committed) + tail` is always the text fed so far.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []  # complete lines of the open region, with "\n"
        self._partial: list[str] = []  # text after the last newline
        self._fence: _Fence | None = None  # set while the region is an open fence

    @property
    def tail(self) -> str:
        """The uncommitted text: the open block (and anything after it)."""
        return "".join(self._lines) + self._partial_text()

    @property
    def in_fence(self) -> bool:
        """Whether the open block is a fenced code block still waiting to close."""
        return self._fence is not None

    def preview(self, max_lines: int) -> str:
        """The tail, shortened for display when it is a long open code block.

        Keeps the opening fence line and the last `max_lines` lines, so drawing the
        open block costs O(max_lines) however long the code block grows.
        """
        fence = self._fence
        if fence is None or len(self._lines) <= fence.opener + 1 + max_lines:
            return self.tail
        head = "".join(self._lines[: fence.opener + 1])
        body = "".join(self._lines[len(self._lines) - max_lines :])
        return head + body + self._partial_text()

    def feed(self, text: str) -> list[str]:
        """Append `text`; return the blocks it finished, in order."""
        newline = text.rfind("\n")
        if newline < 0:
            if text:
                self._partial.append(text)
            return []
        complete = self._partial_text() + text[: newline + 1]
        rest = text[newline + 1 :]
        self._partial = [rest] if rest else []
        return self._add_lines([line + "\n" for line in complete.split("\n")[:-1]])

    def finish(self) -> list[str]:
        """End of stream: return everything not yet committed, split into blocks."""
        self._lines.extend(self._partial)
        self._partial = []
        self._fence = None
        if not self._lines:
            return []
        blocks = _parse_blocks("".join(self._lines))
        ends = [b.end for b in blocks[:-1]]
        return [*self._take(ends), self._take_all()]

    def _partial_text(self) -> str:
        if len(self._partial) > 1:
            self._partial = ["".join(self._partial)]
        return self._partial[0] if self._partial else ""

    def _add_lines(self, lines: list[str]) -> list[str]:
        done: list[str] = []
        i = 0
        while i < len(lines) and self._fence is not None:
            # Inside an open fence only the closing line matters: no re-parse.
            line = lines[i]
            self._lines.append(line)
            i += 1
            if _closes_fence(line[:-1], self._fence):
                self._fence = None
                done.append(self._take_all())
        if i < len(lines):
            rest = lines[i:]
            self._lines.extend(rest)
            # Blank lines start no block and finish none that could be committed
            # early (headings, breaks and closing fences are not blank): skip the
            # parse. Between blocks this halves the parses.
            if any(line.strip(" \t\n") for line in rest):
                done.extend(self._split_region())
        return done

    def _split_region(self) -> list[str]:
        """Parse the open region; commit every block but an open last one."""
        blocks = _parse_blocks("".join(self._lines))
        if not blocks:
            return []
        last = blocks[-1]
        offset = blocks[-2].end if len(blocks) > 1 else 0
        done = self._take([b.end for b in blocks[:-1]])
        end = last.end - offset  # the last block's end within the cut region
        if last.type == "fence":
            fence = _Fence(last.markup[0], len(last.markup), last.start - offset)
            if self._fence_closed(fence, end):
                done.extend(self._take([end]))
            else:
                self._fence = fence
        elif last.type in _FINAL_TYPES:
            done.extend(self._take([end]))
        return done

    def _fence_closed(self, fence: _Fence, end: int) -> bool:
        """Whether the region's fence, which ends at line `end`, has its closing line.

        An unclosed fence runs to the end of the text; one that ends earlier closed.
        Ending exactly at the last line is ambiguous: check that line.
        """
        if end < len(self._lines):
            return True
        return end - 1 > fence.opener and _closes_fence(
            self._lines[end - 1][:-1], fence
        )

    def _take(self, ends: list[int]) -> list[str]:
        """Cut the region at the given line ends (ascending); return the pieces."""
        if not ends:
            return []
        pieces: list[str] = []
        start = 0
        for end in ends:
            pieces.append("".join(self._lines[start:end]))
            start = end
        del self._lines[:start]
        return pieces

    def _take_all(self) -> str:
        text = "".join(self._lines)
        self._lines = []
        return text

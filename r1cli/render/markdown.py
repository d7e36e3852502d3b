"""The answer as Markdown: rich's Markdown for model text, one block at a time.

`render_block` renders a finished top-level block exactly as it would look inside
the whole answer; `AnswerBuffer` collects the answer's deltas, splits them into
blocks once per frame, and renders the finished ones and the open tail.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar

from r1cli.render._lazy_rich import Line
from r1cli.render.blocks import BlockSplitter
from r1cli.render.reasoning import Deltas

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from rich.console import Console
    from rich.markdown import Markdown

# The terminal's own ANSI palette: readable on dark and light backgrounds alike,
# unlike a theme that paints its own background.
CODE_THEME = "ansi_dark"


@functools.cache
def share_parser() -> None:
    """Make rich's Markdown parse with one shared MarkdownIt instead of a new one each.

    `rich.markdown.Markdown.__init__` builds `MarkdownIt().enable(...)` for every
    instance: ~0.1 ms, ~0.3 ms and 10 KB of regex source more when linkify-it-py is
    installed (MarkdownIt then compiles a linkifier it never uses). The live view makes
    a Markdown per frame and per block, so that was most of a short block's render.
    The stand-in gives a parser per set of enabled rules, made once; `parse` keeps no
    state in the parser. Anything rich calls differently gets a real MarkdownIt.
    """
    import rich.markdown
    from markdown_it import MarkdownIt

    # Only rich as we know it, and only once.
    if getattr(rich.markdown, "MarkdownIt", None) is MarkdownIt:
        setattr(rich.markdown, "MarkdownIt", _SharedMarkdownIt)  # noqa: B010


class _SharedMarkdownIt:
    """`MarkdownIt()` inside rich.markdown: records `.enable(...)`, then `.parse`
    runs on the one parser made (once) with those rules enabled."""

    _parsers: ClassVar[dict[tuple[tuple[str, bool], ...], MarkdownIt]] = {}
    _rules: tuple[tuple[str, bool], ...]

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:  # a preset or options: not the call we share
            from markdown_it import MarkdownIt

            return MarkdownIt(*args, **kwargs)
        self = super().__new__(cls)
        self._rules = ()
        return self

    def enable(
        self, names: str | list[str], ignoreInvalid: bool = False
    ) -> _SharedMarkdownIt:
        listed = [names] if isinstance(names, str) else names
        self._rules += tuple((name, ignoreInvalid) for name in listed)
        return self

    def parse(self, src: str, env: Any = None) -> list[Token]:
        parser = self._parsers.get(self._rules)
        if parser is None:
            from markdown_it import MarkdownIt

            parser = MarkdownIt()
            for name, ignore in self._rules:
                parser.enable(name, ignoreInvalid=ignore)
            self._parsers[self._rules] = parser
        return parser.parse(src, env)


def answer_markdown(text: str) -> Markdown:
    """Markdown for model text: links as `text (url)`, autolinks once."""
    from rich.markdown import Markdown

    share_parser()
    md = Markdown(text, code_theme=CODE_THEME, hyperlinks=False)
    for token in md.parsed:
        # An autolink `<https://x>` would print `https://x (https://x)`: keep the text.
        if token.children and any(c.markup == "autolink" for c in token.children):
            token.children = [
                c
                for c in token.children
                if not (
                    c.type in ("link_open", "link_close") and c.markup == "autolink"
                )
            ]
    return md


def _top_level(md: Markdown) -> list[Token]:
    return [t for t in md.parsed if t.level == 0 and t.nesting >= 0]


def render_block(
    console: Console, text: str, after_newline: bool
) -> tuple[list[Line] | None, bool]:
    """Render one Markdown block as it would appear inside the whole answer.

    rich's Markdown separates top-level elements with a blank line decided by the
    element before (none after a thematic break); a block rendered alone lacks that
    context. Rendering it after a one-line paragraph `x` and dropping that line
    reproduces the one-shot render exactly. Returns the lines (None when the block
    renders no element) and whether the next block follows a newline.
    """
    md = answer_markdown("x\n\n" + text if after_newline else text)
    top = _top_level(md)
    if len(top) <= int(after_newline):
        return None, after_newline
    lines = console.render_lines(md, console.options, pad=False)
    return (lines[1:] if after_newline else lines), top[-1].type != "hr"


class AnswerBuffer(Deltas):
    """The answer's text: sanitised, split into blocks, and the blank-line state.

    The splitter, too, parses once per frame (`process`) rather than once per line.
    """

    def __init__(self) -> None:
        super().__init__()
        self._splitter = BlockSplitter()
        self.after_newline = False  # the next block follows a rendered element
        self.pending: list[str] = []  # finished blocks waiting for the next frame

    def process(self) -> None:
        text = self._take()
        if text is not None:
            self.pending += self._splitter.feed(text)

    def finish(self) -> None:
        self.process()
        self.pending += self._splitter.feed(self._sanitizer.flush())
        self.pending += self._splitter.finish()

    def take_lines(self, console: Console) -> list[Line]:
        """Lines of the pending finished blocks, in context; advances the state.

        Consecutive blocks are rendered as one Markdown: they are a slice of the
        answer cut at block boundaries, so the render is the same, at one parse.
        """
        if not self.pending:
            return []
        text, self.pending = "".join(self.pending), []
        lines, self.after_newline = render_block(console, text, self.after_newline)
        return lines or []

    def tail_lines(self, console: Console, max_lines: int) -> list[Line]:
        """The open block as it will look once committed; its last `max_lines`."""
        lines, _ = render_block(
            console, self._splitter.preview(max_lines), self.after_newline
        )
        return (lines or [])[-max_lines:]

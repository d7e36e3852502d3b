"""Renderers: turn r1cli events into terminal, plain or JSON-lines output, and
sanitise untrusted text on the way. The only importer of rich (lazily).

markdown-it imports linkify-it-py when it is installed (it is no dependency of ours)
and that import compiles its URL regexes: ~35 ms, for a linkifier rich never turns
on. A None entry makes the import fail and markdown-it go without, as it does when
the package is absent. Set here, before any module of this package imports rich.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from r1cli.core.params import ReasoningMode
from r1cli.render.terminal import isatty

if TYPE_CHECKING:
    from r1cli.core.sink import TurnSink

if "markdown_it" not in sys.modules:
    sys.modules.setdefault("linkify_it", None)  # type: ignore[arg-type]


def choose_renderer(
    *,
    json: bool,
    raw: bool,
    show_reasoning: bool,
    reasoning: ReasoningMode,
    color: bool,
    model: str,
    extract: Callable[[str], None] | None = None,
) -> TurnSink:
    """JSON lines, plain text for a pipe (or `--raw`), or the live terminal view;
    `extract` (a warning printer) picks `-x`: the last code block only."""
    if extract is not None:
        from r1cli.render.extract import ExtractRenderer

        return ExtractRenderer(model=model, warn=extract, raw=raw, color=color)
    if json:
        from r1cli.render.jsonl import JsonlRenderer

        return JsonlRenderer()
    if raw or not isatty(sys.stdout):
        from r1cli.render.plain import PlainRenderer

        return PlainRenderer(
            show_reasoning=show_reasoning,
            raw=raw,
            dim_reasoning=color and isatty(sys.stderr),
            spinner_model=model if isatty(sys.stderr) else None,
        )
    from r1cli.render.tty import TerminalRenderer

    return TerminalRenderer(reasoning=reasoning, color=color, model=model)

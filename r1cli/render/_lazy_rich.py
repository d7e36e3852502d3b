"""rich, loaded lazily, and the few rich-level helpers the live view draws with.

rich is imported in a background thread while the request is in flight
(`Preload`), so importing any render module costs nothing; `Lines` and `Frame` hand
pre-rendered segment lines to rich, and `rstrip_line` trims what the live region
would redraw for nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.segment import Segment

Line = list["Segment"]

_RICH_MODULES = ("rich.console", "rich.live", "rich.markdown", "rich.panel")


def _import_rich() -> None:
    import rich.console
    import rich.live
    import rich.markdown
    import rich.panel  # noqa: F401


def import_quietly() -> None:
    """Import rich, ignoring failures (for a background thread)."""
    # Errors surface on the main thread, which imports again when it needs rich.
    with contextlib.suppress(Exception):
        _import_rich()


class Preload:
    """Imports rich in the background while the request is in flight.

    rich.markdown costs ~100 ms (it pulls in pygments); a reasoning model takes
    seconds to its first token, so the import hides behind it. Before using rich the
    main thread joins the loader, so the two never import the same module at once.
    """

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and not all(m in sys.modules for m in _RICH_MODULES):
            self._thread = threading.Thread(
                target=import_quietly, name="r1cli-import-rich", daemon=True
            )
            self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
        _import_rich()


class Lines:
    """Pre-rendered lines of segments as a renderable (for the live region)."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        from rich.segment import Segment

        new_line = Segment.line()
        for line in self.lines:
            yield from line
            yield new_line


class Frame:
    """The live region's content: the last frame's lines, no trailing newline."""

    def __init__(self) -> None:
        self.lines: list[Line] = [[]]

    def __rich_console__(
        self, console: Console, options: ConsoleOptions
    ) -> RenderResult:
        from rich.segment import Segment

        new_line = Segment.line()
        for index, line in enumerate(self.lines):
            if index:
                yield new_line
            yield from line


def rstrip_line(line: Line) -> Line:
    """`line` without trailing blanks that show nothing (for the live region only).

    Code blocks and paragraphs are padded with spaces to the full width; the live
    region is erased line by line before each frame, so the padding is bytes for
    nothing, twenty times a second. Blanks that show (a background, reverse video,
    an underline) are kept.
    """
    end = len(line)
    while end:
        segment = line[end - 1]
        style = segment.style
        if segment.control or (
            style is not None
            and (style.bgcolor is not None or style.reverse or style.underline)
        ):
            break
        text = segment.text.rstrip(" ")
        if text:
            return [*line[: end - 1], segment._replace(text=text)]
        end -= 1
    return []

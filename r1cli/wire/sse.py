"""An incremental Server-Sent-Events decoder: raw bytes in, `SSEEvent`s out.

This module owns SSE framing and nothing else: UTF-8 decoding across reads, the
leading BOM, the three line terminators (including a CR/LF pair split between two
reads), field parsing, data-line joining and dispatch on blank lines, following the
WHATWG event-stream rules (docs/wire-formats.md §1.1). It adds the tolerances real LLM servers
need: llama.cpp's non-standard `error:` field is surfaced as an `error` event, and
`close()` flushes an event that never got its blank line. It knows no JSON and no
provider; Content-Encoding (gzip) is undone by httpx before bytes reach us. Work is
linear in the input: each byte is decoded once and scanned a fixed number of times, and
a long line is kept as a list of pieces until its terminator arrives. LF-only text, the
common case, takes a fast path that must give exactly what the general line-by-line
state machine gives (tests/unit/test_sse.py checks one against the other).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["MAX_LINE_CHARS", "SSEDecoder", "SSEEvent", "SSEOverflow"]

# A line longer than this is a broken or hostile server, not a big chat chunk; the
# cap keeps memory bounded when a server never sends a newline.
MAX_LINE_CHARS = 16 * 1024 * 1024

_EOL = re.compile(r"\r\n|\r|\n")
# Three or more line terminators in a row act like two: the first ends a line, the
# second (a blank line) dispatches, and every further blank line finds nothing to
# dispatch. Collapsing them keeps a flood of blank lines (a gzip stream of them
# inflates a thousandfold) from costing a Python call per line.
_BLANK_RUN = re.compile(r"(?:\r\n|\r|\n){3,}")
_BOM = "\ufeff"


# Not frozen: one is made per token, and a frozen dataclass's __init__ (a call of
# object.__setattr__ per field) costs three times a plain one's. Read-only by
# convention: the decoder hands each event to the parser and keeps no reference.
@dataclass(slots=True)
class SSEEvent:
    """One dispatched event.

    `event` is "message" unless an `event:` field named it; llama.cpp's `error:` line
    arrives as event "error". `data` is the data lines joined with "\\n"; `lines` keeps
    them apart so a provider can parse each on its own when a server sent several
    payloads without blank lines between them.
    """

    event: str
    data: str
    lines: tuple[str, ...]


class SSEOverflow(ValueError):
    """A single line grew past the decoder's cap without a line terminator."""


class SSEDecoder:
    """Feed it bytes as they arrive; it returns the events each read completes.

    After `close()` (or after `SSEOverflow`) the decoder is spent.
    """

    def __init__(self, *, max_line_chars: int = MAX_LINE_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max_line = max_line_chars
        self._started = False  # first decoded character seen (BOM check done)
        self._after_cr = False  # last text ended in CR: a leading LF belongs to it
        self._partial: list[str] = []  # pieces of the current unterminated line
        self._partial_len = 0
        self._event = ""
        self._data: list[str] = []
        self._closed = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Decode `chunk` and return the events it completes, in order."""
        if self._closed:
            raise ValueError("SSEDecoder.feed() after close()")
        return self._feed_text(self._decoder.decode(chunk))

    def close(self) -> list[SSEEvent]:
        """End of stream: flush an unterminated last line and a pending event.

        The spec drops an event without its blank line; servers that omit it (or
        all blank lines) would then lose their answer, so we dispatch it instead.
        Calling `close()` again returns nothing.
        """
        if self._closed:
            return []
        # Incomplete trailing UTF-8 bytes become U+FFFD here.
        events = self._feed_text(self._decoder.decode(b"", final=True))
        self._closed = True
        if self._partial:
            self._take_line(self._join_partial(""), events)
        self._dispatch(events)
        return events

    def _feed_text(self, text: str) -> list[SSEEvent]:
        if not text:
            # A split multibyte character or BOM decodes to nothing yet; keep the
            # CR state for the text that completes it.
            return []
        if not self._started:
            self._started = True
            if text[0] == _BOM:
                text = text[1:]
        if self._after_cr and text[:1] == "\n":
            text = text[1:]  # the LF half of a CRLF split across reads
        if "\r" in text:
            self._after_cr = text[-1] == "\r"
            return self._feed_lines(_BLANK_RUN.sub("\n\n", text))
        self._after_cr = False
        if "\n\n\n" in text:
            text = _BLANK_RUN.sub("\n\n", text)
        return self._feed_lf(text)

    def _feed_lines(self, text: str) -> list[SSEEvent]:
        """The general state machine: any terminators, one line at a time."""
        events: list[SSEEvent] = []
        pos = 0
        for match in _EOL.finditer(text):
            piece = text[pos : match.start()]
            line = self._join_partial(piece) if self._partial else piece
            self._check_length(len(line))
            self._take_line(line, events)
            pos = match.end()
        if pos < len(text):
            self._add_partial(text[pos:])
        return events

    def _feed_lf(self, text: str) -> list[SSEEvent]:
        """The same result as `_feed_lines` for text without CR, one block at a time.

        Nearly every event a chat server sends is one `data: {...}` line and a blank
        line. Per-line dispatch through `_take_line` was the client's largest cost per
        token, so LF-only text is cut at each blank line with C-level str methods, and
        a block that is exactly one data line becomes its event directly. Any other
        block (comments, `event:`/`id:`/`error:` fields, several data lines, data
        pending from an earlier read) goes through `_take_line` line by line, as does
        the text after the last blank line; an unterminated line stays buffered.
        """
        events: list[SSEEvent] = []
        if self._partial:
            # Finish the line an earlier read left open before cutting blocks.
            end = text.find("\n")
            if end < 0:
                self._add_partial(text)
                return events
            line = self._join_partial(text[:end])
            self._check_length(len(line))
            self._take_line(line, events)
            text = text[end + 1 :]
        # B + "\n\n" is B's lines, each terminated, then a blank line; the last
        # piece has no blank line after it (yet).
        blocks = text.split("\n\n")
        rest = blocks.pop()
        # A block can skip `_take_line` only when no data or event name is pending;
        # every blank line leaves none, so only the first block can be held up.
        clean = not self._data and not self._event
        max_line = self._max_line
        for block in blocks:
            if clean and block[:5] == "data:" and "\n" not in block:
                if len(block) > max_line:
                    self._check_length(len(block))
                value = block[6:] if block[5:6] == " " else block[5:]
                events.append(SSEEvent("message", value, (value,)))
                continue
            for line in block.split("\n"):
                self._check_length(len(line))
                self._take_line(line, events)
            self._take_line("", events)
            clean = True
        if rest:
            lines = rest.split("\n")
            last = lines.pop()
            for line in lines:
                self._check_length(len(line))
                self._take_line(line, events)
            if last:
                self._add_partial(last)
        return events

    def _add_partial(self, piece: str) -> None:
        self._partial.append(piece)
        self._partial_len += len(piece)
        self._check_length(self._partial_len)

    def _join_partial(self, last: str) -> str:
        self._partial.append(last)
        line = "".join(self._partial)
        self._partial.clear()
        self._partial_len = 0
        return line

    def _check_length(self, length: int) -> None:
        # Checked both while a line grows and when it completes, so the outcome
        # does not depend on how the server split its writes.
        if length > self._max_line:
            raise SSEOverflow(
                f"event-stream line longer than {self._max_line} characters"
            )

    def _take_line(self, line: str, events: list[SSEEvent]) -> None:
        if not line:
            self._dispatch(events)
            self._event = ""  # the spec resets the name even when nothing dispatched
            return
        if line[0] == ":":
            return  # comment: a keep-alive such as ": OPENROUTER PROCESSING"
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]  # exactly one space: "data:  x" keeps " x"
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "error":
            # llama.cpp writes `error: {...}` then `data: [DONE]`; a compliant parser
            # would drop the error and report an empty success. Keep stream order by
            # dispatching any data that came before it first.
            self._dispatch(events)
            events.append(SSEEvent("error", value, (value,)))
        # id:, retry: and unknown fields are ignored: a chat completion must never
        # auto-reconnect (a reconnect re-bills a new generation).

    def _dispatch(self, events: list[SSEEvent]) -> None:
        if not self._data:
            return  # an event without data is not dispatched
        lines = tuple(self._data)
        events.append(SSEEvent(self._event or "message", "\n".join(lines), lines))
        self._event = ""
        self._data.clear()

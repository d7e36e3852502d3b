"""Neutralising untrusted text before it reaches a terminal.

This module owns the per-code-point policy of docs/reliability.md §2.1 for everything a
provider or model can make us print (answer, reasoning, error messages, titles):
newline and tab pass; CRLF becomes LF; a lone CR, every other C0 control and DEL
become their visible Control Pictures (ESC shows as "␛", so "␛[2J" is inert text);
C1 controls and lone surrogates become U+FFFD; bidi embeddings, overrides and isolates
and Unicode Tag characters become visible "⟨U+202E⟩" placeholders, except the tags of
a well-formed emoji flag sequence. The map is per code point, so it is stateless and
immune to escape sequences split across stream chunks; `StreamSanitizer` only holds
back what the two multi-character rules (CRLF, flag tags) need. The stored history
keeps the exact bytes; this is a display-side filter.
"""

from __future__ import annotations

import re

__all__ = ["StreamSanitizer", "count_controls", "sanitize"]

_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
# Flag tag sequences spell a subdivision with tag digits and lowercase letters
# (🏴 g b s c t CANCEL is Scotland); anything else among the tags is smuggled text.
_TAG_SPEC = "[\U000e0030-\U000e0039\U000e0061-\U000e007a]"
_FLAG = f"{_BLACK_FLAG}{_TAG_SPEC}{{2,6}}{_CANCEL_TAG}"

_BAD_CLASS = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except TAB and LF (CR is handled), DEL, C1
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides, isolates (not LRM/RLM)
    "\ud800-\udfff"  # lone surrogates (from JSON "\\ud800"): unprintable as UTF-8
    "\U000e0000-\U000e007f]"  # Unicode Tags ("ASCII smuggling")
)
_ANY_BAD = re.compile(_BAD_CLASS)
# Flags first so their tags are kept whole; CRLF before the lone CR.
_REWRITE = re.compile(f"({_FLAG})|\r\n|{_BAD_CLASS}")
# What a chunk's end may cut in half: the CR of a CRLF, or a flag still awaiting tags.
_HOLD = re.compile(f"(?:\r|{_BLACK_FLAG}{_TAG_SPEC}{{0,6}})\\Z")
_HOLD_MAX = 7  # the flag plus six tag characters


def _placeholder(code: int) -> str:
    return f"⟨U+{code:04X}⟩"


def _build_map() -> dict[str, str]:
    table = {chr(c): chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
    table["\x7f"] = "\u2421"  # SYMBOL FOR DELETE
    table.update({chr(c): "\ufffd" for c in range(0x80, 0xA0)})
    table.update({chr(c): "\ufffd" for c in range(0xD800, 0xE000)})
    for first, last in ((0x202A, 0x202E), (0x2066, 0x2069), (_TAG_FIRST, _TAG_LAST)):
        table.update({chr(c): _placeholder(c) for c in range(first, last + 1)})
    return table


_MAP = _build_map()


def _rewrite(match: re.Match[str]) -> str:
    if match.lastindex:  # a well-formed flag: keep it whole
        return match.group()
    text = match.group()
    return "\n" if text == "\r\n" else _MAP[text]


def sanitize(text: str) -> str:
    """`text` made safe to write to a terminal (idempotent)."""
    if _ANY_BAD.search(text) is None:
        return text  # the common case: one C-level scan, no copy
    return _REWRITE.sub(_rewrite, text)


def count_controls(text: str) -> int:
    """How many characters `sanitize` would neutralise (a CRLF is not counted)."""
    if _ANY_BAD.search(text) is None:
        return 0
    return sum(
        1 for m in _REWRITE.finditer(text) if not m.lastindex and m.group() != "\r\n"
    )


class StreamSanitizer:
    """Chunk-invariant `sanitize`: `feed(a) + feed(b) + flush() == sanitize(a + b)`.

    Holds back at most a trailing CR or a flag with up to six tag characters.
    """

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        """Sanitise `text`, keeping back a tail the next chunk may complete."""
        if not self._held and text.isascii() and text[-1:] != "\r":
            return sanitize(text)  # per token: nothing to hold (a flag is not ASCII)
        text = self._held + text
        hold = _HOLD.search(text, max(0, len(text) - _HOLD_MAX))
        if hold is None:
            self._held = ""
            return sanitize(text)
        self._held = text[hold.start() :]
        return sanitize(text[: hold.start()])

    def flush(self) -> str:
        """End of stream: sanitise whatever was held back."""
        held, self._held = self._held, ""
        return sanitize(held)

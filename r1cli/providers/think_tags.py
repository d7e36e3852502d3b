"""Incremental splitting of inline `<think>…</think>` out of the content channel.

This module owns the rules of docs/wire-formats.md §7 for servers that leave R1's chain of
thought inline in `content`: a think block at the start of the answer becomes
`ReasoningDelta`s, everything after `</think>` becomes `ContentDelta`s. It copes with
tags split across deltas at any position, with a missing opening tag (chat templates
that force `<think>` so the model never writes it), with empty think blocks and with a
`</think>` that never comes. Output is independent of how the text was chunked, never
contains tag fragments and never has empty deltas. Pure standard library; the caller
(a provider) decides whether splitting applies at all.
"""

from __future__ import annotations

from enum import Enum

from r1cli.core.events import ContentDelta, ReasoningDelta

__all__ = ["ThinkTagSplitter"]

Delta = ReasoningDelta | ContentDelta

_OPEN = "<think>"
_CLOSE = "</think>"


class _State(Enum):
    START = "start"  # undecided: buffering the first characters
    THINK = "think"  # inside the think block
    ANSWER = "answer"  # after it: everything is content


def _close_prefix_len(text: str) -> int:
    """Length of the longest suffix of `text` that is a proper prefix of `</think>`.

    `</think>` holds a single "<", so the only candidate suffix starts at the last
    "<" of the text's final seven characters.
    """
    lt = text.rfind("<", max(0, len(text) - len(_CLOSE) + 1))
    if lt < 0:
        return 0
    tail = text[lt:]
    return len(tail) if _CLOSE.startswith(tail) else 0


class ThinkTagSplitter:
    """Feed content deltas in, get reasoning and content deltas out.

    `assume_thinking`: the model is R1-family and the server does not parse reasoning,
    so text streams as reasoning from the first character (the template forced
    `<think>`); if the stream then ends with "stop" and no tag ever appeared, the text
    was the answer after all and `finish()` re-emits it as content (the caller should
    then discard the reasoning it collected). Otherwise the splitter waits for
    `lookahead` non-space characters before deciding that there is no think block.
    """

    def __init__(self, *, assume_thinking: bool = False, lookahead: int = 16) -> None:
        self._assume = assume_thinking
        self._lookahead = lookahead
        self._state = _State.START
        self._saw_tags = False
        # START: the text after leading whitespace, its non-space count, its last 8
        # characters (to spot `</think>` one character at a time), and whether it
        # can still be the opening tag.
        self._start: list[str] = []
        self._nonspace = 0
        self._tail = ""
        self._maybe_open = True
        # THINK: whitespace held back until we know whether `</think>` follows (it
        # is stripped before the tag), then a held proper prefix of `</think>`.
        self._lead = True  # still dropping whitespace at the block's start
        self._ws: list[str] = []
        self._tag = ""
        self._assumed = False  # THINK entered without any tag
        self._assumed_text: list[str] = []  # what we streamed as reasoning, if so
        # ANSWER: still dropping the whitespace that follows `</think>`.
        self._answer_lead = True

    @property
    def thinking(self) -> bool:
        """True while inside a think block (at finish: ran out of tokens thinking)."""
        return self._state is _State.THINK

    @property
    def saw_tags(self) -> bool:
        """True once a `<think>` or `</think>` tag has been consumed."""
        return self._saw_tags

    def feed(self, text: str) -> list[Delta]:
        """Split one content delta; returns the deltas that are now certain."""
        out: list[Delta] = []
        if self._state is _State.START:
            text = self._feed_start(text, out)
        if self._state is _State.THINK:
            text = self._feed_think(text, out)
        if self._state is _State.ANSWER:
            self._feed_answer(text, out)
        return _merged(out)

    def finish(self, finish_reason: str | None) -> list[Delta]:
        """End of stream: flush held-back text into the state it belongs to."""
        out: list[Delta] = []
        if self._state is _State.START:
            # Too short to decide: a short answer is what the model said, but an
            # opening tag cut off by the stream's end is not.
            text = "".join(self._take_start())
            _emit(
                out,
                ContentDelta,
                _cut_tag(text) if self._maybe_open else _cut_tail(text),
            )
            self._state = _State.ANSWER
        elif self._state is _State.THINK:
            ws, tag = "".join(self._ws), self._tag
            self._ws.clear()
            self._tag = ""
            if self._assumed and finish_reason == "stop":
                # No tag at all and a normal stop: the model was answering, not
                # thinking, so the "reasoning" was the answer.
                _emit(out, ContentDelta, "".join(self._assumed_text) + ws + tag)
                self._assumed_text.clear()
                self._state = _State.ANSWER
            else:
                # The block ended without `</think>` (usually "length"): strip its
                # trailing whitespace as the tag would have.
                _emit(out, ReasoningDelta, (ws + _cut_tag(tag)).rstrip())
        return out

    # START -------------------------------------------------------------------

    def _feed_start(self, text: str, out: list[Delta]) -> str:
        """Scan until the block's shape is known; return the text left for later.

        Character by character, so a decision lands at the same character however
        the stream was split. START ends within `lookahead` + 7 non-space characters.
        """
        for i, ch in enumerate(text):
            if not self._start and ch.isspace():
                continue
            self._start.append(ch)
            self._tail = (self._tail + ch)[-len(_CLOSE) :]
            if not ch.isspace():
                self._nonspace += 1
            if self._maybe_open:
                n = len(self._start)
                if ch == _OPEN[n - 1]:
                    if n == len(_OPEN):
                        self._enter_think(assumed=False)
                        return text[i + 1 :]
                    continue
                self._maybe_open = False
                if self._assume:
                    self._enter_think(assumed=True)
                    return "".join(self._take_start()) + text[i + 1 :]
            if self._tail == _CLOSE:
                # `</think>` before any `<think>`: the opening tag was missing.
                reasoning = "".join(self._take_start())[: -len(_CLOSE)]
                _emit(out, ReasoningDelta, reasoning.strip())
                self._saw_tags = True
                self._state = _State.ANSWER
                return text[i + 1 :]
            if self._nonspace >= self._lookahead and not _close_prefix_len(self._tail):
                self._state = _State.ANSWER
                self._answer_lead = False
                _emit(out, ContentDelta, "".join(self._take_start()))
                return text[i + 1 :]
        return ""

    def _take_start(self) -> list[str]:
        taken, self._start = self._start, []
        return taken

    def _enter_think(self, *, assumed: bool) -> None:
        self._state = _State.THINK
        self._assumed = assumed
        if not assumed:
            self._saw_tags = True
            self._start.clear()

    # THINK -------------------------------------------------------------------

    def _feed_think(self, text: str, out: list[Delta]) -> str:
        """Emit reasoning; return the text after `</think>` if it arrived."""
        if self._lead:
            text = text.lstrip()  # R1 writes "<think>\n"
            if not text:
                return ""
            self._lead = False
        # A tag can only start in the held prefix or the new text, never in the
        # held whitespace, so only this short window is searched.
        work = self._tag + text
        end = work.find(_CLOSE)
        if end >= 0:
            self._emit_reasoning(out, ("".join(self._ws) + work[:end]).rstrip())
            self._ws.clear()
            self._tag = ""
            self._saw_tags = True
            self._assumed = False
            self._assumed_text.clear()
            self._state = _State.ANSWER
            return work[end + len(_CLOSE) :]
        tag_at = len(work) - _close_prefix_len(work)
        body = work[:tag_at]
        kept = len(body.rstrip())
        if kept:
            self._emit_reasoning(out, "".join(self._ws) + body[:kept])
            self._ws = [body[kept:]] if kept < len(body) else []
        elif body:
            self._ws.append(body)  # all whitespace: hold it with the rest
        self._tag = work[tag_at:]
        return ""

    def _emit_reasoning(self, out: list[Delta], text: str) -> None:
        if text and self._assumed:
            self._assumed_text.append(text)
        _emit(out, ReasoningDelta, text)

    # ANSWER ------------------------------------------------------------------

    def _feed_answer(self, text: str, out: list[Delta]) -> None:
        if self._answer_lead:
            text = text.lstrip()  # R1 writes "</think>\n\n"
            if not text:
                return
            self._answer_lead = False
        _emit(out, ContentDelta, text)


def _cut_tag(fragment: str) -> str:
    """Drop a tag prefix cut off by the end of the stream.

    Two or more characters ("<t", "</th") are a tag being written; a lone "<" may
    just as well be text ("a <"), so it is kept.
    """
    return fragment if len(fragment) < 2 else ""


def _cut_tail(text: str) -> str:
    """`text` without a `</think>` prefix cut off at its end (see `_cut_tag`)."""
    keep = len(text) - _close_prefix_len(text)
    return text[:keep] + _cut_tag(text[keep:])


def _merged(deltas: list[Delta]) -> list[Delta]:
    """Adjacent deltas of one kind as one (a decision can split a feed's text)."""
    merged: list[Delta] = []
    for delta in deltas:
        if merged and type(merged[-1]) is type(delta):
            merged[-1] = type(delta)(merged[-1].text + delta.text)
        else:
            merged.append(delta)
    return merged


def _emit(out: list[Delta], kind: type[Delta], text: str) -> None:
    if text:
        out.append(kind(text))

"""The reasoning loop guard: notice when a model's thinking goes round in circles.

Distilled and quantised R1 builds on local servers often loop ("Wait, … Wait, …",
the same sentences again for thousands of tokens). `LoopDetector` watches the
reasoning stream for two signs, in linear time and bounded memory:

- the same sentence (normalised: lower case, words only; at least `MIN_SENTENCE`
  characters, so "Wait." or "Hmm." never count) `SENTENCE_REPEATS` times among the
  last `SENTENCE_WINDOW` sentences;
- the same run of `NGRAM` words `NGRAM_REPEATS` times among the last `WORD_WINDOW`
  words (loops without sentence ends, or with a counter that changes each round).

Each new sentence and each new word costs O(1) amortised (a word n-gram is hashed
once, a window slides out one entry per entry in). Reasoning that merely revisits
an idea — "let me check", a recomputed formula — stays well under the thresholds;
the real R1 streams in the test catalogue raise no alarm.

`LoopGuard` is the TurnSink around it: in `warn` mode it adds a notice to the turn
(the terminal shows it in the reasoning panel, and it is repeated as a `warning:`
when the turn ends); in `stop` mode it stops the stream with `ReasoningLoop`. It
feeds the detector a few hundred characters at a time, not per token: a loop is
thousands of tokens long, and per-call costs were most of the detector's.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Hashable
from typing import Literal

from r1cli.core.events import Event, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.errors import ProviderFailed

LoopMode = Literal["off", "warn", "stop"]

MIN_SENTENCE = 24  # characters of a normalised sentence that can count as a repeat
SENTENCE_REPEATS = 8
SENTENCE_WINDOW = 160
NGRAM = 16  # words
NGRAM_REPEATS = 6
WORD_WINDOW = 4000
MAX_SENTENCE = 2000  # characters without a sentence end: taken as one sentence
BATCH = 256  # characters of reasoning the guard collects before it feeds them

_SENTENCE_END = re.compile(r"[.!?。！？\n]")
_WORD = re.compile(r"\w+")


class ReasoningLoop(ProviderFailed):
    """The reasoning was stopped because it repeated itself (`--loop-guard stop`)."""


class _Window:
    """Counts of the last `size` items; `push` returns the new item's count."""

    def __init__(self, size: int) -> None:
        self._items: deque[Hashable] = deque()
        self._counts: dict[Hashable, int] = {}
        self._size = size

    def push(self, item: Hashable) -> int:
        # A plain dict, not a Counter: nearly every n-gram is new, and Counter finds
        # a missing key's 0 through a Python-level __missing__ call.
        counts = self._counts
        count = counts.get(item, 0) + 1
        counts[item] = count
        self._items.append(item)
        if len(self._items) > self._size:
            old = self._items.popleft()
            left = counts[old] - 1
            if left:
                counts[old] = left
            else:
                del counts[old]
        return count


class LoopDetector:
    """Feed reasoning text as it streams; `alarm` is set once a loop is seen."""

    def __init__(self) -> None:
        self.alarm: str | None = None
        self._sentence: list[str] = []  # pieces of the sentence still open
        self._sentence_chars = 0
        self._sentences = _Window(SENTENCE_WINDOW)
        self._partial_word = ""
        self._words: deque[str] = deque(maxlen=NGRAM)  # the last n-gram
        self._ngrams = _Window(WORD_WINDOW)

    def feed(self, text: str) -> str | None:
        """Take the next piece of reasoning; the alarm text once a loop is seen."""
        if self.alarm is None:
            self._feed_sentences(text)
        if self.alarm is None:
            self._feed_words(text)
        return self.alarm

    def _feed_sentences(self, text: str) -> None:
        start = 0
        for match in _SENTENCE_END.finditer(text):
            self._sentence.append(text[start : match.end()])
            self._close_sentence()
            start = match.end()
            if self.alarm:
                return
        rest = text[start:]
        if rest:
            self._sentence.append(rest)
            self._sentence_chars += len(rest)
            if self._sentence_chars > MAX_SENTENCE:
                self._close_sentence()

    def _close_sentence(self) -> None:
        raw = "".join(self._sentence)
        self._sentence.clear()
        self._sentence_chars = 0
        words = _WORD.findall(raw.lower())
        normalised = " ".join(words)
        if len(normalised) < MIN_SENTENCE:
            return
        if self._sentences.push(normalised) >= SENTENCE_REPEATS:
            shown = " ".join(raw.split())[:60]
            self.alarm = (
                f"the reasoning is repeating itself (“{shown}” {SENTENCE_REPEATS} "
                f"times in the last {SENTENCE_WINDOW} sentences)"
            )

    def _feed_words(self, text: str) -> None:
        text = self._partial_word + text
        # The last word may continue in the next piece: keep it for then.
        cut = len(text)
        while cut and not text[cut - 1].isspace():
            cut -= 1
            if len(text) - cut > 200:  # no space for a long stretch: take it all
                cut = len(text)
                break
        self._partial_word = text[cut:]
        ngram = self._words
        push = self._ngrams.push
        for word in _WORD.findall(text[:cut].lower()):
            ngram.append(word)  # the oldest word drops out (maxlen)
            if len(ngram) < NGRAM:
                continue
            # One C-level hash of the 16 words (a tuple of them), per word.
            if push(hash(tuple(ngram))) >= NGRAM_REPEATS:
                shown = " ".join(list(ngram)[:8])
                self.alarm = (
                    f"the reasoning is repeating itself (“{shown} …” "
                    f"{NGRAM_REPEATS} times in the last {WORD_WINDOW} words)"
                )
                return


class LoopGuard:
    """A TurnSink that watches the reasoning for loops (see the module docstring)."""

    def __init__(self, mode: LoopMode) -> None:
        self._mode = mode
        self._detector = LoopDetector()
        self._warned = False
        self._pending: list[str] = []  # reasoning not yet fed to the detector
        self._pending_chars = 0

    def begin(self, turn: Turn) -> None:
        pass

    def on_event(self, event: Event, turn: Turn) -> None:
        if self._warned:
            return
        if isinstance(event, ReasoningDelta):
            self._pending.append(event.text)
            self._pending_chars += len(event.text)
            if self._pending_chars >= BATCH:
                self._check(turn)
        elif self._pending:  # the reasoning paused (the answer, a tool call)
            self._check(turn)

    def end(self, turn: Turn) -> None:
        # What is left is checked too, but a stop here would only mislabel an
        # answer that has already ended.
        if self._pending and self._mode == "warn" and not self._warned:
            self._check(turn)

    def _check(self, turn: Turn) -> None:
        text = "".join(self._pending)
        self._pending.clear()
        self._pending_chars = 0
        alarm = self._detector.feed(text)
        if alarm is None:
            return
        self._warned = True
        if self._mode == "stop":
            raise ReasoningLoop(
                f"stopped: {alarm}",
                hint="ask again, lower the temperature or use a less quantised "
                "build; --loop-guard warn only warns",
            )
        turn.notices.append(alarm)

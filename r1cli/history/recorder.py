"""Saving a streamed answer while it streams: the history store as a TurnSink.

Owns *when* a partial answer reaches the database: at block boundaries (a blank line in
the content or reasoning received since the last flush), at least once a second while
text arrives, and on every stop. So a SIGKILL loses at most the block being written.
Per token it only scans the new text; it never writes per token. A failing database
never stops the answer: the first error is remembered in `warning`, and writing stops.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.errors import R1Error
from r1cli.history.store import HistoryStore

FLUSH_INTERVAL = 1.0  # seconds of received text a crash may lose, at most
# Each flush rewrites the whole answer (indexed for search once it ends), so a burst
# of short blocks (a fast stream of list items) is coalesced: one flush per gap.
BLOCK_FLUSH_GAP = 0.25


class HistoryRecorder:
    """Writes one assistant answer (a row made by `HistoryStore.begin_answer`).

    Args:
        store: the open history store.
        conversation_id: the conversation the answer belongs to.
        message_id: the row `begin_answer` returned.
        flush_interval: flush at least this often while text arrives.
        clock: monotonic seconds (tests pass a fake).
        block_gap: the least time between two flushes at block boundaries.
        redact: cleans tool arguments and results before they are stored.
    """

    def __init__(
        self,
        store: HistoryStore,
        conversation_id: str,
        message_id: int,
        *,
        flush_interval: float = FLUSH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        block_gap: float = BLOCK_FLUSH_GAP,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.warning: str | None = None
        self.flushes = 0
        self._interval = flush_interval
        self._block_gap = block_gap
        self._clock = clock
        self._last_flush = clock()
        self._dirty = False
        # The last character of each stream, to see a blank line split across deltas.
        self._tails = {"content": "", "reasoning": ""}
        # Tool arguments and results are stored through it (untrusted text).
        self._redact = redact

    def begin(self, turn: Turn) -> None:
        """The row already exists (begin_answer); link the turn and start the clock."""
        turn.conversation_id = self.conversation_id
        self._last_flush = self._clock()

    def on_event(self, event: Event, turn: Turn) -> None:
        """Note the event; flush if it closed a block or a second has passed."""
        self._dirty = True
        if isinstance(event, ContentDelta):
            kind = "content"
        elif isinstance(event, ReasoningDelta):
            kind = "reasoning"
        else:
            return
        text = event.text
        if not text:
            return
        # Per token: strings are joined only around a newline.
        tail = self._tails[kind]
        self._tails[kind] = text[-1]
        boundary = (tail == "\n" or "\n" in text) and "\n\n" in tail + text
        since = self._clock() - self._last_flush
        if since >= self._interval or (boundary and since >= self._block_gap):
            self.flush(turn)

    def end(self, turn: Turn) -> None:
        """Save the final state; an answer still 'streaming' here was cut off."""
        self._dirty = True
        status = "interrupted" if turn.status == "streaming" else turn.status
        self.flush(turn, status=status)

    def flush(self, turn: Turn, *, status: str | None = None) -> None:
        """Write the answer as it stands now (the engine may call this when idle)."""
        if not self._dirty or self.warning is not None:
            return
        try:
            self.store.save_answer(
                self.message_id, turn, status=status, redact=self._redact
            )
        except (R1Error, sqlite3.Error, OSError) as exc:
            # Keep the answer going; the caller prints this once on stderr.
            message = exc.message if isinstance(exc, R1Error) else str(exc)
            self.warning = f"the answer was not fully saved to history: {message}"
            return
        self.flushes += 1
        self._dirty = False
        self._last_flush = self._clock()

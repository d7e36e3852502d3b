"""The interface every consumer of a streamed turn implements.

`engine.turn.run_turn` fans each event out to a list of sinks (a renderer, the history
recorder). Sinks never talk to each other and never see provider JSON. It lives in
`core` because the layers that implement it (render, history) sit below the engine.
"""

from __future__ import annotations

from typing import Protocol

from r1cli.core.events import Event
from r1cli.core.messages import Turn


class TurnSink(Protocol):
    def begin(self, turn: Turn) -> None:
        """The request is about to be sent (start a spinner, create a row)."""

    def on_event(self, event: Event, turn: Turn) -> None:
        """One event; `turn` has already folded it in."""

    def end(self, turn: Turn) -> None:
        """The turn has ended; `turn.status` says how. Always called, even on Ctrl-C."""

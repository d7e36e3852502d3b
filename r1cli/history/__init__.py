"""The conversation history: one SQLite file (see `store.py` for the rules it keeps).

`HistoryStore` and `HistoryRefused` are loaded on first use, so importing the package
(e.g. for `r1cli.history.ids`) stays cheap and does not pull in sqlite3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from r1cli.history.files import HistoryRefused
    from r1cli.history.store import HistoryStore

__all__ = ["HistoryRefused", "HistoryStore"]


def __getattr__(name: str) -> Any:
    if name == "HistoryStore":
        from r1cli.history.store import HistoryStore

        return HistoryStore
    if name == "HistoryRefused":
        from r1cli.history.files import HistoryRefused

        return HistoryRefused
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

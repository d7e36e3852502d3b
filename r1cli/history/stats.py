"""Sums over stored answers: `r1 stats` (the thinking/answer split per day or group)
and the spend a `[budget]` is checked against.

Reads only. A NULL (not known) adds nothing to a sum, and every group also says how
many of its answers had the figure at all, so a total is never mistaken for complete.
Days are local calendar days.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from r1cli.history.ids import iso_utc
from r1cli.history.store import HistoryStore

GroupBy = Literal["day", "model", "provider", "effort"]

# One answer's spend: the total where stored, else the two halves of the split.
SPENT = "COALESCE(cost, reasoning_cost + answer_cost)"

_COLUMNS = (
    "created_at, model, provider, effort, reasoning_ms, content_ms, "
    f"thinking_tokens, answer_tokens, reasoning_cost, answer_cost, {SPENT} AS spent"
)


@dataclass(slots=True)
class Group:
    """The sums of one day or group; seconds and USD."""

    key: str
    answers: int = 0
    thinking_seconds: float = 0.0
    answer_seconds: float = 0.0
    thinking_tokens: int = 0
    answer_tokens: int = 0
    thinking_cost: float = 0.0
    answer_cost: float = 0.0
    cost: float = 0.0
    # How many answers had each figure (the rest are unknown, not zero).
    known: dict[str, int] = field(
        default_factory=lambda: {"time": 0, "tokens": 0, "cost": 0}
    )

    def add(self, row: sqlite3.Row) -> None:
        self.answers += 1
        if row["reasoning_ms"] is not None or row["content_ms"] is not None:
            self.known["time"] += 1
            self.thinking_seconds += (row["reasoning_ms"] or 0) / 1000
            self.answer_seconds += (row["content_ms"] or 0) / 1000
        if row["thinking_tokens"] is not None:
            self.known["tokens"] += 1
            self.thinking_tokens += row["thinking_tokens"]
            self.answer_tokens += row["answer_tokens"] or 0
        if row["spent"] is not None:
            self.known["cost"] += 1
            self.cost += row["spent"]
            if row["reasoning_cost"] is not None:
                self.thinking_cost += row["reasoning_cost"]
                self.answer_cost += row["answer_cost"] or 0.0
            else:  # an old row: its total is known, its split is not
                self.answer_cost += row["spent"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("thinking_seconds", "answer_seconds"):
            data[key] = round(data[key], 3)
        return data


@dataclass(slots=True)
class Stats:
    since: str  # ISO UTC
    by: GroupBy
    total: Group
    groups: list[Group]

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "by": self.by,
            "total": self.total.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
        }


def collect(store: HistoryStore | None, since: datetime, by: GroupBy) -> Stats:
    """The sums of every assistant answer created at or after `since`."""
    since_iso = _iso(since)
    total = Group("total")
    groups: dict[str, Group] = {}
    rows = _rows(store, since_iso) if store is not None else []
    for row in rows:
        key = _key(row, by)
        groups.setdefault(key, Group(key)).add(row)
        total.add(row)
    ordered = sorted(groups.values(), key=lambda g: g.key)
    if by != "day":  # the costliest first
        ordered.sort(key=lambda g: (-g.cost, -g.answers))
    return Stats(since=since_iso, by=by, total=total, groups=ordered)


def spent_since(store: HistoryStore, since: datetime) -> float:
    """USD spent on answers created at or after `since` (unknown costs add nothing)."""
    with store._read() as conn:
        row = conn.execute(
            f"SELECT COALESCE(SUM({SPENT}), 0) FROM messages "
            "WHERE role = 'assistant' AND created_at >= ?",
            (_iso(since),),
        ).fetchone()
    return float(row[0])


def _iso(moment: datetime) -> str:
    """A moment as stored (ISO UTC), whatever its time zone."""
    return iso_utc(moment.astimezone(timezone.utc))


def _rows(store: HistoryStore, since_iso: str) -> list[sqlite3.Row]:
    with store._read() as conn:
        return conn.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE role = 'assistant' "
            "AND created_at >= ? ORDER BY created_at",
            (since_iso,),
        ).fetchall()


def _key(row: sqlite3.Row, by: GroupBy) -> str:
    if by == "day":
        return local_day(str(row["created_at"]))
    value = row[by]
    return str(value) if value else "(unknown)"


def local_day(created_at: str) -> str:
    """`2026-12-01`: the local calendar day of a stored UTC timestamp."""
    stamp = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return stamp.astimezone().date().isoformat()

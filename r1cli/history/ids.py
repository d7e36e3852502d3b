"""Identity and time values for history rows: conversation ids, titles, timestamps.

Pure stdlib; kept apart from the store so the REPL can title an unsaved conversation
without opening (or importing) the database code.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime, timezone

TITLE_MAX = 60
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u


def utc_now() -> str:
    """Now as ISO-8601 UTC with microseconds and a 'Z'; such strings sort as text."""
    # Microseconds, not milliseconds: "most recently updated" stays exact for
    # writes made in quick succession.
    return iso_utc(datetime.now(timezone.utc))


def iso_utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    """12 lowercase base32 characters: 45 bits of milliseconds, then 15 random bits.

    Ids sort by creation time (strictly, within a process) and users can type any
    unique prefix. Two processes may still clash in the same millisecond: inserts
    check and draw again.
    """
    global _last_id
    drawn = (int(time.time() * 1000) % (1 << 45)) << 15 | secrets.randbits(15)
    with _id_lock:
        _last_id = value = max(drawn, _last_id + 1)
    return "".join(_ID_ALPHABET[(value >> shift) & 31] for shift in range(55, -1, -5))


_last_id = 0
_id_lock = threading.Lock()


def derive_title(prompt: str) -> str:
    """A conversation title from its first prompt: first line, ≤ 60 characters."""
    lines = [line for line in prompt.strip().splitlines() if line.strip()]
    title = " ".join(lines[0].split()) if lines else ""
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1].rstrip() + "…"
    return title or "(untitled)"

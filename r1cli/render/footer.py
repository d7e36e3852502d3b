"""The turn's one-line footer and the text of its numbers: counts, cost, speed.

Standard library only (no rich at any level), so the REPL's `/usage` formats cost
with the same `format_cost` as the footer without loading the renderer.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from r1cli.core.messages import Turn

MIN_RATE_SECONDS = 0.2


def count(n: int) -> str:
    """`1,234`: a count with thousands separators."""
    return f"{n:,}"


def _tokens(n: int) -> str:
    return "1 token" if n == 1 else f"{count(n)} tokens"


def thinking_title(seconds: float, tokens: int) -> str:
    """The reasoning panel's title while the model thinks."""
    return f"Thinking… {seconds:.1f} s · {_tokens(tokens)}"


def thinking_status(seconds: float, tokens: int, *, estimated: bool = False) -> str:
    """The one stderr line a pipe gets while the model reasons."""
    return f"thinking… {seconds:.1f} s · {'~' if estimated else ''}{_tokens(tokens)}"


def thought_line(seconds: float, tokens: int, *, estimated: bool = False) -> str:
    """What the reasoning collapses to once the answer starts; `~` marks a count
    estimated from the text (the provider's comes only with the usage, at the end)."""
    return f"Thought for {seconds:.1f} s · {'~' if estimated else ''}{_tokens(tokens)}"


def estimate_tokens(chars: int) -> int:
    """A token count from a text length: 4 characters a token."""
    return (chars + 3) // 4


def reasoning_count(turn: Turn, reasoning_chars: int) -> tuple[int, bool]:
    """(reasoning tokens, estimated?): the provider's count when it gave one, else
    the estimate from the reasoning text. The thought line and the footer both
    take their number from here, so they agree."""
    reported = turn.usage.reasoning_tokens if turn.usage else None
    if reported:
        return reported, False
    return estimate_tokens(reasoning_chars), True


def format_cost(cost: float) -> str:
    """`$0.0012`, `$3.46`; a cost too small for four decimals is `<$0.0001`, never
    a `$0.0000` that reads as free. Shared by the footer and the REPL's `/usage`."""
    if cost >= 1:
        return f"${cost:.2f}"
    if 0 < cost < 0.00005:
        return "<$0.0001"
    return f"${cost:.4f}"


def footer_line(
    turn: Turn, estimated_tokens: int, width: int = 0, reasoning_chars: int = 0
) -> str:
    """`1,234 in · 2,345 out (1,204 reasoning) · $0.0012 · 45.6 tok/s · 23.4 s`.

    Always one line: when `width` is too narrow the least useful parts go first.
    `reasoning_chars` (the reasoning text's length) gives the `(~N reasoning)`
    estimate when the provider reports output tokens but no reasoning count.
    """
    parts = _footer_parts(turn, estimated_tokens, reasoning_chars)
    while width and len(parts) > 1 and len(" · ".join(t for _, t in parts)) > width:
        parts.remove(max(parts))  # the highest rank is the least useful
    return " · ".join(text for _, text in parts)


def _footer_parts(
    turn: Turn, estimated_tokens: int, reasoning_chars: int
) -> list[tuple[int, str]]:
    """(rank, text) in display order; rank 0 is dropped last."""
    usage = turn.usage
    parts: list[tuple[int, str]] = []
    if turn.status == "interrupted":
        parts.append((0, "interrupted"))
    elif turn.status == "length":
        parts.append((0, "cut off at the token limit"))
    out_tokens = usage.completion_tokens if usage else None
    if usage and usage.prompt_tokens is not None:
        parts.append((4, f"{count(usage.prompt_tokens)} in"))
    if out_tokens is not None:
        out = f"{count(out_tokens)} out"
        if reasoning_chars or (usage and usage.reasoning_tokens):
            thought, estimated = reasoning_count(turn, reasoning_chars)
            out += f" ({'~' if estimated else ''}{count(thought)} reasoning)"
        parts.append((2, out))
    if usage and usage.cost is not None:
        parts.append((3, format_cost(usage.cost)))
    speed = _speed(turn, out_tokens if out_tokens is not None else estimated_tokens)
    if speed:
        parts.append((5, speed if out_tokens is not None else "~" + speed))
    parts.append((1, f"{turn.elapsed:.1f} s"))
    return parts


def _speed(turn: Turn, tokens: int) -> str:
    if turn.first_token_at is None or not tokens:
        return ""
    seconds = (turn.ended_at or time.monotonic()) - turn.first_token_at
    # Below a fraction of a second a rate says more about timer noise than speed.
    return f"{tokens / seconds:.1f} tok/s" if seconds >= MIN_RATE_SECONDS else ""

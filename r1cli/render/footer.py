"""The turn's one-line footer and the text of its numbers: counts, cost, speed.

Standard library only (no rich at any level), so the REPL's `/usage` formats cost
with the same `format_cost` as the footer without loading the renderer.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from r1cli.core.accounting import ThoughtAccount
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


def reasoning_count(turn: Turn, reasoning_weight: float) -> tuple[int, bool]:
    """(reasoning tokens, estimated?): the provider's count when it gave one, else
    the estimate from the reasoning text (`core.models.token_weight`, summed as it
    streamed). The thought line, the pipe status and the footer's split all count
    this way (`core.accounting` uses the same estimate), so they agree."""
    reported = turn.usage.reasoning_tokens if turn.usage else None
    if reported:
        return reported, False
    return math.ceil(reasoning_weight), True


def format_cost(cost: float) -> str:
    """`$0.0012`, `$3.46`; a cost too small for four decimals is `<$0.0001`, never
    a `$0.0000` that reads as free. Shared by the footer and the REPL's `/usage`."""
    if cost >= 1:
        return f"${cost:.2f}"
    if 0 < cost < 0.00005:
        return "<$0.0001"
    return f"${cost:.4f}"


def footer_line(
    turn: Turn, estimated_tokens: int, width: int = 0, reasoning_weight: float = 0.0
) -> str:
    """`1,234 in · 2,345 out (1,204 reasoning) · $0.0012 · 45.6 tok/s · 23.4 s`, or
    for a turn that thought, the split (`split_line`).

    Always one line: when `width` is too narrow the least useful parts go first.
    `reasoning_weight` (the reasoning text's summed token weight) gives the
    `(~N reasoning)` estimate when the provider reports output tokens but no
    reasoning count.
    """
    from r1cli.core.accounting import account

    split = account(turn)
    if split.thought:
        return split_line(turn, split, width)
    parts = _footer_parts(turn, estimated_tokens, reasoning_weight)
    while width and len(parts) > 1 and len(" · ".join(t for _, t in parts)) > width:
        parts.remove(max(parts))  # the highest rank is the least useful
    return " · ".join(text for _, text in parts)


def compact(n: int) -> str:
    """`412`, `2.3k`, `41k`, `1.2M`: a token count at a glance."""
    if n < 1000:
        return str(n)
    for size, unit in ((1_000_000, "M"), (1000, "k")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)  # pragma: no cover - unreachable


def seconds(value: float) -> str:
    """`0.4 s`, `6.2 s`, `41 s`: tenths only where they matter."""
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def split_line(turn: Turn, split: ThoughtAccount, width: int = 0) -> str:
    """`thought 41 s · 2.3k tok · $0.0051 │ answer 6 s · 412 tok · $0.0009`.

    Estimated counts carry `~`; an unknown cost is left out. When `width` is too
    narrow, costs go first, then token counts, then the status words.
    """
    mark = "~" if split.estimated else ""
    halves: list[list[tuple[int, str]]] = []
    for name, time_, tokens, cost in (
        ("thought", split.reasoning_time, split.reasoning_tokens, split.reasoning_cost),
        ("answer", split.content_time, split.answer_tokens, split.answer_cost),
    ):
        # Hidden reasoning (counted, never streamed) has no time of its own.
        half = [(0, name if time_ is None else f"{name} {seconds(time_)}")]
        if tokens is not None:
            half.append((2, f"{mark}{compact(tokens)} tok"))
        if cost is not None:
            half.append((3, format_cost(cost)))
        halves.append(half)
    lead: list[tuple[int, str]] = []
    if turn.status == "interrupted":
        lead.append((1, "interrupted"))
    elif turn.status == "length":
        lead.append((1, "cut off at the token limit"))
    if turn.thinking_cut:
        lead.append((1, "thinking cut"))

    def text() -> str:
        left, right = (" · ".join(t for _, t in half) for half in halves)
        return " · ".join([*(t for _, t in lead), left]) + " │ " + right

    for rank in (3, 2, 1):
        if not width or len(text()) <= width:
            break
        halves = [[p for p in half if p[0] != rank] for half in halves]
        lead = [p for p in lead if p[0] != rank]
    return text()


def _footer_parts(
    turn: Turn, estimated_tokens: int, reasoning_weight: float
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
        if reasoning_weight or (usage and usage.reasoning_tokens):
            thought, estimated = reasoning_count(turn, reasoning_weight)
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

"""Thought accounting: one turn's time, tokens and cost, split into thinking and answer.

Pure arithmetic over a finished (or cut-off) `Turn`; the footer shows it, the history
store keeps it, `r1 stats` sums it. `None` always means "not known", never zero.

Rules:
- Times: thinking runs from the first reasoning token to the first answer token (or
  the last reasoning token when no answer came); the answer from its first token to
  the end of the turn.
- Tokens: the provider's counts when it gives them (completion tokens include the
  reasoning); otherwise estimates from the text, and `estimated` says so.
- Cost: at the listed output price where the prices are known (thinking is billed
  as output; the prompt is counted with the answer). Without prices a reported total
  is split by the share of output tokens.
- A turn whose thinking was cut ("answer now") was two requests: the provider's
  counts are the second's, so the thinking is estimated from its text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from r1cli.core.messages import Turn
from r1cli.core.models import PER_MILLION, text_tokens


@dataclass(frozen=True, slots=True)
class ThoughtAccount:
    """The split of one turn. Seconds, tokens and USD; None: not known."""

    reasoning_first: float | None  # s from the request to the first reasoning token
    reasoning_time: float | None  # s of thinking
    content_first: float | None  # s from the request to the first answer token
    content_time: float | None  # s of answering
    reasoning_tokens: int | None
    answer_tokens: int | None
    estimated: bool  # a token count above is a local estimate
    reasoning_cost: float | None
    answer_cost: float | None

    @property
    def thought(self) -> bool:
        """Whether there was any thinking to show."""
        return bool(self.reasoning_tokens) or self.reasoning_time is not None


def account(turn: Turn) -> ThoughtAccount:
    """The thinking/answer split of `turn` (see the module docstring)."""
    end = turn.ended_at if turn.ended_at is not None else time.monotonic()
    reasoning_first = reasoning_time = content_first = content_time = None
    if turn.first_reasoning_at is not None:
        reasoning_first = turn.first_reasoning_at - turn.started_at
        # The same seconds as the collapsed "Thought for N s" line.
        reasoning_time = turn.thinking_seconds
    if turn.first_content_at is not None:
        content_first = turn.first_content_at - turn.started_at
        content_time = max(end - turn.first_content_at, 0.0)
    reasoning, answer, estimated = _tokens(turn)
    reasoning_cost, answer_cost = _costs(turn, reasoning, answer)
    return ThoughtAccount(
        reasoning_first=reasoning_first,
        reasoning_time=reasoning_time,
        content_first=content_first,
        content_time=content_time,
        reasoning_tokens=reasoning,
        answer_tokens=answer,
        estimated=estimated,
        reasoning_cost=reasoning_cost,
        answer_cost=answer_cost,
    )


def _tokens(turn: Turn) -> tuple[int, int, bool]:
    usage = turn.usage
    completion = usage.completion_tokens if usage else None
    reported = usage.reasoning_tokens if usage else None
    if turn.thinking_cut:
        # The counts are the continuation's: the cut reasoning was never counted.
        reasoning = text_tokens(turn.reasoning)
        if completion is not None:
            return reasoning, max(completion - (reported or 0), 0), True
        return reasoning, text_tokens(turn.content), True
    if completion is not None and reported is not None:
        return reported, max(completion - reported, 0), False
    if completion is not None and not turn.reasoning:
        # No reasoning text and no reasoning count: every output token is answer.
        return 0, completion, False
    reasoning = reported if reported is not None else text_tokens(turn.reasoning)
    if completion is not None:
        return reasoning, max(completion - reasoning, 0), True
    # No completion count: the answer's tokens are always an estimate.
    return reasoning, text_tokens(turn.content), True


def _costs(
    turn: Turn, reasoning: int, answer: int
) -> tuple[float | None, float | None]:
    usage = turn.usage
    total = usage.cost if usage else None
    prices = turn.prices
    out_price = prices.output_price if prices else None
    if out_price is not None:
        thinking = reasoning * out_price / PER_MILLION
        if total is not None and turn.thinking_cut:
            return thinking, total  # the reported cost is the continuation's
        if total is not None:
            return thinking, max(total - thinking, 0.0)
        in_price = prices.input_price if prices else None
        prompt = usage.prompt_tokens if usage else None
        if prompt is not None and in_price is None:
            return thinking, None
        prompt_cost = (prompt or 0) * (in_price or 0.0) / PER_MILLION
        return thinking, answer * out_price / PER_MILLION + prompt_cost
    if total is None:
        return None, None
    output = reasoning + answer
    if output == 0:
        return 0.0, total
    thinking = total * reasoning / output
    return thinking, total - thinking

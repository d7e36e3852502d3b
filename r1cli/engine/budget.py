"""Spend caps: `--max-cost` for one turn and the `[budget]` summed from history.

Before a turn is sent, `preflight` bounds what it can cost (the input at the listed
input price, plus `max_tokens` — or the model's context left over — at the output
price) and `check_cap` refuses it when that bound is over the cap. While it streams,
`CostGuard` (a TurnSink placed before the renderer) keeps the running cost and stops
the stream when it passes the cap; the partial answer is kept and marked. `check_budget`
refuses a turn once today's or this month's spend has reached its budget and warns
from 80%. Every refusal or stop is a `CostLimit` (exit 7) whose message says the
figure, the cap and how to change it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, Usage
from r1cli.core.messages import Conversation, Turn
from r1cli.core.models import PER_MILLION, ModelInfo, estimate_tokens
from r1cli.errors import CostLimit

if TYPE_CHECKING:
    from r1cli.history.store import HistoryStore

WARN_AT = 0.8  # share of a budget spent that earns a warning


@dataclass(frozen=True, slots=True)
class SpendLimits:
    """What the command line asked for: a per-turn cap, and leave to pass a budget."""

    max_cost: float | None = None
    ignore_budget: bool = False


@dataclass(frozen=True, slots=True)
class Preflight:
    """The most one turn (times `samples`) can cost, before it is sent."""

    input_tokens: int
    output_tokens: int | None  # the bound on output: max_tokens or the context left
    input_cost: float | None
    cost: float | None  # None: no prices, or no bound on the output
    samples: int = 1


def usd(amount: float) -> str:
    """`$0.0123`, `$2.40`: the figures in a cap message."""
    return f"${amount:.2f}" if amount >= 1 else f"${amount:.4f}"


def input_tokens(conversation: Conversation) -> int:
    texts = [m.content for m in conversation.messages]
    if conversation.system:
        texts.append(conversation.system)
    return estimate_tokens(texts)


def preflight(
    conversation: Conversation,
    prices: ModelInfo | None,
    max_tokens: int | None,
    *,
    samples: int = 1,
) -> Preflight:
    """Bound the cost of sending `conversation` (`samples` times)."""
    tokens = input_tokens(conversation)
    bound = max_tokens
    if bound is None and prices is not None and prices.context_length:
        bound = max(prices.context_length - tokens, 0)
    in_price = prices.input_price if prices else None
    out_price = prices.output_price if prices else None
    in_cost = None if in_price is None else tokens * in_price / PER_MILLION
    cost = None
    if in_cost is not None and out_price is not None and bound is not None:
        cost = (in_cost + bound * out_price / PER_MILLION) * samples
    return Preflight(tokens, bound, in_cost, cost, samples)


def check_cap(
    pre: Preflight, cap: float, prices: ModelInfo | None, notify: Callable[[str], None]
) -> None:
    """Refuse a turn whose bound is over `cap` (CostLimit); warn when none exists."""
    out_price = prices.output_price if prices else None
    if pre.input_cost is None or out_price is None:
        notify(
            "no listed prices for this model (r1 models caches them); --max-cost "
            "can only act on a cost the provider reports"
        )
        return
    if pre.output_tokens is None:
        raise CostLimit(
            "cannot bound this turn's cost for --max-cost: no --max-tokens and the "
            "model's context length is unknown",
            hint="pass --max-tokens N as well",
        )
    if pre.cost is None or pre.cost <= cap:
        return
    times = f" × {pre.samples} samples" if pre.samples > 1 else ""
    per_sample = cap / pre.samples
    fit = math.floor((per_sample - pre.input_cost) * PER_MILLION / out_price)
    if fit > 0:
        hint = f"pass --max-tokens {fit} or less to stay under it, or raise --max-cost"
    else:
        hint = f"raise --max-cost: the input alone costs {usd(pre.input_cost)}"
    raise CostLimit(
        f"this turn could cost up to {usd(pre.cost)} ({pre.input_tokens:,} input "
        f"tokens + up to {pre.output_tokens:,} output tokens at the listed prices"
        f"{times}), over --max-cost {usd(cap)}",
        hint=hint,
    )


def check_budget(
    store: HistoryStore | None,
    budget: Mapping[str, float],
    *,
    ignore: bool,
    notify: Callable[[str], None],
    now: datetime | None = None,
) -> None:
    """Refuse once a budget is spent (unless `ignore`); warn from 80%."""
    if not budget:
        return
    if store is None:
        notify("history is off, so the [budget] in config.toml cannot be checked")
        return
    from r1cli.history.stats import spent_since

    now = now or datetime.now().astimezone()
    today = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    periods = {
        "daily": (today, "today"),
        "monthly": (today.replace(day=1), "this month"),
    }
    for name, (since, period) in periods.items():
        limit = budget.get(name)
        if limit is None:
            continue
        spent = spent_since(store, since)
        share = spent / limit
        if share >= 1 and not ignore:
            raise CostLimit(
                f"the {name} budget is spent: {usd(spent)} {period}, "
                f"budget {usd(limit)}",
                hint=f"raise it with 'r1 config set budget.{name} AMOUNT', "
                "or pass --ignore-budget for this turn",
            )
        if share >= WARN_AT:
            notify(
                f"{share:.0%} of the {name} budget is spent ({usd(spent)} of "
                f"{usd(limit)} {period})"
            )


class CostGuard:
    """A TurnSink that stops the stream once its running cost passes the cap.

    The running cost is the input at the listed price plus the output so far: the
    provider's counts (or reported cost) when a usage event has come, else an
    estimate from the text received (linear: per delta, only its characters).
    """

    def __init__(self, cap: float, prices: ModelInfo, input_tokens: int) -> None:
        self._args = (cap, prices, input_tokens)
        self._cap = cap
        self._in = input_tokens * (prices.input_price or 0.0) / PER_MILLION
        self._out_price = (prices.output_price or 0.0) / PER_MILLION
        self._estimate = 0.0
        self._usage: Usage | None = None

    def fresh(self) -> CostGuard:
        """The same cap for another turn (each of `--samples` has its own)."""
        return CostGuard(*self._args)

    @property
    def cost(self) -> float:
        usage = self._usage
        if usage is not None and usage.cost is not None:
            return usage.cost
        out = self._estimate
        if usage is not None and usage.completion_tokens is not None:
            out = max(out, usage.completion_tokens)
        return self._in + out * self._out_price

    def begin(self, turn: Turn) -> None:
        pass

    def on_event(self, event: Event, turn: Turn) -> None:
        if isinstance(event, (ContentDelta, ReasoningDelta)):
            text = event.text
            ascii_chars = len(text.encode("ascii", "ignore"))
            self._estimate += 0.3 * ascii_chars + 0.6 * (len(text) - ascii_chars)
        elif isinstance(event, Usage):
            self._usage = event
        else:
            return
        cost = self.cost
        if cost > self._cap:
            raise CostLimit(
                f"stopped at --max-cost {usd(self._cap)}: this answer had cost about "
                f"${cost:.5f} so far; the partial answer is kept",
                hint="raise --max-cost, or lower --max-tokens",
            )

    def end(self, turn: Turn) -> None:
        pass

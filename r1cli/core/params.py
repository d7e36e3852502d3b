"""What the user asked for in one request, independent of any provider's wire format.

`cli.py` builds these from flags and settings once; providers translate them into a
request body. A field left at None (or empty) was not set by the user and is not sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from r1cli.errors import UsageError

ReasoningMode = Literal["show", "collapse", "hide"]
Effort = Literal["low", "medium", "high"]


@dataclass(frozen=True, slots=True)
class Sampling:
    """Request parameters; None means "not set by the user, do not send"."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    repetition_penalty: float | None = None
    json_mode: bool = False
    effort: Effort | None = None
    reasoning_max_tokens: int | None = None
    exclude_reasoning: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def number_params(self) -> dict[str, float | int]:
        """The plain numeric parameters that were set, under their usual body names."""
        names = (
            "temperature",
            "top_p",
            "top_k",
            "min_p",
            "max_tokens",
            "seed",
            "frequency_penalty",
            "presence_penalty",
            "repetition_penalty",
        )
        values = {name: getattr(self, name) for name in names}
        return {name: value for name, value in values.items() if value is not None}


# Allowed ranges (inclusive) of the numeric request parameters, as OpenRouter
# documents them for its chat completions API; None: no bound on that side.
PARAM_RANGES: dict[str, tuple[float | None, float | None]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "top_k": (0, None),
    "min_p": (0.0, 1.0),
    "max_tokens": (1, None),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
    "repetition_penalty": (0.0, 2.0),
    "reasoning_max_tokens": (1, None),
}


def param_problem(name: str, value: float) -> str | None:
    """What is wrong with one numeric parameter's value, or None."""
    low, high = PARAM_RANGES.get(name, (None, None))
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number (got {value!r})"
    if low is not None and high is not None and not low <= value <= high:
        return f"must be between {low:g} and {high:g} (got {value!r})"
    if low is not None and value < low:
        return f"must be at least {low:g} (got {value!r})"
    if high is not None and value > high:
        return f"must be at most {high:g} (got {value!r})"
    return None


def validate_sampling(sampling: Sampling) -> None:
    """UsageError (exit 2) naming the flag of the first out-of-range parameter.

    Checked before any request: a provider would reject it (exit 4) after a round
    trip, or silently clamp it.
    """
    values = {**sampling.number_params()}
    if sampling.reasoning_max_tokens is not None:
        values["reasoning_max_tokens"] = sampling.reasoning_max_tokens
    for name, value in values.items():
        problem = param_problem(name, value)
        if problem:
            raise UsageError(f"--{name.replace('_', '-')} {problem}")

"""What the user asked for in one request, independent of any provider's wire format.

`cli.py` builds these from flags and settings once; providers translate them into a
request body. A field left at None (or empty) was not set by the user and is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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

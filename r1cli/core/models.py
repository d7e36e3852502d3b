"""What a provider offers: model listings, prices, and what they cost a turn.

Pure value types and arithmetic, no I/O. Prices are USD per million tokens, the unit
every provider page quotes (OpenRouter's API sends USD per token; the provider module
converts). `None` always means "not known", never zero.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from r1cli.core.events import Usage

PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class ModelInfo:
    id: str
    name: str | None = None
    context_length: int | None = None
    input_price: float | None = None  # USD per million input tokens
    output_price: float | None = None  # USD per million output tokens
    reasoning: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        """From a cached dict; unknown keys are ignored, bad values become None."""
        return cls(
            id=str(data["id"]),
            name=_text(data.get("name")),
            context_length=_count(data.get("context_length")),
            input_price=_price(data.get("input_price")),
            output_price=_price(data.get("output_price")),
            reasoning=data.get("reasoning")
            if isinstance(data.get("reasoning"), bool)
            else None,
        )

    def public(self) -> dict[str, Any]:
        """The `r1 models --json` shape (exact contract: these five keys)."""
        return {
            "id": self.id,
            "name": self.name,
            "context_length": self.context_length,
            "input_price": self.input_price,
            "output_price": self.output_price,
        }


def matches(info: ModelInfo, text: str) -> bool:
    """`--search`: a case-insensitive substring of the id or the name."""
    needle = text.casefold()
    return needle in info.id.casefold() or needle in (info.name or "").casefold()


def per_million(per_token: Any) -> float | None:
    """A per-token price (number or decimal string) as USD per million tokens.

    Negative prices (OpenRouter uses "-1" for "varies", e.g. its auto router) and
    anything unparsable are unknown. Rounded to drop binary noise (0.0000011 × 1e6
    is 1.0999999999999999 in floating point).
    """
    value = _price(per_token)
    if value is None:
        return None
    return round(value * PER_MILLION, 9)


def cost_from_prices(usage: Usage | None, info: ModelInfo | None) -> float | None:
    """The USD cost of a turn's usage at the listed prices; None when not computable.

    Completion tokens include reasoning tokens (every provider bills thinking as
    output). Cache discounts are not modelled: this is a list-price figure.
    """
    if usage is None or info is None:
        return None
    parts = (
        (usage.prompt_tokens, info.input_price),
        (usage.completion_tokens, info.output_price),
    )
    if all(tokens is None for tokens, _ in parts):
        return None
    total = 0.0
    for tokens, price in parts:
        if tokens is None:
            continue
        if price is None:
            return None
        total += tokens * price / PER_MILLION
    return total


def input_cost(tokens: int, info: ModelInfo | None) -> float | None:
    if info is None or info.input_price is None:
        return None
    return tokens * info.input_price / PER_MILLION


def token_weight(text: str) -> float:
    """Tokens `text` is worth by DeepSeek's documented rule of thumb: about 0.3 per
    ASCII character and 0.6 per other character (api-docs.deepseek.com, "Token &
    Token Usage"). Additive, so a stream can sum it piece by piece."""
    if text.isascii():  # the common case, counted at C speed (called per delta)
        return 0.3 * len(text)
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return 0.3 * ascii_chars + 0.6 * (len(text) - ascii_chars)


def text_tokens(text: str) -> int:
    """A local token estimate of one text (the whole of what `token_weight` sums)."""
    return math.ceil(token_weight(text)) if text else 0


def estimate_tokens(texts: list[str]) -> int:
    """A local token estimate of a request's messages when no counting endpoint
    exists: each text's weight plus a few tokens of chat-template framing."""
    return math.ceil(sum(token_weight(text) + 4 for text in texts))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    return None


def _price(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return number

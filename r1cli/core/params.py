"""What the user asked for in one request, independent of any provider's wire format,
and the one place request parameters are read from text.

Flags, config `[params]`, `-o key=value`, the REPL's `/set` and `r1 config set
params.NAME` all go through `parse_param`/`parse_value` here, so a value means the same
thing wherever it is typed. A field left at None (or empty) was not set by the user and
is not sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

from r1cli.errors import UsageError

ReasoningMode = Literal["show", "collapse", "hide"]
REASONING_MODES: tuple[ReasoningMode, ...] = get_args(ReasoningMode)
Effort = Literal["low", "medium", "high"]
EFFORTS: tuple[Effort, ...] = get_args(Effort)


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
    # --schema: a JSON Schema the answer must match (json_schema response format).
    schema: dict[str, Any] | None = None
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

    def items(self) -> list[tuple[str, Any]]:
        """The parameters that are set, fields first, then body extras by name."""
        shown: list[tuple[str, Any]] = []
        for spec in fields(Sampling):
            if spec.name == "extra":
                continue
            value = getattr(self, spec.name)
            if value not in (None, (), False):
                shown.append((spec.name, list(value) if spec.name == "stop" else value))
        return shown + sorted(self.extra.items())

    def with_param(self, key: str, value: Any) -> Sampling:
        """A copy with one parameter set (a known field, else a body extra)."""
        if key in PARAM_KINDS:
            return replace(self, **{key: value})
        return replace(self, extra={**self.extra, key: value})

    def without_param(self, key: str) -> Sampling:
        """A copy with one parameter unset; UsageError if it was not set."""
        if key in PARAM_KINDS:
            return replace(self, **{key: getattr(Sampling(), key)})
        if key in self.extra:
            return replace(
                self, extra={k: v for k, v in self.extra.items() if k != key}
            )
        raise UsageError(f"{key} is not set")


# Parameter names → how a typed value is read. Names are Sampling's fields; anything
# else goes into the request body as given (JSON when it parses).
PARAM_KINDS: dict[str, type] = {
    "temperature": float,
    "top_p": float,
    "top_k": int,
    "min_p": float,
    "max_tokens": int,
    "seed": int,
    "stop": list,
    "frequency_penalty": float,
    "presence_penalty": float,
    "repetition_penalty": float,
    "json_mode": bool,
    "effort": str,
    "reasoning_max_tokens": int,
    "exclude_reasoning": bool,
}
# Words that unset a parameter in `/set NAME WORD`.
UNSET_WORDS = ("default", "unset", "none", "off", "-")
_EXPECTED = {
    bool: "true or false",
    list: 'a string or a JSON list of strings, e.g. ["END"]',
    str: " | ".join(EFFORTS),
    int: "a whole number",
    float: "a number",
}


def param_key(name: str) -> str:
    """`max-tokens`, `Max_Tokens` → `max_tokens`."""
    return name.strip().replace("-", "_").lower()


def parse_value(text: str) -> Any:
    """A body value typed as text: JSON when it parses, else the text itself.

    NaN and Infinity stay text: they are not JSON, so as numbers the request could
    not be sent.
    """
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError:
        return text


def parse_param(name: str, raw: str) -> tuple[str, Any]:
    """A `NAME VALUE` pair as (field or body name, typed value).

    Raises:
        UsageError: the name is not a parameter name, or the value does not fit it.
    """
    key = param_key(name)
    kind = PARAM_KINDS.get(key)
    text = raw.strip()
    if kind is None:
        if not key.replace("_", "").replace(".", "").isalnum():
            raise UsageError(f"not a parameter name: {name!r}")
        return key, parse_value(text)
    try:
        return key, _typed(kind, text)
    except ValueError:
        raise UsageError(f"{key} expects {_EXPECTED[kind]}, got {raw!r}") from None


def _typed(kind: type, text: str) -> Any:
    if kind is bool:
        word = text.lower()
        if word not in ("true", "false", "on", "yes", "no", "1", "0"):
            raise ValueError(text)
        return word in ("true", "on", "yes", "1")
    if kind is list:
        # Several stop sequences: a JSON list, else one sequence as typed.
        value = json.loads(text) if text.startswith("[") else [text]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(text)
        return tuple(value)
    if kind is str:
        if text not in EFFORTS:
            raise ValueError(text)
        return text
    if kind is int:
        return int(text)
    number = float(text)
    if not math.isfinite(number):  # nan/inf cannot go into a JSON body
        raise ValueError(text)
    return number


def _not_json(constant: str) -> Any:
    raise ValueError(constant)


def parse_body_options(pairs: list[str]) -> dict[str, Any]:
    """`-o key=value` pairs: body fields, values parsed as JSON when they parse."""
    extra: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"-o expects key=value, got {pair!r}",
                hint='for example -o top_a=0.5 or -o \'provider={"sort":"price"}\'',
            )
        extra[key.strip()] = parse_value(value)
    return extra


def merge_params(flags: Sampling, defaults: Mapping[str, Any]) -> Sampling:
    """Config `[params]` as defaults under the flags; unknown names go to the body."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in defaults.items():
        if name in PARAM_KINDS:
            values[name] = tuple(value) if name == "stop" else value
        else:
            extra[name] = value
    for name in PARAM_KINDS:
        value = getattr(flags, name)
        if value not in (None, (), False):
            values[name] = value
    return replace(
        Sampling(**values), schema=flags.schema, extra={**extra, **flags.extra}
    )


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

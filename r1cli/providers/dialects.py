"""The dialect table: a provider's `dialect` names the request builder and stream
parser it speaks. Adding a dialect is one module and one row here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from r1cli.config.providers import ProviderSpec
from r1cli.core.messages import Conversation
from r1cli.core.params import Sampling
from r1cli.errors import ConfigError
from r1cli.providers import anthropic, openai_compat
from r1cli.providers.base import StreamParser
from r1cli.wire.http import HttpRequest

RequestBuilder = Callable[
    [ProviderSpec, str, Conversation, Sampling, "str | None"], HttpRequest
]


@dataclass(frozen=True, slots=True)
class Dialect:
    build_request: RequestBuilder
    make_parser: Callable[[ProviderSpec, str], StreamParser]


DIALECTS: dict[str, Dialect] = {
    "openai": Dialect(openai_compat.build_request, openai_compat.ChatCompletionsParser),
    "anthropic": Dialect(anthropic.build_request, anthropic.MessagesParser),
}


def dialect_of(spec: ProviderSpec) -> Dialect:
    try:
        return DIALECTS[spec.dialect]
    except KeyError:
        raise ConfigError(
            f"provider {spec.name} has an unknown dialect {spec.dialect!r}",
            hint="dialect is one of: " + ", ".join(sorted(DIALECTS)),
        ) from None


def build_request(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
) -> HttpRequest:
    return dialect_of(spec).build_request(spec, model, conversation, sampling, key)


def make_parser(spec: ProviderSpec, model: str) -> StreamParser:
    return dialect_of(spec).make_parser(spec, model)

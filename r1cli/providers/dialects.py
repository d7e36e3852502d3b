"""The dialect table: a provider's `dialect` names how to build its requests, read its
streams and list its models. Adding a dialect is one module and one row here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from r1cli.config.providers import ProviderSpec
from r1cli.core.messages import Conversation
from r1cli.core.models import ModelInfo
from r1cli.core.params import Sampling
from r1cli.errors import ConfigError
from r1cli.providers import anthropic, openai_compat
from r1cli.providers.base import StreamParser
from r1cli.wire.http import HttpRequest

RequestBuilder = Callable[
    [ProviderSpec, str, Conversation, Sampling, "str | None"], HttpRequest
]
# (spec, key, cursor of the next page) → the request for one page of the model list
ModelsRequest = Callable[[ProviderSpec, "str | None", "str | None"], HttpRequest]
# a page of the model list → its models and the next page's cursor (None: last page)
ModelsParser = Callable[[object], "tuple[list[ModelInfo], str | None]"]


@dataclass(frozen=True, slots=True)
class Dialect:
    build_request: RequestBuilder
    make_parser: Callable[[ProviderSpec, str], StreamParser]
    models_request: ModelsRequest
    parse_models: ModelsParser


def _openai_models_request(
    spec: ProviderSpec, key: str | None, after_id: str | None
) -> HttpRequest:
    return openai_compat.models_request(spec, key)  # one page: no cursor


def _openai_parse_models(body: object) -> tuple[list[ModelInfo], str | None]:
    return openai_compat.parse_models(body), None


DIALECTS: dict[str, Dialect] = {
    "openai": Dialect(
        openai_compat.build_request,
        openai_compat.ChatCompletionsParser,
        _openai_models_request,
        _openai_parse_models,
    ),
    "anthropic": Dialect(
        anthropic.build_request,
        anthropic.MessagesParser,
        anthropic.models_request,
        anthropic.parse_models,
    ),
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


def models_request(
    spec: ProviderSpec, key: str | None, after_id: str | None = None
) -> HttpRequest:
    return dialect_of(spec).models_request(spec, key, after_id)


def parse_models(
    spec: ProviderSpec, body: object
) -> tuple[list[ModelInfo], str | None]:
    """One page of a provider's model list and the next page's cursor (or None)."""
    return dialect_of(spec).parse_models(body)


def counting_spec(spec: ProviderSpec) -> ProviderSpec | None:
    """The Anthropic-dialect provider whose `messages/count_tokens` counts for `spec`;
    None when there is none (a local estimate is all there is)."""
    if spec.dialect == "anthropic":
        return spec
    if spec.auth == "modelslab":
        # ModelsLab serves count_tokens on its Anthropic-compatible path, same key.
        return replace(
            spec, base_url=f"{spec.base_url}/v1", dialect="anthropic", auth="x-api-key"
        )
    return None

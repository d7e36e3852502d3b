"""Picks the request builder and stream parser for a provider's dialect."""

from __future__ import annotations

from dataclasses import replace

from r1cli.config.providers import ProviderSpec
from r1cli.core.messages import Conversation
from r1cli.core.models import ModelInfo
from r1cli.core.params import Sampling
from r1cli.providers import anthropic, openai_compat
from r1cli.providers.base import HttpRequest, StreamParser


def build_request(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
) -> HttpRequest:
    module = anthropic if spec.dialect == "anthropic" else openai_compat
    return module.build_request(spec, model, conversation, sampling, key)


def make_parser(spec: ProviderSpec, model: str) -> StreamParser:
    if spec.dialect == "anthropic":
        return anthropic.MessagesParser(spec, model)
    return openai_compat.ChatCompletionsParser(spec, model)


def models_request(
    spec: ProviderSpec, key: str | None, after_id: str | None = None
) -> HttpRequest:
    if spec.dialect == "anthropic":
        return anthropic.models_request(spec, key, after_id)
    return openai_compat.models_request(spec, key)


def parse_models(
    spec: ProviderSpec, body: object
) -> tuple[list[ModelInfo], str | None]:
    """One page of a provider's model list and the next page's cursor (or None)."""
    if spec.dialect == "anthropic":
        return anthropic.parse_models(body)
    return openai_compat.parse_models(body), None


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

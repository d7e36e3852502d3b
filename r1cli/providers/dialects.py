"""Picks the request builder and stream parser for a provider's dialect."""

from __future__ import annotations

from r1cli.config.providers import ProviderSpec
from r1cli.core.messages import Conversation
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

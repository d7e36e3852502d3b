"""Continuing an assistant message: how each server that can do it is asked to
(the wire side of "answer now", engine/answer_now.py).

- DeepSeek: chat prefix completion (the `/beta` base URL, `"prefix": true` on the
  last assistant message, the reasoning as its `reasoning_content`);
- vLLM: `continue_final_message` (and no generation prompt) on the request;
- llama.cpp and Ollama: a final assistant message is continued as it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from r1cli.config.providers import ProviderSpec
from r1cli.wire.http import HttpRequest

PrefixStyle = Literal["deepseek", "vllm", "prefill"]

_STYLES: dict[str, PrefixStyle] = {
    "deepseek": "deepseek",
    "vllm": "vllm",
    "llamacpp": "prefill",
    "ollama": "prefill",
}
SUPPORTED = "deepseek, vllm, llamacpp and ollama"


def prefix_style(spec: ProviderSpec) -> PrefixStyle | None:
    """How `spec`'s server continues an assistant message; None: it cannot."""
    if spec.dialect != "openai":
        return None
    if spec.host == "api.deepseek.com":
        return "deepseek"
    return _STYLES.get(spec.name)


def unavailable(spec: ProviderSpec) -> str:
    return (
        f"answer now is not available for {spec.name}: it needs a server that "
        f"continues an assistant message ({SUPPORTED})"
    )


def closed_think(reasoning: str) -> str:
    """The reasoning so far as a finished `<think>` block, ready for the answer."""
    return f"<think>\n{reasoning.rstrip()}\n</think>\n\n"


def prefix_spec(spec: ProviderSpec, style: PrefixStyle) -> ProviderSpec:
    """Where the continuation goes: DeepSeek serves prefix completion under /beta."""
    if style != "deepseek":
        return spec
    base = spec.base_url.rstrip("/").removesuffix("/v1")
    return replace(spec, base_url=f"{base}/beta")


def patch_body(style: PrefixStyle, reasoning: str) -> Callable[[HttpRequest], None]:
    """Make the request's last (assistant) message the prefix the model continues."""

    def patch(http: HttpRequest) -> None:
        body: dict[str, Any] = http.body
        last: dict[str, Any] = body["messages"][-1]
        if style == "deepseek":
            last.update(content="", reasoning_content=reasoning, prefix=True)
            return
        last["content"] = closed_think(reasoning)
        if style == "vllm":
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False

    return patch

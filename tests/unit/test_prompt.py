"""How a prompt is built from the words and piped stdin."""

from __future__ import annotations

from r1cli.engine.prompt import build_prompt


def test_stdin_with_backticks_gets_a_longer_fence() -> None:
    prompt = build_prompt(["review"], "```py\nx = 1\n```\n")
    assert prompt == "review\n\n````\n```py\nx = 1\n```\n````"

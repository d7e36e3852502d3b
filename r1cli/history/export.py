"""A stored conversation as Markdown: shared by `r1 history export` and `/export`.

Plain functions over the dict `HistoryStore.get_conversation` returns; no I/O.
"""

from __future__ import annotations

from typing import Any


def to_markdown(data: dict[str, Any], *, reasoning: bool) -> str:
    """A conversation as Markdown (unsanitised: callers decide where it goes)."""
    parts = [f"# {data['title']}\n", meta_line(data) + "\n"]
    if data.get("system"):
        parts.append(f"## System\n\n{data['system']}\n")
    for message in data["messages"]:
        parts.append(f"## {message_header(message)}\n")
        if reasoning and message["reasoning"]:
            parts.append(
                "<details><summary>Reasoning</summary>\n\n"
                f"{message['reasoning']}\n\n</details>\n"
            )
        steps = tool_steps(message.get("tools") or [])
        if steps:
            parts.append("\n".join(steps) + "\n")
        if message["content"]:
            parts.append(message["content"].rstrip("\n") + "\n")
        if message.get("error"):
            # Why the answer failed or stopped, as stored (already redacted).
            parts.append(f"> {message['status']}: {message['error']}\n")
    return "\n".join(parts)


def meta_line(data: dict[str, Any]) -> str:
    model = f"{data['model'] or '?'} via {data['provider'] or '?'}"
    return f"`{data['id']}` · {model} · {data['created_at']}"


def message_header(message: dict[str, Any]) -> str:
    """'user', or 'assistant · model · status' (status only when not complete)."""
    bits = [message["role"]]
    if message["role"] == "assistant" and message["model"]:
        bits.append(message["model"])
    if message["status"] != "complete":
        bits.append(message["status"])
    return " · ".join(bits)


def tool_steps(steps: list[dict[str, Any]]) -> list[str]:
    """An answer's tool calls and results as Markdown list items, in order."""
    lines: list[str] = []
    for step in steps:
        for call in step.get("tool_calls") or []:
            lines.append(f"- tool call `{call.get('name')}` `{call.get('arguments')}`")
        if step.get("role") == "tool":
            label = "error" if step.get("is_error") else "result"
            content = " ".join(str(step.get("content", "")).split())
            if len(content) > 500:
                content = content[:499] + "…"
            lines.append(f"  - {label}: {content}")
    return lines

"""Row shapes: the SQL and the dicts that cross between `HistoryStore` and SQLite."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from typing import Any

from r1cli.core.accounting import account
from r1cli.core.events import ToolCall
from r1cli.core.messages import Message, Turn

LIST_SQL = (
    "SELECT c.id, c.title, c.model, c.provider, c.created_at, c.updated_at, "
    "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count "
    "FROM conversations c"
)

SAVE_ANSWER = (
    "UPDATE messages SET content = :content, reasoning = :reasoning, status = :status, "
    "model = :model, provider = :provider, finish_reason = :finish_reason, "
    "error = :error, prompt_tokens = :prompt_tokens, "
    "completion_tokens = :completion_tokens, reasoning_tokens = :reasoning_tokens, "
    "cached_tokens = :cached_tokens, cost = :cost, first_token_ms = :first_token_ms, "
    "total_ms = :total_ms, signature = :signature, owner_pid = :owner_pid, "
    "reasoning_first_ms = :reasoning_first_ms, reasoning_ms = :reasoning_ms, "
    "content_first_ms = :content_first_ms, content_ms = :content_ms, "
    "thinking_tokens = :thinking_tokens, answer_tokens = :answer_tokens, "
    "tokens_estimated = :tokens_estimated, reasoning_cost = :reasoning_cost, "
    "answer_cost = :answer_cost, effort = :effort, thinking_cut = :thinking_cut, "
    "tools = :tools, "
    "updated_at = :updated_at WHERE id = :id AND role = 'assistant'"
)

_USAGE_KEYS = (
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
)


def answer_values(
    turn: Turn, redact: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """The columns `save_answer` writes, from a Turn (tool arguments and results
    through `redact`: they are untrusted text, stored like errors)."""
    usage = turn.usage
    first_ms = None
    if turn.first_token_at is not None:
        first_ms = round((turn.first_token_at - turn.started_at) * 1000)
    return {
        "content": turn.content,
        "reasoning": turn.reasoning,
        "status": turn.status,
        "model": turn.model,
        "provider": turn.provider,
        "finish_reason": turn.finish_reason,
        "error": turn.error,
        **{key: getattr(usage, key, None) for key in _USAGE_KEYS},
        "cost": getattr(usage, "cost", None),
        "first_token_ms": first_ms,
        "total_ms": round(turn.elapsed * 1000),
        "signature": turn.signature,
        "owner_pid": os.getpid(),
        "tools": dump_exchange(turn.exchange, redact) if turn.exchange else None,
        **thought_values(turn),
    }


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def thought_values(turn: Turn) -> dict[str, Any]:
    """The thought-accounting columns (m003) of a turn."""
    split = account(turn)
    return {
        "reasoning_first_ms": _ms(split.reasoning_first),
        "reasoning_ms": _ms(split.reasoning_time),
        "content_first_ms": _ms(split.content_first),
        "content_ms": _ms(split.content_time),
        "thinking_tokens": split.reasoning_tokens,
        "answer_tokens": split.answer_tokens,
        "tokens_estimated": int(split.estimated),
        "reasoning_cost": split.reasoning_cost,
        "answer_cost": split.answer_cost,
        "effort": turn.effort,
        "thinking_cut": int(turn.thinking_cut),
    }


def dump_exchange(
    messages: list[Message], redact: Callable[[str], str] | None = None
) -> str:
    """A tool loop's messages as the JSON the `tools` column holds."""
    clean = redact or (lambda text: text)
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "name": message.name,
                    "content": clean(message.content),
                    "is_error": message.is_error,
                }
            )
        else:
            out.append(
                {
                    "role": "assistant",
                    "content": message.content,
                    "reasoning": message.reasoning or "",
                    "tool_calls": [
                        {"id": c.id, "name": c.name, "arguments": clean(c.arguments)}
                        for c in message.tool_calls
                    ],
                }
            )
    return json.dumps(out, ensure_ascii=False)


def load_exchange(text: str | None) -> list[Message]:
    """The `tools` column back as messages ([] for NULL or damaged JSON)."""
    try:
        items = json.loads(text) if text else []
    except ValueError:
        return []
    messages: list[Message] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("role") == "tool":
            messages.append(
                Message(
                    "tool",
                    str(item.get("content", "")),
                    tool_call_id=str(item.get("tool_call_id") or ""),
                    name=str(item.get("name") or ""),
                    is_error=bool(item.get("is_error")),
                )
            )
        else:
            calls = tuple(
                ToolCall(str(c.get("id")), str(c.get("name")), str(c.get("arguments")))
                for c in item.get("tool_calls") or []
                if isinstance(c, dict)
            )
            messages.append(
                Message(
                    "assistant",
                    str(item.get("content", "")),
                    tool_calls=calls,
                    reasoning=str(item.get("reasoning") or "") or None,
                )
            )
    return messages


def message_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A message in the `history show --json` shape."""
    return {
        "role": row["role"],
        "content": row["content"],
        "reasoning": row["reasoning"],
        "status": row["status"],
        "error": row["error"],
        "model": row["model"],
        "finish_reason": row["finish_reason"],
        "usage": {key: row[key] for key in _USAGE_KEYS},
        "cost": row["cost"],
        "created_at": row["created_at"],
        "tools": json.loads(row["tools"]) if row["tools"] else [],
    }

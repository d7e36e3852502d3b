"""The slash commands about the conversation as a whole: /title, /fork, /history,
/load, /export, /copy and /usage (the table itself is in `slash.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from r1cli.errors import UsageError
from r1cli.render.footer import count as _count
from r1cli.repl.slash_base import (
    SlashContext,
    SlashResult,
    code_blocks,
    cost_text,
    one_line,
    require_argument,
)
from r1cli.repl.state import ChatState


def title(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if not argument:
        title = session.title()
        return SlashResult([f"title: {title}" if title else "title: (not saved yet)"])
    return SlashResult([f"title: {session.rename(argument)}"])


def fork(context: SlashContext, argument: str) -> SlashResult:
    after: int | None = None
    if argument:
        try:
            after = int(argument)
        except ValueError:
            raise UsageError("usage: /fork [N]") from None
    old, new = context.session.fork(after)
    turns = sum(1 for m in context.session.conversation.messages if m.role == "user")
    return SlashResult(
        [f"forked {old} after turn {turns}: now in {new} (the original is kept)"]
    )


def copy(context: SlashContext, argument: str) -> SlashResult:
    answer = context.session.last_answer()
    if not answer:
        raise UsageError("nothing to copy yet: there is no answer")
    what, _, which = argument.partition(" ")
    if what and what != "code":
        raise UsageError("usage: /copy [code [N]]")
    text, label = answer, "the last answer"
    if what == "code":
        blocks = code_blocks(answer)
        if not blocks:
            raise UsageError("the last answer has no code block")
        index = len(blocks)
        if which.strip():
            try:
                index = int(which)
            except ValueError:
                raise UsageError("usage: /copy code [N]") from None
            if not 1 <= index <= len(blocks):
                raise UsageError(f"the last answer has {len(blocks)} code block(s)")
        text, label = blocks[index - 1], f"code block {index} of {len(blocks)}"
    how = context.copy_text(text)
    return SlashResult([f"copied {label} ({_count(len(text))} characters) via {how}"])


def history(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if session.store is None:
        raise UsageError("history is off or unavailable")
    limit = 10
    if argument:
        try:
            limit = max(1, int(argument))
        except ValueError:
            raise UsageError("usage: /history [N]") from None
    rows = session.store.list_conversations(limit)
    if not rows:
        return SlashResult(["no conversations yet"])
    lines = []
    for row in rows:
        mark = "*" if row["id"] == session.conversation.id else " "
        when = str(row.get("updated_at") or "")[:16].replace("T", " ")
        count = row["message_count"]
        lines.append(
            f"{mark} {row['id']}  {when}  {count!s:>3} msgs  {one_line(str(row.get('title') or ''))}"
        )
    lines.append("/load ID switches to one (a unique prefix is enough)")
    return SlashResult(lines)


def load(context: SlashContext, argument: str) -> SlashResult:
    cid = context.session.load(require_argument(argument, "/load ID"))
    count = len(context.session.conversation.messages)
    return SlashResult([f"loaded conversation {cid} ({count} messages)"], recap=True)


def export(context: SlashContext, argument: str) -> SlashResult:
    from r1cli.config.paths import write_private_file
    from r1cli.history.export import to_markdown

    session = context.session
    data = session.conversation_data() or _memory_data(session)
    if not data["messages"]:
        raise UsageError("nothing to export yet")
    if argument:
        path = Path(argument).expanduser()
        path = path if path.is_absolute() else context.cwd / path
    else:
        path = _free_name(context.cwd, f"r1-{str(data['id'])[:8]}")
    try:
        write_private_file(path, to_markdown(data, reasoning=True))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return SlashResult([f"exported to {path}"])


def _free_name(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.md"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.md"
    return path


def _memory_data(session: ChatState) -> dict[str, Any]:
    """The export shape for a conversation that is not in history (history off)."""
    from r1cli.history.ids import derive_title, utc_now

    messages = session.conversation.messages
    first = next((m.content for m in messages if m.role == "user"), "")
    return {
        "id": "unsaved",
        "title": derive_title(first),
        "model": session.model,
        "provider": session.spec.name,
        "created_at": utc_now(),
        "system": session.conversation.system,
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "reasoning": "",
                "status": "complete",
                "model": session.model if m.role == "assistant" else None,
            }
            for m in messages
        ],
    }


def usage(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    usage = session.usage
    lines = [
        f"{_count(usage.answers)} answers · {_count(usage.prompt_tokens)} in · "
        f"{_count(usage.completion_tokens)} out ({_count(usage.reasoning_tokens)} "
        f"reasoning) · {cost_text(usage.cost)}"
    ]
    window = session.context_window
    used = session.estimated_context_tokens()
    if window:
        lines.append(
            f"context: about {_count(used)} of {_count(window)} tokens "
            f"({used * 100 / window:.0f}%)"
        )
    else:
        lines.append(f"context: about {_count(used)} tokens (window size unknown)")
    return SlashResult(lines)

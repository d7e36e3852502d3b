"""How `r1 history` draws on a terminal: the conversation table, one conversation,
and search hits with the match highlighted.

rich is imported inside each function, so `r1cli.cli.history` can import this module
(and `TTY_MARKERS`, `one_line`) without loading rich for JSON or pipe output. Every
model or user string is sanitised before rich sees it and is handed over as
`Text`/`Markdown`, never as markup.
"""

from __future__ import annotations

from typing import Any

from r1cli.render.sanitize import sanitize

# Search-hit markers that cannot occur in sanitised text (private use), so a TTY can
# highlight the match without confusing it with brackets in the text itself.
TTY_MARKERS = ("\ue000", "\ue001")


def one_line(text: str | None) -> str:
    """Sanitised, on one line, tab-free: safe for a table cell or a TSV field."""
    return " ".join(sanitize(text or "").split())


def print_table(rows: list[dict[str, Any]]) -> None:
    """Conversations as a table: id, updated, message count, model, title."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Updated", no_wrap=True)
    table.add_column("Msgs", justify="right")
    table.add_column("Model", no_wrap=True, overflow="ellipsis", max_width=28)
    table.add_column("Title", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in rows:
        table.add_row(
            row["id"],
            row["updated_at"][:16].replace("T", " "),
            str(row["message_count"]),
            one_line(row["model"]),
            one_line(row["title"]),
        )
    Console(highlight=False, markup=False, emoji=False).print(table)


def print_conversation(
    data: dict[str, Any], *, meta: str, headers: list[str], reasoning: bool
) -> None:
    """One conversation: title, `meta` line, then each message under its header.

    `meta` and `headers` (one per message) are the export's own lines, passed in so
    that the renderer needs nothing from the history package.
    """
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.text import Text

    console = Console(highlight=False, markup=False, emoji=False)
    console.print(Text(one_line(data["title"]), style="bold"))
    console.print(Text(one_line(meta.replace("`", "")), style="dim"))
    for message, line in zip(data["messages"], headers, strict=True):
        header = Text(one_line(line), style="bold")
        console.print(Rule(header, align="left", style="dim"))
        thought = message["reasoning"]
        if thought and reasoning:
            console.print(Text(sanitize(thought), style="dim"))
        elif thought:
            console.print(Text(f"Thought · {len(thought):,} chars", style="dim"))
        for line in stored_tool_lines(message.get("tools") or [], console.width):
            console.print(Text(line, style="dim"))
        content = sanitize(message["content"])
        if message["role"] == "assistant":
            # hyperlinks=False: a link shows its URL instead of hiding it behind text.
            console.print(Markdown(content, hyperlinks=False))
        else:
            console.print(Text(content))


def print_hits(hits: list[dict[str, Any]]) -> None:
    """Search hits: id, title, role and time, then the snippet with the match marked."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, markup=False, emoji=False)
    for hit in hits:
        line = Text(hit["conversation_id"], style="cyan")
        line.append(f"  {one_line(hit['title'])}", style="bold")
        line.append(
            f"  {hit['role']} · {hit['created_at'][:16].replace('T', ' ')}", style="dim"
        )
        console.print(line)
        console.print(_highlighted(one_line(hit["snippet"])))


def _highlighted(snippet: str) -> Any:
    """The snippet with the text between the TTY markers in reverse video."""
    from rich.text import Text

    text = Text("  ")
    opening, closing = TTY_MARKERS
    for index, piece in enumerate(snippet.split(opening)):
        match, _, rest = piece.partition(closing) if index else ("", "", piece)
        text.append(match, style="reverse")
        text.append(rest)
    return text


def stored_tool_lines(steps: list[dict[str, Any]], width: int = 100) -> list[str]:
    """A stored answer's calls and results (the `tools` column), one line each."""
    from r1cli.core.events import ToolCall, ToolResult
    from r1cli.render.toolline import tool_line

    calls: dict[str, ToolCall] = {}
    lines: list[str] = []
    for step in steps:
        for call in step.get("tool_calls") or []:
            calls[str(call.get("id"))] = ToolCall(
                str(call.get("id")), str(call.get("name")), str(call.get("arguments"))
            )
        if step.get("role") == "tool":
            key = str(step.get("tool_call_id"))
            call = calls.get(key, ToolCall(key, str(step.get("name")), ""))
            result = ToolResult(
                key, call.name, str(step.get("content")), bool(step.get("is_error"))
            )
            lines.append(tool_line(call, result, width))
    return lines

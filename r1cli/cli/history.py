"""`r1 history …`: list, show, search, delete and export saved conversations.

The Typer sub-app the main CLI mounts as `r1 history`. It owns how stored data looks on
a terminal (rich, imported lazily inside the drawing functions), in a pipe (plain text
or tab-separated lines) and as JSON (stable shapes for scripts); `r1cli.history.store` owns
the data. Every title, prompt, answer and reasoning shown as text goes through
`sanitize` first; JSON is ASCII-escaped instead, so it carries no raw controls either.
Read-only commands never create the database.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from r1cli.cli.boundary import bounded
from r1cli.config.paths import resolve_paths, write_private_file
from r1cli.errors import UsageError
from r1cli.history.export import message_header, meta_line, to_markdown
from r1cli.history.store import HistoryStore
from r1cli.render.sanitize import sanitize

history_app = typer.Typer(
    name="history",
    help="Browse, search, export and delete saved conversations.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Search-hit markers that cannot occur in sanitised text (private use), so a TTY can
# highlight the match without confusing it with brackets in the text itself.
_TTY_MARKERS = ("\ue000", "\ue001")
_NO_CONVERSATIONS = "no conversations yet"
_START_HINT = 'start one with: r1 "your question"'


class ExportFormat(str, Enum):
    md = "md"
    json = "json"


# --------------------------------------------------------------------- plumbing


@contextlib.contextmanager
def _store() -> Iterator[HistoryStore | None]:
    """The open store, or None when there is no database yet (nothing is created)."""
    path = resolve_paths().history_db
    if not path.exists():
        yield None
        return
    store = HistoryStore.open(path)
    try:
        yield store
    finally:
        store.close()


def _stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def _stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _echo_json(value: Any) -> None:
    # ASCII escapes: C1 controls and bidi overrides cannot reach a terminal raw.
    typer.echo(json.dumps(value, indent=2))


def _one_line(text: str | None) -> str:
    """Sanitised, on one line, tab-free: safe for a table cell or a TSV field."""
    return " ".join(sanitize(text or "").split())


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _require(store: HistoryStore | None) -> HistoryStore:
    if store is None:
        raise UsageError(_NO_CONVERSATIONS, hint=_START_HINT)
    return store


def _pick(store: HistoryStore, conversation_id: str | None) -> str:
    """The conversation a command is about: a unique id prefix, or the latest."""
    if conversation_id is not None:
        return store.resolve_id(conversation_id)
    latest = store.latest_id()
    if latest is None:
        raise UsageError(_NO_CONVERSATIONS, hint=_START_HINT)
    return latest


# --------------------------------------------------------------------- commands

LimitOption = Annotated[
    int, typer.Option("-n", "--limit", min=1, help="How many to show at most.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@history_app.command("list")
@bounded
def list_command(limit: LimitOption = 20, as_json: JsonOption = False) -> None:
    """List conversations, most recently updated first."""
    with _store() as store:
        rows = store.list_conversations(limit) if store else []
    if as_json:
        _echo_json(rows)
    elif _stdout_is_tty():
        _print_table(rows)
    else:
        for row in rows:
            fields = (row["id"], row["updated_at"], str(row["message_count"]))
            names = (_one_line(row["model"]), _one_line(row["title"]))
            typer.echo("\t".join(fields + names))


@history_app.command("show")
@bounded
def show_command(
    conversation_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]", help="Conversation id or a unique prefix (default: latest)."
        ),
    ] = None,
    reasoning: Annotated[
        bool, typer.Option("--reasoning", help="Include the model's reasoning.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show one conversation (the latest if no ID is given)."""
    with _store() as maybe:
        store = _require(maybe)
        data = store.get_conversation(_pick(store, conversation_id))
    if as_json:
        _echo_json(data)
    elif _stdout_is_tty():
        _print_conversation(data, reasoning=reasoning)
    else:
        typer.echo(sanitize(to_markdown(data, reasoning=reasoning)), nl=False)


@history_app.command("search")
@bounded
def search_command(
    query: Annotated[str, typer.Argument(help="Text to find, taken literally.")],
    reasoning: Annotated[
        bool, typer.Option("--reasoning", help="Search the reasoning too.")
    ] = False,
    limit: LimitOption = 20,
    as_json: JsonOption = False,
) -> None:
    """Find messages that contain QUERY (newest first; no search syntax)."""
    tty = _stdout_is_tty() and not as_json
    markers = _TTY_MARKERS if tty else ("[", "]")
    with _store() as store:
        if not query.strip():
            raise UsageError("the search query is empty")
        hits = []
        if store is not None:
            hits = store.search(
                query, include_reasoning=reasoning, limit=limit, markers=markers
            )
    if as_json:
        _echo_json(hits)
    elif tty:
        _print_hits(hits)
    else:
        for hit in hits:
            fields = (hit["conversation_id"], hit["created_at"], hit["role"])
            texts = (_one_line(hit["title"]), _one_line(hit["snippet"]))
            typer.echo("\t".join(fields + texts))


@history_app.command("rm")
@bounded
def rm_command(
    ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="Ids or unique prefixes.")
    ],
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask.")] = False,
) -> None:
    """Delete conversations for good (asks first unless -y)."""
    with _store() as store:
        if store is None:
            raise UsageError(f"no conversation matches '{ids[0]}'")
        chosen = list(dict.fromkeys(store.resolve_id(cid) for cid in ids))
        if not yes and not _confirm_delete(store, chosen):
            typer.echo("nothing deleted", err=True)
            return
        count = store.delete_conversations(chosen)
    typer.echo(f"deleted {_plural(count, 'conversation')}", err=True)


@history_app.command("export")
@bounded
def export_command(
    conversation_id: Annotated[str, typer.Argument(metavar="ID", help="Id or prefix.")],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Markdown or JSON.")
    ] = ExportFormat.md,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to FILE (0600).")
    ] = None,
) -> None:
    """Export one conversation, reasoning included, as Markdown or JSON."""
    with _store() as maybe:
        store = _require(maybe)
        data = store.get_conversation(_pick(store, conversation_id))
    if fmt is ExportFormat.json:
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = to_markdown(data, reasoning=True)
    if output is not None:
        _write_export(output, text)
        typer.echo(f"exported to {output}", err=True)
    else:
        # Exact text into a pipe or file, so not typer.echo (it strips escape
        # sequences when stdout is not a terminal); a terminal gets it sanitised.
        sys.stdout.write(sanitize(text) if _stdout_is_tty() else text)
        sys.stdout.flush()


@history_app.command("path")
@bounded
def path_command() -> None:
    """Print where the history database lives."""
    typer.echo(str(resolve_paths().history_db))


def _write_export(output: Path, text: str) -> None:
    try:
        write_private_file(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _confirm_delete(store: HistoryStore, ids: list[str]) -> bool:
    """Ask on the terminal; refuse outright when nobody can answer."""
    if not _stdin_is_tty():
        raise UsageError(
            "refusing to delete without confirmation: stdin is not a terminal",
            hint="pass -y to delete without asking",
        )
    for cid in ids:
        title = store.get_conversation(cid)["title"]
        typer.echo(f"  {cid}  {_one_line(title)}", err=True)
    sys.stderr.write(f"Delete {_plural(len(ids), 'conversation')}? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


# -------------------------------------------------------------------- rendering


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    if not rows:
        typer.echo(_NO_CONVERSATIONS, err=True)
        return
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
            _one_line(row["model"]),
            _one_line(row["title"]),
        )
    Console(highlight=False, markup=False, emoji=False).print(table)


def _print_conversation(data: dict[str, Any], *, reasoning: bool) -> None:
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.text import Text

    console = Console(highlight=False, markup=False, emoji=False)
    console.print(Text(_one_line(data["title"]), style="bold"))
    console.print(Text(_one_line(meta_line(data).replace("`", "")), style="dim"))
    for message in data["messages"]:
        header = Text(_one_line(message_header(message)), style="bold")
        console.print(Rule(header, align="left", style="dim"))
        thought = message["reasoning"]
        if thought and reasoning:
            console.print(Text(sanitize(thought), style="dim"))
        elif thought:
            console.print(Text(f"Thought · {len(thought):,} chars", style="dim"))
        content = sanitize(message["content"])
        if message["role"] == "assistant":
            # hyperlinks=False: a link shows its URL instead of hiding it behind text.
            console.print(Markdown(content, hyperlinks=False))
        else:
            console.print(Text(content))


def _print_hits(hits: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.text import Text

    if not hits:
        typer.echo("no matches", err=True)
        return
    console = Console(highlight=False, markup=False, emoji=False)
    for hit in hits:
        line = Text(hit["conversation_id"], style="cyan")
        line.append(f"  {_one_line(hit['title'])}", style="bold")
        line.append(
            f"  {hit['role']} · {hit['created_at'][:16].replace('T', ' ')}", style="dim"
        )
        console.print(line)
        console.print(_highlighted(_one_line(hit["snippet"])))


def _highlighted(snippet: str) -> Any:
    """The snippet with the text between the TTY markers in reverse video."""
    from rich.text import Text

    text = Text("  ")
    opening, closing = _TTY_MARKERS
    for index, piece in enumerate(snippet.split(opening)):
        match, _, rest = piece.partition(closing) if index else ("", "", piece)
        text.append(match, style="reverse")
        text.append(rest)
    return text

"""`r1 history …`: list, show, search, rename, fork, delete and export conversations.

The Typer sub-app the main CLI mounts as `r1 history`. It owns how stored data looks in
a pipe (plain text or tab-separated lines) and as JSON (stable shapes for scripts), and
picks the rich views of `r1cli.render.history_view` on a terminal;
`r1cli.history.store` owns the data. Every title, prompt, answer and reasoning shown as text goes through
`sanitize` first; JSON is ASCII-escaped instead, so it carries no raw controls either.
Read-only commands never create the database.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from r1cli.cli.boundary import bounded
from r1cli.config.paths import resolve_paths, write_private_file
from r1cli.errors import UsageError
from r1cli.history.export import message_header, meta_line, to_markdown
from r1cli.history.store import HistoryStore
from r1cli.render.history_view import (
    TTY_MARKERS,
    one_line,
    print_conversation,
    print_hits,
    print_table,
)
from r1cli.render.sanitize import sanitize

history_app = typer.Typer(
    name="history",
    help="Browse, search, rename, fork, export and delete saved conversations.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

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
        if rows:
            print_table(rows)
        else:
            typer.echo(_NO_CONVERSATIONS, err=True)
    else:
        for row in rows:
            fields = (row["id"], row["updated_at"], str(row["message_count"]))
            names = (one_line(row["model"]), one_line(row["title"]))
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
        print_conversation(
            data,
            meta=meta_line(data),
            headers=[message_header(message) for message in data["messages"]],
            reasoning=reasoning,
        )
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
    markers = TTY_MARKERS if tty else ("[", "]")
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
        if hits:
            print_hits(hits)
        else:
            typer.echo("no matches", err=True)
    else:
        for hit in hits:
            fields = (hit["conversation_id"], hit["created_at"], hit["role"])
            texts = (one_line(hit["title"]), one_line(hit["snippet"]))
            typer.echo("\t".join(fields + texts))


@history_app.command("rm")
@bounded
def rm_command(
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="[ID]...", help="Ids or unique prefixes."),
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option(
            "--older-than",
            metavar="AGE",
            help="Delete every conversation not updated for AGE (12h, 30d, 2w).",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("-y", "--yes", help="Do not ask.")] = False,
) -> None:
    """Delete conversations for good (asks first unless -y)."""
    if bool(ids) == (older_than is not None):
        raise UsageError(
            "name the conversations to delete, or give --older-than AGE (not both)",
            hint="r1 history rm ID… · r1 history rm --older-than 30d",
        )
    age = parse_age(older_than) if older_than is not None else None
    with _store() as store:
        if age is not None:
            chosen = (
                store.ids_older_than(datetime.now(timezone.utc) - age) if store else []
            )
            if not chosen:
                typer.echo(f"no conversations older than {older_than}", err=True)
                return
            what = f"{_plural(len(chosen), 'conversation')} older than {older_than}"
            if not yes and not _confirm(f"Delete {what}?", listing=[]):
                typer.echo("nothing deleted", err=True)
                return
        else:
            assert ids
            if store is None:
                raise UsageError(f"no conversation matches '{ids[0]}'")
            chosen = list(dict.fromkeys(store.resolve_id(cid) for cid in ids))
            listing = [
                f"  {cid}  {one_line(store.get_conversation(cid)['title'])}"
                for cid in chosen
            ]
            question = f"Delete {_plural(len(chosen), 'conversation')}?"
            if not yes and not _confirm(question, listing=listing):
                typer.echo("nothing deleted", err=True)
                return
        assert store is not None
        count = store.delete_conversations(chosen)
    typer.echo(f"deleted {_plural(count, 'conversation')}", err=True)


@history_app.command("rename")
@bounded
def rename_command(
    conversation_id: Annotated[str, typer.Argument(metavar="ID", help="Id or prefix.")],
    title: Annotated[list[str], typer.Argument(metavar="TEXT...", help="New title.")],
) -> None:
    """Give a conversation a title of your own."""
    with _store() as maybe:
        store = _require(maybe)
        cid = store.resolve_id(conversation_id)
        stored = store.rename(cid, " ".join(title))
    typer.echo(f"renamed {cid}: {one_line(stored)}", err=True)


@history_app.command("fork")
@bounded
def fork_command(
    conversation_id: Annotated[str, typer.Argument(metavar="ID", help="Id or prefix.")],
    turn: Annotated[
        int | None,
        typer.Argument(
            metavar="[N]", help="Keep turns 1..N (default: all of them).", min=1
        ),
    ] = None,
) -> None:
    """Copy a conversation up to turn N into a new one; prints the new id."""
    with _store() as maybe:
        store = _require(maybe)
        cid = store.resolve_id(conversation_id)
        new = store.fork(cid, turn)
        kept = turn if turn is not None else store.turn_count(cid)
    typer.echo(new)
    typer.echo(
        f"forked {cid} after turn {kept}; continue with: r1 chat --cid {new}", err=True
    )


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
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Exact stored text, terminal controls included."),
    ] = False,
) -> None:
    """Export one conversation, reasoning included, as Markdown or JSON.

    Terminal controls from model text (escapes, bidi overrides, NUL) are
    neutralised as in answers on a pipe, wherever the export goes; --raw keeps
    the exact bytes.
    """
    with _store() as maybe:
        store = _require(maybe)
        data = store.get_conversation(_pick(store, conversation_id))
    if fmt is ExportFormat.json:
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = to_markdown(data, reasoning=True)
    if not raw:
        text = sanitize(text)
    if output is not None:
        _write_export(output, text)
        typer.echo(f"exported to {output}", err=True)
    else:
        # Not typer.echo: it would strip escapes even under --raw.
        sys.stdout.write(text)
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


def _confirm(question: str, *, listing: list[str]) -> bool:
    """Ask on the terminal; refuse outright when nobody can answer."""
    if not _stdin_is_tty():
        raise UsageError(
            "refusing to delete without confirmation: stdin is not a terminal",
            hint="pass -y (--yes) to delete without asking",
        )
    for line in listing:
        typer.echo(line, err=True)
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


_AGE_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> timedelta:
    """`30d` → 30 days: a whole number and one of m (minutes), h, d, w."""
    raw = text.strip().lower()
    number, unit = raw[:-1], raw[-1:]
    if unit not in _AGE_UNITS or not number.isdigit() or int(number) == 0:
        raise UsageError(
            f"not an age: {text!r}", hint="e.g. --older-than 12h, 30d or 2w"
        )
    return timedelta(seconds=int(number) * _AGE_UNITS[unit])

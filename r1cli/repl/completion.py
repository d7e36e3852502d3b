"""Tab completion in the REPL: slash commands, their arguments, and file paths."""

from __future__ import annotations

from collections.abc import Iterator

from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    PathCompleter,
)
from prompt_toolkit.document import Document

from r1cli.repl import slash
from r1cli.repl.state import ChatState


class SlashCompleter(Completer):
    """Tab: slash commands, their arguments, and file paths after /file and /export."""

    def __init__(self, session: ChatState) -> None:
        self._session = session
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        if " " not in text:
            word = text[1:].lower()
            for command in slash.COMMANDS:
                if command.name.startswith(word):
                    yield Completion(
                        f"/{command.name}",
                        start_position=-len(text),
                        display_meta=command.help,
                    )
            return
        name, _, argument = text[1:].partition(" ")
        found = slash.find(name.lower())
        if found is None:
            return
        command = found
        argument = argument.lstrip()
        if command.complete == "path":
            sub = Document(argument, len(argument))
            yield from self._paths.get_completions(sub, complete_event)
            return
        if " " in argument:
            return  # only the first word of an argument is completed
        for value, meta in slash.argument_candidates(self._session, command):
            if value.lower().startswith(argument.lower()):
                yield Completion(
                    value, start_position=-len(argument), display_meta=meta
                )
